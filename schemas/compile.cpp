// Turns a JSON Schema document into the Node tree of compiled_schema.hpp, checking every keyword it
// understands so that a broken tool schema fails at registration, not on the first tools/call.

#include <cmath>
#include <deque>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "schemas/compiled_schema.hpp"
#include "schemas/validator.hpp"

namespace lh::schemas::detail {
namespace {

using nlohmann::json;

[[noreturn]] void fail_at(const std::string& location, const std::string& message) {
  throw SchemaError("invalid JSON Schema at " + location + ": " + message);
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(const std::string& location, std::string_view token) {
  return location + "/" + escape_pointer_token(token);
}

std::string child(const std::string& location, std::string_view keyword, std::size_t index) {
  return location + "/" + std::string(keyword) + "/" + std::to_string(index);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "$ref" values are URI fragments, so "%25" etc. may appear; JSON Pointer escapes (~0, ~1) stay as they are.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::optional<unsigned> type_bit(const std::string& name) {
  if (name == "null") return kNullType;
  if (name == "boolean") return kBooleanType;
  if (name == "object") return kObjectType;
  if (name == "array") return kArrayType;
  if (name == "number") return kNumberType;
  if (name == "integer") return kIntegerType;
  if (name == "string") return kStringType;
  return std::nullopt;
}

class Compiler {
 public:
  explicit Compiler(CompiledSchema& compiled) : compiled_(compiled) {}

  void run() {
    compiled_.root = compile(compiled_.document, "#");
    resolve_references();
    reject_reference_cycles();
  }

 private:
  const Node* compile(const json& schema, const std::string& location) {
    if (auto known = by_location_.find(location); known != by_location_.end()) return known->second;
    if (!schema.is_object() && !schema.is_boolean()) {
      fail_at(location, std::string("a schema must be an object or a boolean, got ") + schema.type_name());
    }
    Node& node = *compiled_.nodes.emplace_back(std::make_unique<Node>());
    node.location = location;
    by_location_.emplace(location, &node);  // before descending, so recursive references find it
    if (schema.is_boolean()) {
      node.constant = schema.get<bool>();
      return &node;
    }
    fill(node, schema);
    return &node;
  }

  const Node* subschema(const json& object, std::string_view keyword, const std::string& location) {
    return compile(object.at(std::string(keyword)), child(location, keyword));
  }

  std::vector<const Node*> schema_list(const json& value, std::string_view keyword, const std::string& location) {
    if (!value.is_array() || value.empty()) {
      fail_at(child(location, keyword), "must be a non-empty array of schemas");
    }
    std::vector<const Node*> out;
    for (std::size_t i = 0; i < value.size(); ++i) out.push_back(compile(value[i], child(location, keyword, i)));
    return out;
  }

  static std::size_t non_negative_integer(const json& value, const std::string& location) {
    if (value.is_number_unsigned()) return value.get<std::size_t>();
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0) return value.get<std::size_t>();
    if (value.is_number_float()) {
      const double d = value.get<double>();
      if (d >= 0 && std::floor(d) == d && d < 1.8e19) return static_cast<std::size_t>(d);
    }
    fail_at(location, "must be a non-negative integer, got " + value.dump());
  }

  static json number(const json& value, const std::string& location) {
    if (!value.is_number()) fail_at(location, std::string("must be a number, got ") + value.type_name());
    return value;
  }

  static std::string string_value(const json& value, const std::string& location) {
    if (!value.is_string()) fail_at(location, std::string("must be a string, got ") + value.type_name());
    return value.get<std::string>();
  }

  static std::unique_ptr<Pattern> pattern(const json& value, const std::string& location) {
    std::string source = string_value(value, location);
    try {
      return std::make_unique<Pattern>(std::move(source));
    } catch (const std::invalid_argument& e) {
      fail_at(location, e.what());
    }
  }

  void fill(Node& node, const json& schema) {
    const std::string& at = node.location;
    auto has = [&](const char* keyword) { return schema.contains(keyword); };

    if (has("$ref")) {
      const std::string where = child(at, "$ref");
      pending_references_.emplace_back(&node, string_value(schema["$ref"], where), where);
    }
    if (has("type")) fill_types(node, schema["type"], child(at, "type"));
    if (has("enum")) {
      const json& values = schema["enum"];
      if (!values.is_array()) fail_at(child(at, "enum"), "must be an array");
      node.enum_values = values.get<std::vector<json>>();
    }
    if (has("const")) node.const_value = schema["const"];

    if (has("minimum")) node.minimum = number(schema["minimum"], child(at, "minimum"));
    if (has("maximum")) node.maximum = number(schema["maximum"], child(at, "maximum"));
    fill_exclusive_bound(schema, "exclusiveMinimum", node.minimum, node.exclusive_minimum, at);
    fill_exclusive_bound(schema, "exclusiveMaximum", node.maximum, node.exclusive_maximum, at);
    if (has("multipleOf")) {
      node.multiple_of = number(schema["multipleOf"], child(at, "multipleOf"));
      if (!(node.multiple_of->get<double>() > 0)) fail_at(child(at, "multipleOf"), "must be greater than 0");
    }

    if (has("minLength")) node.min_length = non_negative_integer(schema["minLength"], child(at, "minLength"));
    if (has("maxLength")) node.max_length = non_negative_integer(schema["maxLength"], child(at, "maxLength"));
    if (has("pattern")) node.pattern = pattern(schema["pattern"], child(at, "pattern"));

    fill_array_keywords(node, schema);
    fill_object_keywords(node, schema);

    if (has("allOf")) node.all_of = schema_list(schema["allOf"], "allOf", at);
    if (has("anyOf")) node.any_of = schema_list(schema["anyOf"], "anyOf", at);
    if (has("oneOf")) node.one_of = schema_list(schema["oneOf"], "oneOf", at);
    if (has("not")) node.not_schema = subschema(schema, "not", at);
    if (has("if")) {
      node.if_schema = subschema(schema, "if", at);
      if (has("then")) node.then_schema = subschema(schema, "then", at);
      if (has("else")) node.else_schema = subschema(schema, "else", at);
    }

    // Definitions are compiled even when nothing refers to them, so their mistakes surface too.
    for (const char* keyword : {"$defs", "definitions"}) {
      if (!has(keyword)) continue;
      const json& definitions = schema[keyword];
      if (!definitions.is_object()) fail_at(child(at, keyword), "must be an object of schemas");
      for (const auto& [name, definition] : definitions.items()) {
        compile(definition, child(child(at, keyword), name));
      }
    }
  }

  static void fill_types(Node& node, const json& value, const std::string& location) {
    auto add = [&](const json& name, const std::string& where) {
      if (!name.is_string()) fail_at(where, std::string("a type name must be a string, got ") + name.type_name());
      const auto bit = type_bit(name.get<std::string>());
      if (!bit) fail_at(where, "unknown type " + name.dump());
      node.types |= *bit;
      node.type_names.push_back(name.get<std::string>());
    };
    if (value.is_array()) {
      if (value.empty()) fail_at(location, "must not be an empty array");
      for (std::size_t i = 0; i < value.size(); ++i) add(value[i], location + "/" + std::to_string(i));
    } else {
      add(value, location);
    }
  }

  // 2020-12 uses numbers; draft-04 used booleans that turn "minimum"/"maximum" exclusive. Both are accepted
  // because tool schemas come from many generators.
  static void fill_exclusive_bound(const json& schema, const char* keyword, std::optional<json>& inclusive,
                                   std::optional<json>& exclusive, const std::string& at) {
    if (!schema.contains(keyword)) return;
    const json& value = schema[keyword];
    if (value.is_boolean()) {
      if (value.get<bool>() && inclusive) {
        exclusive = std::move(inclusive);
        inclusive.reset();
      }
      return;
    }
    exclusive = number(value, child(at, keyword));
  }

  void fill_array_keywords(Node& node, const json& schema) {
    const std::string& at = node.location;
    if (schema.contains("prefixItems")) node.prefix_items = schema_list(schema["prefixItems"], "prefixItems", at);
    if (schema.contains("items")) {
      const json& items = schema["items"];
      if (items.is_array()) {
        // Draft-07 tuple form: "items" is the prefix and "additionalItems" covers the rest.
        node.prefix_items = schema_list(items, "items", at);
        if (schema.contains("additionalItems")) node.items = subschema(schema, "additionalItems", at);
      } else {
        node.items = subschema(schema, "items", at);
      }
    }
    if (schema.contains("contains")) node.contains = subschema(schema, "contains", at);
    if (schema.contains("minItems")) node.min_items = non_negative_integer(schema["minItems"], child(at, "minItems"));
    if (schema.contains("maxItems")) node.max_items = non_negative_integer(schema["maxItems"], child(at, "maxItems"));
    if (schema.contains("uniqueItems")) {
      const json& value = schema["uniqueItems"];
      if (!value.is_boolean()) fail_at(child(at, "uniqueItems"), "must be a boolean");
      node.unique_items = value.get<bool>();
    }
  }

  void fill_object_keywords(Node& node, const json& schema) {
    const std::string& at = node.location;
    if (schema.contains("properties")) {
      const json& properties = schema["properties"];
      const std::string where = child(at, "properties");
      if (!properties.is_object()) fail_at(where, "must be an object of schemas");
      for (const auto& [name, property] : properties.items()) {
        node.properties.emplace(name, compile(property, child(where, name)));
      }
    }
    if (schema.contains("patternProperties")) {
      const json& patterns = schema["patternProperties"];
      const std::string where = child(at, "patternProperties");
      if (!patterns.is_object()) fail_at(where, "must be an object of schemas");
      for (const auto& [source, property] : patterns.items()) {
        const std::string property_at = child(where, source);
        PatternProperty entry;
        try {
          entry.pattern = std::make_unique<Pattern>(source);
        } catch (const std::invalid_argument& e) {
          fail_at(property_at, e.what());
        }
        entry.schema = compile(property, property_at);
        node.pattern_properties.push_back(std::move(entry));
      }
    }
    if (schema.contains("additionalProperties")) {
      const Node* additional = subschema(schema, "additionalProperties", at);
      if (!(additional->constant && *additional->constant)) node.additional_properties = additional;
    }
    if (schema.contains("required")) node.required = string_list(schema["required"], child(at, "required"));
    if (schema.contains("dependentRequired")) {
      const json& dependencies = schema["dependentRequired"];
      const std::string where = child(at, "dependentRequired");
      if (!dependencies.is_object()) fail_at(where, "must be an object of string arrays");
      for (const auto& [name, list] : dependencies.items()) {
        node.dependent_required.emplace_back(name, string_list(list, child(where, name)));
      }
    }
    if (schema.contains("propertyNames")) node.property_names = subschema(schema, "propertyNames", at);
    if (schema.contains("minProperties")) {
      node.min_properties = non_negative_integer(schema["minProperties"], child(at, "minProperties"));
    }
    if (schema.contains("maxProperties")) {
      node.max_properties = non_negative_integer(schema["maxProperties"], child(at, "maxProperties"));
    }
  }

  static std::vector<std::string> string_list(const json& value, const std::string& location) {
    if (!value.is_array()) fail_at(location, std::string("must be an array of strings, got ") + value.type_name());
    std::vector<std::string> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      out.push_back(string_value(value[i], location + "/" + std::to_string(i)));
    }
    return out;
  }

  struct PendingReference {
    PendingReference(Node* n, std::string r, std::string w) : node(n), reference(std::move(r)), where(std::move(w)) {}
    Node* node;
    std::string reference;
    std::string where;
  };

  // Only references inside the same document are supported: "#" and JSON Pointer fragments such as
  // "#/$defs/technique" or "#/definitions/technique". Tool schemas are self-contained.
  void resolve_references() {
    while (!pending_references_.empty()) {
      PendingReference pending = std::move(pending_references_.front());
      pending_references_.pop_front();
      const std::string& reference = pending.reference;
      if (reference.empty() || reference[0] != '#' || (reference.size() > 1 && reference[1] != '/')) {
        fail_at(pending.where, "unsupported reference \"" + reference +
                                   "\" (only \"#\" and \"#/...\" JSON Pointers into the same schema are supported)");
      }
      const auto decoded = percent_decode(reference);
      if (!decoded) fail_at(pending.where, "malformed percent-encoding in reference \"" + reference + "\"");
      const json* target = nullptr;
      try {
        const json::json_pointer pointer(decoded->substr(1));
        if (compiled_.document.contains(pointer)) target = &compiled_.document.at(pointer);
      } catch (const json::exception&) {
        fail_at(pending.where, "malformed JSON Pointer in reference \"" + reference + "\"");
      }
      if (target == nullptr) fail_at(pending.where, "reference \"" + reference + "\" points to nothing");
      pending.node->ref = compile(*target, *decoded);
    }
  }

  // A cycle made only of in-place applicators ($ref, allOf, anyOf, oneOf, not, if/then/else) would recurse
  // forever on any instance; refuse it here instead of overflowing the stack in validate().
  void reject_reference_cycles() const {
    enum class Mark { kUnvisited, kInProgress, kDone };
    std::unordered_map<const Node*, Mark> marks;
    auto visit = [&](auto&& self, const Node* node) -> void {
      Mark& mark = marks[node];
      if (mark == Mark::kDone) return;
      if (mark == Mark::kInProgress) {
        fail_at(node->location, "reference cycle that never descends into the instance (infinite recursion)");
      }
      mark = Mark::kInProgress;
      for (const Node* next : in_place_children(*node)) self(self, next);
      marks[node] = Mark::kDone;
    };
    for (const auto& node : compiled_.nodes) visit(visit, node.get());
  }

  static std::vector<const Node*> in_place_children(const Node& node) {
    std::vector<const Node*> out;
    for (const Node* n : {node.ref, node.not_schema, node.if_schema, node.then_schema, node.else_schema}) {
      if (n != nullptr) out.push_back(n);
    }
    for (const auto* list : {&node.all_of, &node.any_of, &node.one_of}) out.insert(out.end(), list->begin(), list->end());
    return out;
  }

  CompiledSchema& compiled_;
  std::unordered_map<std::string, const Node*> by_location_;
  std::deque<PendingReference> pending_references_;
};

}  // namespace

void compile(CompiledSchema& compiled) { Compiler(compiled).run(); }

}  // namespace lh::schemas::detail
