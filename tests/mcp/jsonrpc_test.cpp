#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/log.hpp"
#include "mcp/server.hpp"
#include "mcp/types.hpp"

using lh::mcp::Json;
using lh::mcp::MessageKind;
namespace mcp = lh::mcp;

TEST_CASE("inspect_message classifies the four kinds") {
  CHECK(mcp::inspect_message(Json::parse(R"({"jsonrpc":"2.0","id":1,"method":"ping"})")).kind == MessageKind::request);
  CHECK(mcp::inspect_message(Json::parse(R"({"jsonrpc":"2.0","id":"a","method":"x","params":{}})")).kind ==
        MessageKind::request);
  CHECK(mcp::inspect_message(Json::parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})")).kind ==
        MessageKind::notification);
  CHECK(mcp::inspect_message(Json::parse(R"({"jsonrpc":"2.0","id":7,"result":{}})")).kind == MessageKind::response);
  CHECK(mcp::inspect_message(Json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})"))
            .kind == MessageKind::error);
}

TEST_CASE("inspect_message explains what is invalid") {
  struct Case {
    const char* text;
    const char* problem;
    Json id;
  };
  const std::vector<Case> cases = {
      {R"([1,2])", "message must be a JSON object, got array", nullptr},
      {R"("ping")", "message must be a JSON object, got string", nullptr},
      {R"({"id":1,"method":"ping"})", "\"jsonrpc\" must be \"2.0\"", 1},
      {R"({"jsonrpc":"1.0","id":"q","method":"ping"})", "\"jsonrpc\" must be \"2.0\"", "q"},
      {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", "\"id\" must be a string or an integer", nullptr},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", "\"id\" must be a string or an integer", nullptr},
      {R"({"jsonrpc":"2.0","id":{},"method":"ping"})", "\"id\" must be a string or an integer", nullptr},
      {R"({"jsonrpc":"2.0","id":3,"method":5})", "\"method\" must be a string", 3},
      {R"({"jsonrpc":"2.0","id":3,"method":"x","params":"no"})", "\"params\" must be an object or an array", 3},
      {R"({"jsonrpc":"2.0","id":3})", "message has neither \"method\" nor \"result\"/\"error\"", 3},
      {R"({"jsonrpc":"2.0","id":3,"result":{},"error":{}})", "a response must have exactly one of \"result\" and \"error\"", 3},
      {R"({"jsonrpc":"2.0","result":{}})", "a response must have an \"id\"", nullptr},
      {R"({"jsonrpc":"2.0","id":null,"result":{}})", "\"id\" must be a string or an integer", nullptr},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto check = mcp::inspect_message(Json::parse(c.text));
    CHECK(check.kind == MessageKind::invalid);
    CHECK(check.problem == c.problem);
    CHECK(check.id == c.id);
  }
}

TEST_CASE("parse_message reports -32700 with the parser's detail") {
  try {
    mcp::parse_message("{\"jsonrpc\": ");
    FAIL("expected a parse error");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == -32700);
    CHECK(std::string(e.what()).rfind("Parse error: ", 0) == 0);
  }
  CHECK(mcp::parse_message(R"({"a":1})")["a"] == 1);
}

// Regression (tests/fuzz/corpus/jsonrpc): nlohmann reports a number beyond double range as
// out_of_range, not parse_error; it must still be a -32700, never an escaping exception.
TEST_CASE("parse_message turns a number overflow into -32700") {
  for (const char* text : {R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":1e400}})", "[-1e309]", "1e400"}) {
    CAPTURE(text);
    try {
      mcp::parse_message(text);
      FAIL("expected a parse error");
    } catch (const mcp::McpError& e) {
      CHECK(e.code() == mcp::error_code::parse_error);
      CHECK(std::string(e.what()).find("Parse error: ") == 0);
      CHECK(std::string(e.what()).find("number overflow") != std::string::npos);
    }
  }
}

