// bench_mcp_echo_server: our MCP server with one trivial `echo` tool, the counterpart of
// bench/ts/echo-server.mjs for bench_mcp_calls.
//
//   bench_mcp_echo_server              stdio (one session; exits on stdin EOF)
//   bench_mcp_echo_server --http PORT  Streamable HTTP on http://127.0.0.1:PORT/mcp (until SIGINT/SIGTERM)

#include <signal.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "mcp/server.hpp"
#include "transport/http_server.hpp"
#include "transport/stdio_server.hpp"

namespace {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// True when SIGINT/SIGTERM arrived within `milliseconds`.
bool termination_requested(long milliseconds) {
  const sigset_t set = termination_signals();
  const timespec timeout{milliseconds / 1000, (milliseconds % 1000) * 1'000'000L};
  for (;;) {
    if (sigtimedwait(&set, nullptr, &timeout) > 0) return true;
    if (errno != EINTR) return false;
  }
}

lh::mcp::Tool echo_tool() {
  lh::mcp::Tool tool;
  tool.name = "echo";
  tool.description = "Returns its text argument unchanged.";
  tool.input_schema = {{"type", "object"},
                       {"properties", {{"text", {{"type", "string"}}}}},
                       {"required", lh::mcp::Json::array({"text"})}};
  tool.handler = [](const lh::mcp::Json& arguments, lh::mcp::ToolContext&) {
    return lh::mcp::ToolResult::text(arguments.at("text").get<std::string>());
  };
  // Returns at once and never talks back to the client: answered on the delivering thread.
  tool.quick = true;
  return tool;
}

int serve_stdio(lh::mcp::Server& server) {
  auto session = server.connect(std::make_shared<lh::transport::StdioServerTransport>());
  while (!session->closed() && !termination_requested(100)) {
  }
  session->close();
  return 0;
}

int serve_http(lh::mcp::Server& server, int port) {
  lh::transport::StreamableHttpServerOptions options;
  options.port = port;
  lh::transport::StreamableHttpServer http(options, [&server](std::shared_ptr<lh::mcp::Transport> transport) {
    return std::shared_ptr<void>(server.connect(std::move(transport)));
  });
  http.start();
  std::cerr << "bench_mcp_echo_server: listening on " << http.url() << std::endl;
  while (!termination_requested(1000)) {
  }
  http.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Blocked before any thread starts, so every thread inherits it and only sigtimedwait takes them.
  const sigset_t set = termination_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int http_port = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--http" && i + 1 < argc) {
      const std::string_view value = argv[++i];
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), http_port);
      if (error != std::errc() || end != value.data() + value.size() || http_port <= 0 || http_port > 65535) {
        std::cerr << "bench_mcp_echo_server: --http needs a port between 1 and 65535, got " << value << "\n";
        return 2;
      }
    } else {
      std::cerr << "usage: bench_mcp_echo_server [--http PORT]\n";
      return 2;
    }
  }

  try {
    lh::mcp::ServerOptions options;
    options.info = {"lateral-hunt-bench-echo", "0.1.0"};
    lh::mcp::Server server(options);
    server.add_tool(echo_tool());
    return http_port > 0 ? serve_http(server, http_port) : serve_stdio(server);
  } catch (const std::exception& error) {
    std::cerr << "bench_mcp_echo_server: " << error.what() << "\n";
    return 1;
  }
}
