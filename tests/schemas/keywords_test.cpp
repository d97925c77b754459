// Assertion keywords, one at a time: each accepts what it should and rejects with an exact message.

#include <doctest/doctest.h>

#include "tests/schemas/test_support.hpp"

using lh::schemas::Validator;
using lh::schemas::testing::Errors;
using lh::schemas::testing::errors_of;
using nlohmann::json;

TEST_CASE("ValidationError::to_string joins path and message") {
  const lh::schemas::ValidationError error{"arguments.limit", "must be <= 5"};
  CHECK(error.to_string() == "arguments.limit: must be <= 5");
}

TEST_CASE("type: single names, the integer/number distinction and type arrays") {
  CHECK(errors_of(json{{"type", "string"}}, "x").empty());
  CHECK(errors_of(json{{"type", "string"}}, 5) == Errors{"arguments: must be string, got integer"});
  CHECK(errors_of(json{{"type", "null"}}, nullptr).empty());
  CHECK(errors_of(json{{"type", "boolean"}}, true).empty());
  CHECK(errors_of(json{{"type", "boolean"}}, "true") == Errors{"arguments: must be boolean, got string"});
  CHECK(errors_of(json{{"type", "object"}}, json::array()) == Errors{"arguments: must be object, got array"});
  CHECK(errors_of(json{{"type", "array"}}, json::object()) == Errors{"arguments: must be array, got object"});

  SUBCASE("integer accepts integral floats such as 3.0 but not 3.5") {
    CHECK(errors_of(json{{"type", "integer"}}, 3).empty());
    CHECK(errors_of(json{{"type", "integer"}}, 3.0).empty());
    CHECK(errors_of(json{{"type", "integer"}}, json::parse("18446744073709551615")).empty());
    CHECK(errors_of(json{{"type", "integer"}}, 3.5) == Errors{"arguments: must be integer, got number"});
    CHECK(errors_of(json{{"type", "integer"}}, "3") == Errors{"arguments: must be integer, got string"});
  }
  SUBCASE("number accepts integers") {
    CHECK(errors_of(json{{"type", "number"}}, 3).empty());
    CHECK(errors_of(json{{"type", "number"}}, -2.5).empty());
    CHECK(errors_of(json{{"type", "number"}}, nullptr) == Errors{"arguments: must be number, got null"});
  }
  SUBCASE("an array of types accepts any of them and names them all") {
    const json schema = {{"type", json::array({"integer", "null"})}};
    CHECK(errors_of(schema, nullptr).empty());
    CHECK(errors_of(schema, 7).empty());
    CHECK(errors_of(schema, "7") == Errors{"arguments: must be integer or null, got string"});
    CHECK(errors_of(json{{"type", json::array({"string", "integer", "null"})}}, true) ==
          Errors{"arguments: must be string, integer or null, got boolean"});
  }
  SUBCASE("a type mismatch is reported alone, not followed by every other keyword") {
    CHECK(errors_of(json{{"type", "string"}, {"enum", json::array({"a"})}, {"minLength", 3}}, 5) ==
          Errors{"arguments: must be string, got integer"});
  }
}

TEST_CASE("enum and const use JSON equality (1 equals 1.0)") {
  const json techniques = {{"enum", json::array({"psexec", "wmi"})}};
  CHECK(errors_of(techniques, "wmi").empty());
  CHECK(errors_of(techniques, "winrm") == Errors{R"(arguments: must be one of ["psexec", "wmi"])"});
  CHECK(errors_of(json{{"enum", json::array({1, nullptr, json{{"a", 1}}})}}, 1.0).empty());
  CHECK(errors_of(json{{"enum", json::array({1, nullptr, json{{"a", 1}}})}}, json{{"a", 1}}).empty());
  CHECK(errors_of(json{{"enum", json::array({1, nullptr})}}, 2) == Errors{"arguments: must be one of [1, null]"});

  CHECK(errors_of(json{{"const", "fixed"}}, "fixed").empty());
  CHECK(errors_of(json{{"const", "fixed"}}, "other") == Errors{R"(arguments: must be equal to "fixed")"});
  CHECK(errors_of(json{{"const", json{{"k", json::array({1, 2})}}}}, json{{"k", json::array({1, 2})}}).empty());
  CHECK(errors_of(json{{"const", 0}}, false) == Errors{"arguments: must be equal to 0"});
}

