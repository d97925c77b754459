// Validation walk over the compiled tree. Runs in two modes: collecting (every violation, with its path
// and message) and probing (stop at the first violation, build no strings) for anyOf/oneOf/not/if/contains,
// where most branches are expected to fail.

#include "schemas/validator.hpp"

#include <cmath>
#include <limits>

#include "schemas/compiled_schema.hpp"

namespace lh::schemas {

using nlohmann::json;

std::string ValidationError::to_string() const { return path + ": " + message; }

namespace detail {
namespace {

const char* instance_type(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::binary: return "binary";
    case json::value_t::discarded: break;
  }
  return "discarded";
}

bool is_integral(const json& value) {
  if (value.is_number_integer()) return true;
  if (!value.is_number_float()) return false;
  const double d = value.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool has_type(unsigned types, const json& value) {
  switch (value.type()) {
    case json::value_t::null: return (types & kNullType) != 0;
    case json::value_t::boolean: return (types & kBooleanType) != 0;
    case json::value_t::object: return (types & kObjectType) != 0;
    case json::value_t::array: return (types & kArrayType) != 0;
    case json::value_t::string: return (types & kStringType) != 0;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return (types & kNumberType) != 0 || ((types & kIntegerType) != 0 && is_integral(value));
    default: return false;
  }
}

// Exact for integers of any sign and width, double precision otherwise. Returns <0, 0, >0.
int compare_numbers(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_unsigned = a.is_number_unsigned();
    const bool b_unsigned = b.is_number_unsigned();
    if (!a_unsigned && !b_unsigned) {
      const auto x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
      return (x > y) - (x < y);
    }
    if (a_unsigned && b_unsigned) {
      const auto x = a.get<std::uint64_t>(), y = b.get<std::uint64_t>();
      return (x > y) - (x < y);
    }
    if (a_unsigned) return -compare_numbers(b, a);
    const auto x = a.get<std::int64_t>();
    if (x < 0) return -1;
    const auto ux = static_cast<std::uint64_t>(x), y = b.get<std::uint64_t>();
    return (ux > y) - (ux < y);
  }
  const double x = a.get<double>(), y = b.get<double>();
  return (x > y) - (x < y);
}

bool is_multiple_of(const json& value, const json& divisor) {
  if (value.is_number_integer() && divisor.is_number_integer() && !value.is_number_unsigned() &&
      !divisor.is_number_unsigned()) {
    return value.get<std::int64_t>() % divisor.get<std::int64_t>() == 0;
  }
  const double quotient = value.get<double>() / divisor.get<double>();
  if (!std::isfinite(quotient)) return false;
  return std::fabs(quotient - std::round(quotient)) <= 1e-9 * std::max(1.0, std::fabs(quotient));
}

// Counts Unicode code points: every byte that is not a UTF-8 continuation byte starts one.
std::size_t code_points(const std::string& text) {
  std::size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0u) != 0x80u;
  return count;
}

std::string plural(std::size_t n, const char* singular, const char* several) {
  return std::to_string(n) + " " + (n == 1 ? singular : several);
}

std::string join_types(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::string join_values(const std::vector<json>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += values[i].dump();
  }
  return out + "]";
}

bool is_plain_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                       c == '-' || c == '$';
    if (!plain) return false;
  }
  return true;
}

// Deeper instances are refused rather than walked: a recursive schema follows the instance down, and the
// stack must not be the limit.
constexpr std::size_t kMaxDepth = 512;

class Walk {
 public:
  Walk(std::vector<ValidationError>* out, std::string_view root) : out_(out), path_(root) { path_.reserve(96); }

  bool collecting() const { return out_ != nullptr; }
  void report(std::string message) { out_->push_back({path_, std::move(message)}); }
  void report_at_child(std::string_view key, std::string message) {
    const std::size_t size = enter(key);
    report(std::move(message));
    leave(size);
  }
  const std::string& path() const { return path_; }

  // Path segments: ".name" for plain property names, ["odd name"] otherwise, [i] for array items.
  std::size_t enter(std::string_view key) {
    const std::size_t size = path_.size();
    if (is_plain_name(key)) {
      path_ += '.';
      path_ += key;
    } else {
      path_ += '[';
      path_ += json(std::string(key)).dump();
      path_ += ']';
    }
    return size;
  }
  std::size_t enter(std::size_t index) {
    const std::size_t size = path_.size();
    path_ += '[';
    path_ += std::to_string(index);
    path_ += ']';
    return size;
  }
  void leave(std::size_t size) { path_.resize(size); }

