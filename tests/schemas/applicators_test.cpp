// anyOf / oneOf / allOf / not / if-then-else and $ref (including recursion).

#include <doctest/doctest.h>

#include "tests/schemas/test_support.hpp"

using lh::schemas::Validator;
using lh::schemas::testing::Errors;
using lh::schemas::testing::errors_of;
using nlohmann::json;

TEST_CASE("anyOf passes when one branch matches and explains every branch otherwise") {
  const json nullable = json::parse(R"({"anyOf": [{"type": "string", "minLength": 2}, {"type": "null"}]})");
  CHECK(errors_of(nullable, "ab").empty());
  CHECK(errors_of(nullable, nullptr).empty());
  CHECK(errors_of(nullable, 5) == Errors{"arguments: must match at least one schema in anyOf: "
                                         "[0] must be string, got integer; [1] must be null, got integer"});
  CHECK(errors_of(nullable, "a") == Errors{"arguments: must match at least one schema in anyOf: "
                                           "[0] must be at least 2 characters long; [1] must be null, got string"});
  SUBCASE("deeper failures inside a branch show their relative path") {
    const json schema = json::parse(R"({"anyOf": [{"properties": {"a": {"type": "integer"}}}, {"type": "array"}]})");
    CHECK(errors_of(schema, json{{"a", "x"}}) ==
          Errors{"arguments: must match at least one schema in anyOf: "
                 "[0] .a: must be integer, got string; [1] must be array, got object"});
  }
}

TEST_CASE("oneOf requires exactly one match") {
  const json schema = json::parse(R"({"oneOf": [{"type": "integer"}, {"minimum": 10}, {"type": "string"}]})");
  CHECK(errors_of(schema, 3).empty());
  CHECK(errors_of(schema, "x") ==  // "minimum" ignores strings, so [1] matches as well
        Errors{"arguments: must match exactly one schema in oneOf, but matches [1] and [2]"});
  CHECK(errors_of(schema, 12) == Errors{"arguments: must match exactly one schema in oneOf, but matches [0] and [1]"});
  CHECK(errors_of(schema, 12.5).empty());  // only [1]
  CHECK(errors_of(schema, 2.5) == Errors{"arguments: must match exactly one schema in oneOf, but matches none: "
                                         "[0] must be integer, got number; [1] must be >= 10; "
                                         "[2] must be string, got number"});
  const json three = json::parse(R"({"oneOf": [true, {}, {"type": "null"}]})");
  CHECK(errors_of(three, nullptr) ==
        Errors{"arguments: must match exactly one schema in oneOf, but matches [0], [1] and [2]"});
}

TEST_CASE("allOf reports the failures of every branch directly") {
  const json schema = json::parse(R"({"allOf": [{"type": "integer"}, {"minimum": 5}, {"multipleOf": 2}]})");
  CHECK(errors_of(schema, 6).empty());
  CHECK(errors_of(schema, 3) == Errors{"arguments: must be >= 5", "arguments: must be a multiple of 2"});
}

TEST_CASE("not inverts its schema") {
  const json schema = json::parse(R"({"not": {"enum": ["admin", "root"]}})");
  CHECK(errors_of(schema, "alice").empty());
  CHECK(errors_of(schema, "root") == Errors{R"(arguments: must not match the "not" schema)"});
}

TEST_CASE("if/then/else picks the branch from the condition") {
  const json schema = json::parse(R"({
    "if": {"properties": {"mode": {"const": "range"}}, "required": ["mode"]},
    "then": {"required": ["start", "end"]},
    "else": {"required": ["time_frame_hours"]}
  })");
  CHECK(errors_of(schema, json{{"mode", "range"}, {"start", 1}, {"end", 2}}).empty());
  CHECK(errors_of(schema, json{{"mode", "range"}, {"start", 1}}) ==
        Errors{R"(arguments: missing required property "end")"});
  CHECK(errors_of(schema, json{{"mode", "relative"}}) ==
        Errors{R"(arguments: missing required property "time_frame_hours")"});
}

