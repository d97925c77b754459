// Serving an mcp::Server from the command line: one session on stdin/stdout, or Streamable HTTP on
// an address, until stdin closes (stdio), SIGINT or SIGTERM.
#pragma once

#include <optional>
#include <stop_token>
#include <string>

#include "mcp/server.hpp"

namespace lh::skill::cli {

// Must run first in main, before any thread exists: every thread then inherits SIGINT/SIGTERM
// blocked, and wait_for_termination / a signal thread can take them with sigwait.
void block_termination_signals();

// Waits up to `timeout_ms` for SIGINT/SIGTERM; true when one arrived.
bool wait_for_termination(long timeout_ms);

// "HOST:PORT", ":PORT" or "PORT" (host 127.0.0.1; port 0 = ephemeral); "[::1]:PORT" for IPv6.
// Throws std::invalid_argument naming what is wrong.
struct HttpAddress {
  std::string host = "127.0.0.1";
  int port = 0;
};
HttpAddress parse_http_address(const std::string& text);

struct ServeSettings {
  std::optional<HttpAddress> http;  // none: stdio
  std::string port_file;            // HTTP: the bound port is written here once listening
};

// Returns the process exit code.
int serve(mcp::Server& server, const ServeSettings& settings);

}  // namespace lh::skill::cli
