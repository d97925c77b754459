#include "transport/json_text.hpp"

namespace lh::transport {

std::string to_wire(const mcp::Json& message) {
  return message.dump(-1, ' ', false, mcp::Json::error_handler_t::replace);
}

std::optional<mcp::Json> parse_json(std::string_view text, std::string* error) {
  try {
    return mcp::Json::parse(text.begin(), text.end());
  } catch (const mcp::Json::exception& e) {
    // parse_error, and also out_of_range for a number beyond double's range such as 1e400: either
    // way the text is not a message we can use, and the reader thread must live on.
    if (error) {
      // Drop nlohmann's "[json.exception.parse_error.101] " prefix; the rest says where and why.
      std::string_view what = e.what();
      auto bracket = what.find("] ");
      *error = std::string(bracket == std::string_view::npos ? what : what.substr(bracket + 2));
    }
    return std::nullopt;
  }
}

mcp::Json jsonrpc_error(const mcp::Json& id, int code, std::string message) {
  return mcp::Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", std::move(message)}}}};
}

WireKind classify(const mcp::Json& message) {
  if (!message.is_object()) return WireKind::other;
  bool has_id = message.contains("id") && !message["id"].is_null();
  if (message.contains("method")) return has_id ? WireKind::request : WireKind::notification;
  if (message.contains("result") || message.contains("error")) return WireKind::response;
  return WireKind::other;
}

}  // namespace lh::transport
