#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "support.hpp"

using lh::mcp::Json;
namespace mcp = lh::mcp;
using mcp::test::error_of;
using mcp::test::RawSession;
using mcp::test::result_of;
using mcp::test::Signal;

namespace {

mcp::ServerOptions options_with(std::size_t page_size = 100) {
  mcp::ServerOptions options;
  options.info = {.name = "test-server", .version = "9.9.9", .title = "Test Server"};
  options.instructions = "Use the tools.";
  options.page_size = page_size;
  return options;
}

mcp::Tool echo_tool() {
  return mcp::Tool{
      .name = "echo",
      .title = "Echo",
      .description = "Echoes text",
      .input_schema = Json::parse(R"({"type":"object","properties":{"text":{"type":"string"},
                                     "count":{"type":"integer","minimum":1,"maximum":10}},"required":["text"]})"),
      .annotations = {.read_only_hint = true, .open_world_hint = false},
      .handler = [](const Json& args, mcp::ToolContext&) { return mcp::ToolResult::text(args["text"]); }};
}

bool is_id(const Json& message, const Json& id) {
  return message.contains("id") && message["id"] == id && !message.contains("method");
}

}  // namespace

TEST_CASE("initialize echoes each supported version and answers the latest to an unknown one") {
  mcp::Server server(options_with());
  for (std::string version : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "1999-01-01", "2026-07-28"}) {
    CAPTURE(version);
    RawSession raw(server);
    Json result = result_of(raw.peer->initialize(version));
    const std::string expected = mcp::is_supported_protocol_version(version) ? version : "2025-11-25";
    CHECK(result["protocolVersion"] == expected);
    CHECK(result["serverInfo"]["name"] == "test-server");
    CHECK(result["serverInfo"]["version"] == "9.9.9");
    CHECK(result["serverInfo"]["title"] == "Test Server");
    CHECK(result["instructions"] == "Use the tools.");
    CHECK(result["capabilities"]["tools"]["listChanged"] == true);
    CHECK(result["capabilities"]["resources"]["subscribe"] == true);
    CHECK(result["capabilities"].contains("logging"));
    CHECK(result["capabilities"].contains("completions"));
    CHECK(result["capabilities"].contains("prompts"));
    CHECK(raw.session->protocol_version() == expected);
    CHECK(raw.session->client_info().name == "raw-peer");
  }
}

TEST_CASE("before initialize: known methods are refused, ping works, server/discover is -32601") {
  mcp::Server server(options_with());
  server.add_tool(echo_tool());
  RawSession raw(server);
  Json refused = error_of(raw.peer->call("tools/list"));
  CHECK(refused["code"] == -32600);
  CHECK(refused["message"] == "Invalid Request: server not initialized; send initialize before tools/list");
  CHECK(result_of(raw.peer->call("ping")) == Json::object());
  Json discover = error_of(raw.peer->call("server/discover"));
  CHECK(discover["code"] == -32601);
  CHECK(discover["message"] == "Method not found: server/discover");
  raw.peer->initialize();
  CHECK(result_of(raw.peer->call("tools/list"))["tools"].size() == 1);
  CHECK(error_of(raw.peer->call("server/discover"))["code"] == -32601);
}

