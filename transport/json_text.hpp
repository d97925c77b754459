// JSON <-> wire text helpers shared by the transports.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mcp/transport.hpp"

namespace lh::transport {

// Compact single-line JSON. Invalid UTF-8 in strings is replaced (U+FFFD) instead of throwing,
// so one bad tool output cannot take a connection down.
std::string to_wire(const mcp::Json& message);
// The same text as to_wire, appended to `out` (no intermediate string).
void append_wire(std::string& out, const mcp::Json& message);

// Parses text; std::nullopt (and `error` set, when given) when it is not valid JSON.
std::optional<mcp::Json> parse_json(std::string_view text, std::string* error = nullptr);

// {"jsonrpc":"2.0","id":<id>,"error":{"code":<code>,"message":<message>}}
mcp::Json jsonrpc_error(const mcp::Json& id, int code, std::string message);

// Just enough classification for routing; full validation is the engine's job.
enum class WireKind { request, notification, response, other };
WireKind classify(const mcp::Json& message);

}  // namespace lh::transport