TEST_CASE("builders and McpError round trip") {
  CHECK(mcp::make_request(1, "ping").dump() == R"({"id":1,"jsonrpc":"2.0","method":"ping"})");
  CHECK(mcp::make_notification("n", Json{{"a", 1}}).dump() == R"({"jsonrpc":"2.0","method":"n","params":{"a":1}})");
  CHECK(mcp::make_result("x", nullptr).dump() == R"({"id":"x","jsonrpc":"2.0","result":{}})");
  auto error = mcp::make_error(2, -32002, "Resource not found: a://b", Json{{"uri", "a://b"}});
  CHECK(error["error"]["code"] == -32002);
  CHECK(error["error"]["data"]["uri"] == "a://b");
  auto back = mcp::McpError::from_json(error["error"]);
  CHECK(back.code() == -32002);
  CHECK(back.message() == "Resource not found: a://b");
  CHECK(mcp::McpError::from_json(Json("junk")).code() == -32603);
  CHECK(mcp::id_key(Json(5)) != mcp::id_key(Json("5")));
  CHECK(mcp::standard_message(-32601) == "Method not found");
}

TEST_CASE("protocol version negotiation helper") {
  for (auto version : mcp::kSupportedProtocolVersions) {
    CHECK(mcp::negotiate_protocol_version(version) == version);
  }
  CHECK(mcp::negotiate_protocol_version("2099-01-01") == "2025-11-25");
  CHECK(mcp::negotiate_protocol_version("") == "2025-11-25");
}

TEST_CASE("log levels parse and order") {
  CHECK(mcp::parse_log_level("warning") == mcp::LogLevel::warning);
  CHECK_FALSE(mcp::parse_log_level("verbose").has_value());
  CHECK(mcp::to_string(mcp::LogLevel::emergency) == "emergency");
}

TEST_CASE("the logger redacts registered secrets and keeps one line per call") {
  std::vector<std::string> lines;
  mcp::log::set_sink([&](std::string_view line) { lines.emplace_back(line); });
  const auto previous = mcp::log::level();
  mcp::log::set_level(mcp::log::Level::debug);
  mcp::log::add_secret("s3cr3t-token-value");
  mcp::log::info("test", "token={} and again {}", "s3cr3t-token-value", "s3cr3t-token-value");
  mcp::log::debug("test", "two\nlines");
  mcp::log::set_level(mcp::log::Level::error);
  mcp::log::warn("test", "dropped");
  mcp::log::set_level(previous);
  mcp::log::set_sink(nullptr);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("s3cr3t") == std::string::npos);
  CHECK(lines[0].find("token=*** and again ***") != std::string::npos);
  CHECK(lines[0].find("INFO [test]") != std::string::npos);
  CHECK(lines[1].find("two lines") != std::string::npos);
  CHECK(mcp::log::redact("x s3cr3t-token-value y") == "x *** y");
}

TEST_CASE("RFC 6570 level-1 template matching") {
  auto vars = mcp::match_uri_template("test://template/{id}/data", "test://template/42/data");
  REQUIRE(vars.has_value());
  CHECK(vars->at("id") == "42");
  CHECK_FALSE(mcp::match_uri_template("test://template/{id}/data", "test://template//data").has_value());
  CHECK_FALSE(mcp::match_uri_template("test://template/{id}/data", "test://template/a/b/data").has_value());
  CHECK_FALSE(mcp::match_uri_template("test://template/{id}/data", "test://template/a/datax").has_value());
  auto two = mcp::match_uri_template("hunt://{host}/events/{id}.json", "hunt://dc01/events/7.json");
  REQUIRE(two.has_value());
  CHECK(two->at("host") == "dc01");
  CHECK(two->at("id") == "7");
  CHECK(mcp::match_uri_template("plain://x", "plain://x").has_value());
  CHECK_FALSE(mcp::match_uri_template("bad://{a}{b}", "bad://xy").has_value());
}

TEST_CASE("ToolResult JSON round trip") {
  auto result = mcp::ToolResult::text("hello");
  result.add(mcp::image_content("AAAA", "image/png"));
  Json json = result.to_json();
  CHECK(json["content"].size() == 2);
  CHECK_FALSE(json.contains("isError"));
  auto back = mcp::ToolResult::from_json(json);
  CHECK(back.joined_text() == "hello");
  CHECK(mcp::ToolResult::error("boom").to_json()["isError"] == true);
}
