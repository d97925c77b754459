#pragma once
// The internal, pre-compiled form of a JSON Schema: one Node per (sub)schema, keywords already checked and
// converted, references already resolved to Node pointers. Shared by compile.cpp and validator.cpp only.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "schemas/pattern.hpp"

namespace lh::schemas::detail {

enum TypeBit : unsigned {
  kNullType = 1u << 0,
  kBooleanType = 1u << 1,
  kObjectType = 1u << 2,
  kArrayType = 1u << 3,
  kNumberType = 1u << 4,
  kIntegerType = 1u << 5,
  kStringType = 1u << 6,
};

struct Node;

struct PatternProperty {
  std::unique_ptr<Pattern> pattern;
  const Node* schema = nullptr;
};

struct Node {
  std::string location;  // JSON Pointer of this schema inside the document, e.g. "#/properties/limit"

  // Boolean schema (true accepts everything, false rejects everything).
  std::optional<bool> constant;

  const Node* ref = nullptr;

  // "type": bit set plus the names in schema order, for messages.
  unsigned types = 0;
  std::vector<std::string> type_names;

  std::optional<std::vector<nlohmann::json>> enum_values;
  std::optional<nlohmann::json> const_value;

  // Numbers (kept as JSON numbers so integers compare exactly).
  std::optional<nlohmann::json> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;

  // Strings (lengths in Unicode code points).
  std::optional<std::size_t> min_length, max_length;
  std::unique_ptr<Pattern> pattern;

  // Arrays.
  std::vector<const Node*> prefix_items;
  const Node* items = nullptr;  // items after prefix_items
  const Node* contains = nullptr;
  std::optional<std::size_t> min_items, max_items;
  bool unique_items = false;

  // Objects.
  std::map<std::string, const Node*, std::less<>> properties;
  std::vector<PatternProperty> pattern_properties;
  const Node* additional_properties = nullptr;  // nullptr: any additional property is allowed
  std::vector<std::string> required;
  std::vector<std::pair<std::string, std::vector<std::string>>> dependent_required;
  const Node* property_names = nullptr;
  std::optional<std::size_t> min_properties, max_properties;

  // Applicators that validate the same instance in place.
  std::vector<const Node*> all_of, any_of, one_of;
  const Node* not_schema = nullptr;
  const Node* if_schema = nullptr;
  const Node* then_schema = nullptr;
  const Node* else_schema = nullptr;

  bool rejects_everything() const { return constant.has_value() && !*constant; }
};

struct CompiledSchema {
  nlohmann::json document;
  std::vector<std::unique_ptr<Node>> nodes;  // owns every Node; pointers between them stay valid
  const Node* root = nullptr;
};

// Builds the node tree for `compiled.document`; throws SchemaError naming the schema location.
void compile(CompiledSchema& compiled);

}  // namespace lh::schemas::detail
