#include "tests/conformance/serve.hpp"

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "transport/http_server.hpp"
#include "transport/stdio_server.hpp"

namespace lh::testserver {
namespace {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Waits up to `timeout_ms` for SIGINT/SIGTERM; true when one arrived.
bool wait_for_termination(long timeout_ms) {
  const sigset_t set = termination_signals();
  timespec timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  for (;;) {
    const int signal_number = sigtimedwait(&set, nullptr, &timeout);
    if (signal_number > 0) return true;
    if (errno != EINTR) return false;  // EAGAIN: timed out
  }
}

void write_port_file(const std::string& path, int port) {
  // Written under a temporary name and renamed, so a reader never sees a partial number.
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << '\n';
    if (!out) throw std::runtime_error("cannot write port file " + temporary);
  }
  std::filesystem::rename(temporary, path);
}

int serve_stdio(mcp::Server& server) {
  auto session = server.connect(std::make_shared<transport::StdioServerTransport>());
  // The session ends on stdin EOF; a signal also ends it.
  while (!session->closed()) {
    if (wait_for_termination(100)) break;
  }
  session->close();
  return 0;
}

int serve_http(mcp::Server& server, const ServeOptions& options) {
  transport::StreamableHttpServerOptions http_options;
  http_options.host = options.host;
  http_options.port = options.port;
  // The conformance suite never sends DELETE; keep idle sessions short-lived.
  http_options.session_idle_timeout = std::chrono::seconds(120);
  transport::StreamableHttpServer http(
      http_options, [&server](std::shared_ptr<mcp::Transport> session_transport) -> std::shared_ptr<void> {
        return server.connect(std::move(session_transport));
      });
  http.start();
  if (!options.port_file.empty()) write_port_file(options.port_file, http.port());
  std::cerr << "listening on " << http.url() << std::endl;
  while (!wait_for_termination(1000)) {
  }
  std::cerr << "stopping" << std::endl;
  http.stop();
  return 0;
}

}  // namespace

void block_termination_signals() {
  const sigset_t set = termination_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer that goes away must surface as a write error, not kill the process.
  signal(SIGPIPE, SIG_IGN);
}

void add_serve_flags(CLI::App& app, ServeOptions& options) {
  app.add_flag("--stdio", options.stdio, "Serve one session on stdin/stdout instead of HTTP");
  app.add_option("--host", options.host, "HTTP bind address")->capture_default_str();
  app.add_option("--port", options.port, "HTTP port (0: ephemeral)")->capture_default_str();
  app.add_option("--port-file", options.port_file, "Write the bound HTTP port to this file when ready");
}

int serve(mcp::Server& server, const ServeOptions& options) {
  try {
    return options.stdio ? serve_stdio(server) : serve_http(server, options);
  } catch (const std::exception& error) {
    std::cerr << "serve failed: " << error.what() << std::endl;
    return 1;
  }
}

}  // namespace lh::testserver
