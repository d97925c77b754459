// The gateway against real upstreams: the secops-local executable over stdio and HTTP, and in-process
// servers behind loopback HTTP that speak Google's tool names, fail on purpose or count calls in flight.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "mcp/log.hpp"
#include "skill/gateway/gateway.hpp"
#include "tests/skill_gateway/loopback.hpp"
#include "transport/subprocess.hpp"

namespace gw = lh::skill::gateway;
using gateway_test::echo_tool;
using gateway_test::http_server_config;
using gateway_test::Json;
using gateway_test::LoopbackUpstream;
using gateway_test::object_schema;

namespace {

const std::string kSecopsLocal = LH_TEST_SECOPS_LOCAL;
const std::string kDemoData = LH_TEST_DEMO_DATA;
const Json kLogonSearch = {{"query", "metadata.event_type = \"USER_LOGIN\""}, {"hours_back", 72}, {"max_events", 5}};

gw::GatewayOptions quick_retries() {
  gw::GatewayOptions options;
  options.first_backoff = std::chrono::milliseconds(5);
  return options;
}

gw::GatewayConfig local(const std::vector<std::string>& extra_args = {}) {
  return gw::Gateway::local_config(kSecopsLocal, {kDemoData}, extra_args);
}

// Runs `call` and returns the UpstreamError it throws (fails the test when it throws none).
template <typename Call>
gw::UpstreamError upstream_error_of(Call&& call) {
  try {
    call();
  } catch (const gw::UpstreamError& e) {
    return e;
  }
  FAIL("no UpstreamError was thrown");
  return gw::UpstreamError(gw::UpstreamError::Kind::protocol, "", "", "unreachable");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Children of this process (any thread) whose command name is `name`.
std::vector<pid_t> child_processes_named(const std::string& name) {
  std::vector<pid_t> found;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream children(task.path() / "children");
    pid_t pid = 0;
    while (children >> pid) {
      std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
      std::string command;
      std::getline(comm, command);
      if (command == name) found.push_back(pid);
    }
  }
  return found;
}

// secops-local --http 127.0.0.1:0 as a child; its URL is read from the "listening on" line on stderr.
struct HttpSecopsLocal {
  explicit HttpSecopsLocal(std::vector<std::string> extra = {}) {
    lh::transport::SubprocessOptions options;
    options.command = kSecopsLocal;
    options.args = {"--data", kDemoData, "--http", "127.0.0.1:0"};
    options.args.insert(options.args.end(), extra.begin(), extra.end());
    process = lh::transport::Subprocess::spawn(options);
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd descriptor{process->stderr_fd(), POLLIN, 0};
      if (::poll(&descriptor, 1, 200) <= 0) continue;
      char buffer[512];
      const ssize_t n = ::read(process->stderr_fd(), buffer, sizeof buffer);
      if (n <= 0) break;
      seen.append(buffer, static_cast<std::size_t>(n));
      const auto at = seen.find("listening on ");
      const auto end = at == std::string::npos ? std::string::npos : seen.find('\n', at);
      if (end != std::string::npos) {
        url = seen.substr(at + 13, end - at - 13);
        break;
      }
    }
    REQUIRE_MESSAGE(!url.empty(), "secops-local --http did not report its address: " << seen);
  }
  ~HttpSecopsLocal() {
    process->signal_group(SIGTERM);
    process->wait_for_exit(std::chrono::seconds(5));
  }
  std::unique_ptr<lh::transport::Subprocess> process;
  std::string url;
};

}  // namespace

