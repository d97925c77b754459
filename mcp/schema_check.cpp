#include "mcp/schema_check.hpp"

#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#if LH_MCP_HAVE_SCHEMAS
#include "schemas/validator.hpp"
#endif

namespace lh::mcp {

#if LH_MCP_HAVE_SCHEMAS

struct SchemaCheck::Impl {
  explicit Impl(const Json& schema) : validator(schema) {}
  schemas::Validator validator;
};

SchemaCheck::SchemaCheck(const Json& schema) {
  if (auto problem = schemas::check_tool_schema(schema)) throw std::invalid_argument(*problem);
  impl_ = std::make_unique<Impl>(schema);
}

std::string SchemaCheck::check(const Json& instance, std::string_view root) const {
  std::string out;
  for (const auto& error : impl_->validator.validate(instance, root)) {
    if (!out.empty()) out += "; ";
    out += error.to_string();
  }
  return out;
}

#else

namespace {

bool has_type(const Json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer() || (value.is_number_float() && value.get<double>() == static_cast<double>(static_cast<long long>(value.get<double>())));
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  return true;
}

void walk(const Json& schema, const Json& value, const std::string& path, std::vector<std::string>& errors) {
  if (!schema.is_object()) return;
  if (auto type = schema.find("type"); type != schema.end()) {
    bool ok = false;
    if (type->is_string()) {
      ok = has_type(value, type->get<std::string>());
    } else if (type->is_array()) {
      for (const auto& t : *type) ok = ok || (t.is_string() && has_type(value, t.get<std::string>()));
    } else {
      ok = true;
    }
    if (!ok) {
      errors.push_back(fmt::format("{}: must be of type {}", path, type->dump()));
      return;
    }
  }
  if (auto choices = schema.find("enum"); choices != schema.end() && choices->is_array()) {
    bool found = false;
    for (const auto& choice : *choices) found = found || choice == value;
    if (!found) errors.push_back(fmt::format("{}: must be one of {}", path, choices->dump()));
  }
  if (value.is_object()) {
    if (auto required = schema.find("required"); required != schema.end() && required->is_array()) {
      for (const auto& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          errors.push_back(fmt::format("{}.{}: is required", path, name.get<std::string>()));
        }
      }
    }
    if (auto properties = schema.find("properties"); properties != schema.end() && properties->is_object()) {
      for (const auto& [name, sub] : properties->items()) {
        if (auto it = value.find(name); it != value.end()) walk(sub, *it, path + "." + name, errors);
      }
    }
  }
  if (value.is_array()) {
    if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
      for (std::size_t i = 0; i < value.size(); ++i) walk(*items, value[i], fmt::format("{}[{}]", path, i), errors);
    }
  }
}

}  // namespace

struct SchemaCheck::Impl {
  Json schema;
};

SchemaCheck::SchemaCheck(const Json& schema) {
  if (!schema.is_object() || schema.value("type", Json()) != "object") {
    throw std::invalid_argument("schema must be a JSON object with \"type\": \"object\"");
  }
  impl_ = std::make_unique<Impl>(Impl{schema});
}

std::string SchemaCheck::check(const Json& instance, std::string_view root) const {
  std::vector<std::string> errors;
  walk(impl_->schema, instance, std::string(root), errors);
  std::string out;
  for (const auto& error : errors) {
    if (!out.empty()) out += "; ";
    out += error;
  }
  return out;
}

#endif

SchemaCheck::~SchemaCheck() = default;

}  // namespace lh::mcp