TEST_CASE("numeric bounds") {
  const json hours = {{"type", "integer"}, {"minimum", 1}, {"maximum", 8760}};
  CHECK(errors_of(hours, 1).empty());
  CHECK(errors_of(hours, 8760).empty());
  CHECK(errors_of(hours, 8761) == Errors{"arguments: must be <= 8760"});
  CHECK(errors_of(hours, 0) == Errors{"arguments: must be >= 1"});

  const json open = {{"exclusiveMinimum", 0}, {"exclusiveMaximum", 1.5}};
  CHECK(errors_of(open, 0.25).empty());
  CHECK(errors_of(open, 0) == Errors{"arguments: must be > 0"});
  CHECK(errors_of(open, 1.5) == Errors{"arguments: must be < 1.5"});

  CHECK(errors_of(json{{"multipleOf", 5}}, 25).empty());
  CHECK(errors_of(json{{"multipleOf", 5}}, 26) == Errors{"arguments: must be a multiple of 5"});
  CHECK(errors_of(json{{"multipleOf", 0.1}}, 0.3).empty());

  SUBCASE("large unsigned and negative integers compare exactly") {
    CHECK(errors_of(json{{"maximum", -1}}, json::parse("18446744073709551615")) == Errors{"arguments: must be <= -1"});
    CHECK(errors_of(json{{"minimum", json::parse("9223372036854775808")}}, json::parse("9223372036854775807")) ==
          Errors{"arguments: must be >= 9223372036854775808"});
  }
  SUBCASE("draft-04 boolean exclusiveMinimum turns minimum exclusive") {
    CHECK(errors_of(json{{"minimum", 0}, {"exclusiveMinimum", true}}, 0) == Errors{"arguments: must be > 0"});
    CHECK(errors_of(json{{"minimum", 0}, {"exclusiveMinimum", false}}, 0).empty());
  }
  SUBCASE("numeric keywords ignore other types") {
    CHECK(errors_of(json{{"minimum", 10}}, "short").empty());
  }
}

TEST_CASE("string length counts Unicode code points, not bytes") {
  const json schema = {{"type", "string"}, {"minLength", 2}, {"maxLength", 3}};
  CHECK(errors_of(schema, "ab").empty());
  CHECK(errors_of(schema, "日本語").empty());            // 9 bytes, 3 code points
  CHECK(errors_of(schema, "😀😀").empty());               // 8 bytes, 2 code points
  CHECK(errors_of(schema, "é") == Errors{"arguments: must be at least 2 characters long"});
  CHECK(errors_of(schema, "日本語か") == Errors{"arguments: must be at most 3 characters long"});
  CHECK(errors_of(json{{"minLength", 1}}, "") == Errors{"arguments: must be at least 1 character long"});
  CHECK(errors_of(json{{"maxLength", 1}}, "ab") == Errors{"arguments: must be at most 1 character long"});
}

TEST_CASE("pattern searches anywhere unless anchored") {
  const json anchored = {{"pattern", "^[a-z]+$"}};
  CHECK(errors_of(anchored, "psexec").empty());
  CHECK(errors_of(anchored, "PsExec") == Errors{R"(arguments: must match pattern "^[a-z]+$")"});
  CHECK(errors_of(json{{"pattern", "\\d{4}"}}, "host-2024-a").empty());
  CHECK(errors_of(json{{"pattern", "\\d{4}"}}, "host-a") == Errors{R"(arguments: must match pattern "\d{4}")"});
  SUBCASE("Unicode classes work on UTF-8 text") {
    CHECK(errors_of(json{{"pattern", "^\\p{L}+$"}}, "Привет").empty());
    CHECK(errors_of(json{{"pattern", "^.$"}}, "日").empty());
  }
  SUBCASE("ECMAScript-only syntax (lookahead, back-references) still works") {
    const json no_admin = {{"pattern", "^(?!admin$).+$"}};
    CHECK(errors_of(no_admin, "alice").empty());
    CHECK(errors_of(no_admin, "admin").size() == 1);
    CHECK(errors_of(json{{"pattern", "^(a+)-\\1$"}}, "aa-aa").empty());
    CHECK(errors_of(json{{"pattern", "^(a+)-\\1$"}}, "aa-a").size() == 1);
  }
  SUBCASE("pattern ignores non-strings") { CHECK(errors_of(anchored, 42).empty()); }
}

TEST_CASE("format, title, description, default and unknown keywords are annotations only") {
  const json schema = {{"type", "string"}, {"format", "date-time"}, {"title", "T"}, {"description", "d"},
                       {"default", "x"}, {"examples", json::array({"y"})}, {"x-vendor", 1}, {"$comment", "c"}};
  CHECK(errors_of(schema, "not a date").empty());
}