TEST_CASE("secops-local over stdio: capabilities route to its tools, one session serves every call") {
  gw::Gateway gateway(local());
  gateway.start();
  const auto status = gateway.status();
  REQUIRE(status.size() == 1);
  CHECK(status[0].name == "secops-local");
  CHECK(status[0].transport == "stdio");
  CHECK(status[0].connected);
  CHECK_FALSE(status[0].error);
  REQUIRE(status[0].server_info);
  CHECK(status[0].server_info->rfind("secops-local ", 0) == 0);
  CHECK(status[0].roles == std::vector<std::string>{"cases", "intel", "siem"});

  CHECK(gateway.route("search_udm") == "secops-local/search_udm");
  CHECK(gateway.route("lookup_entity") == "secops-local/lookup_entity");
  CHECK(gateway.route("post_case_comment") == "secops-local/post_case_comment");
  CHECK(gateway.has("get_threat_intel"));
  CHECK_FALSE(gateway.has("get_file_report"));

  auto search = gateway.call("search_udm", kLogonSearch);
  CHECK(search.server == "secops-local");
  CHECK(search.tool == "search_udm");
  CHECK(search.attempts == 1);
  REQUIRE(search.value.contains("events"));
  CHECK(search.value["events"].size() == 5);

  auto entity = gateway.call("lookup_entity", {{"entity_value", "FILESRV01"}, {"hours_back", 72}});
  CHECK(contains(entity.text, "FILESRV01"));
  gateway.call("list_cases", Json::object());

  std::vector<std::jthread> callers;
  for (int i = 0; i < 8; ++i) callers.emplace_back([&gateway] { gateway.call("search_udm", kLogonSearch); });
  callers.clear();
  CHECK(gateway.calls_made() == 11);
  CHECK(gateway.connection_count("secops-local") == 1);
}

TEST_CASE("secops-local with an IoC feed serves the intel role's report tools") {
  gw::Gateway gateway(local({"--iocs", LH_TEST_DEMO_IOCS}));
  gateway.start();
  CHECK(gateway.route("get_file_report") == "secops-local/get_file_report");
  CHECK(gateway.route("get_ip_address_report") == "secops-local/get_ip_address_report");
  CHECK(gateway.route("get_domain_report") == "secops-local/get_domain_report");
  const auto listed = gateway.call("get_ip_address_report", {{"ip_address", "10.20.0.18"}});
  CHECK(listed.value.value("found", false));
  const auto unlisted = gateway.call("get_ip_address_report", {{"ip_address", "192.0.2.200"}});
  CHECK_FALSE(unlisted.value.value("found", true));
}

TEST_CASE("secops-local over stdio: a toolOverrides entry picks the tool") {
  auto config = local();
  config.tool_overrides["siem"]["lookup_entity"] = "search_entity";
  config.tool_overrides["cases"]["list_cases"] = "list_every_case";
  gw::Gateway gateway(config);
  gateway.start();
  CHECK(gateway.route("lookup_entity") == "secops-local/search_entity");
  CHECK_FALSE(gateway.has("list_cases"));
  const auto error = upstream_error_of([&] { gateway.call("list_cases", Json::object()); });
  CHECK(error.kind() == gw::UpstreamError::Kind::not_configured);
  CHECK(std::string(error.what()) ==
        "skill.gateway.not_configured: no upstream offers list_cases: role cases is served by 'secops-local', "
        "which has no tool list_every_case (toolOverrides)");
}

TEST_CASE("secops-local over HTTP answers like over stdio") {
  HttpSecopsLocal server;
  gw::GatewayConfig config;
  config.servers.emplace("secops-http", http_server_config("secops-http", server.url));
  config.roles = {{"siem", "secops-http"}, {"cases", "secops-http"}};
  gw::Gateway over_http(config);
  over_http.start();
  REQUIRE(over_http.status()[0].connected);
  CHECK(over_http.status()[0].transport == "http");

  gw::Gateway over_stdio(local());
  const Json query = {{"query", "metadata.event_type = \"NETWORK_CONNECTION\""}, {"hours_back", 72}, {"max_events", 1000}};
  const auto via_http = over_http.call("search_udm", query);
  const auto via_stdio = over_stdio.call("search_udm", query);
  CHECK(via_http.server == "secops-http");
  CHECK(via_http.value["total_events"] == via_stdio.value["total_events"]);
  CHECK(via_http.value["events"] == via_stdio.value["events"]);
  for (int i = 0; i < 5; ++i) over_http.call("lookup_entity", {{"entity_value", "DC01"}});
  CHECK(over_http.connection_count("secops-http") == 1);
}

