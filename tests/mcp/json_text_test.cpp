// The wire text helpers take a quick path for common messages and hand everything else to nlohmann:
// whatever path a text or value takes, the result must be exactly nlohmann's (values, number
// types, error messages, output bytes).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "transport/json_text.hpp"

using lh::mcp::Json;
namespace transport = lh::transport;

namespace {

// Equal values of equal types all the way down (nlohmann's == calls 1 and 1u and 1.0 equal).
bool identical(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(), other = b.begin(); it != a.end(); ++it, ++other) {
      if (it.key() != other.key() || !identical(it.value(), other.value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!identical(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

std::string nlohmann_error(const std::string& text) {
  try {
    const Json parsed = Json::parse(text);
    (void)parsed;
  } catch (const Json::exception& e) {
    std::string what = e.what();
    return what.substr(what.find("] ") + 2);
  }
  return "";
}

// Parses like nlohmann or fails like nlohmann, with the same message.
void check_parse_matches(const std::string& text) {
  INFO("text: " << text);
  std::string problem;
  const auto parsed = transport::parse_json(text, &problem);
  const std::string expected_error = nlohmann_error(text);
  if (expected_error.empty()) {
    REQUIRE(parsed.has_value());
    CHECK(identical(*parsed, Json::parse(text)));
  } else {
    CHECK_FALSE(parsed.has_value());
    CHECK(problem == expected_error);
  }
}

void check_wire_matches(const Json& value) {
  INFO("value: " << value.dump(-1, ' ', false, Json::error_handler_t::replace));
  CHECK(transport::to_wire(value) == value.dump(-1, ' ', false, Json::error_handler_t::replace));
  std::string appended = "prefix";
  transport::append_wire(appended, value);
  CHECK(appended == "prefix" + transport::to_wire(value));
}

}  // namespace

TEST_CASE("parse_json gives nlohmann's values and number types, or nlohmann's error") {
  const std::vector<std::string> texts = {
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}})",
      R"({"jsonrpc":"2.0","id":"abc","method":"ping"})",
      " \t\r\n{ \"a\" : [ 1 , -2 , 0 , -0 , true , false , null , \"x\" ] } \n",
      R"({"a":1,"a":2})",
      R"({"a":{"b":1},"a":[3]})",
      R"({})",
      R"([])",
      R"([[],{},[{}]])",
      R"("just a string")",
      R"(42)",
      R"(-42)",
      R"(123456789012345678)",
      R"(1234567890123456789)",
      R"(18446744073709551615)",
      R"(18446744073709551616)",
      R"(-9223372036854775808)",
      R"(-9223372036854775809)",
      R"(1.5)",
      R"(1e3)",
      R"(1E-3)",
      R"(-0.0)",
      R"(1e400)",
      R"("esc \" \\ \/ \b \f \n \r \t end")",
      R"("\u00e9\u0041\ud83d\ude00")",
      R"("\ud800")",
      "\"caf\xc3\xa9\"",
      "\"bad \xff byte\"",
      "\"tab\tinside\"",
      "\"del \x7f inside\"",
      R"("\x")",
      R"(01)",
      R"(-01)",
      R"(-)",
      R"(--1)",
      R"(1.)",
      R"(.5)",
      R"(+1)",
      R"(tru)",
      R"(truex)",
      R"(nul)",
      R"(null null)",
      R"({"a":1,})",
      R"([1,])",
      R"({"a" 1})",
      R"({a:1})",
      R"({"a":1)",
      R"([1 2])",
      R"("unterminated)",
      "",
      "   ",
      "{} x",
      "// comment\n{}",
      std::string(200, '[') + std::string(200, ']'),
      std::string(200, '[') + std::string(199, ']'),
  };
  for (const auto& text : texts) check_parse_matches(text);
}

TEST_CASE("parse_json agrees with nlohmann on random mutations of a request line") {
  const std::string base =
      R"({"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a\nb","n":[1,-2,true,null]}}})";
  const std::string alphabet = "{}[]\":,\\ -0123456789.eEtrufalsn\x01\x7f\xc3\xa9";
  std::mt19937 random(12345);
  for (int round = 0; round < 4000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = random() % (text.size() + 1);
      switch (random() % 3) {
        case 0: text.insert(at, 1, alphabet[random() % alphabet.size()]); break;
        case 1:
          if (at < text.size()) text.erase(at, 1);
          break;
        default:
          if (at < text.size()) text[at] = alphabet[random() % alphabet.size()];
      }
    }
    check_parse_matches(text);
  }
}

TEST_CASE("to_wire writes nlohmann's compact text byte for byte") {
  const std::vector<Json> values = {
      Json::parse(R"({"id":1,"jsonrpc":"2.0","result":{"content":[{"text":"hello","type":"text"}]}})"),
      Json::object(),
      Json::array(),
      Json(nullptr),
      Json(true),
      Json(false),
      Json(0),
      Json(-1),
      Json(std::int64_t{-9223372036854775807LL - 1}),
      Json(std::uint64_t{18446744073709551615ULL}),
      Json(1.5),
      Json(-0.0),
      Json(1e300),
      Json(0.1),
      Json(std::numeric_limits<double>::quiet_NaN()),
      Json(std::numeric_limits<double>::infinity()),
      Json("plain"),
      Json("quote \" backslash \\ slash / newline \n tab \t bell \x07 del \x7f"),
      Json("caf\xc3\xa9 \xf0\x9f\x98\x80"),
      Json("invalid \xff\xfe utf-8"),
      Json{{"key with \"quote\"", 1}, {"caf\xc3\xa9", "x"}, {"bad\xff", "y"}, {"", nullptr}},
      Json::binary({1, 2, 3}),
      Json{{"nested", {{"a", {1, 2.5, "three", {{"four", Json::array()}}}}}}},
  };
  for (const auto& value : values) check_wire_matches(value);

  Json deep = 1;
  for (int i = 0; i < 300; ++i) deep = (i % 2 == 0) ? Json::array({std::move(deep)}) : Json{{"k", std::move(deep)}};
  check_wire_matches(deep);
}
