#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "support.hpp"

using lh::mcp::Json;
namespace mcp = lh::mcp;
using mcp::test::LinkedClient;
using mcp::test::Signal;

namespace {

mcp::Tool waiting_tool(const std::string& name, Signal& started, Signal& stopped) {
  return mcp::Tool{.name = name,
                   .description = "waits until cancelled",
                   .handler = [&](const Json&, mcp::ToolContext& context) {
                     started.set();
                     std::mutex m;
                     std::condition_variable_any cv;
                     std::unique_lock lock(m);
                     cv.wait(lock, context.stop_token(), [] { return false; });
                     stopped.set();
                     return mcp::ToolResult::text("stopped");
                   }};
}

mcp::Tool text_tool(const std::string& name, const std::string& text) {
  return mcp::Tool{.name = name,
                   .description = "returns fixed text",
                   .handler = [text](const Json&, mcp::ToolContext&) { return mcp::ToolResult::text(text); }};
}

}  // namespace

TEST_CASE("client connects, initializes and lists tools across pages") {
  mcp::ServerOptions options;
  options.info = {.name = "srv", .version = "1.2.3"};
  options.instructions = "hello";
  options.page_size = 3;
  mcp::Server server(options);
  for (int i = 0; i < 7; ++i) server.add_tool(text_tool("t" + std::to_string(i), "x"));
  LinkedClient linked(server);
  linked.client->connect();
  auto description = linked.client->server();
  CHECK(description.protocol_version == "2025-11-25");
  CHECK(description.info.name == "srv");
  CHECK(description.info.version == "1.2.3");
  CHECK(description.instructions == "hello");
  CHECK(description.capabilities.contains("tools"));
  auto tools = linked.client->list_tools();
  REQUIRE(tools.size() == 7);
  CHECK(tools[6]["name"] == "t6");
  REQUIRE(linked.sessions.size() == 1);
  CHECK(linked.sessions[0]->client_info().name == "lateral-hunt");
}

TEST_CASE("client offering an older version gets it echoed") {
  mcp::Server server;
  mcp::ClientOptions options;
  options.protocol_version = "2025-03-26";
  LinkedClient linked(server, options);
  linked.client->connect();
  CHECK(linked.client->server().protocol_version == "2025-03-26");
}

TEST_CASE("the client's progress callback sees the tool's progress sequence") {
  mcp::Server server;
  server.add_tool({.name = "progress",
                   .description = "",
                   .handler = [](const Json&, mcp::ToolContext& context) {
                     CHECK(context.wants_progress());
                     for (int i = 1; i <= 5; ++i) context.progress(i, 5, "step " + std::to_string(i));
                     CHECK_FALSE(context.progress(3));
                     return mcp::ToolResult::text("done");
                   }});
  // Declared before the client: its transport thread runs the progress callback that fills them.
  std::vector<double> values;
  std::vector<std::string> messages;
  LinkedClient linked(server);
  mcp::CallOptions call;
  call.on_progress = [&](const mcp::Progress& p) {
    values.push_back(p.progress);
    messages.push_back(p.message.value_or(""));
    CHECK(p.total == 5);
  };
  auto result = linked.client->call_tool("progress", Json::object(), call);
  CHECK(result.joined_text() == "done");
  CHECK(values == std::vector<double>{1, 2, 3, 4, 5});
  CHECK(messages.back() == "step 5");
}

TEST_CASE("a client deadline fails the call and cancels the server's handler") {
  mcp::Server server;
  Signal started, stopped;
  server.add_tool(waiting_tool("forever", started, stopped));
  LinkedClient linked(server);
  mcp::CallOptions call;
  call.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  try {
    linked.client->call_tool("forever", Json::object(), call);
    FAIL("expected a timeout");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == mcp::error_code::request_timeout);
  }
  CHECK(stopped.wait());
  // The connection is still usable.
  linked.client->ping();
}

TEST_CASE("a client stop_token sends notifications/cancelled to the server") {
  mcp::Server server;
  Signal started, stopped;
  server.add_tool(waiting_tool("forever", started, stopped));
  LinkedClient linked(server);
  std::stop_source stop;
  std::jthread canceller([&] {
    started.wait();
    stop.request_stop();
  });
  mcp::CallOptions call;
  call.cancel = stop.get_token();
  try {
    linked.client->call_tool("forever", Json::object(), call);
    FAIL("expected cancellation");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == mcp::error_code::request_cancelled);
  }
  CHECK(stopped.wait());
}