TEST_CASE("malformed messages get -32600 with exact messages") {
  mcp::Server server(options_with());
  RawSession raw(server);
  raw.peer->initialize();

  raw.peer->send(Json{{"jsonrpc", "1.0"}, {"id", 41}, {"method", "ping"}});
  Json wrong_version = error_of(raw.peer->wait_for_id(41));
  CHECK(wrong_version["code"] == -32600);
  CHECK(wrong_version["message"] == "Invalid Request: \"jsonrpc\" must be \"2.0\"");

  raw.peer->send(Json::array({1, 2}));
  auto not_object = raw.peer->wait_for([](const Json& m) { return m.contains("error") && m["id"].is_null(); });
  REQUIRE(not_object.has_value());
  CHECK((*not_object)["error"]["code"] == -32600);
  CHECK((*not_object)["error"]["message"] == "Invalid Request: message must be a JSON object, got array");

  raw.peer->send(Json{{"jsonrpc", "2.0"}, {"id", nullptr}, {"method", "tools/list"}});
  auto null_id = raw.peer->wait_for([](const Json& m) { return m.contains("error") && m["id"].is_null(); });
  REQUIRE(null_id.has_value());
  CHECK((*null_id)["error"]["message"] == "Invalid Request: \"id\" must be a string or an integer");

  raw.peer->send(Json{{"jsonrpc", "2.0"}, {"id", "s1"}, {"method", "tools/list"}, {"params", "x"}});
  CHECK(error_of(raw.peer->wait_for_id("s1"))["message"] ==
        "Invalid Request: \"params\" must be an object or an array");

  // A string id is answered with the same string id.
  raw.peer->send(Json{{"jsonrpc", "2.0"}, {"id", "abc"}, {"method", "ping"}});
  CHECK(result_of(raw.peer->wait_for_id("abc")) == Json::object());
}

TEST_CASE("-32602 for unknown tools, bad calls and bad log levels") {
  mcp::Server server(options_with());
  server.add_tool(echo_tool());
  RawSession raw(server);
  raw.peer->initialize();
  Json unknown = error_of(raw.peer->call("tools/call", {{"name", "nope"}, {"arguments", Json::object()}}));
  CHECK(unknown["code"] == -32602);
  CHECK(unknown["message"] == "Invalid params: unknown tool \"nope\"");
  Json no_name = error_of(raw.peer->call("tools/call", Json::object()));
  CHECK(no_name["message"] == "Invalid params: tools/call needs a string \"name\"");
  Json bad_args = error_of(raw.peer->call("tools/call", {{"name", "echo"}, {"arguments", 5}}));
  CHECK(bad_args["message"] == "Invalid params: tools/call \"arguments\" must be an object, got number");
  Json level = error_of(raw.peer->call("logging/setLevel", {{"level", "loud"}}));
  CHECK(level["code"] == -32602);
  CHECK(level["message"] ==
        "Invalid params: unknown logging level \"loud\" (expected one of debug, info, notice, warning, error, "
        "critical, alert, emergency)");
}

TEST_CASE("tools/list paginates with opaque cursors, a bad cursor is -32602") {
  mcp::Server server(options_with(2));
  for (int i = 0; i < 5; ++i) {
    auto tool = echo_tool();
    tool.name = "tool_" + std::to_string(i);
    server.add_tool(std::move(tool));
  }
  RawSession raw(server);
  raw.peer->initialize();
  std::vector<std::string> names;
  Json params = Json::object();
  int pages = 0;
  for (;;) {
    Json page = result_of(raw.peer->call("tools/list", params));
    ++pages;
    for (const auto& tool : page["tools"]) names.push_back(tool["name"]);
    if (!page.contains("nextCursor")) break;
    params["cursor"] = page["nextCursor"];
  }
  CHECK(pages == 3);
  CHECK(names == std::vector<std::string>{"tool_0", "tool_1", "tool_2", "tool_3", "tool_4"});
  Json bad = error_of(raw.peer->call("tools/list", {{"cursor", "zzz"}}));
  CHECK(bad["code"] == -32602);
  CHECK(bad["message"] == "Invalid params: invalid cursor \"zzz\"");
  CHECK(error_of(raw.peer->call("tools/list", {{"cursor", "p999"}}))["code"] == -32602);
  CHECK(error_of(raw.peer->call("prompts/list", {{"cursor", 7}}))["code"] == -32602);
}

