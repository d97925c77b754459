// Runs an mcp::Server as a test program: over stdio (one session on stdin/stdout) or over
// Streamable HTTP on an ephemeral loopback port, until stdin closes (stdio) or SIGINT/SIGTERM.
// Shared by the conformance fixture server and the interop server.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "mcp/server.hpp"

namespace lh::testserver {

struct ServeOptions {
  bool stdio = false;
  std::string host = "127.0.0.1";
  int port = 0;  // 0: ephemeral
  // When set, the bound port is written there (atomically) once the server accepts connections,
  // so a script can wait for the file instead of parsing output.
  std::string port_file;
};

// Must run first in main, before any thread exists, so that every thread inherits the blocked
// SIGINT/SIGTERM and the serving loop can take them with sigwait.
void block_termination_signals();

void add_serve_flags(CLI::App& app, ServeOptions& options);

// Returns the process exit code.
int serve(mcp::Server& server, const ServeOptions& options);

}  // namespace lh::testserver
