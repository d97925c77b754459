// The protocol engine (lh::mcp::Server / Client) over the real transports.
#include <doctest/doctest.h>

#include <atomic>

#include "http_test_support.hpp"
#include "mcp/client.hpp"
#include "mcp/server.hpp"
#include "transport/http_client.hpp"
#include "transport/http_server.hpp"
#include "transport/stdio_client.hpp"

using namespace lh::transport;
using namespace lh::transport::test;
using lh::mcp::CallOptions;
using lh::mcp::Client;
using lh::mcp::ToolResult;

namespace {

void add_tools(lh::mcp::Server& server) {
  server.add_tool({.name = "echo",
                   .description = "Echoes its text",
                   .input_schema = {{"type", "object"},
                                    {"properties", {{"text", {{"type", "string"}}}}},
                                    {"required", {"text"}}},
                   .handler = [](const Json& args, lh::mcp::ToolContext&) {
                     return ToolResult::text("echo: " + args["text"].get<std::string>());
                   }});
  server.add_tool({.name = "count_progress",
                   .description = "Reports progress twice",
                   .handler = [](const Json&, lh::mcp::ToolContext& context) {
                     context.progress(1, 2);
                     context.progress(2, 2);
                     return ToolResult::text("counted");
                   }});
}

void exercise(Client& client) {
  client.connect();
  auto tools = client.list_tools();
  CHECK(tools.size() == 2);
  auto echoed = client.call_tool("echo", {{"text", "over the wire"}});
  CHECK_FALSE(echoed.is_error);
  CHECK(echoed.joined_text() == "echo: over the wire");

  std::vector<double> progress;
  std::mutex mutex;
  CallOptions options;
  options.on_progress = [&](const lh::mcp::Progress& p) {
    std::lock_guard lock(mutex);
    progress.push_back(p.progress);
  };
  auto counted = client.call_tool("count_progress", Json::object(), options);
  CHECK(counted.joined_text() == "counted");
  std::lock_guard lock(mutex);
  CHECK(progress == std::vector<double>{1, 2});
}

}  // namespace

TEST_CASE("mcp round trip: Client over a subprocess stdio transport to a real server") {
  Client client([] {
    StdioClientOptions options;
    options.name = "test-mcp-server";
    options.process.command = LH_TEST_MCP_SERVER;
    return std::make_shared<StdioClientTransport>(options);
  });
  exercise(client);
  CHECK(client.server().info.name == "transport-test-server");
  client.close();
}

TEST_CASE("mcp round trip: Client over Streamable HTTP to Server, and re-initialize after the session ends") {
  lh::mcp::Server server({.info = {"http-test-server", "1"}});
  add_tools(server);
  StreamableHttpServer http({}, [&server](std::shared_ptr<lh::mcp::Transport> transport) -> std::shared_ptr<void> {
    return server.connect(std::move(transport));
  });
  http.start();

  Client client([&] {
    StreamableHttpClientOptions options;
    options.url = http.url();
    options.name = "in-process";
    return std::make_shared<StreamableHttpClientTransport>(options);
  });
  exercise(client);
  CHECK(client.server().info.name == "http-test-server");
  CHECK(client.server().protocol_version == "2025-11-25");
  CHECK(http.session_count() == 1);

  // With the server gone, a call fails cleanly instead of hanging.
  http.stop();
  CHECK_THROWS_AS(client.call_tool("echo", {{"text", "after stop"}}), lh::mcp::McpError);
  client.close();
}

TEST_CASE("mcp round trip: a deleted HTTP session makes the Client initialize a new one") {
  lh::mcp::Server server({.info = {"http-test-server", "1"}});
  add_tools(server);
  StreamableHttpServer http({}, [&server](std::shared_ptr<lh::mcp::Transport> transport) -> std::shared_ptr<void> {
    return server.connect(std::move(transport));
  });
  http.start();
  std::mutex mutex;
  std::shared_ptr<StreamableHttpClientTransport> latest;
  Client client([&] {
    StreamableHttpClientOptions options;
    options.url = http.url();
    auto transport = std::make_shared<StreamableHttpClientTransport>(options);
    std::lock_guard lock(mutex);
    latest = transport;
    return transport;
  });
  client.connect();
  std::string first_session;
  {
    std::lock_guard lock(mutex);
    first_session = latest->session_id();
  }
  REQUIRE_FALSE(first_session.empty());
  httplib::Client raw("127.0.0.1", http.port());
  auto del = raw.Delete("/mcp", HttpFixture::headers(first_session));
  REQUIRE(del);
  CHECK(del->status == 200);

  // The first call after the deletion may fail (it was sent on the dead session); a later one
  // succeeds on a fresh session.
  bool recovered = false;
  for (int attempt = 0; attempt < 3 && !recovered; ++attempt) {
    try {
      recovered = client.call_tool("echo", {{"text", "again"}}).joined_text() == "echo: again";
    } catch (const lh::mcp::McpError&) {
    }
  }
  CHECK(recovered);
  CHECK(client.connection_count() == 2);
  std::lock_guard lock(mutex);
  CHECK(latest->session_id() != first_session);
}