TEST_CASE("elicitation from inside a tool round-trips through the client") {
  mcp::Server server;
  server.add_tool({.name = "ask",
                   .description = "",
                   .handler = [](const Json&, mcp::ToolContext& context) {
                     Json answer = context.request(
                         "elicitation/create",
                         {{"message", "Which host?"},
                          {"requestedSchema",
                           {{"type", "object"}, {"properties", {{"host", {{"type", "string"}}}}}}}});
                     if (answer["action"] != "accept") return mcp::ToolResult::error("declined");
                     return mcp::ToolResult::text("host=" + answer["content"]["host"].get<std::string>());
                   }});
  LinkedClient linked(server);
  Json seen_related;
  linked.client->set_request_handler("elicitation/create", [&](const Json& params, mcp::RequestContext&) {
    CHECK(params["message"] == "Which host?");
    return Json{{"action", "accept"}, {"content", {{"host", "dc01"}}}};
  });
  auto result = linked.client->call_tool("ask");
  CHECK_FALSE(result.is_error);
  CHECK(result.joined_text() == "host=dc01");
  REQUIRE(!linked.sessions.empty());
  CHECK(linked.sessions.back()->client_capabilities().contains("elicitation"));
}

TEST_CASE("a server request the client has no handler for is -32601, ping is answered") {
  mcp::Server server;
  LinkedClient linked(server);
  linked.client->connect();
  auto session = linked.sessions.back();
  CHECK(session->request("ping") == Json::object());
  try {
    session->request("custom/thing");
    FAIL("expected -32601");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == -32601);
    CHECK(e.message() == "Method not found: custom/thing");
  }
  // Capability-gated requests are refused locally when the client did not declare them.
  try {
    session->request("sampling/createMessage", Json::object());
    FAIL("expected a refusal");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == -32601);
    CHECK(std::string(e.what()).find("\"sampling\" capability") != std::string::npos);
  }
}

TEST_CASE("logging/setLevel filters notifications/message") {
  mcp::Server server;
  server.add_tool({.name = "chatty",
                   .description = "",
                   .handler = [](const Json&, mcp::ToolContext& context) {
                     context.log(mcp::LogLevel::debug, "hunt", "d");
                     context.log(mcp::LogLevel::info, "hunt", "i");
                     context.log(mcp::LogLevel::warning, "hunt", "w");
                     context.log(mcp::LogLevel::error, "hunt", Json{{"detail", "e"}});
                     return mcp::ToolResult::text("ok");
                   }});
  // Declared before the client: its transport thread runs the notification handler that fills them.
  std::mutex m;
  std::vector<std::string> levels;
  LinkedClient linked(server);
  linked.client->set_notification_handler("notifications/message", [&](const Json& params) {
    std::lock_guard lock(m);
    levels.push_back(params["level"]);
    CHECK(params["logger"] == "hunt");
  });
  // Without setLevel every message is sent; notifications precede the response on the same link.
  linked.client->call_tool("chatty");
  {
    std::lock_guard lock(m);
    CHECK(levels == std::vector<std::string>{"debug", "info", "warning", "error"});
    levels.clear();
  }
  CHECK(linked.client->request("logging/setLevel", {{"level", "warning"}}) == Json::object());
  linked.client->call_tool("chatty");
  std::lock_guard lock(m);
  CHECK(levels == std::vector<std::string>{"warning", "error"});
}

TEST_CASE("client receives resources/updated and list_changed notifications") {
  mcp::Server server;
  server.add_resource({.uri = "test://watched-resource",
                       .name = "watched",
                       .read = [](const std::string& uri, mcp::ToolContext&) {
                         return Json::array({mcp::text_resource_contents(uri, "text/plain", "v1")});
                       }});
  // Declared before the client: its transport thread runs the notification handlers that set them.
  Signal updated, changed;
  LinkedClient linked(server);
  linked.client->set_notification_handler("notifications/resources/updated", [&](const Json& params) {
    if (params["uri"] == "test://watched-resource") updated.set();
  });
  linked.client->set_notification_handler("notifications/tools/list_changed", [&](const Json&) { changed.set(); });
  Json read = linked.client->request("resources/read", {{"uri", "test://watched-resource"}});
  CHECK(read["contents"][0]["text"] == "v1");
  linked.client->request("resources/subscribe", {{"uri", "test://watched-resource"}});
  server.notify_resource_updated("test://watched-resource");
  CHECK(updated.wait());
  server.add_tool(text_tool("late", "x"));
  CHECK(changed.wait());
  try {
    linked.client->request("resources/read", {{"uri", "test://missing"}});
    FAIL("expected -32002");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == -32002);
  }
}