  // A probe never reports; it only answers valid or not. `nested` is 1 when `value` is a child.
  bool probe(const Node& node, const json& value, std::size_t nested = 0) const;

  bool check(const Node& node, const json& value);

 private:
  bool check_number(const Node& node, const json& value);
  bool check_string(const Node& node, const json& value);
  bool check_array(const Node& node, const json& value);
  bool check_object(const Node& node, const json& value);
  bool check_applicators(const Node& node, const json& value);
  bool check_child(const Node& node, const json& value, std::string_view key);
  bool check_child(const Node& node, const json& value, std::size_t index);
  std::string describe_branches(const std::vector<const Node*>& branches, const json& value) const;

  bool too_deep();

  std::vector<ValidationError>* out_;
  std::string path_;
  std::size_t depth_ = 0;
};

bool Walk::probe(const Node& node, const json& value, std::size_t nested) const {
  Walk quiet(nullptr, {});
  quiet.depth_ = depth_ + nested;
  if (quiet.depth_ > kMaxDepth) return false;
  return quiet.check(node, value);
}

bool Walk::too_deep() {
  if (depth_ < kMaxDepth) return false;
  if (collecting()) report("nested more than " + std::to_string(kMaxDepth) + " levels deep; not validated");
  return true;
}

bool Walk::check_child(const Node& node, const json& value, std::string_view key) {
  const std::size_t size = enter(key);
  bool ok = false;
  if (!too_deep()) {
    ++depth_;
    ok = check(node, value);
    --depth_;
  }
  leave(size);
  return ok;
}

bool Walk::check_child(const Node& node, const json& value, std::size_t index) {
  const std::size_t size = enter(index);
  bool ok = false;
  if (!too_deep()) {
    ++depth_;
    ok = check(node, value);
    --depth_;
  }
  leave(size);
  return ok;
}

bool Walk::check(const Node& node, const json& value) {
  if (node.constant) {
    if (*node.constant) return true;
    if (collecting()) report("not allowed (the schema here is false)");
    return false;
  }
  if (node.types != 0 && !has_type(node.types, value)) {
    // Every other keyword would only repeat the same mistake in other words.
    if (collecting()) report("must be " + join_types(node.type_names) + ", got " + instance_type(value));
    return false;
  }

  bool ok = true;
  if (node.ref != nullptr) {
    ok = check(*node.ref, value);
    if (!ok && !collecting()) return false;
  }
  if (node.const_value && !(value == *node.const_value)) {
    if (!collecting()) return false;
    ok = false;
    report("must be equal to " + node.const_value->dump());
  }
  if (node.enum_values) {
    bool found = false;
    for (const json& candidate : *node.enum_values) {
      if (value == candidate) {
        found = true;
        break;
      }
    }
    if (!found) {
      if (!collecting()) return false;
      ok = false;
      report("must be one of " + join_values(*node.enum_values));
    }
  }

  switch (value.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: ok = check_number(node, value) && ok; break;
    case json::value_t::string: ok = check_string(node, value) && ok; break;
    case json::value_t::array: ok = check_array(node, value) && ok; break;
    case json::value_t::object: ok = check_object(node, value) && ok; break;
    default: break;
  }
  if (!ok && !collecting()) return false;
  return check_applicators(node, value) && ok;
}

bool Walk::check_number(const Node& node, const json& value) {
  bool ok = true;
  auto violated = [&](std::string message) {
    ok = false;
    if (collecting()) report(std::move(message));
    return !collecting();  // true: stop now
  };
  if (node.minimum && compare_numbers(value, *node.minimum) < 0) {
    if (violated("must be >= " + node.minimum->dump())) return false;
  }
  if (node.maximum && compare_numbers(value, *node.maximum) > 0) {
    if (violated("must be <= " + node.maximum->dump())) return false;
  }
  if (node.exclusive_minimum && compare_numbers(value, *node.exclusive_minimum) <= 0) {
    if (violated("must be > " + node.exclusive_minimum->dump())) return false;
  }
  if (node.exclusive_maximum && compare_numbers(value, *node.exclusive_maximum) >= 0) {
    if (violated("must be < " + node.exclusive_maximum->dump())) return false;
  }
  if (node.multiple_of && !is_multiple_of(value, *node.multiple_of)) {
    if (violated("must be a multiple of " + node.multiple_of->dump())) return false;
  }
  return ok;
}

