// lh_embed_json_schemas: the schemas in tests/schemas/data are compiled into this executable.

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "lh_schemas_tests_schemas.hpp"
#include "tests/schemas/test_support.hpp"

using lh::schemas::Validator;
using lh::schemas::testing::Errors;
using lh::schemas::testing::errors_of;
using nlohmann::json;
namespace fixtures = lh::schemas::test_fixtures;

TEST_CASE("embedded schemas are found by file name without .json") {
  CHECK(fixtures::schema_names() == std::vector<std::string_view>{"echo.input", "hunt.output"});
  const json& echo = fixtures::schema("echo.input");
  CHECK(echo.at("required") == json::array({"text"}));
  CHECK(echo.at("description").get<std::string>().find("Привет") != std::string::npos);
  CHECK(&fixtures::schema("echo.input") == &echo);  // parsed once
  CHECK_FALSE(lh::schemas::check_tool_schema(echo).has_value());
}

TEST_CASE("an unknown name throws and lists the known ones") {
  try {
    (void)fixtures::schema("nope");
    FAIL("expected std::out_of_range");
  } catch (const std::out_of_range& e) {
    CHECK(std::string(e.what()) == R"(no embedded JSON schema named "nope" (known: echo.input, hunt.output))");
  }
}

TEST_CASE("embedded schemas validate like any other") {
  const Validator echo(fixtures::schema("echo.input"));
  CHECK(errors_of(echo, json{{"text", "日本"}, {"repeat", 2}}).empty());
  CHECK(errors_of(echo, json{{"text", ""}, {"repeat", 11}, {"loud", true}}) ==
        Errors{"arguments.loud: unexpected property (additionalProperties is false)",
               "arguments.repeat: must be <= 10", "arguments.text: must be at least 1 character long"});

  const Validator hunt(fixtures::schema("hunt.output"));
  const json result = json::parse(R"({"findings": [{"technique": "wmi", "children": [{"technique": "smb"}]}]})");
  const auto errors = hunt.validate(result, "structuredContent");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].to_string() ==
        R"(structuredContent.findings[0].children[0].technique: must be one of ["psexec", "wmi", "winrm", "dcom"])");
}
