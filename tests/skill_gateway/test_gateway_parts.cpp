// The gateway's pure parts: payload reading, transient-failure detection, capability routing, argument
// adaptation, the call-slot semaphore.
#include <chrono>
#include <stop_token>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "mcp/types.hpp"
#include "skill/gateway/argument_adapter.hpp"
#include "skill/gateway/call_limits.hpp"
#include "skill/gateway/payload.hpp"
#include "skill/gateway/tool_routing.hpp"
#include "skill/gateway/transient.hpp"

namespace gw = lh::skill::gateway;
using Json = nlohmann::json;

namespace {

lh::mcp::ToolResult text_result(const std::string& text) { return lh::mcp::ToolResult::text(text); }

gw::DiscoveredServer discovered(std::string name, std::vector<std::string> tools, bool reachable = true) {
  gw::DiscoveredServer server;
  server.name = std::move(name);
  server.reachable = reachable;
  for (auto& tool : tools) server.tools.emplace(tool, Json{{"name", tool}});
  return server;
}

std::map<std::string, gw::DiscoveredServer> servers_of(std::vector<gw::DiscoveredServer> list) {
  std::map<std::string, gw::DiscoveredServer> out;
  for (auto& server : list) out.emplace(server.name, std::move(server));
  return out;
}

gw::GatewayConfig config_with(std::vector<std::string> names, std::map<std::string, std::string> roles = {}) {
  gw::GatewayConfig config;
  for (auto& name : names) {
    gw::ServerConfig server;
    server.name = name;
    server.launch = gw::StdioServer{"true", {}, {}, ""};
    config.servers.emplace(name, server);
  }
  config.roles = std::move(roles);
  return config;
}

std::string route_text(const gw::RouteDecision& decision) {
  if (!decision.route) return "none: " + decision.reason;
  if (decision.route->unreachable) return decision.route->server + " (unreachable)";
  return decision.route->server + "/" + decision.route->tool;
}

}  // namespace

TEST_CASE("payload: a JSON text block becomes the value and an object with an error member is a failure") {
  auto ok = gw::read_payload(text_result(R"({"events": [{"name": "e1"}], "total_events": 1})"));
  CHECK_FALSE(ok.error);
  CHECK(ok.value["total_events"] == 1);

  auto failed = gw::read_payload(text_result(R"({"error": "Error searching UDM: 403 permission denied", "events": []})"));
  REQUIRE(failed.error);
  CHECK(failed.error->find("permission denied") != std::string::npos);

  auto empty_error = gw::read_payload(text_result(R"({"error": "", "events": []})"));
  CHECK_FALSE(empty_error.error);
}

TEST_CASE("payload: Error text, empty content and isError are failures, other text is a value") {
  auto error_text = gw::read_payload(text_result("  \n error: case 7 not found"));
  REQUIRE(error_text.error);
  CHECK(error_text.error->find("case 7 not found") != std::string::npos);

  CHECK(gw::starts_with_error_word("ERROR retrieving alerts"));
  CHECK(gw::starts_with_error_word("Error"));
  CHECK_FALSE(gw::starts_with_error_word("Errors found: 0"));
  CHECK_FALSE(gw::starts_with_error_word("No error"));

  auto plain = gw::read_payload(text_result("Entity Summary for WKS-017: ... no errors"));
  CHECK_FALSE(plain.error);
  CHECK(plain.value == Json{{"text", "Entity Summary for WKS-017: ... no errors"}});

  lh::mcp::ToolResult nothing;
  auto empty = gw::read_payload(nothing);
  REQUIRE(empty.error);
  CHECK(empty.error->find("empty content") != std::string::npos);

  auto flagged = gw::read_payload(lh::mcp::ToolResult::error("quota exceeded"));
  REQUIRE(flagged.error);
  CHECK(flagged.error->find("isError: quota exceeded") != std::string::npos);
}

