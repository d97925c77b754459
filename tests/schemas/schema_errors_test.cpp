// Invalid schemas are refused at construction with the schema location; check_tool_schema for MCP tools.

#include <doctest/doctest.h>

#include <string>

#include "tests/schemas/test_support.hpp"

using lh::schemas::SchemaError;
using lh::schemas::Validator;
using lh::schemas::check_tool_schema;
using nlohmann::json;

namespace {

std::string construction_error(const json& schema) {
  try {
    Validator validator(schema);
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("SchemaError is a std::runtime_error") {
  CHECK_THROWS_AS(Validator(json(42)), std::runtime_error);
}

TEST_CASE("invalid schemas name the schema location and the problem") {
  CHECK(construction_error(json(42)) == "invalid JSON Schema at #: a schema must be an object or a boolean, got number");
  CHECK(construction_error(json::parse(R"({"type": "text"})")) == R"(invalid JSON Schema at #/type: unknown type "text")");
  CHECK(construction_error(json::parse(R"({"type": ["string", 3]})")) ==
        "invalid JSON Schema at #/type/1: a type name must be a string, got number");
  CHECK(construction_error(json::parse(R"({"type": []})")) == "invalid JSON Schema at #/type: must not be an empty array");
  CHECK(construction_error(json::parse(R"({"properties": {"limit": {"type": "integer", "minimum": "1"}}})")) ==
        "invalid JSON Schema at #/properties/limit/minimum: must be a number, got string");
  CHECK(construction_error(json::parse(R"({"properties": {"a": {"maxLength": -1}}})")) ==
        "invalid JSON Schema at #/properties/a/maxLength: must be a non-negative integer, got -1");
  CHECK(construction_error(json::parse(R"({"minItems": 1.5})")) ==
        "invalid JSON Schema at #/minItems: must be a non-negative integer, got 1.5");
  CHECK(construction_error(json::parse(R"({"items": 3})")) ==
        "invalid JSON Schema at #/items: a schema must be an object or a boolean, got number");
  CHECK(construction_error(json::parse(R"({"properties": []})")) ==
        "invalid JSON Schema at #/properties: must be an object of schemas");
  CHECK(construction_error(json::parse(R"({"required": "query"})")) ==
        "invalid JSON Schema at #/required: must be an array of strings, got string");
  CHECK(construction_error(json::parse(R"({"required": ["a", 1]})")) ==
        "invalid JSON Schema at #/required/1: must be a string, got number");
  CHECK(construction_error(json::parse(R"({"enum": "a"})")) == "invalid JSON Schema at #/enum: must be an array");
  CHECK(construction_error(json::parse(R"({"anyOf": []})")) ==
        "invalid JSON Schema at #/anyOf: must be a non-empty array of schemas");
  CHECK(construction_error(json::parse(R"({"oneOf": [{}, "x"]})")) ==
        "invalid JSON Schema at #/oneOf/1: a schema must be an object or a boolean, got string");
  CHECK(construction_error(json::parse(R"({"multipleOf": 0})")) ==
        "invalid JSON Schema at #/multipleOf: must be greater than 0");
  CHECK(construction_error(json::parse(R"({"uniqueItems": "yes"})")) ==
        "invalid JSON Schema at #/uniqueItems: must be a boolean");
  CHECK(construction_error(json::parse(R"({"$defs": {"bad": {"type": 1}}})")) ==
        "invalid JSON Schema at #/$defs/bad/type: a type name must be a string, got number");
}

TEST_CASE("invalid regular expressions are refused") {
  const std::string message = construction_error(json::parse(R"({"properties": {"name": {"pattern": "([a-z"}}})"));
  CHECK(message.rfind("invalid JSON Schema at #/properties/name/pattern: invalid regular expression \"([a-z\"", 0) == 0);
  CHECK(construction_error(json::parse(R"({"patternProperties": {"(": {}}})"))
            .rfind("invalid JSON Schema at #/patternProperties/(: invalid regular expression", 0) == 0);
}

TEST_CASE("references must resolve inside the document and must not loop in place") {
  CHECK(construction_error(json::parse(R"({"$ref": "#/$defs/missing"})")) ==
        R"(invalid JSON Schema at #/$ref: reference "#/$defs/missing" points to nothing)");
  CHECK(construction_error(json::parse(R"({"$ref": "https://example.com/schema.json"})")) ==
        "invalid JSON Schema at #/$ref: unsupported reference \"https://example.com/schema.json\" "
        "(only \"#\" and \"#/...\" JSON Pointers into the same schema are supported)");
  CHECK(construction_error(json::parse(R"({"$ref": "#anchor"})")).find("unsupported reference \"#anchor\"") !=
        std::string::npos);
  CHECK(construction_error(json::parse(R"({"$ref": 5})")) == "invalid JSON Schema at #/$ref: must be a string, got number");
  CHECK(construction_error(json::parse(R"({"$ref": "#"})")) ==
        "invalid JSON Schema at #: reference cycle that never descends into the instance (infinite recursion)");
  CHECK(construction_error(json::parse(R"({"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/b"}]}, "b": {"$ref": "#/$defs/a"}},
                                          "properties": {"x": {"$ref": "#/$defs/a"}}})"))
            .find("reference cycle that never descends into the instance") != std::string::npos);
  CHECK(construction_error(json::parse(R"({"properties": {"self": {"$ref": "#"}}})")) == "<no error>");
}

TEST_CASE("check_tool_schema wants a compilable object schema with type object at the root") {
  CHECK_FALSE(check_tool_schema(json::parse(R"({"type": "object", "properties": {}})")).has_value());
  CHECK(check_tool_schema(json::parse(R"({"type": "object"})")) == std::nullopt);
  CHECK(check_tool_schema(json::parse(R"({"type": "array"})")) ==
        std::optional<std::string>(R"(tool schema root must have "type": "object", got "type": "array")"));
  CHECK(check_tool_schema(json::parse(R"({"properties": {}})")) ==
        std::optional<std::string>(R"(tool schema root must have "type": "object" (no "type" given))"));
  CHECK(check_tool_schema(json::parse(R"({"type": ["object", "null"]})")).has_value());
  CHECK(check_tool_schema(json(true)) == std::optional<std::string>("tool schema must be a JSON object, got boolean"));
  CHECK(check_tool_schema(json::parse(R"({"type": "object", "properties": {"a": {"minimum": "x"}}})")) ==
        std::optional<std::string>("invalid JSON Schema at #/properties/a/minimum: must be a number, got string"));
}
