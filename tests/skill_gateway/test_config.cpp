#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "mcp/log.hpp"
#include "skill/gateway/config.hpp"
#include "transport/http_client.hpp"
#include "transport/stdio_client.hpp"

namespace gw = lh::skill::gateway;
using Json = nlohmann::json;

namespace {

gw::EnvironmentLookup fixed_environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

const gw::EnvironmentLookup kEmptyEnvironment = fixed_environment({});

std::string error_of(const Json& document, const gw::EnvironmentLookup& environment = kEmptyEnvironment) {
  try {
    gw::parse_config(document, environment);
  } catch (const gw::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

Json stdio_entry() { return Json{{"command", "uvx"}, {"args", Json::array({"gti_mcp"})}}; }

}  // namespace

TEST_CASE("a stdio server and an HTTP server, with roles, overrides and limits") {
  const auto text = R"({
    "mcpServers": {
      "secops": {"command": "uvx", "args": ["--from", "google-secops-mcp", "secops_mcp"],
                 "env": {"CHRONICLE_PROJECT_ID": "proj-1234", "CHRONICLE_CUSTOMER_ID": "cust-5678",
                         "CHRONICLE_REGION": "us"}, "cwd": "/tmp"},
      "remote": {"url": "https://chronicle.us.rep.googleapis.com/mcp",
                 "headers": {"Authorization": "Bearer ${GW_TEST_TOKEN}"}}
    },
    "roles": {"siem": "remote", "cases": "secops"},
    "toolOverrides": {"siem": {"search_udm": "udm_search"}},
    "limits": {"secops": {"concurrency": 2, "timeoutMs": 30000, "attempts": 5}}
  })";
  auto config = gw::parse_config_text(text, fixed_environment({{"GW_TEST_TOKEN", "tok-abcdef"}}));

  REQUIRE(config.servers.size() == 2);
  const auto& secops = config.servers.at("secops");
  REQUIRE(secops.is_stdio());
  CHECK(secops.name == "secops");
  CHECK(secops.stdio().command == "uvx");
  CHECK(secops.stdio().args == std::vector<std::string>{"--from", "google-secops-mcp", "secops_mcp"});
  CHECK(secops.stdio().env.at("CHRONICLE_REGION") == "us");
  CHECK(secops.stdio().cwd == "/tmp");
  CHECK(secops.limits.concurrency == 2);
  CHECK(secops.limits.timeout.count() == 30000);
  CHECK(secops.limits.attempts == 5);

  const auto& remote = config.servers.at("remote");
  REQUIRE_FALSE(remote.is_stdio());
  CHECK(remote.http().url == "https://chronicle.us.rep.googleapis.com/mcp");
  CHECK(remote.http().headers.at("Authorization") == "Bearer tok-abcdef");
  CHECK(remote.limits.concurrency == 4);
  CHECK(remote.limits.timeout.count() == 60000);
  CHECK(remote.limits.attempts == 0);

  CHECK(config.roles == std::map<std::string, std::string>{{"cases", "secops"}, {"siem", "remote"}});
  CHECK(config.tool_overrides.at("siem").at("search_udm") == "udm_search");
  CHECK(config.warnings.empty());
}

TEST_CASE("variables expand from the process environment, a doubled dollar sign is a literal") {
  ::setenv("LH_GW_TEST_PROJECT", "project-from-env", 1);
  ::setenv("LH_GW_TEST_BIN", "/opt/bin", 1);
  Json document = {{"mcpServers",
                    {{"s",
                      {{"command", "${LH_GW_TEST_BIN}/server"},
                       {"args", Json::array({"--p=${LH_GW_TEST_PROJECT}", "$${LH_GW_TEST_PROJECT}", "cost $5",
                                             "$${${LH_GW_TEST_PROJECT}}"})},
                       {"env", {{"PROJECT", "${LH_GW_TEST_PROJECT}"}}}}},
                     {"h", {{"url", "http://${LH_GW_TEST_PROJECT}.example:8080/mcp"}}}}}};
  auto config = gw::parse_config(document);
  const auto& stdio = config.servers.at("s").stdio();
  CHECK(stdio.command == "/opt/bin/server");
  CHECK(stdio.args ==
        std::vector<std::string>{"--p=project-from-env", "${LH_GW_TEST_PROJECT}", "cost $5", "${project-from-env}"});
  CHECK(stdio.env.at("PROJECT") == "project-from-env");
  CHECK(config.servers.at("h").http().url == "http://project-from-env.example:8080/mcp");
  ::unsetenv("LH_GW_TEST_PROJECT");
  ::unsetenv("LH_GW_TEST_BIN");
}

