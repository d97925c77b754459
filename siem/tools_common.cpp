#include "siem/tools_common.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>

namespace lh::siem::tools {

std::string title_of(std::string_view name) {
  std::string title;
  bool start = true;
  for (const char c : name) {
    if (c == '_') {
      title.push_back(' ');
      start = true;
      continue;
    }
    title.push_back(start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                          : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    start = false;
  }
  return title;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Signature& Signature::add(std::string_view name, Json property, bool required, std::string_view description) {
  if (!description.empty()) property["description"] = std::string(description);
  property["title"] = title_of(name);
  properties_[std::string(name)] = std::move(property);
  if (required) required_.emplace_back(name);
  return *this;
}

Signature& Signature::required_string(std::string_view name, std::string_view description) {
  return add(name, Json{{"type", "string"}}, true, description);
}

Signature& Signature::required_string_list(std::string_view name, std::string_view description) {
  return add(name, Json{{"items", {{"type", "string"}}}, {"type", "array"}}, true, description);
}

Signature& Signature::required_enum(std::string_view name, const std::vector<std::string>& values,
                                    std::string_view description) {
  return add(name, Json{{"enum", values}, {"type", "string"}}, true, description);
}

Signature& Signature::integer(std::string_view name, std::int64_t value, std::string_view description) {
  return add(name, Json{{"default", value}, {"type", "integer"}}, false, description);
}

Signature& Signature::boolean(std::string_view name, bool value, std::string_view description) {
  return add(name, Json{{"default", value}, {"type", "boolean"}}, false, description);
}

Signature& Signature::string_default(std::string_view name, std::string_view value, std::string_view description) {
  return add(name, Json{{"default", std::string(value)}, {"type", "string"}}, false, description);
}

Signature& Signature::string_none(std::string_view name, std::string_view description) {
  return add(name, Json{{"default", nullptr}, {"type", "string"}}, false, description);
}

namespace {
Json nullable(Json type) { return Json{{"anyOf", Json::array({std::move(type), Json{{"type", "null"}}})}, {"default", nullptr}}; }
}  // namespace

Signature& Signature::optional_string(std::string_view name, std::string_view description) {
  return add(name, nullable(Json{{"type", "string"}}), false, description);
}

Signature& Signature::optional_integer(std::string_view name, std::string_view description) {
  return add(name, nullable(Json{{"type", "integer"}}), false, description);
}

Signature& Signature::optional_boolean(std::string_view name, std::string_view description) {
  return add(name, nullable(Json{{"type", "boolean"}}), false, description);
}

Signature& Signature::optional_string_list(std::string_view name, std::string_view description) {
  return add(name, nullable(Json{{"items", {{"type", "string"}}}, {"type", "array"}}), false, description);
}

Signature& Signature::tenant_optional() {
  optional_string("project_id");
  optional_string("customer_id");
  return optional_string("region");
}

Signature& Signature::tenant_str_none() {
  string_none("project_id");
  string_none("customer_id");
  return string_none("region");
}

Json Signature::schema() const {
  Json schema{{"properties", properties_}, {"title", tool_name_ + "Arguments"}, {"type", "object"}};
  if (!required_.empty()) schema["required"] = required_;
  return schema;
}

Json dict_output_schema(std::string_view tool_name) {
  return Json{{"additionalProperties", true}, {"title", std::string(tool_name) + "DictOutput"}, {"type", "object"}};
}

mcp::ToolResult dict_result(Json dict, bool structured) {
  mcp::ToolResult result;
  // Event text may carry bytes that are not UTF-8 (raw logs): replace them instead of failing the call.
  result.add_text(dict.dump(2, ' ', false, Json::error_handler_t::replace));
  if (structured) result.structured_content = std::move(dict);
  return result;
}

mcp::ToolResult text_result(std::string text) { return mcp::ToolResult::text(std::move(text)); }

namespace {
const Json* member(const Json& arguments, std::string_view name) {
  if (!arguments.is_object()) return nullptr;
  const auto it = arguments.find(std::string(name));
  if (it == arguments.end() || it->is_null()) return nullptr;
  return &*it;
}
}  // namespace

std::optional<std::string> optional_string(const Json& arguments, std::string_view name) {
  const Json* value = member(arguments, name);
  if (!value || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::string string_or(const Json& arguments, std::string_view name, std::string fallback) {
  auto value = optional_string(arguments, name);
  return value ? *value : std::move(fallback);
}

std::optional<std::int64_t> optional_integer(const Json& arguments, std::string_view name) {
  const Json* value = member(arguments, name);
  if (!value) return std::nullopt;
  // Beyond int64 (a huge unsigned or 1e300, which JSON Schema counts as an integer) saturates, so range
  // checks see a huge number instead of a wrapped or undefined one.
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (value->is_number_unsigned()) return value->get<std::uint64_t>() > static_cast<std::uint64_t>(kMax) ? kMax : value->get<std::int64_t>();
  if (value->is_number_integer()) return value->get<std::int64_t>();
  if (value->is_number()) {
    const double number = value->get<double>();
    if (!(number == number)) return std::nullopt;
    if (number >= 9.2e18) return kMax;
    if (number <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(number);
  }
  return std::nullopt;
}

std::int64_t integer_or(const Json& arguments, std::string_view name, std::int64_t fallback) {
  return optional_integer(arguments, name).value_or(fallback);
}

std::optional<bool> optional_boolean(const Json& arguments, std::string_view name) {
  const Json* value = member(arguments, name);
  if (!value || !value->is_boolean()) return std::nullopt;
  return value->get<bool>();
}

std::vector<std::string> string_list(const Json& arguments, std::string_view name) {
  std::vector<std::string> out;
  const Json* value = member(arguments, name);
  if (!value || !value->is_array()) return out;
  for (const auto& item : *value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::string> hours_back_problem(std::string_view what, std::int64_t hours_back) {
  if (hours_back >= 1 && hours_back <= kMaxHoursBack) return std::nullopt;
  return fmt::format("{}: hours_back must be 1-{}, got {}", what, kMaxHoursBack, hours_back);
}

void add_tool(mcp::Server& server, mcp::Tool tool) {
  std::vector<std::string> known;
  if (tool.input_schema.contains("properties") && tool.input_schema["properties"].is_object()) {
    for (const auto& [name, property] : tool.input_schema["properties"].items()) known.push_back(name);
  }
  // Clients pass the tenant arguments to every SecOps tool alike; the tools that do not declare them
  // (secops-soar-mcp's) ignore them, as upstream does.
  std::vector<std::string> tolerated = known;
  for (const char* tenant : {"project_id", "customer_id", "region"}) {
    if (std::find(tolerated.begin(), tolerated.end(), tenant) == tolerated.end()) tolerated.push_back(tenant);
  }
  auto handler = std::move(tool.handler);
  tool.handler = [name = tool.name, known, tolerated, handler = std::move(handler)](const Json& arguments,
                                                                                    mcp::ToolContext& context) {
    if (arguments.is_object()) {
      for (const auto& [key, value] : arguments.items()) {
        if (std::find(tolerated.begin(), tolerated.end(), key) != tolerated.end()) continue;
        return mcp::ToolResult::error(fmt::format(
            "Invalid arguments for tool {0}: arguments.{1}: unexpected property ({0} takes {2})", name, key,
            known.empty() ? std::string("no arguments") : fmt::format("{}", fmt::join(known, ", "))));
      }
    }
    return handler(arguments, context);
  };
  server.add_tool(std::move(tool));
}

mcp::ToolAnnotations read_only_annotations(std::string title) {
  mcp::ToolAnnotations annotations;
  annotations.title = std::move(title);
  annotations.read_only_hint = true;
  annotations.destructive_hint = false;
  annotations.idempotent_hint = true;
  annotations.open_world_hint = false;
  return annotations;
}

mcp::ToolAnnotations write_annotations(std::string title, bool destructive, bool idempotent) {
  mcp::ToolAnnotations annotations;
  annotations.title = std::move(title);
  annotations.read_only_hint = false;
  annotations.destructive_hint = destructive;
  annotations.idempotent_hint = idempotent;
  annotations.open_world_hint = false;
  return annotations;
}

}  // namespace lh::siem::tools
