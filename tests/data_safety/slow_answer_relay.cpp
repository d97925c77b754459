// A stdio MCP relay in front of a real upstream that makes one tool's calls outlive the caller's
// deadline while still doing their work, the fault secops-local's --inject-latency-ms cannot give (its
// pause ends at the caller's cancellation, so nothing is written):
//   --hold-answer-ms N  the call is forwarded at once (the upstream writes), its answer held N ms;
//   --hold-call-ms N    the call is held N ms, then forwarded whatever the caller did meanwhile (the
//                       write lands after the caller gave up).
// Cancellation of the slow tool is never passed on; every other tool is relayed as it is.
//   --fail-tool NAME --echo-env VAR  NAME answers isError with a text that echoes the call's arguments
//                       and the value of the environment variable VAR (an upstream that leaks what it
//                       was given into its errors).
//
//   lh_slow_answer_relay --tool post_case_comment --hold-answer-ms 3000 -- secops-local --data ... --cases ...
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mcp/client.hpp"
#include "mcp/server.hpp"
#include "transport/stdio_client.hpp"
#include "transport/stdio_server.hpp"

namespace {

struct RelayOptions {
  std::string tool;
  std::chrono::milliseconds hold_answer{0};
  std::chrono::milliseconds hold_call{0};
  std::string failing_tool;
  std::string echoed_variable;
  std::vector<std::string> command;
};

bool parse(int argc, char** argv, RelayOptions& options) {
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) return false;
    if (arg == "--tool") {
      options.tool = argv[++i];
    } else if (arg == "--hold-answer-ms") {
      options.hold_answer = std::chrono::milliseconds(std::atol(argv[++i]));
    } else if (arg == "--fail-tool") {
      options.failing_tool = argv[++i];
    } else if (arg == "--echo-env") {
      options.echoed_variable = argv[++i];
    } else if (arg == "--hold-call-ms") {
      options.hold_call = std::chrono::milliseconds(std::atol(argv[++i]));
    } else {
      return false;
    }
  }
  for (; i < argc; ++i) options.command.emplace_back(argv[i]);
  return !options.command.empty();
}

}  // namespace

int main(int argc, char** argv) {
  RelayOptions options;
  if (!parse(argc, argv, options)) {
    std::cerr << "usage: lh_slow_answer_relay [--tool NAME] [--hold-answer-ms N] [--hold-call-ms N] [--fail-tool NAME "
                 "--echo-env VAR] -- COMMAND [ARGS...]\n";
    return 2;
  }
  auto factory = [&options]() -> std::shared_ptr<lh::mcp::Transport> {
    lh::transport::StdioClientOptions stdio;
    stdio.name = "relayed";
    stdio.process.command = options.command.front();
    stdio.process.args.assign(options.command.begin() + 1, options.command.end());
    return std::make_shared<lh::transport::StdioClientTransport>(std::move(stdio));
  };
  lh::mcp::ClientOptions client_options;
  client_options.info = lh::mcp::Implementation{"slow-answer-relay", "0.1.0"};
  client_options.request_timeout = std::chrono::minutes(10);
  lh::mcp::Client upstream(factory, client_options);
  try {
    upstream.connect();
  } catch (const std::exception& error) {
    std::cerr << "lh_slow_answer_relay: cannot reach the upstream: " << error.what() << "\n";
    return 1;
  }

  lh::mcp::ServerOptions server_options;
  server_options.info = lh::mcp::Implementation{"slow-answer-relay", "0.1.0"};
  server_options.worker_threads = 8;
  lh::mcp::Server front(server_options);
  for (const auto& listed : upstream.list_tools()) {
    lh::mcp::Tool tool;
    tool.name = listed.value("name", "");
    tool.description = listed.value("description", "");
    tool.input_schema = listed.value("inputSchema", lh::mcp::Json{{"type", "object"}});
    const bool slow = tool.name == options.tool;
    const bool failing = tool.name == options.failing_tool;
    tool.handler = [&upstream, &options, slow, failing, name = tool.name](const lh::mcp::Json& arguments,
                                                                           lh::mcp::ToolContext& context) {
      if (failing) {
        const char* value = std::getenv(options.echoed_variable.c_str());
        return lh::mcp::ToolResult::error("Error: " + name + " refused the key " + (value ? value : "(unset)") +
                                          " for arguments " + arguments.dump());
      }
      if (!slow) {
        lh::mcp::CallOptions call;
        call.cancel = context.stop_token();
        return upstream.call_tool(name, arguments, call);
      }
      std::this_thread::sleep_for(options.hold_call);
      auto result = upstream.call_tool(name, arguments);
      std::this_thread::sleep_for(options.hold_answer);
      return result;
    };
    front.add_tool(std::move(tool));
  }

  auto session = front.connect(std::make_shared<lh::transport::StdioServerTransport>());
  while (!session->closed()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  session->close();
  upstream.close();
  return 0;
}