TEST_CASE("tools/list carries title, schemas and annotations") {
  mcp::Server server(options_with());
  auto tool = echo_tool();
  tool.output_schema = Json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}}})");
  server.add_tool(std::move(tool));
  RawSession raw(server);
  raw.peer->initialize();
  Json listed = result_of(raw.peer->call("tools/list"))["tools"][0];
  CHECK(listed["name"] == "echo");
  CHECK(listed["title"] == "Echo");
  CHECK(listed["inputSchema"]["required"][0] == "text");
  CHECK(listed["outputSchema"]["type"] == "object");
  CHECK(listed["annotations"] == Json{{"readOnlyHint", true}, {"openWorldHint", false}});
}

TEST_CASE("add_tool rejects bad names and unusable schemas") {
  mcp::Server server(options_with());
  auto bad_name = echo_tool();
  bad_name.name = "has space";
  CHECK_THROWS_AS(server.add_tool(bad_name), std::invalid_argument);
  auto bad_schema = echo_tool();
  bad_schema.input_schema = Json{{"type", "string"}};
  CHECK_THROWS_AS(server.add_tool(bad_schema), std::invalid_argument);
}

TEST_CASE("invalid arguments are an isError result naming the JSON path, before the handler runs") {
  mcp::Server server(options_with());
  std::atomic<int> calls{0};
  auto tool = echo_tool();
  tool.handler = [&](const Json& args, mcp::ToolContext&) {
    ++calls;
    return mcp::ToolResult::text(args["text"]);
  };
  server.add_tool(std::move(tool));
  RawSession raw(server);
  raw.peer->initialize();
  Json result = result_of(raw.peer->call("tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}, {"count", 50}}}}));
  CHECK(result["isError"] == true);
  const std::string text = result["content"][0]["text"];
  CHECK(text.rfind("Invalid arguments for tool echo: ", 0) == 0);
  CHECK(text.find("arguments.count") != std::string::npos);
  Json missing = result_of(raw.peer->call("tools/call", {{"name", "echo"}, {"arguments", Json::object()}}));
  CHECK(missing["isError"] == true);
  CHECK(missing["content"][0]["text"].get<std::string>().find("text") != std::string::npos);
  CHECK(calls.load() == 0);
  Json ok = result_of(raw.peer->call("tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}));
  CHECK_FALSE(ok.contains("isError"));
  CHECK(ok["content"][0] == Json{{"type", "text"}, {"text", "hi"}});
  CHECK(calls.load() == 1);
}

TEST_CASE("handler exceptions: std::exception → isError result, McpError → JSON-RPC error") {
  mcp::Server server(options_with());
  server.add_tool({.name = "throws",
                   .description = "",
                   .handler = [](const Json&, mcp::ToolContext&) -> mcp::ToolResult {
                     throw std::runtime_error("upstream SIEM returned 503");
                   }});
  server.add_tool({.name = "protocol_error",
                   .description = "",
                   .handler = [](const Json&, mcp::ToolContext&) -> mcp::ToolResult {
                     throw mcp::McpError(-32602, "Invalid params: custom");
                   }});
  RawSession raw(server);
  raw.peer->initialize();
  Json result = result_of(raw.peer->call("tools/call", {{"name", "throws"}}));
  CHECK(result["isError"] == true);
  CHECK(result["content"][0]["text"] == "upstream SIEM returned 503");
  Json error = error_of(raw.peer->call("tools/call", {{"name", "protocol_error"}}));
  CHECK(error["code"] == -32602);
  CHECK(error["message"] == "Invalid params: custom");
}

TEST_CASE("outputSchema: structuredContent is validated and copied into a text block") {
  mcp::Server server(options_with());
  const Json schema = Json::parse(R"({"type":"object","properties":{"count":{"type":"integer"}},"required":["count"]})");
  server.add_tool({.name = "structured",
                   .description = "",
                   .output_schema = schema,
                   .handler = [](const Json& args, mcp::ToolContext&) {
                     if (args.contains("bad")) return mcp::ToolResult::structured(Json{{"count", "three"}});
                     if (args.contains("none")) return mcp::ToolResult::text("no structure");
                     return mcp::ToolResult::structured(Json{{"count", 3}});
                   }});
  RawSession raw(server);
  raw.peer->initialize();
  Json good = result_of(raw.peer->call("tools/call", {{"name", "structured"}}));
  CHECK(good["structuredContent"] == Json{{"count", 3}});
  REQUIRE(good["content"].size() == 1);
  CHECK(good["content"][0]["type"] == "text");
  CHECK(Json::parse(good["content"][0]["text"].get<std::string>()) == Json{{"count", 3}});
  CHECK_FALSE(good.contains("isError"));

  Json bad = result_of(raw.peer->call("tools/call", {{"name", "structured"}, {"arguments", {{"bad", true}}}}));
  CHECK(bad["isError"] == true);
  CHECK(bad["content"][0]["text"].get<std::string>().find("structuredContent.count") != std::string::npos);

  Json none = result_of(raw.peer->call("tools/call", {{"name", "structured"}, {"arguments", {{"none", true}}}}));
  CHECK(none["isError"] == true);
  CHECK(none["content"][0]["text"].get<std::string>().find("no structuredContent") != std::string::npos);
}

TEST_CASE("a slow tool blocks neither ping nor other calls") {
  mcp::ServerOptions options = options_with();
  options.worker_threads = 1;  // the pool must grow rather than queue behind the slow call
  mcp::Server server(options);
  Signal release, slow_started;
  server.add_tool({.name = "slow",
                   .description = "",
                   .handler = [&](const Json&, mcp::ToolContext&) {
                     slow_started.set();
                     release.wait();
                     return mcp::ToolResult::text("slow done");
                   }});
  server.add_tool(echo_tool());
  RawSession raw(server);
  raw.peer->initialize();
  const int slow_id = raw.peer->next_id();
  raw.peer->send(Json{{"jsonrpc", "2.0"}, {"id", slow_id}, {"method", "tools/call"}, {"params", {{"name", "slow"}}}});
  REQUIRE(slow_started.wait());
  CHECK(result_of(raw.peer->call("ping")) == Json::object());
  Json fast = result_of(raw.peer->call("tools/call", {{"name", "echo"}, {"arguments", {{"text", "quick"}}}}));
  CHECK(fast["content"][0]["text"] == "quick");
  CHECK(raw.peer->all_matching([&](const Json& m) { return is_id(m, slow_id); }).empty());
  release.set();
  CHECK(result_of(raw.peer->wait_for_id(slow_id))["content"][0]["text"] == "slow done");
}

TEST_CASE("notifications/cancelled reaches the handler's stop_token and no response is sent") {
  mcp::Server server(options_with());
  Signal started, observed;
  server.add_tool({.name = "wait_for_cancel",
                   .description = "",
                   .handler = [&](const Json&, mcp::ToolContext& context) {
                     started.set();
                     std::mutex m;
                     std::condition_variable_any cv;
                     std::unique_lock lock(m);
                     cv.wait(lock, context.stop_token(), [] { return false; });
                     observed.set();
                     return mcp::ToolResult::text("should never be sent");
                   }});
  RawSession raw(server);
  raw.peer->initialize();
  const int id = raw.peer->next_id();
  raw.peer->send(Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", "wait_for_cancel"}}}});
  REQUIRE(started.wait());
  // Unknown ids are ignored.
  raw.peer->send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 9999}}}});
  raw.peer->send(Json{{"jsonrpc", "2.0"},
                      {"method", "notifications/cancelled"},
                      {"params", {{"requestId", id}, {"reason", "user pressed stop"}}}});
  REQUIRE(observed.wait());
  // Let the worker finish, then make sure nothing answered the cancelled request.
  CHECK(result_of(raw.peer->call("ping")) == Json::object());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(result_of(raw.peer->call("ping")) == Json::object());
  CHECK(raw.peer->all_matching([&](const Json& m) { return is_id(m, id); }).empty());
  // Cancelling a finished request is ignored too.
  raw.peer->send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", id}}}});
  CHECK(result_of(raw.peer->call("ping")) == Json::object());
}

