#include "skill/gateway/payload.hpp"

#include <cctype>

#include <fmt/format.h>

namespace lh::skill::gateway {
namespace {

using Json = nlohmann::json;

// Long upstream answers (stack traces, whole HTML error pages) stay out of error messages.
std::string shortened(std::string_view text, std::size_t limit = 400) {
  std::size_t begin = 0;
  while (begin < text.size() && std::isspace(static_cast<unsigned char>(text[begin])) != 0) ++begin;
  text.remove_prefix(begin);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  if (text.size() <= limit) return std::string(text);
  return fmt::format("{}... ({} more bytes)", text.substr(0, limit), text.size() - limit);
}

std::string json_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A non-empty "error" member: a string with text, a non-empty object/array, true, or a number.
bool carries_error(const Json& value) {
  if (!value.is_object()) return false;
  auto found = value.find("error");
  if (found == value.end() || found->is_null()) return false;
  if (found->is_string()) return !shortened(found->get_ref<const std::string&>()).empty();
  if (found->is_boolean()) return found->get<bool>();
  if (found->is_object() || found->is_array()) return !found->empty();
  return true;
}

std::size_t text_block_count(const Json& content) {
  std::size_t count = 0;
  if (!content.is_array()) return 0;
  for (const auto& block : content) {
    if (block.is_object() && block.value("type", "") == "text") ++count;
  }
  return count;
}

}  // namespace

bool starts_with_error_word(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
  constexpr std::string_view kWord = "error";
  if (text.size() - i < kWord.size()) return false;
  for (std::size_t k = 0; k < kWord.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(text[i + k])) != kWord[k]) return false;
  }
  // "Error: ...", "ERROR retrieving ...", but not "Errors found: 0" or "Errorless".
  const std::size_t after = i + kWord.size();
  return after == text.size() || std::isalnum(static_cast<unsigned char>(text[after])) == 0;
}

PayloadReading read_payload(const mcp::ToolResult& result) {
  PayloadReading reading;
  reading.text = result.joined_text();
  const bool has_content = result.content.is_array() && !result.content.empty();
  const bool has_structured = result.structured_content && !result.structured_content->is_null();

  if (has_structured) {
    const Json& structured = *result.structured_content;
    if (structured.is_object() && structured.size() == 1 && structured.contains("result")) {
      reading.value = structured["result"];
    } else {
      reading.value = structured;
    }
  } else if (text_block_count(result.content) == 1) {
    Json parsed = Json::parse(reading.text, nullptr, /*allow_exceptions=*/false);
    reading.value = parsed.is_discarded() ? Json{{"text", reading.text}} : std::move(parsed);
  } else {
    reading.value = Json{{"text", reading.text}};
  }

  if (result.is_error) {
    const std::string why = reading.text.empty() ? json_text(reading.value) : reading.text;
    reading.error = fmt::format("answered isError: {}", shortened(why));
  } else if (!has_content && !has_structured) {
    reading.error = "answered with empty content (no result; the upstream may have swallowed an HTTP failure)";
  } else if (carries_error(reading.value)) {
    reading.error = fmt::format("answered with an error payload: {}", shortened(json_text(reading.value["error"])));
  } else if (reading.value.is_string() && starts_with_error_word(reading.value.get_ref<const std::string&>())) {
    reading.error = fmt::format("answered with an error text: {}", shortened(reading.value.get_ref<const std::string&>()));
  } else if (!reading.value.is_object() || reading.value.contains("text")) {
    if (starts_with_error_word(reading.text)) {
      reading.error = fmt::format("answered with an error text: {}", shortened(reading.text));
    }
  }
  return reading;
}

}  // namespace lh::skill::gateway