TEST_CASE("$ref into $defs, definitions and the root") {
  SUBCASE("$defs") {
    const json schema = json::parse(R"({
      "type": "object",
      "$defs": {"technique": {"enum": ["psexec", "wmi"]}},
      "properties": {"technique": {"$ref": "#/$defs/technique"},
                     "techniques": {"type": "array", "items": {"$ref": "#/$defs/technique"}}}
    })");
    CHECK(errors_of(schema, json{{"technique", "wmi"}, {"techniques", json::array({"psexec"})}}).empty());
    CHECK(errors_of(schema, json{{"technique", "rdp"}, {"techniques", json::array({"psexec", "wmi", "x"})}}) ==
          Errors{R"(arguments.technique: must be one of ["psexec", "wmi"])",
                 R"(arguments.techniques[2]: must be one of ["psexec", "wmi"])"});
  }
  SUBCASE("draft-07 definitions and escaped pointer tokens") {
    const json schema = json::parse(R"({
      "definitions": {"a/b": {"type": "integer"}, "with space": {"type": "string"}},
      "properties": {"x": {"$ref": "#/definitions/a~1b"}, "y": {"$ref": "#/definitions/with%20space"}}
    })");
    CHECK(errors_of(schema, json{{"x", 1}, {"y", "s"}}).empty());
    CHECK(errors_of(schema, json{{"x", "1"}, {"y", 2}}) ==
          Errors{"arguments.x: must be integer, got string", "arguments.y: must be string, got integer"});
  }
  SUBCASE("keywords beside $ref apply too (2020-12)") {
    const json schema = json::parse(R"({
      "$defs": {"count": {"type": "integer"}},
      "properties": {"n": {"$ref": "#/$defs/count", "maximum": 3}}
    })");
    CHECK(errors_of(schema, json{{"n", 9}}) == Errors{"arguments.n: must be <= 3"});
    CHECK(errors_of(schema, json{{"n", "9"}}) == Errors{"arguments.n: must be integer, got string"});
  }
  SUBCASE("recursion through the root") {
    const json tree = json::parse(R"({
      "type": "object",
      "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}},
      "required": ["name"],
      "additionalProperties": false
    })");
    const json good = json::parse(R"({"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]})");
    CHECK(errors_of(tree, good).empty());
    const json bad = json::parse(R"({"name": "a", "children": [{"name": "b", "children": [{"nam": "c"}]}]})");
    CHECK(errors_of(tree, bad) ==
          Errors{R"(arguments.children[0].children[0]: missing required property "name")",
                 "arguments.children[0].children[0].nam: unexpected property (additionalProperties is false)"});
  }
  SUBCASE("recursion through $defs, from an embedded schema") {
    const json linked = json::parse(R"({
      "$defs": {"node": {"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]},
                                                          "v": {"type": "integer"}}}},
      "$ref": "#/$defs/node"
    })");
    json deep = json{{"v", 0}, {"next", nullptr}};
    for (int i = 1; i < 200; ++i) deep = json{{"v", i}, {"next", deep}};
    CHECK(errors_of(linked, deep).empty());
    CHECK(errors_of(linked, json{{"v", 1}, {"next", {{"v", "two"}, {"next", nullptr}}}}) ==
          Errors{"arguments.next: must match at least one schema in anyOf: "
                 "[0] .v: must be integer, got string; [1] must be null, got object"});
  }
}

TEST_CASE("instances nested deeper than the limit are refused, not walked into a stack overflow") {
  const json list = json::parse(R"({"type": "object", "properties": {"next": {"$ref": "#"}}})");
  json deep = json::object();
  for (int i = 0; i < 5000; ++i) deep = json{{"next", std::move(deep)}};
  const auto errors = Validator(list).validate(deep);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "nested more than 512 levels deep; not validated");
  CHECK(errors[0].path.size() == std::string("arguments").size() + 513 * std::string(".next").size());

  const json nullable_list = json::parse(R"({"anyOf": [{"type": "null"}, {"type": "object", "properties": {"next": {"$ref": "#"}}}]})");
  CHECK_FALSE(Validator(nullable_list).validate(deep).empty());
}