TEST_CASE("prompts/list and prompts/get with argument checks") {
  mcp::Server server(options_with());
  server.add_prompt({.name = "hunt_brief",
                     .title = "Hunt brief",
                     .description = "Brief for a hunt",
                     .arguments = {{.name = "host", .description = "Host name", .required = true},
                                   {.name = "hours", .required = false}},
                     .handler = [](const Json& args, mcp::ToolContext&) {
                       std::string text = "Hunt on " + args["host"].get<std::string>();
                       if (args.contains("hours")) text += " for " + args["hours"].get<std::string>() + "h";
                       return Json{{"messages", Json::array({{{"role", "user"}, {"content", mcp::text_content(text)}}})}};
                     }});
  RawSession raw(server);
  raw.peer->initialize();
  Json listed = result_of(raw.peer->call("prompts/list"))["prompts"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["arguments"][0] == Json{{"name", "host"}, {"description", "Host name"}, {"required", true}});
  Json got = result_of(raw.peer->call("prompts/get", {{"name", "hunt_brief"}, {"arguments", {{"host", "dc01"}, {"hours", "24"}}}}));
  CHECK(got["description"] == "Brief for a hunt");
  CHECK(got["messages"][0]["content"]["text"] == "Hunt on dc01 for 24h");
  Json missing = error_of(raw.peer->call("prompts/get", {{"name", "hunt_brief"}}));
  CHECK(missing["code"] == -32602);
  CHECK(missing["message"] == "Invalid params: prompt \"hunt_brief\" requires argument \"host\"");
  CHECK(error_of(raw.peer->call("prompts/get", {{"name", "nope"}}))["message"] == "Invalid params: unknown prompt \"nope\"");
  CHECK(error_of(raw.peer->call("prompts/get", {{"name", "hunt_brief"}, {"arguments", {{"host", 5}}}}))["code"] == -32602);
}

