#include "skill/gateway/transient.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace lh::skill::gateway {
namespace {

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A standalone three-digit number 5xx or 429 (not part of a longer number such as an event count).
bool has_transient_status_code(std::string_view text) {
  for (std::size_t i = 0; i + 3 <= text.size(); ++i) {
    if (i > 0 && (is_digit(text[i - 1]) || text[i - 1] == '.')) continue;
    if (!is_digit(text[i]) || !is_digit(text[i + 1]) || !is_digit(text[i + 2])) continue;
    if (i + 3 < text.size() && (is_digit(text[i + 3]) || text[i + 3] == '.')) continue;
    const std::string_view code = text.substr(i, 3);
    if (code == "429" || (code[0] == '5' && code <= "599")) return true;
  }
  return false;
}

}  // namespace

bool mentions_transient_http_failure(std::string_view text) {
  const std::string lower = lowered(text);
  static constexpr std::string_view kPhrases[] = {
      "too many requests", "rate limit",        "ratelimit",         "resource_exhausted", "resource exhausted",
      "service unavailable", "bad gateway",     "gateway timeout",   "internal server error", "temporarily unavailable",
      "deadline exceeded", "deadline_exceeded", "connection reset",  "timed out"};
  for (std::string_view phrase : kPhrases) {
    if (lower.find(phrase) != std::string::npos) return true;
  }
  // A bare status code only counts next to a word that makes it an HTTP status.
  const bool speaks_http = lower.find("http") != std::string::npos || lower.find("status") != std::string::npos ||
                           lower.find("code") != std::string::npos;
  return speaks_http && has_transient_status_code(lower);
}

bool is_transient(const mcp::McpError& error) {
  switch (error.code()) {
    case mcp::error_code::request_timeout:
    case mcp::error_code::connection_closed:
    case mcp::error_code::internal_error:
      return true;
    case mcp::error_code::request_cancelled:
      return false;
    default:
      return mentions_transient_http_failure(error.message());
  }
}

}  // namespace lh::skill::gateway
