// Which upstream failures are worth another attempt of a read-only call: timeouts, a lost connection,
// JSON-RPC internal errors, and HTTP 5xx / 429 answers (however the server words them). Everything
// else (bad arguments, unknown tool, permission denied) would fail the same way again.
#pragma once

#include <string_view>

#include "mcp/jsonrpc.hpp"

namespace lh::skill::gateway {

// "HTTP 503", "status 502", "429 Too Many Requests", "Service Unavailable", "rate limit", ...
bool mentions_transient_http_failure(std::string_view text);

bool is_transient(const mcp::McpError& error);

}  // namespace lh::skill::gateway