TEST_CASE("resources: list, templates, read, -32002 for unknown") {
  mcp::Server server(options_with());
  server.add_resource({.uri = "test://static-text",
                       .name = "static",
                       .mime_type = "text/plain",
                       .read = [](const std::string& uri, mcp::ToolContext&) {
                         return Json::array({mcp::text_resource_contents(uri, "text/plain", "hello")});
                       }});
  server.add_resource_template({.uri_template = "test://template/{id}/data",
                                .name = "data",
                                .mime_type = "application/json",
                                .read = [](const std::string& uri, const std::map<std::string, std::string>& vars,
                                           mcp::ToolContext&) {
                                  return mcp::text_resource_contents(uri, "application/json",
                                                                     Json{{"id", vars.at("id")}}.dump());
                                }});
  RawSession raw(server);
  raw.peer->initialize();
  CHECK(result_of(raw.peer->call("resources/list"))["resources"][0]["uri"] == "test://static-text");
  CHECK(result_of(raw.peer->call("resources/templates/list"))["resourceTemplates"][0]["uriTemplate"] ==
        "test://template/{id}/data");
  Json text = result_of(raw.peer->call("resources/read", {{"uri", "test://static-text"}}));
  CHECK(text["contents"][0]["text"] == "hello");
  Json templated = result_of(raw.peer->call("resources/read", {{"uri", "test://template/77/data"}}));
  CHECK(templated["contents"][0]["uri"] == "test://template/77/data");
  CHECK(Json::parse(templated["contents"][0]["text"].get<std::string>())["id"] == "77");
  Json unknown = error_of(raw.peer->call("resources/read", {{"uri", "test://nothing"}}));
  CHECK(unknown["code"] == -32002);
  CHECK(unknown["message"] == "Resource not found: test://nothing");
  CHECK(unknown["data"]["uri"] == "test://nothing");
}

