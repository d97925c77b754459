// A real MCP server on stdio for the round-trip tests: tools "echo" (text back) and
// "count_progress" (two progress notifications, then "counted").
#include <csignal>

#include "mcp/server.hpp"
#include "transport/stdio_server.hpp"

#include <condition_variable>
#include <mutex>

int main() {
  std::signal(SIGPIPE, SIG_IGN);
  lh::mcp::Server server({.info = {"transport-test-server", "1"}});
  server.add_tool({.name = "echo",
                   .description = "Echoes its text",
                   .input_schema = {{"type", "object"},
                                    {"properties", {{"text", {{"type", "string"}}}}},
                                    {"required", {"text"}}},
                   .handler = [](const lh::mcp::Json& args, lh::mcp::ToolContext&) {
                     return lh::mcp::ToolResult::text("echo: " + args["text"].get<std::string>());
                   }});
  server.add_tool({.name = "count_progress",
                   .description = "Reports progress twice",
                   .handler = [](const lh::mcp::Json&, lh::mcp::ToolContext& context) {
                     context.progress(1, 2);
                     context.progress(2, 2);
                     return lh::mcp::ToolResult::text("counted");
                   }});
  auto transport = std::make_shared<lh::transport::StdioServerTransport>();
  std::mutex mutex;
  std::condition_variable cv;
  auto session = server.connect(transport);
  while (!session->closed()) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, std::chrono::milliseconds(50));
  }
  return 0;
}
