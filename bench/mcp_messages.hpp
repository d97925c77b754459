#pragma once
// The few JSON-RPC messages the load generator sends, and a scan of the responses that is cheap enough
// not to dominate the measurement (full JSON parsing would cost the generator more than some servers).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lh::bench {

inline constexpr std::string_view kProtocolVersion = "2025-11-25";

inline std::string initialize_request(std::int64_t id) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
         R"(,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},)"
         R"("clientInfo":{"name":"bench_mcp_calls","version":"0.1.0"}}})";
}

inline std::string initialized_notification() { return R"({"jsonrpc":"2.0","method":"notifications/initialized"})"; }

// `text` must not need JSON escaping (the bench uses plain ASCII words).
inline std::string echo_call(std::int64_t id, std::string_view text) {
  std::string out;
  out.reserve(112 + text.size());
  out += R"({"jsonrpc":"2.0","id":)";
  out += std::to_string(id);
  out += R"(,"method":"tools/call","params":{"name":"echo","arguments":{"text":")";
  out += text;
  out += R"("}}})";
  return out;
}

struct ResponseSummary {
  std::int64_t id = -1;
  bool ok = false;  // a result that is not isError
};

// Finds the response in `text` (a JSON line, a JSON body or an SSE body). nullopt when `text` holds no
// response (a notification or a server-to-client request).
inline std::optional<ResponseSummary> scan_response(std::string_view text) {
  const bool has_result = text.find(R"("result":)") != std::string_view::npos;
  const bool has_error = text.find(R"("error":)") != std::string_view::npos;
  if (!has_result && !has_error) return std::nullopt;
  const std::size_t key = text.find(R"("id":)");
  if (key == std::string_view::npos) return std::nullopt;
  std::size_t at = key + 5;
  while (at < text.size() && text[at] == ' ') ++at;
  ResponseSummary summary;
  std::int64_t value = 0;
  bool digits = false;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
    value = value * 10 + (text[at] - '0');
    digits = true;
    ++at;
  }
  if (digits) summary.id = value;
  summary.ok = has_result && !has_error && text.find(R"("isError":true)") == std::string_view::npos;
  return summary;
}

}  // namespace lh::bench