TEST_CASE("resources/subscribe then notify_resource_updated reaches only subscribers") {
  mcp::Server server(options_with());
  server.add_resource({.uri = "test://watched-resource",
                       .name = "watched",
                       .read = [](const std::string& uri, mcp::ToolContext&) {
                         return Json::array({mcp::text_resource_contents(uri, "text/plain", "v")});
                       }});
  RawSession subscriber(server), bystander(server);
  subscriber.peer->initialize();
  bystander.peer->initialize();
  CHECK(result_of(subscriber.peer->call("resources/subscribe", {{"uri", "test://watched-resource"}})) == Json::object());
  server.notify_resource_updated("test://watched-resource");
  auto updated = subscriber.peer->wait_for(
      [](const Json& m) { return m.value("method", "") == "notifications/resources/updated"; });
  REQUIRE(updated.has_value());
  CHECK((*updated)["params"]["uri"] == "test://watched-resource");
  // Messages in one direction keep their order: after a ping round trip, anything sent before is here.
  bystander.peer->call("ping");
  CHECK(bystander.peer->all_matching([](const Json& m) { return m.contains("method"); }).empty());

  CHECK(result_of(subscriber.peer->call("resources/unsubscribe", {{"uri", "test://watched-resource"}})) == Json::object());
  server.notify_resource_updated("test://watched-resource");
  subscriber.peer->call("ping");
  CHECK(subscriber.peer->all_matching([](const Json& m) { return m.contains("method"); }).empty());
}

TEST_CASE("completion/complete for prompt arguments and template variables") {
  mcp::Server server(options_with());
  const std::vector<std::string> hosts = {"dc01", "dc02", "ws-17", "fs01"};
  server.add_prompt({.name = "p",
                     .arguments = {{.name = "host", .required = true}},
                     .handler = [](const Json&, mcp::ToolContext&) { return Json{{"messages", Json::array()}}; },
                     .complete = [&](const std::string& argument, const std::string& value, const Json&) {
                       std::vector<std::string> out;
                       if (argument != "host") return out;
                       for (const auto& h : hosts) {
                         if (h.rfind(value, 0) == 0) out.push_back(h);
                       }
                       return out;
                     }});
  server.add_resource_template({.uri_template = "hunt://{many}",
                                .name = "many",
                                .read = [](const std::string&, const std::map<std::string, std::string>&,
                                           mcp::ToolContext&) { return Json::array(); },
                                .complete = [](const std::string&, const std::string&, const Json&) {
                                  std::vector<std::string> out;
                                  for (int i = 0; i < 150; ++i) out.push_back(std::to_string(i));
                                  return out;
                                }});
  RawSession raw(server);
  raw.peer->initialize();
  Json completion = result_of(raw.peer->call(
      "completion/complete",
      {{"ref", {{"type", "ref/prompt"}, {"name", "p"}}}, {"argument", {{"name", "host"}, {"value", "dc"}}}}))["completion"];
  CHECK(completion["values"] == Json::array({"dc01", "dc02"}));
  CHECK(completion["total"] == 2);
  CHECK(completion["hasMore"] == false);
  Json capped = result_of(raw.peer->call(
      "completion/complete", {{"ref", {{"type", "ref/resource"}, {"uri", "hunt://{many}"}}},
                              {"argument", {{"name", "many"}, {"value", ""}}}}))["completion"];
  CHECK(capped["values"].size() == 100);
  CHECK(capped["total"] == 150);
  CHECK(capped["hasMore"] == true);
  CHECK(error_of(raw.peer->call("completion/complete",
                                {{"ref", {{"type", "ref/prompt"}, {"name", "zzz"}}},
                                 {"argument", {{"name", "host"}, {"value", ""}}}}))["code"] == -32602);
}

