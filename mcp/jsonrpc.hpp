// JSON-RPC 2.0 as MCP uses it: message classification and validation, the error codes, the one
// exception type of the mcp layer, and builders for requests, notifications and responses.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mcp/transport.hpp"

namespace lh::mcp {

namespace error_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
// MCP: resources/read of an unknown URI.
inline constexpr int resource_not_found = -32002;
// Local failures of an outgoing request (never sent by a peer; same values as the TypeScript SDK).
inline constexpr int connection_closed = -32000;
inline constexpr int request_timeout = -32001;
// Local: the caller cancelled an outgoing request.
inline constexpr int request_cancelled = -32800;
}  // namespace error_code

// The one exception of the mcp layer. Request handlers throw it to answer with a JSON-RPC error;
// outgoing requests throw it when the peer answered with an error, timed out, were cancelled or the
// connection closed (see error_code).
class McpError : public std::runtime_error {
 public:
  McpError(int code, std::string message, std::optional<Json> data = std::nullopt);

  int code() const noexcept { return code_; }
  // Same text as what().
  const std::string& message() const noexcept { return message_; }
  const std::optional<Json>& data() const noexcept { return data_; }

  // {"code", "message", "data"?}
  Json to_json() const;
  // From a JSON-RPC "error" member; tolerant of a malformed one (becomes internal_error).
  static McpError from_json(const Json& error);

 private:
  int code_{};
  std::string message_{};
  std::optional<Json> data_{};
};

enum class MessageKind {
  request,       // method + id
  notification,  // method, no id
  response,      // id + result
  error,         // id (possibly null) + error
  invalid,       // anything else; see MessageCheck::problem
};

struct MessageCheck {
  MessageKind kind = MessageKind::invalid;
  // For MessageKind::invalid: what is wrong, e.g. "\"jsonrpc\" must be \"2.0\"".
  std::string problem{};
  // The id when the message has a usable one (string or integer), else null; an invalid request
  // is answered with this id.
  Json id{};
};

// Classifies and validates one incoming message: an object with "jsonrpc": "2.0"; requests and
// notifications have a string "method" and, when present, object or array "params"; ids are strings
// or integers, never null (except on an error response to an unparseable request); a response has
// exactly one of "result"/"error".
MessageCheck inspect_message(const Json& message);

// Parses one message from text; throws McpError(parse_error, "Parse error: <detail>").
Json parse_message(std::string_view text);

// True for a string or integer id.
bool is_valid_id(const Json& id) noexcept;
// A compact, collision-free key for maps keyed by request id ("s:abc" or "i:42").
std::string id_key(const Json& id);

// Builders. Params/results are moved in: pass std::move(x) to avoid copying large JSON.
Json make_request(const Json& id, std::string_view method, Json params = nullptr);
Json make_notification(std::string_view method, Json params = nullptr);
Json make_result(const Json& id, Json result);
Json make_error(const Json& id, const McpError& error);
Json make_error(const Json& id, int code, std::string message, std::optional<Json> data = std::nullopt);

// Canonical messages for the standard codes ("Parse error", "Invalid Request", "Method not found",
// "Invalid params", "Internal error", "Resource not found"); the engine appends ": <detail>".
std::string_view standard_message(int code);

}  // namespace lh::mcp