TEST_CASE("payload: structuredContent wins and a lone result member is unwrapped") {
  lh::mcp::ToolResult result;
  result.add_text("ignored when structured content is present");
  result.structured_content = Json{{"result", Json{{"cases", Json::array()}}}};
  auto reading = gw::read_payload(result);
  CHECK_FALSE(reading.error);
  CHECK(reading.value == Json{{"cases", Json::array()}});

  result.structured_content = Json{{"result", "Error: SOAR returned 500"}};
  CHECK(gw::read_payload(result).error);

  result.structured_content = Json{{"result", 1}, {"other", 2}};
  CHECK(gw::read_payload(result).value == Json{{"result", 1}, {"other", 2}});
}

TEST_CASE("transient failures: timeouts, lost connections, internal errors and HTTP 5xx or 429 only") {
  using lh::mcp::McpError;
  namespace code = lh::mcp::error_code;
  CHECK(gw::is_transient(McpError(code::request_timeout, "Request timed out")));
  CHECK(gw::is_transient(McpError(code::connection_closed, "Connection closed")));
  CHECK(gw::is_transient(McpError(code::internal_error, "Internal error")));
  CHECK_FALSE(gw::is_transient(McpError(code::invalid_params, "Invalid params: query is required")));
  CHECK_FALSE(gw::is_transient(McpError(code::request_cancelled, "cancelled")));
  CHECK(gw::is_transient(McpError(-32010, "upstream said HTTP 503")));

  CHECK(gw::mentions_transient_http_failure("Error: 429 Too Many Requests"));
  CHECK(gw::mentions_transient_http_failure("HTTP status 502 from chronicle"));
  CHECK(gw::mentions_transient_http_failure("Service Unavailable"));
  CHECK_FALSE(gw::mentions_transient_http_failure("Error: 403 permission denied"));
  CHECK_FALSE(gw::mentions_transient_http_failure("found 503 events"));
  CHECK_FALSE(gw::mentions_transient_http_failure("status code 5000"));
}

TEST_CASE("routing: role servers, Google's names, overrides and role-less servers") {
  auto config = config_with({"google", "soar", "spare"}, {{"siem", "google"}, {"cases", "soar"}});
  auto servers = servers_of({discovered("google", {"udm_search", "summarize_entity", "get_ioc_match"}),
                             discovered("soar", {"list_cases", "get_case_full_details", "post_case_comment"}),
                             discovered("spare", {"get_file_report", "search_udm"})});
  CHECK(route_text(gw::resolve_route("search_udm", config, servers)) == "google/udm_search");
  CHECK(route_text(gw::resolve_route("lookup_entity", config, servers)) == "google/summarize_entity");
  CHECK(route_text(gw::resolve_route("get_ioc_matches", config, servers)) == "google/get_ioc_match");
  CHECK(route_text(gw::resolve_route("post_case_comment", config, servers)) == "soar/post_case_comment");
  // No intel role: the role-less server that has the tool serves it.
  CHECK(route_text(gw::resolve_route("get_file_report", config, servers)) == "spare/get_file_report");
  // A server with another role is never borrowed.
  CHECK(route_text(gw::resolve_route("get_threat_intel", config, servers)).rfind("none: ", 0) == 0);

  config.tool_overrides["siem"]["search_udm"] = "udm_search";
  config.tool_overrides["cases"]["list_cases"] = "list_cases_v2";
  CHECK(route_text(gw::resolve_route("search_udm", config, servers)) == "google/udm_search");
  const auto missing = gw::resolve_route("list_cases", config, servers);
  REQUIRE_FALSE(missing.route);
  CHECK(missing.reason == "role cases is served by 'soar', which has no tool list_cases_v2 (toolOverrides)");
}