TEST_CASE("arguments are renamed for a server with Google's tool names, tenant ids filled from the config") {
  LoopbackUpstream google("chronicle");
  google.server.add_tool(echo_tool("udm_search", object_schema({{"query", "string"}, {"start_time", "string"},
                                                                {"end_time", "string"}, {"page_size", "integer"},
                                                                {"project_id", "string"}, {"customer_id", "string"},
                                                                {"region", "string"}})));
  google.server.add_tool(echo_tool("summarize_entity", object_schema({{"query", "string"}, {"project_id", "string"}})));
  google.server.add_tool(echo_tool("create_case_comment", object_schema({{"name", "string"}, {"comment_text", "string"},
                                                                         {"project_id", "string"}})));
  google.start();

  gw::GatewayConfig config;
  auto server = http_server_config("chronicle", google.url());
  server.arguments = {{"project_id", "proj-77"}, {"customer_id", "cust-88"}, {"region", "eu"}};
  config.servers.emplace("chronicle", server);
  config.roles = {{"siem", "chronicle"}, {"cases", "chronicle"}};
  gw::Gateway gateway(config);
  gateway.start();
  CHECK(gateway.route("search_udm") == "chronicle/udm_search");
  CHECK(gateway.route("lookup_entity") == "chronicle/summarize_entity");
  CHECK(gateway.route("post_case_comment") == "chronicle/create_case_comment");
  CHECK_FALSE(gateway.has("get_ioc_matches"));

  const auto search = gateway.call("search_udm", {{"query", "principal.hostname = \"DC01\""}, {"hours_back", 24},
                                                  {"max_events", 10}});
  CHECK(search.tool == "udm_search");
  const Json& sent = search.value["received"];
  CHECK(sent["query"] == "principal.hostname = \"DC01\"");
  CHECK(sent["page_size"] == 10);
  CHECK(sent["project_id"] == "proj-77");
  CHECK(sent["customer_id"] == "cust-88");
  CHECK(sent["region"] == "eu");
  CHECK(sent.contains("start_time"));
  CHECK(sent.contains("end_time"));
  CHECK_FALSE(sent.contains("hours_back"));
  CHECK_FALSE(sent.contains("max_events"));

  const auto entity = gateway.call("lookup_entity", {{"entity_value", "10.20.0.18"}, {"hours_back", 72}});
  CHECK(entity.value["received"] == Json{{"query", "10.20.0.18"}, {"project_id", "proj-77"}});

  gw::CallSettings write;
  write.read_only = false;
  const auto comment = gateway.call("post_case_comment", {{"case_id", "cases/12"}, {"comment", "hunt report"}}, write);
  CHECK(comment.value["received"] == Json{{"name", "cases/12"}, {"comment_text", "hunt report"}, {"project_id", "proj-77"}});
}