TEST_CASE("boolean schemas") {
  CHECK(errors_of(json(true), json{{"any", "thing"}}).empty());
  CHECK(errors_of(json(false), 1) == Errors{"arguments: not allowed (the schema here is false)"});
  CHECK(errors_of(json::object(), json::array({1, "x"})).empty());
  CHECK(errors_of(json{{"properties", {{"gone", false}}}}, json{{"gone", 1}}) ==
        Errors{"arguments.gone: not allowed (the schema here is false)"});
}

TEST_CASE("arrays: items, prefixItems, sizes, uniqueness, contains") {
  const json techniques = {{"type", "array"},
                           {"items", {{"enum", json::array({"psexec", "wmi", "winrm"})}}},
                           {"minItems", 1},
                           {"maxItems", 3},
                           {"uniqueItems", true}};
  CHECK(errors_of(techniques, json::array({"psexec", "wmi"})).empty());
  CHECK(errors_of(techniques, json::array()) == Errors{"arguments: must contain at least 1 item, got 0"});
  CHECK(errors_of(techniques, json::array({"psexec", "wmi", "winrm", "wmi"})) ==
        Errors{"arguments: must contain at most 3 items, got 4",
               "arguments: items must be unique, but [1] and [3] are equal"});
  CHECK(errors_of(techniques, json::array({"psexec", "wmi", "dcom"})) ==
        Errors{R"(arguments[2]: must be one of ["psexec", "wmi", "winrm"])"});
  CHECK(errors_of(json{{"uniqueItems", true}}, json::array({1, 1.0})) ==
        Errors{"arguments: items must be unique, but [0] and [1] are equal"});
  CHECK(errors_of(json{{"uniqueItems", false}}, json::array({1, 1})).empty());

  SUBCASE("every bad item is reported, in index order") {
    CHECK(errors_of(json{{"items", {{"type", "integer"}}}}, json::array({1, "a", 2, nullptr})) ==
          Errors{"arguments[1]: must be integer, got string", "arguments[3]: must be integer, got null"});
  }
  SUBCASE("prefixItems with items:false is a closed tuple") {
    const json pair = json::parse(R"({"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false})");
    CHECK(errors_of(pair, json::array({"a", 1})).empty());
    CHECK(errors_of(pair, json::array({"a"})).empty());
    CHECK(errors_of(pair, json::array({1, "a"})) ==
          Errors{"arguments[0]: must be string, got integer", "arguments[1]: must be integer, got string"});
    CHECK(errors_of(pair, json::array({"a", 1, true})) == Errors{"arguments[2]: unexpected item (the array allows at most 2 items)"});
  }
  SUBCASE("prefixItems followed by an items schema for the rest") {
    const json schema = json::parse(R"({"prefixItems": [{"const": "head"}], "items": {"type": "integer"}})");
    CHECK(errors_of(schema, json::array({"head", 1, 2})).empty());
    CHECK(errors_of(schema, json::array({"head", 1, "x"})) == Errors{"arguments[2]: must be integer, got string"});
  }
  SUBCASE("draft-07 array form of items with additionalItems") {
    const json schema = json::parse(R"({"items": [{"type": "string"}], "additionalItems": false})");
    CHECK(errors_of(schema, json::array({"a"})).empty());
    CHECK(errors_of(schema, json::array({"a", "b"})) == Errors{"arguments[1]: unexpected item (the array allows at most 1 item)"});
  }
  SUBCASE("contains") {
    const json schema = {{"contains", {{"const", "wmi"}}}};
    CHECK(errors_of(schema, json::array({"psexec", "wmi"})).empty());
    CHECK(errors_of(schema, json::array({"psexec"})) ==
          Errors{R"(arguments: must contain at least one item matching the "contains" schema)"});
  }
}