TEST_CASE("routing: an unreachable role server is named, an unknown capability is a tool name") {
  auto config = config_with({"secops", "gti"}, {{"siem", "secops"}});
  auto servers = servers_of({discovered("secops", {}, false), discovered("gti", {"get_ip_address_report", "search_iocs"})});
  CHECK(route_text(gw::resolve_route("search_udm", config, servers)) == "secops (unreachable)");
  CHECK(route_text(gw::resolve_route("get_ip_address_report", config, servers)) == "gti/get_ip_address_report");
  CHECK(route_text(gw::resolve_route("search_iocs", config, servers)) == "gti/search_iocs");
}

TEST_CASE("arguments: renamed to the tool's names, undeclared ones dropped, tenant ids filled") {
  const Json schema = {{"type", "object"},
                       {"properties",
                        {{"query", {{"type", "string"}}},
                         {"start_time", {{"type", "string"}}},
                         {"end_time", {{"type", "string"}}},
                         {"page_size", {{"type", "integer"}}},
                         {"project_id", {{"type", "string"}}},
                         {"region", {{"type", "string"}}}}}};
  const Json tenant = {{"project_id", "proj-1"}, {"customer_id", "cust-1"}, {"region", "eu"}};
  const auto now = std::chrono::sys_days{std::chrono::year{2024} / 3 / 5} + std::chrono::hours(12);
  auto adapted = gw::adapt_arguments(
      Json{{"query", "metadata.event_type = \"USER_LOGIN\""}, {"hours_back", 24}, {"max_events", 50}, {"region", "us"}},
      schema, tenant, now);
  CHECK(adapted.arguments == Json{{"query", "metadata.event_type = \"USER_LOGIN\""},
                                  {"start_time", "2024-03-04T12:00:00Z"},
                                  {"end_time", "2024-03-05T12:00:00Z"},
                                  {"page_size", 50},
                                  {"project_id", "proj-1"},
                                  {"region", "us"}});

  const Json entity_schema = {{"type", "object"}, {"properties", {{"entity", {{"type", "string"}}}}}};
  auto entity = gw::adapt_arguments(Json{{"entity_value", "10.0.0.5"}, {"hours_back", 72}}, entity_schema, Json::object());
  CHECK(entity.arguments == Json{{"entity", "10.0.0.5"}});

  const Json camel_schema = {{"type", "object"}, {"properties", {{"caseId", {{"type", "string"}}}, {"comment", {{"type", "string"}}}}}};
  auto camel = gw::adapt_arguments(Json{{"case_id", "42"}, {"comment", "hunt report"}}, camel_schema, Json::object());
  CHECK(camel.arguments == Json{{"caseId", "42"}, {"comment", "hunt report"}});

  auto unknown_schema = gw::adapt_arguments(Json{{"anything", 1}}, Json{{"type", "object"}}, tenant);
  CHECK(unknown_schema.arguments == Json{{"anything", 1}});
}

TEST_CASE("arguments: required names the call leaves unset are reported in schema order") {
  const Json schema = {{"type", "object"}, {"required", Json::array({"query", "project_id", "region"})}};
  CHECK(gw::missing_required(Json{{"query", "x"}}, schema) == std::vector<std::string>{"project_id", "region"});
  CHECK(gw::missing_required(Json{{"query", "x"}, {"project_id", "p"}, {"region", "us"}}, schema).empty());
  CHECK(gw::missing_required(Json{{"query", "x"}}, Json{{"type", "object"}}).empty());
}

TEST_CASE("call slots: at most the limit held, and a cancelled wait returns at once") {
  gw::CallSlots slots(2);
  auto first = slots.hold({});
  auto second = slots.hold({});
  CHECK(slots.in_flight() == 2);
  std::stop_source stop;
  std::jthread canceller([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop.request_stop();
  });
  auto third = slots.hold(stop.get_token());
  CHECK_FALSE(third);
  CHECK(slots.in_flight() == 2);
  first.reset();
  CHECK(slots.in_flight() == 1);
  auto fourth = slots.hold({});
  CHECK(fourth);
  CHECK(slots.in_flight() == 2);
}