TEST_CASE("the client reconnects and re-initializes after the transport dies") {
  mcp::Server server;
  server.add_tool(text_tool("hello", "hi"));
  mcp::ClientOptions options;
  options.reconnect_backoff = std::chrono::milliseconds(10);
  LinkedClient linked(server, options);
  CHECK(linked.client->call_tool("hello").joined_text() == "hi");
  CHECK(linked.client->connection_count() == 1);
  linked.kill_current_connection();
  // Whether or not the close has been noticed yet, the next call succeeds on a new connection.
  CHECK(linked.client->call_tool("hello").joined_text() == "hi");
  CHECK(linked.client->connection_count() == 2);
  CHECK(linked.sessions.size() == 2);
  CHECK(linked.sessions.back()->initialized());
}

TEST_CASE("a failing ping marks the connection dead, the next call reconnects") {
  mcp::Server server;
  server.add_tool(text_tool("hello", "hi"));
  LinkedClient linked(server);
  linked.client->connect();
  linked.kill_current_connection();
  // Either the ping fails (dead link) or the client had already noticed and reconnected.
  try {
    linked.client->ping();
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == mcp::error_code::connection_closed);
  }
  CHECK(linked.client->call_tool("hello").joined_text() == "hi");
  CHECK(linked.client->connection_count() == 2);
}

TEST_CASE("connect gives up after the configured attempts") {
  mcp::ClientOptions options;
  options.connect_attempts = 2;
  options.reconnect_backoff = std::chrono::milliseconds(1);
  int attempts = 0;
  mcp::Client client(
      [&]() -> std::shared_ptr<mcp::Transport> {
        ++attempts;
        throw mcp::TransportError("connection refused");
      },
      options);
  try {
    client.connect();
    FAIL("expected failure");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == mcp::error_code::connection_closed);
    CHECK(e.message() == "Could not connect to the MCP server after 2 attempt(s): connection refused");
  }
  CHECK(attempts == 2);
}

TEST_CASE("concurrent calls from many threads share one client") {
  mcp::Server server;
  server.add_tool({.name = "double",
                   .description = "",
                   .input_schema = Json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})"),
                   .handler = [](const Json& args, mcp::ToolContext&) {
                     return mcp::ToolResult::structured(Json{{"n", args["n"].get<int>() * 2}});
                   }});
  LinkedClient linked(server);
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const int n = t * 1000 + i;
        auto result = linked.client->call_tool("double", {{"n", n}});
        if (result.structured_content && (*result.structured_content)["n"] == 2 * n) ++correct;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(correct.load() == 800);
  CHECK(linked.client->connection_count() == 1);
}

TEST_CASE("sampling from inside a tool, the tool sees the request id and client info") {
  mcp::Server server;
  server.add_tool({.name = "summarize",
                   .description = "",
                   .handler = [](const Json&, mcp::ToolContext& context) {
                     CHECK(context.request_id().is_number_integer());
                     CHECK(context.client_info().name == "hunt-client");
                     CHECK(context.protocol_version() == "2025-11-25");
                     CHECK(context.client_capabilities().contains("sampling"));
                     Json reply = context.request(
                         "sampling/createMessage",
                         {{"messages", Json::array({{{"role", "user"},
                                                     {"content", mcp::text_content("Summarize: 3 PsExec hops")}}})},
                          {"maxTokens", 50}});
                     return mcp::ToolResult::text(reply["content"]["text"].get<std::string>());
                   }});
  mcp::ClientOptions options;
  options.info = {.name = "hunt-client", .version = "2.0"};
  LinkedClient linked(server, options);
  linked.client->set_request_handler("sampling/createMessage", [](const Json& params, mcp::RequestContext&) {
    const std::string prompt = params["messages"][0]["content"]["text"];
    return Json{{"role", "assistant"},
                {"content", mcp::text_content("summary of [" + prompt + "]")},
                {"model", "test-model"}};
  });
  CHECK(linked.client->call_tool("summarize").joined_text() == "summary of [Summarize: 3 PsExec hops]");
}

TEST_CASE("a call whose stop_token is already requested is not sent") {
  mcp::Server server;
  std::atomic<int> calls{0};
  server.add_tool({.name = "count",
                   .description = "",
                   .handler = [&](const Json&, mcp::ToolContext&) {
                     ++calls;
                     return mcp::ToolResult::text("x");
                   }});
  LinkedClient linked(server);
  std::stop_source stop;
  stop.request_stop();
  mcp::CallOptions call;
  call.cancel = stop.get_token();
  CHECK_THROWS_AS(linked.client->call_tool("count", Json::object(), call), mcp::McpError);
  linked.client->call_tool("count");
  CHECK(calls.load() == 1);
}