TEST_CASE("the per-server concurrency limit holds calls back") {
  LoopbackUpstream upstream;
  auto in_flight = std::make_shared<std::atomic<int>>(0);
  auto most = std::make_shared<std::atomic<int>>(0);
  lh::mcp::Tool slow;
  slow.name = "search_udm";
  slow.input_schema = object_schema({{"query", "string"}});
  slow.handler = [in_flight, most](const Json&, lh::mcp::ToolContext&) {
    const int now = ++*in_flight;
    int seen = most->load();
    while (now > seen && !most->compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    --*in_flight;
    return lh::mcp::ToolResult::structured(Json{{"events", Json::array()}});
  };
  upstream.server.add_tool(slow);
  upstream.start();

  gw::GatewayConfig config;
  auto server = http_server_config("limited", upstream.url());
  server.limits.concurrency = 2;
  config.servers.emplace("limited", server);
  gw::Gateway gateway(config);
  std::atomic<int> answered{0};
  {
    std::vector<std::jthread> callers;
    for (int i = 0; i < 10; ++i) {
      callers.emplace_back([&] {
        gateway.call("search_udm", {{"query", "x"}});
        ++answered;
      });
    }
  }
  CHECK(answered == 10);
  CHECK(most->load() >= 1);
  CHECK(most->load() <= 2);
}

TEST_CASE("read-only calls are retried on transient failures, write calls never") {
  LoopbackUpstream upstream;
  auto search_calls = std::make_shared<std::atomic<int>>(0);
  lh::mcp::Tool flaky;
  flaky.name = "search_udm";
  flaky.input_schema = object_schema({{"query", "string"}});
  flaky.handler = [search_calls](const Json&, lh::mcp::ToolContext&) {
    if (++*search_calls <= 2) throw lh::mcp::McpError(lh::mcp::error_code::internal_error, "backend hiccup");
    return lh::mcp::ToolResult::structured(Json{{"events", Json::array()}, {"total_events", 0}});
  };
  auto comment_calls = std::make_shared<std::atomic<int>>(0);
  lh::mcp::Tool failing_write;
  failing_write.name = "post_case_comment";
  failing_write.input_schema = object_schema({{"case_id", "string"}, {"comment", "string"}});
  failing_write.handler = [comment_calls](const Json&, lh::mcp::ToolContext&) -> lh::mcp::ToolResult {
    ++*comment_calls;
    throw lh::mcp::McpError(lh::mcp::error_code::internal_error, "SOAR answered HTTP 503");
  };
  auto entity_calls = std::make_shared<std::atomic<int>>(0);
  lh::mcp::Tool rejecting;
  rejecting.name = "lookup_entity";
  rejecting.input_schema = object_schema({{"entity_value", "string"}});
  rejecting.handler = [entity_calls](const Json&, lh::mcp::ToolContext&) -> lh::mcp::ToolResult {
    ++*entity_calls;
    throw lh::mcp::McpError(lh::mcp::error_code::invalid_params, "entity_value: must not be empty");
  };
  upstream.server.add_tool(flaky);
  upstream.server.add_tool(failing_write);
  upstream.server.add_tool(rejecting);
  upstream.start();

  gw::GatewayConfig config;
  config.servers.emplace("flaky", http_server_config("flaky", upstream.url()));
  gw::Gateway gateway(config, quick_retries());

  const auto search = gateway.call("search_udm", {{"query", "x"}});
  CHECK(search.attempts == 3);
  CHECK(*search_calls == 3);
  CHECK(gateway.calls_made() == 3);

  gw::CallSettings write;
  write.read_only = false;
  const auto write_error = upstream_error_of(
      [&] { gateway.call("post_case_comment", {{"case_id", "7"}, {"comment", "report"}}, write); });
  CHECK(*comment_calls == 1);
  CHECK(write_error.kind() == gw::UpstreamError::Kind::protocol);
  CHECK(write_error.server() == "flaky");
  CHECK(write_error.tool() == "post_case_comment");
  CHECK(contains(write_error.what(), "not retried: the call writes"));

  const auto rejected = upstream_error_of([&] { gateway.call("lookup_entity", {{"entity_value", ""}}); });
  CHECK(*entity_calls == 1);
  CHECK(rejected.kind() == gw::UpstreamError::Kind::protocol);
}

TEST_CASE("payload-level errors of every shape fail the call, naming server and tool") {
  LoopbackUpstream upstream;
  auto text_tool = [](std::string name, std::string text) {
    lh::mcp::Tool tool;
    tool.name = std::move(name);
    tool.handler = [text](const Json&, lh::mcp::ToolContext&) { return lh::mcp::ToolResult::text(text); };
    return tool;
  };
  upstream.server.add_tool(text_tool("search_udm", R"({"error": "Error searching UDM: invalid query", "events": []})"));
  upstream.server.add_tool(text_tool("lookup_entity", "Error retrieving entity: permission denied"));
  lh::mcp::Tool empty;
  empty.name = "list_cases";
  empty.handler = [](const Json&, lh::mcp::ToolContext&) { return lh::mcp::ToolResult{}; };
  upstream.server.add_tool(empty);
  lh::mcp::Tool flagged;
  flagged.name = "get_case_full_details";
  flagged.handler = [](const Json&, lh::mcp::ToolContext&) { return lh::mcp::ToolResult::error("case not found"); };
  upstream.server.add_tool(flagged);
  upstream.start();

  gw::GatewayConfig config;
  config.servers.emplace("soc", http_server_config("soc", upstream.url()));
  gw::Gateway gateway(config, quick_retries());

  struct Expectation {
    std::string capability;
    std::string detail;
  };
  // Named references, not structured bindings: clang 14 cannot capture those in lambdas.
  for (const auto& expectation : std::vector<Expectation>{
           {"search_udm", "answered with an error payload: Error searching UDM: invalid query"},
           {"lookup_entity", "answered with an error text: Error retrieving entity: permission denied"},
           {"list_cases", "answered with empty content"},
           {"get_case_full_details", "answered isError: case not found"}}) {
    const std::string& capability = expectation.capability;
    const std::string& detail = expectation.detail;
    CAPTURE(capability);
    const auto error = upstream_error_of([&] { gateway.call(capability, {{"case_id", "1"}}); });
    CHECK(error.kind() == gw::UpstreamError::Kind::payload_error);
    CHECK(error.server() == "soc");
    CHECK(error.tool() == capability);
    CHECK(contains(error.what(), "skill.gateway.payload_error: upstream 'soc' tool " + capability));
    CHECK(contains(error.what(), detail));
  }
  // Not transient: each was sent once.
  CHECK(gateway.calls_made() == 4);
}

TEST_CASE("secops-local --inject-failure answers the secops-mcp error shape, which fails the call") {
  gw::Gateway gateway(local({"--inject-failure", "lookup_entity", "--inject-failure", "get_ioc_matches"}));
  const auto error = upstream_error_of([&] { gateway.call("lookup_entity", {{"entity_value", "DC01"}}); });
  CHECK(error.kind() == gw::UpstreamError::Kind::payload_error);
  CHECK(std::string(error.what()) ==
        "skill.gateway.payload_error: upstream 'secops-local' tool lookup_entity (for lookup_entity) failed: answered "
        "with an error payload: injected failure");
  CHECK(upstream_error_of([&] { gateway.call("get_ioc_matches", Json::object()); }).kind() ==
        gw::UpstreamError::Kind::payload_error);
  // The other tools still answer, through the same schemas.
  CHECK(gateway.call("search_udm", kLogonSearch).value["events"].size() == 5);
}

TEST_CASE("an unreachable stdio command and an unreachable URL fail with kind unreachable, naming them") {
  lh::mcp::log::add_secret("env-secret-8f2k1");
  lh::mcp::log::add_secret("Bearer header-secret-93jd");
  gw::GatewayConfig config;
  gw::ServerConfig missing;
  missing.name = "secops";
  missing.launch = gw::StdioServer{"/nonexistent/bin/secops_mcp", {"--region", "us"}, {{"CHRONICLE_TOKEN", "env-secret-8f2k1"}}, ""};
  config.servers.emplace("secops", missing);
  gw::ServerConfig refused;
  refused.name = "remote";
  refused.launch = gw::HttpServer{"http://127.0.0.1:9/mcp", {{"Authorization", "Bearer header-secret-93jd"}}};
  config.servers.emplace("remote", refused);
  config.roles = {{"siem", "secops"}, {"cases", "remote"}};
  gw::Gateway gateway(config, quick_retries());
  gateway.start();

  for (const auto& status : gateway.status()) {
    CAPTURE(status.name);
    CHECK_FALSE(status.connected);
    REQUIRE(status.error);
    CHECK_FALSE(contains(*status.error, "secret"));
  }
  CHECK_FALSE(gateway.has("search_udm"));

  const auto stdio_error = upstream_error_of([&] { gateway.call("search_udm", kLogonSearch); });
  CHECK(stdio_error.kind() == gw::UpstreamError::Kind::unreachable);
  CHECK(stdio_error.server() == "secops");
  CHECK(contains(stdio_error.what(),
                 "skill.gateway.unreachable: upstream 'secops' (stdio: /nonexistent/bin/secops_mcp --region us) is "
                 "unreachable, so search_udm cannot be called"));
  CHECK_FALSE(contains(stdio_error.what(), "secret"));

  const auto http_error = upstream_error_of([&] { gateway.call("list_cases", Json::object()); });
  CHECK(http_error.kind() == gw::UpstreamError::Kind::unreachable);
  CHECK(http_error.server() == "remote");
  CHECK(contains(http_error.what(), "upstream 'remote' (http: http://127.0.0.1:9/mcp) is unreachable"));
  CHECK_FALSE(contains(http_error.what(), "secret"));
  CHECK(gateway.calls_made() == 0);
}

TEST_CASE("a killed secops-local child is restarted by the next call") {
  gw::Gateway gateway(local());
  gateway.call("search_udm", kLogonSearch);
  auto children = child_processes_named("secops-local");
  REQUIRE(children.size() == 1);
  REQUIRE(::kill(children[0], SIGKILL) == 0);
  const auto again = gateway.call("search_udm", kLogonSearch);
  CHECK(again.value["events"].size() == 5);
  CHECK(gateway.connection_count("secops-local") == 2);
  const auto now_running = child_processes_named("secops-local");
  REQUIRE(now_running.size() == 1);
  CHECK(now_running[0] != children[0]);
}

TEST_CASE("cancellation ends a call to a slow upstream with kind cancelled") {
  gw::Gateway gateway(local({"--inject-latency-ms", "5000"}));
  gateway.start();
  std::stop_source stop;
  std::jthread canceller([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  gw::CallSettings settings;
  settings.cancel = stop.get_token();
  const auto error = upstream_error_of([&] { gateway.call("search_udm", kLogonSearch, settings); });
  CHECK(error.kind() == gw::UpstreamError::Kind::cancelled);
  CHECK(error.server() == "secops-local");
  CHECK(contains(error.what(), "skill.gateway.cancelled: upstream 'secops-local' tool search_udm was cancelled"));
}

TEST_CASE("a call past its timeout fails with kind timeout and a write is not repeated") {
  gw::Gateway gateway(local({"--inject-latency-ms", "5000"}));
  gw::CallSettings settings;
  settings.read_only = false;
  settings.timeout = std::chrono::milliseconds(200);
  const auto error = upstream_error_of(
      [&] { gateway.call("post_case_comment", {{"case_id", "1"}, {"comment", "x"}}, settings); });
  CHECK(error.kind() == gw::UpstreamError::Kind::timeout);
  CHECK(error.tool() == "post_case_comment");
  CHECK(gateway.calls_made() == 1);
}

TEST_CASE("an error payload that reports HTTP 503 is retried for a read-only call") {
  LoopbackUpstream upstream;
  auto calls = std::make_shared<std::atomic<int>>(0);
  lh::mcp::Tool busy;
  busy.name = "search_udm";
  busy.input_schema = object_schema({{"query", "string"}});
  busy.handler = [calls](const Json&, lh::mcp::ToolContext&) {
    if (++*calls == 1) return lh::mcp::ToolResult::text(R"({"error": "Error: 503 Service Unavailable", "events": []})");
    return lh::mcp::ToolResult::text(R"({"events": [], "total_events": 0})");
  };
  upstream.server.add_tool(busy);
  upstream.start();
  gw::GatewayConfig config;
  config.servers.emplace("busy", http_server_config("busy", upstream.url()));
  gw::Gateway gateway(config, quick_retries());
  const auto result = gateway.call("search_udm", {{"query", "x"}});
  CHECK(result.attempts == 2);
  CHECK(result.value["total_events"] == 0);
}

TEST_CASE("an upstream that goes away is reported unreachable and later calls fail without waiting") {
  auto upstream = std::make_unique<LoopbackUpstream>();
  upstream->server.add_tool(echo_tool("search_udm", object_schema({{"query", "string"}})));
  upstream->start();
  gw::GatewayConfig config;
  config.servers.emplace("vanishing", http_server_config("vanishing", upstream->url()));
  config.roles = {{"siem", "vanishing"}};
  gw::Gateway gateway(config, quick_retries());
  gateway.call("search_udm", {{"query", "x"}});
  upstream.reset();

  const auto lost = upstream_error_of([&] { gateway.call("search_udm", {{"query", "x"}}); });
  CHECK(lost.kind() == gw::UpstreamError::Kind::unreachable);
  CHECK(lost.server() == "vanishing");
  const std::size_t sent = gateway.calls_made();

  const auto fast = upstream_error_of([&] { gateway.call("search_udm", {{"query", "x"}}); });
  CHECK(fast.kind() == gw::UpstreamError::Kind::unreachable);
  CHECK(contains(fast.what(), "upstream 'vanishing' (http: "));
  CHECK(gateway.calls_made() == sent);
  CHECK_FALSE(gateway.has("search_udm"));
  REQUIRE(gateway.status()[0].error);
}

TEST_CASE("start() returns at once when cancelled, calls made later still work") {
  gw::Gateway gateway(local());
  std::stop_source stop;
  stop.request_stop();
  gateway.start(stop.get_token());
  CHECK(gateway.call("search_udm", kLogonSearch).value["events"].size() == 5);
  CHECK(gateway.connection_count("secops-local") == 1);
}

TEST_CASE("a tool added upstream after start is found after its tools/list_changed notification") {
  LoopbackUpstream upstream;
  upstream.server.add_tool(echo_tool("search_udm", object_schema({{"query", "string"}})));
  upstream.start();
  gw::GatewayConfig config;
  config.servers.emplace("growing", http_server_config("growing", upstream.url()));
  gw::Gateway gateway(config);
  gateway.start();
  CHECK_FALSE(gateway.has("get_file_report"));

  upstream.server.add_tool(echo_tool("get_file_report", object_schema({{"hash", "string"}})));
  std::optional<gw::CallResult> result;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!result && std::chrono::steady_clock::now() < give_up) {
    try {
      result = gateway.call("get_file_report", {{"hash", "44d88612fea8a8f36de82e1278abb02f"}});
    } catch (const gw::UpstreamError& e) {
      REQUIRE(e.kind() == gw::UpstreamError::Kind::not_configured);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  REQUIRE(result);
  CHECK(result->value["received"] == Json{{"hash", "44d88612fea8a8f36de82e1278abb02f"}});
  CHECK(gateway.route("get_file_report") == "growing/get_file_report");
  CHECK(gateway.connection_count("growing") == 1);
}

TEST_CASE("parallel calls to a slow secops-local overlap instead of queueing") {
  gw::Gateway gateway(local({"--inject-latency-ms", "200"}));
  gateway.start();
  std::atomic<int> answered{0};
  const auto began = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> callers;
    for (int i = 0; i < 24; ++i) {
      callers.emplace_back([&gateway, &answered, i] {
        const auto capability = i % 3 == 0 ? "lookup_entity" : "search_udm";
        gateway.call(capability, i % 3 == 0 ? Json{{"entity_value", "DC01"}} : kLogonSearch);
        ++answered;
      });
    }
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
  CHECK(answered == 24);
  CHECK(gateway.calls_made() == 24);
  MESSAGE("24 calls of 200 ms each took " << elapsed.count() << " ms in parallel (sequential: 4800 ms)");
}

TEST_CASE("local_config runs secops-local on the data as the siem, cases and intel roles") {
  const auto config = gw::Gateway::local_config("/opt/lh/secops-local", {"a.jsonl", "logs/"}, {"--now", "2024-03-05T12:00:00Z"});
  REQUIRE(config.servers.size() == 1);
  const auto& server = config.servers.at("secops-local");
  REQUIRE(server.is_stdio());
  CHECK(server.stdio().command == "/opt/lh/secops-local");
  CHECK(server.stdio().args ==
        std::vector<std::string>{"--data", "a.jsonl", "--data", "logs/", "--now", "2024-03-05T12:00:00Z"});
  CHECK(config.roles == std::map<std::string, std::string>{
                           {"cases", "secops-local"}, {"intel", "secops-local"}, {"siem", "secops-local"}});
  // The first wave (54 hunt queries beside 12 research questions) goes out whole.
  CHECK(server.limits.concurrency >= 96);
}

TEST_CASE("find_secops_local: $LH_SECOPS_LOCAL first, then the build tree next to the running executable") {
  const char* before = std::getenv("LH_SECOPS_LOCAL");
  const std::optional<std::string> saved = before ? std::optional<std::string>(before) : std::nullopt;
  ::setenv("LH_SECOPS_LOCAL", "/custom/place/secops-local", 1);
  CHECK(gw::find_secops_local() == "/custom/place/secops-local");
  ::unsetenv("LH_SECOPS_LOCAL");
  // This test runs from <build>/tests/skill_gateway/, two levels below <build>/siem/secops-local.
  CHECK(std::filesystem::weakly_canonical(gw::find_secops_local()) == std::filesystem::weakly_canonical(kSecopsLocal));
  if (saved) ::setenv("LH_SECOPS_LOCAL", saved->c_str(), 1);
}

TEST_CASE("a call waiting for a free slot ends with kind cancelled and never reaches the server") {
  LoopbackUpstream upstream;
  auto entered = std::make_shared<std::atomic<int>>(0);
  auto release = std::make_shared<std::atomic<bool>>(false);
  lh::mcp::Tool blocking;
  blocking.name = "search_udm";
  blocking.input_schema = object_schema({{"query", "string"}});
  blocking.handler = [entered, release](const Json&, lh::mcp::ToolContext& context) {
    ++*entered;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!release->load() && !context.cancelled() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return lh::mcp::ToolResult::structured(Json{{"events", Json::array()}});
  };
  upstream.server.add_tool(blocking);
  upstream.start();
  gw::GatewayConfig config;
  auto server = http_server_config("single", upstream.url());
  server.limits.concurrency = 1;
  config.servers.emplace("single", server);
  gw::Gateway gateway(config);
  gateway.start();

  std::jthread holder([&gateway] { gateway.call("search_udm", {{"query", "first"}}); });
  while (entered->load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  std::stop_source stop;
  std::jthread canceller([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.request_stop();
  });
  gw::CallSettings settings;
  settings.cancel = stop.get_token();
  const auto error = upstream_error_of([&] { gateway.call("search_udm", {{"query", "second"}}, settings); });
  CHECK(error.kind() == gw::UpstreamError::Kind::cancelled);
  CHECK(entered->load() == 1);
  CHECK(gateway.calls_made() == 1);
  release->store(true);
}

TEST_CASE("a failing call to secops_mcp without its tenant variables says which variable is missing") {
  const auto dir = std::filesystem::temp_directory_path() / ("lh-gateway-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto secops_mcp = dir / "secops_mcp";
  std::filesystem::remove(secops_mcp);
  std::filesystem::create_symlink(kSecopsLocal, secops_mcp);
  const Json document = {
      {"mcpServers",
       {{"secops",
         {{"command", secops_mcp.string()},
          {"args", Json::array({"--data", kDemoData, "--inject-failure", "search_udm"})},
          {"env", {{"CHRONICLE_CUSTOMER_ID", "cust-1"}, {"CHRONICLE_REGION", "us"}}}}}}},
      {"roles", {{"siem", "secops"}}}};
  gw::Gateway gateway(gw::parse_config(document));
  const auto error = upstream_error_of([&] { gateway.call("search_udm", kLogonSearch); });
  CHECK(error.kind() == gw::UpstreamError::Kind::payload_error);
  CHECK(contains(error.what(), "injected failure [config warning: mcpServers.secops.env.CHRONICLE_PROJECT_ID: not set"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a required argument nobody gives fails before sending and points at the config's arguments") {
  LoopbackUpstream google("chronicle");
  auto calls = std::make_shared<std::atomic<int>>(0);
  google.server.add_tool(echo_tool("udm_search",
                                   object_schema({{"query", "string"}, {"project_id", "string"}, {"customer_id", "string"}},
                                                 {"query", "project_id", "customer_id"}),
                                   calls));
  google.start();
  gw::GatewayConfig config;
  config.servers.emplace("chronicle", http_server_config("chronicle", google.url()));
  gw::Gateway gateway(config);
  const auto error = upstream_error_of([&] { gateway.call("search_udm", {{"query", "x"}}); });
  CHECK(error.kind() == gw::UpstreamError::Kind::protocol);
  CHECK(std::string(error.what()) ==
        "skill.gateway.protocol: upstream 'chronicle' tool udm_search (for search_udm) requires project_id, "
        "customer_id, which the call does not give; values that are the same on every call (project_id, "
        "customer_id, region) belong in mcpServers.chronicle.arguments of the gateway config");
  CHECK(*calls == 0);
  CHECK(gateway.calls_made() == 0);
}