bool Walk::check_string(const Node& node, const json& value) {
  if (!node.min_length && !node.max_length && !node.pattern) return true;
  const auto& text = value.get_ref<const std::string&>();
  bool ok = true;
  if (node.min_length || node.max_length) {
    const std::size_t length = code_points(text);
    if (node.min_length && length < *node.min_length) {
      if (!collecting()) return false;
      ok = false;
      report("must be at least " + plural(*node.min_length, "character", "characters") + " long");
    }
    if (node.max_length && length > *node.max_length) {
      if (!collecting()) return false;
      ok = false;
      report("must be at most " + plural(*node.max_length, "character", "characters") + " long");
    }
  }
  if (node.pattern && !node.pattern->search(text)) {
    if (!collecting()) return false;
    ok = false;
    report("must match pattern \"" + node.pattern->source() + "\"");
  }
  return ok;
}

bool Walk::check_array(const Node& node, const json& value) {
  bool ok = true;
  const std::size_t size = value.size();
  if (node.min_items && size < *node.min_items) {
    if (!collecting()) return false;
    ok = false;
    report("must contain at least " + plural(*node.min_items, "item", "items") + ", got " + std::to_string(size));
  }
  if (node.max_items && size > *node.max_items) {
    if (!collecting()) return false;
    ok = false;
    report("must contain at most " + plural(*node.max_items, "item", "items") + ", got " + std::to_string(size));
  }
  for (std::size_t i = 0; i < size; ++i) {
    const Node* item = i < node.prefix_items.size() ? node.prefix_items[i] : node.items;
    if (item == nullptr) continue;
    if (item->rejects_everything()) {
      if (!collecting()) return false;
      ok = false;
      const std::size_t saved = enter(i);
      report("unexpected item (the array allows at most " + plural(node.prefix_items.size(), "item", "items") + ")");
      leave(saved);
      continue;
    }
    if (!check_child(*item, value[i], i)) {
      if (!collecting()) return false;
      ok = false;
    }
  }
  if (node.unique_items) {
    for (std::size_t i = 0; i < size; ++i) {
      for (std::size_t j = i + 1; j < size; ++j) {
        if (value[i] == value[j]) {
          if (!collecting()) return false;
          ok = false;
          report("items must be unique, but [" + std::to_string(i) + "] and [" + std::to_string(j) + "] are equal");
          i = size;  // one report is enough
          break;
        }
      }
    }
  }
  if (node.contains != nullptr) {
    bool found = false;
    for (std::size_t i = 0; i < size && !found; ++i) found = probe(*node.contains, value[i], 1);
    if (!found) {
      if (!collecting()) return false;
      ok = false;
      report("must contain at least one item matching the \"contains\" schema");
    }
  }
  return ok;
}

bool Walk::check_object(const Node& node, const json& value) {
  bool ok = true;
  for (const std::string& name : node.required) {
    if (!value.contains(name)) {
      if (!collecting()) return false;
      ok = false;
      report("missing required property \"" + name + "\"");
    }
  }
  for (const auto& [name, dependencies] : node.dependent_required) {
    if (!value.contains(name)) continue;
    for (const std::string& dependency : dependencies) {
      if (!value.contains(dependency)) {
        if (!collecting()) return false;
        ok = false;
        report("missing property \"" + dependency + "\" (required when \"" + name + "\" is present)");
      }
    }
  }
  if (node.min_properties && value.size() < *node.min_properties) {
    if (!collecting()) return false;
    ok = false;
    report("must have at least " + plural(*node.min_properties, "property", "properties"));
  }
  if (node.max_properties && value.size() > *node.max_properties) {
    if (!collecting()) return false;
    ok = false;
    report("must have at most " + plural(*node.max_properties, "property", "properties"));
  }
  const bool per_property = !node.properties.empty() || !node.pattern_properties.empty() ||
                            node.additional_properties != nullptr || node.property_names != nullptr;
  if (!per_property) return ok;

  for (const auto& [name, member] : value.items()) {
    if (node.property_names != nullptr && !probe(*node.property_names, json(name), 1)) {
      if (!collecting()) return false;
      ok = false;
      report_at_child(name, "property name does not match the \"propertyNames\" schema");
    }
    bool declared = false;
    if (auto property = node.properties.find(name); property != node.properties.end()) {
      declared = true;
      if (!check_child(*property->second, member, name)) {
        if (!collecting()) return false;
        ok = false;
      }
    }
    for (const PatternProperty& pattern : node.pattern_properties) {
      if (!pattern.pattern->search(name)) continue;
      declared = true;
      if (!check_child(*pattern.schema, member, name)) {
        if (!collecting()) return false;
        ok = false;
      }
    }
    if (declared || node.additional_properties == nullptr) continue;
    if (node.additional_properties->rejects_everything()) {
      if (!collecting()) return false;
      ok = false;
      report_at_child(name, "unexpected property (additionalProperties is false)");
    } else if (!check_child(*node.additional_properties, member, name)) {
      if (!collecting()) return false;
      ok = false;
    }
  }
  return ok;
}

