#include "skill/cli/serve.hpp"

#include <signal.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "transport/http_server.hpp"
#include "transport/stdio_server.hpp"

namespace lh::skill::cli {
namespace {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void write_port_file(const std::string& path, int port) {
  // A temporary name renamed into place, so a reader never sees half a number.
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << '\n';
    if (!out) throw std::runtime_error("cannot write the port file " + temporary);
  }
  std::filesystem::rename(temporary, path);
}

int serve_stdio(mcp::Server& server) {
  auto session = server.connect(std::make_shared<transport::StdioServerTransport>());
  while (!session->closed()) {
    if (wait_for_termination(100)) break;
  }
  session->close();
  return 0;
}

int serve_http(mcp::Server& server, const ServeSettings& settings) {
  transport::StreamableHttpServerOptions options;
  options.host = settings.http->host;
  options.port = settings.http->port;
  // Clients that never send DELETE (the conformance suite, some IDEs) leave sessions behind.
  options.session_idle_timeout = std::chrono::seconds(300);
  transport::StreamableHttpServer http(options, [&server](std::shared_ptr<mcp::Transport> session) -> std::shared_ptr<void> {
    return server.connect(std::move(session));
  });
  http.start();
  if (!settings.port_file.empty()) write_port_file(settings.port_file, http.port());
  std::cerr << "lateral-hunt: listening on " << http.url() << std::endl;
  while (!wait_for_termination(1000)) {
  }
  std::cerr << "lateral-hunt: stopping" << std::endl;
  http.stop();
  return 0;
}

}  // namespace

void block_termination_signals() {
  const sigset_t set = termination_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client that goes away must be a write error, not the end of the process.
  signal(SIGPIPE, SIG_IGN);
}

bool wait_for_termination(long timeout_ms) {
  const sigset_t set = termination_signals();
  timespec timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  for (;;) {
    if (sigtimedwait(&set, nullptr, &timeout) > 0) return true;
    if (errno != EINTR) return false;  // EAGAIN: the time is up
  }
}

HttpAddress parse_http_address(const std::string& text) {
  HttpAddress address;
  std::string port_text = text;
  if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    std::string host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (!host.empty()) address.host = host;
  }
  std::size_t used = 0;
  int port = -1;
  try {
    port = std::stoi(port_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (port_text.empty() || used != port_text.size() || port < 0 || port > 65535) {
    throw std::invalid_argument("--http \"" + text + "\": expected HOST:PORT, :PORT or PORT with a port 0-65535 "
                                "(e.g. 127.0.0.1:8080)");
  }
  address.port = port;
  return address;
}

int serve(mcp::Server& server, const ServeSettings& settings) {
  try {
    return settings.http ? serve_http(server, settings) : serve_stdio(server);
  } catch (const std::exception& error) {
    std::cerr << "lateral-hunt: serve failed: " << error.what() << std::endl;
    return 1;
  }
}

}  // namespace lh::skill::cli
