#include "tests/bad_input/catalogue.hpp"

namespace lh::test {

const char* to_string(Category category) {
  switch (category) {
    case Category::wrong_type: return "wrong_type";
    case Category::out_of_range: return "out_of_range";
    case Category::huge: return "huge";
    case Category::invalid_utf8: return "invalid_utf8";
    case Category::malformed_query: return "malformed_query";
    case Category::injection: return "injection";
    case Category::unknown_technique: return "unknown_technique";
    case Category::nonexistent_id: return "nonexistent_id";
    case Category::missing_field: return "missing_field";
    case Category::unknown_field: return "unknown_field";
    case Category::empty_string: return "empty_string";
    case Category::null_value: return "null_value";
    case Category::protocol: return "protocol";
  }
  return "?";
}

Expect rpc_error(int code, std::vector<std::string> text_has) {
  Expect expect;
  expect.kind = Expect::Kind::rpc_error;
  expect.code = code;
  expect.text_has = std::move(text_has);
  return expect;
}

Expect tool_error(std::vector<std::string> text_has) {
  Expect expect;
  expect.kind = Expect::Kind::tool_error;
  expect.text_has = std::move(text_has);
  return expect;
}

Expect tool_result(std::vector<std::string> text_has, std::function<std::string(const Json&)> check) {
  Expect expect;
  expect.kind = Expect::Kind::tool_result;
  expect.text_has = std::move(text_has);
  expect.check = std::move(check);
  return expect;
}

Expect http_status(int status) {
  Expect expect;
  expect.kind = Expect::Kind::http_status;
  expect.code = status;
  return expect;
}

std::string result_text(const Json& result) {
  std::string text;
  if (!result.is_object() || !result.contains("content") || !result["content"].is_array()) return text;
  for (const auto& block : result["content"]) {
    if (block.is_object() && block.value("type", "") == "text" && block.contains("text") && block["text"].is_string()) {
      if (!text.empty()) text += "\n";
      text += block["text"].get<std::string>();
    }
  }
  return text;
}

}  // namespace lh::test