TEST_CASE("expansion errors name the JSON path") {
  ::unsetenv("CHRONICLE_PROJECT_ID");
  Json document = {{"mcpServers",
                    {{"secops", {{"command", "uvx"}, {"env", {{"CHRONICLE_PROJECT_ID", "${CHRONICLE_PROJECT_ID}"}}}}}}}};
  CHECK(error_of(document, gw::process_environment) ==
        "mcpServers.secops.env.CHRONICLE_PROJECT_ID: environment variable CHRONICLE_PROJECT_ID is not set");

  CHECK_THROWS_WITH_AS(gw::expand_variables("a ${B", "p.q", kEmptyEnvironment),
                       R"(p.q: unterminated "${" (write "$${" for a literal "${"))", gw::ConfigError);
  CHECK_THROWS_WITH_AS(gw::expand_variables("${1X}", "p.q", kEmptyEnvironment),
                       R"(p.q: "${1X}" is not a valid variable reference (letters, digits and _))", gw::ConfigError);
  CHECK_THROWS_WITH_AS(gw::expand_variables("${}", "p.q", kEmptyEnvironment),
                       R"(p.q: "${}" is not a valid variable reference (letters, digits and _))", gw::ConfigError);
  CHECK(gw::expand_variables("$ and $$ and $x", "p", kEmptyEnvironment) == "$ and $$ and $x");
}

TEST_CASE("validation errors name the JSON path, exactly") {
  auto with_servers = [](Json servers) { return Json{{"mcpServers", std::move(servers)}}; };

  CHECK(error_of(Json::array()) == "(root): must be a JSON object");
  CHECK(error_of(Json::object()) == "mcpServers: missing or not an object");
  CHECK(error_of(with_servers(Json::object())) == "mcpServers: names no server");
  CHECK(error_of(with_servers({{"x", 3}})) == "mcpServers.x: must be an object");
  CHECK(error_of(with_servers({{"x", {{"args", Json::array()}}}})) == R"(mcpServers.x: needs either "command" or "url")");
  CHECK(error_of(with_servers({{"x", {{"command", "a"}, {"url", "http://h/mcp"}}}})) ==
        R"(mcpServers.x: has both "command" and "url"; use one)");
  CHECK(error_of(with_servers({{"x", {{"command", 7}}}})) == "mcpServers.x.command: must be a string");
  CHECK(error_of(with_servers({{"x", {{"command", ""}}}})) == "mcpServers.x.command: must not be empty");
  CHECK(error_of(with_servers({{"x", {{"command", "uvx"}, {"args", Json::array({"a", "b", 3})}}}})) ==
        "mcpServers.x.args[2]: must be a string");
  CHECK(error_of(with_servers({{"x", {{"command", "uvx"}, {"args", "a b"}}}})) ==
        "mcpServers.x.args: must be an array of strings");
  CHECK(error_of(with_servers({{"x", {{"command", "uvx"}, {"env", Json::array()}}}})) ==
        "mcpServers.x.env: must be an object of strings");
  CHECK(error_of(with_servers({{"x", {{"command", "uvx"}, {"env", {{"K", true}}}}}})) ==
        "mcpServers.x.env.K: must be a string");
  CHECK(error_of(with_servers({{"x", {{"command", "uvx"}, {"cwd", 1}}}})) == "mcpServers.x.cwd: must be a string");
  CHECK(error_of(with_servers({{"x", {{"url", "ftp://h/mcp"}}}})) ==
        "mcpServers.x.url: must be an http:// or https:// URL");
  CHECK(error_of(with_servers({{"x", {{"url", "https://"}}}})) ==
        "mcpServers.x.url: must be an http:// or https:// URL");
  CHECK(error_of(with_servers({{"x", {{"url", "https://h/mcp"}, {"headers", {{"Authorization", 1}}}}}})) ==
        "mcpServers.x.headers.Authorization: must be a string");
  CHECK(error_of(with_servers({{"x", {{"url", "https://h/${NOPE_GW_VAR}"}}}})) ==
        "mcpServers.x.url: environment variable NOPE_GW_VAR is not set");

  Json base = with_servers({{"gti", stdio_entry()}});
  auto with = [&](const char* key, Json value) {
    Json document = base;
    document[key] = std::move(value);
    return document;
  };
  CHECK(error_of(with("roles", {{"edr", "gti"}})) == "roles.edr: unknown role (known: cases, intel, siem)");
  CHECK(error_of(with("roles", {{"intel", "vt"}})) == R"(roles.intel: names server "vt", which is not in mcpServers)");
  CHECK(error_of(with("roles", {{"intel", 1}})) == "roles.intel: must be a string");
  CHECK(error_of(with("roles", Json::array())) == "roles: must be an object");
  CHECK(error_of(with("toolOverrides", {{"edr", Json::object()}})) ==
        "toolOverrides.edr: unknown role (known: cases, intel, siem)");
  CHECK(error_of(with("toolOverrides", {{"siem", {{"search_udm", 2}}}})) ==
        "toolOverrides.siem.search_udm: must be a non-empty string");
  CHECK(error_of(with("limits", {{"vt", {{"concurrency", 1}}}})) == "limits.vt: names no server in mcpServers");
  CHECK(error_of(with("limits", {{"gti", {{"concurrency", 0}}}})) == "limits.gti.concurrency: must be a positive integer");
  CHECK(error_of(with("limits", {{"gti", {{"timeoutMs", -5}}}})) == "limits.gti.timeoutMs: must be a positive integer");
  CHECK(error_of(with("limits", {{"gti", {{"retries", 3}}}})) ==
        "limits.gti.retries: unknown setting (known: concurrency, timeoutMs, attempts)");
  CHECK(error_of(with("limits", {{"gti", {{"attempts", 0}}}})) == "limits.gti.attempts: must be a positive integer");
  CHECK(error_of(with("limits", {{"gti", {{"attempts", 11}}}})) == "limits.gti.attempts: must be at most 10");

  CHECK_THROWS_WITH_AS(gw::parse_config_text("{", kEmptyEnvironment),
                       doctest::Contains("(root): not valid JSON: "), gw::ConfigError);
  // A number beyond double's range is a JSON error too, not an escaping exception.
  CHECK_THROWS_WITH_AS(gw::parse_config_text(R"({"servers": {"x": {"timeoutMs": 1e400}}})", kEmptyEnvironment),
                       doctest::Contains("(root): not valid JSON: "), gw::ConfigError);
  CHECK_THROWS_WITH_AS(gw::load_config_file("/nonexistent/gw.json", kEmptyEnvironment),
                       "/nonexistent/gw.json: cannot open the gateway config", gw::ConfigError);
}

TEST_CASE("env and header values are secrets: describe() and log lines show ***") {
  const auto environment = fixed_environment({{"GW_SECRET_KEY", "vt-key-0123456789"}, {"GW_BEARER", "bearer-9876543210"}});
  Json document = {{"mcpServers",
                    {{"gti", {{"command", "uvx"}, {"args", Json::array({"gti_mcp"})}, {"env", {{"VT_APIKEY", "${GW_SECRET_KEY}"}}}}},
                     {"remote",
                      {{"url", "https://h.example/mcp"},
                       {"headers", {{"Authorization", "Bearer ${GW_BEARER}"}, {"x-goog-user-project", "my-project-7"}}}}}}},
                   {"roles", {{"intel", "gti"}}}};
  auto config = gw::parse_config(document, environment);
  CHECK(config.servers.at("gti").stdio().env.at("VT_APIKEY") == "vt-key-0123456789");

  const std::string description = config.describe();
  CHECK(description ==
        "gti: stdio uvx gti_mcp env {VT_APIKEY=***} (concurrency 4, timeout 60000 ms)\n"
        "remote: http https://h.example/mcp headers {Authorization: ***, x-goog-user-project: ***} "
        "(concurrency 4, timeout 60000 ms)\n"
        "role intel -> gti\n");

  std::vector<std::string> lines;
  lh::mcp::log::set_sink([&](std::string_view line) { lines.emplace_back(line); });
  lh::mcp::log::warn("gateway-test", "calling with key {} and {}", "vt-key-0123456789", "Bearer bearer-9876543210");
  lh::mcp::log::set_sink({});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("vt-key-0123456789") == std::string::npos);
  CHECK(lines[0].find("bearer-9876543210") == std::string::npos);
  CHECK(lines[0].find("calling with key *** and ***") != std::string::npos);
}

TEST_CASE("secops_mcp without its CHRONICLE_* variables is a clear warning") {
  Json document = {{"mcpServers",
                    {{"secops",
                      {{"command", "uvx"},
                       {"args", Json::array({"--from", "google-secops-mcp", "secops_mcp"})},
                       {"env", {{"CHRONICLE_PROJECT_ID", "p-1"}, {"CHRONICLE_REGION", ""}}}}},
                     {"soar", {{"command", "uvx"}, {"args", Json::array({"secops_soar_mcp"})}}},
                     {"direct", {{"command", "/usr/local/bin/secops_mcp"}, {"foo", 1}}}}}};
  auto config = gw::parse_config(document, kEmptyEnvironment);
  const std::string tail = ": not set; secops_mcp then silently falls back to a built-in tenant and fails with a "
                           "permission error";
  CHECK(config.warnings == std::vector<std::string>{
                               "mcpServers.direct.foo: ignored (not a setting of stdio servers)",
                               "mcpServers.direct.env.CHRONICLE_PROJECT_ID" + tail,
                               "mcpServers.direct.env.CHRONICLE_CUSTOMER_ID" + tail,
                               "mcpServers.direct.env.CHRONICLE_REGION" + tail,
                               "mcpServers.secops.env.CHRONICLE_CUSTOMER_ID" + tail,
                               "mcpServers.secops.env.CHRONICLE_REGION" + tail,
                           });
}

TEST_CASE("transport factories make the right transport, a missing command fails clearly") {
  Json document = {{"mcpServers",
                    {{"ghost", {{"command", "lh-gw-no-such-command-4711"}, {"args", Json::array({"x"})}}},
                     {"remote", {{"url", "http://127.0.0.1:9/mcp"}, {"headers", {{"X-Test", "value-1234"}}}}}}}};
  auto config = gw::parse_config(document, kEmptyEnvironment);

  auto make_ghost = gw::make_transport_factory(config.servers.at("ghost"));
  auto ghost = make_ghost();
  auto* stdio = dynamic_cast<lh::transport::StdioClientTransport*>(ghost.get());
  REQUIRE(stdio != nullptr);
  CHECK(stdio->describe_status() == "not started");
  CHECK_THROWS_WITH_AS(ghost->start({}), doctest::Contains("MCP server 'ghost': cannot start 'lh-gw-no-such-command-4711'"),
                       lh::mcp::TransportError);
  CHECK(make_ghost().get() != ghost.get());  // a fresh transport per call

  auto remote = gw::make_transport_factory(config.servers.at("remote"))();
  CHECK(dynamic_cast<lh::transport::StreamableHttpClientTransport*>(remote.get()) != nullptr);
}

TEST_CASE("a server's arguments object holds tool arguments with variables expanded, a non-object is rejected") {
  const Json document = {{"mcpServers",
                          {{"remote",
                            {{"url", "https://chronicle.eu.rep.googleapis.com/mcp"},
                             {"arguments", {{"project_id", "${GW_PROJECT}"}, {"region", "eu"}, {"retries", 2},
                                            {"scopes", Json::array({"${GW_PROJECT}-a"})}}}}},
                           {"local", stdio_entry()}}}};
  auto config = gw::parse_config(document, fixed_environment({{"GW_PROJECT", "proj-42"}}));
  CHECK(config.servers.at("remote").arguments ==
        Json{{"project_id", "proj-42"}, {"region", "eu"}, {"retries", 2}, {"scopes", Json::array({"proj-42-a"})}});
  CHECK(config.servers.at("local").arguments == Json::object());
  CHECK(config.warnings.empty());
  CHECK(config.describe().find("arguments {project_id, region, retries, scopes}") != std::string::npos);

  Json bad = document;
  bad["mcpServers"]["remote"]["arguments"] = "project_id=1";
  CHECK(error_of(bad, fixed_environment({{"GW_PROJECT", "p"}})) ==
        "mcpServers.remote.arguments: must be an object of tool arguments");
  Json unset = document;
  CHECK(error_of(unset) == "mcpServers.remote.arguments.project_id: environment variable GW_PROJECT is not set");
}