TEST_CASE("registry changes at run time are announced with list_changed") {
  mcp::Server server(options_with());
  RawSession raw(server);
  raw.peer->initialize();
  server.add_tool(echo_tool());
  auto changed = raw.peer->wait_for(
      [](const Json& m) { return m.value("method", "") == "notifications/tools/list_changed"; });
  CHECK(changed.has_value());
  CHECK(result_of(raw.peer->call("tools/list"))["tools"].size() == 1);
  CHECK(server.remove_tool("echo"));
  CHECK(raw.peer->wait_for([](const Json& m) { return m.value("method", "") == "notifications/tools/list_changed"; })
            .has_value());
  CHECK(result_of(raw.peer->call("tools/list"))["tools"].empty());
  CHECK_FALSE(server.remove_tool("echo"));
}

TEST_CASE("many sessions share one server concurrently") {
  mcp::Server server(options_with());
  server.add_tool(echo_tool());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int s = 0; s < 4; ++s) {
    threads.emplace_back([&, s] {
      RawSession raw(server);
      raw.peer->initialize();
      for (int i = 0; i < 50; ++i) {
        const std::string text = std::to_string(s) + ":" + std::to_string(i);
        Json result = raw.peer->call("tools/call", {{"name", "echo"}, {"arguments", {{"text", text}}}});
        if (result["result"]["content"][0]["text"] == text) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok.load() == 200);
}

TEST_CASE("run_handlers_inline serves calls on the delivering thread") {
  mcp::ServerOptions options = options_with();
  options.run_handlers_inline = true;
  mcp::Server server(options);
  server.add_tool(echo_tool());
  RawSession raw(server);
  raw.peer->initialize();
  Json result = result_of(raw.peer->call("tools/call", {{"name", "echo"}, {"arguments", {{"text", "inline"}}}}));
  CHECK(result["content"][0]["text"] == "inline");
  CHECK(error_of(raw.peer->call("tools/call", {{"name", "nope"}}))["code"] == -32602);
}

TEST_CASE("a malformed response is logged and dropped, never answered") {
  mcp::Server server(options_with());
  RawSession raw(server);
  raw.peer->initialize();
  raw.peer->send(Json{{"jsonrpc", "2.0"}, {"result", Json::object()}});
  raw.peer->send(Json{{"jsonrpc", "2.0"}, {"id", nullptr}, {"result", Json::object()}});
  // Ordering per direction: once the ping is answered, any reply to the two would be here.
  CHECK(result_of(raw.peer->call("ping")) == Json::object());
  CHECK(raw.peer->all_matching([](const Json&) { return true; }).empty());
}

TEST_CASE("a quick tool answers on the delivering thread and may not wait for the client") {
  mcp::Server server(options_with());
  mcp::Tool quick = echo_tool();
  quick.quick = true;
  server.add_tool(quick);
  mcp::Tool asks = echo_tool();
  asks.name = "asks_client";
  asks.quick = true;
  asks.handler = [](const Json&, mcp::ToolContext& context) {
    context.request("ping");
    return mcp::ToolResult::text("unreachable");
  };
  server.add_tool(asks);
  RawSession raw(server);
  raw.peer->initialize();
  Json result = result_of(raw.peer->call("tools/call", {{"name", "echo"}, {"arguments", {{"text", "fast"}}}}));
  CHECK(result["content"][0]["text"] == "fast");
  CHECK(result_of(raw.peer->call("tools/list"))["tools"].size() == 2);
  // Waiting for the client on the thread that reads the client would hang: refused at once.
  Json refused = error_of(raw.peer->call("tools/call", {{"name", "asks_client"}, {"arguments", {{"text", "x"}}}}));
  CHECK(refused["code"] == -32603);
  CHECK(refused["message"] ==
        "Internal error: the handler of tools/call runs inline (declared quick) and cannot send ping to the peer");
  CHECK(error_of(raw.peer->call("tools/call", {{"name", "nope"}}))["code"] == -32602);
}