// "[0] must be integer, got string; [1] must be null, got string": why each alternative failed, with
// paths shown relative to the current one when the failure is deeper.
std::string Walk::describe_branches(const std::vector<const Node*>& branches, const json& value) const {
  std::string out;
  for (std::size_t i = 0; i < branches.size(); ++i) {
    std::vector<ValidationError> errors;
    Walk branch(&errors, path_);
    branch.depth_ = depth_;
    branch.check(*branches[i], value);
    if (i > 0) out += "; ";
    out += "[" + std::to_string(i) + "] ";
    for (std::size_t e = 0; e < errors.size(); ++e) {
      if (e > 0) out += ", ";
      if (errors[e].path != path_) out += errors[e].path.substr(path_.size()) + ": ";
      out += errors[e].message;
    }
  }
  return out;
}

bool Walk::check_applicators(const Node& node, const json& value) {
  bool ok = true;
  for (const Node* branch : node.all_of) {
    if (!check(*branch, value)) {
      if (!collecting()) return false;
      ok = false;
    }
  }
  if (!node.any_of.empty()) {
    bool matched = false;
    for (const Node* branch : node.any_of) {
      if (probe(*branch, value)) {
        matched = true;
        break;
      }
    }
    if (!matched) {
      if (!collecting()) return false;
      ok = false;
      report("must match at least one schema in anyOf: " + describe_branches(node.any_of, value));
    }
  }
  if (!node.one_of.empty()) {
    std::vector<std::size_t> matches;
    for (std::size_t i = 0; i < node.one_of.size(); ++i) {
      if (probe(*node.one_of[i], value)) matches.push_back(i);
    }
    if (matches.size() != 1) {
      if (!collecting()) return false;
      ok = false;
      if (matches.empty()) {
        report("must match exactly one schema in oneOf, but matches none: " + describe_branches(node.one_of, value));
      } else {
        std::string which;
        for (std::size_t i = 0; i < matches.size(); ++i) {
          which += (i == 0 ? "" : (i + 1 == matches.size() ? " and " : ", ")) + ("[" + std::to_string(matches[i]) + "]");
        }
        report("must match exactly one schema in oneOf, but matches " + which);
      }
    }
  }
  if (node.not_schema != nullptr && probe(*node.not_schema, value)) {
    if (!collecting()) return false;
    ok = false;
    report("must not match the \"not\" schema");
  }
  if (node.if_schema != nullptr) {
    const Node* consequence = probe(*node.if_schema, value) ? node.then_schema : node.else_schema;
    if (consequence != nullptr && !check(*consequence, value)) {
      if (!collecting()) return false;
      ok = false;
    }
  }
  return ok;
}

}  // namespace
}  // namespace detail

Validator::Validator(json schema) : compiled_(std::make_unique<detail::CompiledSchema>()) {
  compiled_->document = std::move(schema);
  detail::compile(*compiled_);
}

Validator::~Validator() = default;
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;

std::vector<ValidationError> Validator::validate(const json& instance, std::string_view root) const {
  std::vector<ValidationError> errors;
  detail::Walk walk(&errors, root);
  walk.check(*compiled_->root, instance);
  return errors;
}

const json& Validator::schema() const { return compiled_->document; }

std::optional<std::string> check_tool_schema(const json& schema) {
  if (!schema.is_object()) return std::string("tool schema must be a JSON object, got ") + schema.type_name();
  const auto type = schema.find("type");
  if (type == schema.end()) return std::string("tool schema root must have \"type\": \"object\" (no \"type\" given)");
  if (*type != "object") return "tool schema root must have \"type\": \"object\", got \"type\": " + type->dump();
  try {
    Validator compiled(schema);
  } catch (const SchemaError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace lh::schemas