TEST_CASE("objects: properties, required, additionalProperties and friends") {
  const json search = json::parse(R"({
    "type": "object",
    "properties": {
      "query": {"type": "string", "minLength": 1},
      "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
      "time_frame_hours": {"type": "integer", "maximum": 8760}
    },
    "required": ["query"],
    "additionalProperties": false
  })");
  CHECK(errors_of(search, json{{"query", "x"}, {"limit", 5}}).empty());
  CHECK(errors_of(search, json::object()) == Errors{R"(arguments: missing required property "query")"});
  CHECK(errors_of(search, json{{"query", "x"}, {"foo", 1}}) ==
        Errors{"arguments.foo: unexpected property (additionalProperties is false)"});
  CHECK(errors_of(search, json{{"query", "x"}, {"limit", "ten"}}) ==
        Errors{"arguments.limit: must be integer, got string"});
  CHECK(errors_of(search, json{{"query", "x"}, {"time_frame_hours", 9000}}) ==
        Errors{"arguments.time_frame_hours: must be <= 8760"});

  SUBCASE("all errors are collected, required first, then members by key") {
    CHECK(errors_of(search, json{{"zeta", 1}, {"limit", 0}, {"alpha", true}}) ==
          Errors{R"(arguments: missing required property "query")",
                 "arguments.alpha: unexpected property (additionalProperties is false)",
                 "arguments.limit: must be >= 1",
                 "arguments.zeta: unexpected property (additionalProperties is false)"});
  }
  SUBCASE("additionalProperties as a schema") {
    const json labels = {{"additionalProperties", {{"type", "string"}}}, {"properties", {{"n", {{"type", "integer"}}}}}};
    CHECK(errors_of(labels, json{{"n", 1}, {"a", "x"}}).empty());
    CHECK(errors_of(labels, json{{"n", 1}, {"a", 2}}) == Errors{"arguments.a: must be string, got integer"});
  }
  SUBCASE("additionalProperties true and absent allow anything") {
    CHECK(errors_of(json{{"additionalProperties", true}}, json{{"x", 1}}).empty());
    CHECK(errors_of(json{{"properties", {{"a", {{"type", "string"}}}}}}, json{{"x", 1}}).empty());
  }
  SUBCASE("patternProperties count as declared for additionalProperties") {
    const json schema = {{"patternProperties", {{"^x-", {{"type", "string"}}}}}, {"additionalProperties", false}};
    CHECK(errors_of(schema, json{{"x-a", "1"}}).empty());
    CHECK(errors_of(schema, json{{"x-a", 1}}) == Errors{"arguments.x-a: must be string, got integer"});
    CHECK(errors_of(schema, json{{"y", 1}}) == Errors{"arguments.y: unexpected property (additionalProperties is false)"});
  }
  SUBCASE("property names that are not plain identifiers are quoted in paths") {
    CHECK(errors_of(json{{"additionalProperties", false}}, json{{"odd key.with dot", 1}}) ==
          Errors{R"(arguments["odd key.with dot"]: unexpected property (additionalProperties is false))"});
  }
  SUBCASE("minProperties, maxProperties, propertyNames, dependentRequired") {
    CHECK(errors_of(json{{"minProperties", 1}}, json::object()) == Errors{"arguments: must have at least 1 property"});
    CHECK(errors_of(json{{"maxProperties", 1}}, json{{"a", 1}, {"b", 2}}) ==
          Errors{"arguments: must have at most 1 property"});
    CHECK(errors_of(json{{"propertyNames", {{"pattern", "^[a-z]+$"}}}}, json{{"ok", 1}, {"Bad", 2}}) ==
          Errors{R"(arguments.Bad: property name does not match the "propertyNames" schema)"});
    const json dependent = {{"dependentRequired", {{"start", json::array({"end"})}}}};
    CHECK(errors_of(dependent, json{{"start", 1}, {"end", 2}}).empty());
    CHECK(errors_of(dependent, json{{"end", 2}}).empty());
    CHECK(errors_of(dependent, json{{"start", 1}}) ==
          Errors{R"(arguments: missing property "end" (required when "start" is present))"});
  }
}

TEST_CASE("nested paths combine properties and array indexes") {
  const json schema = json::parse(R"({
    "type": "object",
    "properties": {
      "hosts": {"type": "array", "items": {
        "type": "object",
        "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}, "ports": {"type": "array", "items": {"type": "integer"}}},
        "required": ["name"]
      }}
    }
  })");
  const json instance = json::parse(R"({"hosts": [{"name": "ok"}, {"name": "NO", "ports": [1, "x"]}, {}]})");
  CHECK(errors_of(schema, instance) == Errors{R"(arguments.hosts[1].name: must match pattern "^[a-z]+$")",
                                              "arguments.hosts[1].ports[1]: must be integer, got string",
                                              R"(arguments.hosts[2]: missing required property "name")"});
}

TEST_CASE("the root name is configurable") {
  const Validator validator(json{{"type", "object"}, {"required", json::array({"content"})}});
  const auto errors = validator.validate(json::object(), "structuredContent");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path == "structuredContent");
  CHECK(errors[0].message == R"(missing required property "content")");
  CHECK(validator.validate(json::object()).at(0).path == "arguments");
}

TEST_CASE("a validator is reusable, movable and exposes its schema") {
  Validator first(json{{"type", "integer"}});
  Validator moved(std::move(first));
  CHECK(moved.schema() == json{{"type", "integer"}});
  for (int i = 0; i < 3; ++i) CHECK(errors_of(moved, "x") == Errors{"arguments: must be integer, got string"});
  CHECK(errors_of(moved, 5).empty());
}
