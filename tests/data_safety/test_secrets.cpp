// No secret from a config's env or headers reaches a log, a tool result, a stored report or a case
// comment. The config carries distinctive secrets in every place a token lives: a stdio upstream's env
// (one echoed back in a tool's error text together with the call's arguments), HTTP headers (a bearer
// token expanded from ${VAR}, x-goog-user-project, an API key) of an unreachable upstream, a stdio
// upstream that cannot be started, and one that prints its token on stderr and stdout and exits.
// Hunts (one documented on a case), every other tool, the stored report as JSON and Markdown, and the
// CLI's hunt run with debug logging; then every capture is searched for every secret.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/data_safety/support.hpp"

namespace st = lh::safety_test;
using st::Json;

namespace {

// name -> secret; each distinctive enough that a hit cannot be a coincidence.
const std::map<std::string, std::string>& secrets() {
  static const std::map<std::string, std::string> values = {
      {"env echoed by a tool error", "Zq7-ECHOED-ENV-SECRET-41f9c2"},
      {"env of a working upstream", "Zq7-CHRONICLE-KEY-SECRET-8d03aa"},
      {"bearer token from ${VAR}", "Zq7-BEARER-SECRET-c51e07"},
      {"x-goog-user-project header", "Zq7-PROJECT-SECRET-77b2d4"},
      {"API key header", "Zq7-APIKEY-SECRET-0e9f61"},
      {"env of an upstream that cannot start", "Zq7-BROKEN-ENV-SECRET-3a8d5e"},
      {"env printed by a failing upstream", "Zq7-CHATTY-ENV-SECRET-b6c410"},
  };
  return values;
}

struct Capture {
  std::string logs;          // lateral-hunt's stderr (server and CLI, debug level)
  std::string tool_results;  // every MCP answer, and the CLI's stdout
  std::string stored;        // the stored reports' JSON and Markdown, and the report database's bytes
  std::string comments;      // the case comments, and the case database's bytes
  std::string failures;      // what went wrong while capturing (shown if a check fails)
};

std::string file_bytes(const std::string& path) {
  return st::read_file(path) + st::read_file(path + "-wal");
}

Capture run_everything() {
  static st::TempDir dir("secrets");
  const auto& s = secrets();
  const std::string cases = dir.file("cases.db");
  const std::string reports = dir.file("reports.db");
  const std::string log = dir.file("lateral-hunt.log");
  const std::int64_t case_id = st::create_case(cases, "Hunt tracking");

  std::vector<std::string> relay_args = {"--fail-tool", "get_threat_intel", "--echo-env", "SECRET_ECHO", "--",
                                         LH_TEST_SECOPS_LOCAL};
  for (const auto& arg : st::secops_local_args(cases)) relay_args.push_back(arg);
  const Json config = {
      {"mcpServers",
       {{"secops",
         {{"command", LH_TEST_RELAY},
          {"args", relay_args},
          {"env", {{"SECRET_ECHO", s.at("env echoed by a tool error")},
                   {"CHRONICLE_API_KEY", s.at("env of a working upstream")}}}}},
        {"remote",
         {{"url", "http://127.0.0.1:9/mcp"},
          {"headers", {{"Authorization", "Bearer ${LH_TEST_SECRET_BEARER}"},
                       {"x-goog-user-project", s.at("x-goog-user-project header")},
                       {"X-Goog-Api-Key", s.at("API key header")}}}}},
        {"broken",
         {{"command", "/nonexistent/secops-soar-mcp"},
          {"args", {"--verbose"}},
          {"env", {{"SOAR_API_KEY", s.at("env of an upstream that cannot start")}}}}},
        {"chatty",
         {{"command", "/bin/sh"},
          {"args", {"-c", "echo \"starting with token=$CHATTY_TOKEN args=$*\" >&2; echo \"garbage $CHATTY_TOKEN\"; exit 3",
                    "chatty", "--flag"}},
          {"env", {{"CHATTY_TOKEN", s.at("env printed by a failing upstream")}}}}}}},
      {"roles", {{"siem", "secops"}, {"cases", "secops"}, {"intel", "remote"}}}};
  const std::string config_path = dir.file("config.json");
  st::write_file(config_path, config.dump(2));
  const std::map<std::string, std::string> env = {{"LH_TEST_SECRET_BEARER", s.at("bearer token from ${VAR}")}};

  Capture capture;
  std::vector<std::string> hunt_ids;
  {
    st::HuntServer server(config_path, reports, log, "debug", env);
    auto client = server.client();
    auto call = [&](const std::string& tool, const Json& arguments) {
      try {
        const auto result = client->call_tool(tool, arguments);
        capture.tool_results += result.joined_text() + "\n";
        if (result.structured_content) {
          capture.tool_results += result.structured_content->dump() + "\n";
          if (result.structured_content->contains("hunt_id")) hunt_ids.push_back(result.structured_content->at("hunt_id"));
        }
      } catch (const std::exception& error) {
        capture.tool_results += std::string(error.what()) + "\n";
        capture.failures += tool + ": " + error.what() + "\n";
      }
    };
    Json hunt = st::quick_hunt_arguments();
    hunt["research"] = true;
    hunt["enrich"] = true;
    hunt["related_cases"] = true;
    hunt["hunt_case_id"] = std::to_string(case_id);
    hunt["document"] = true;
    call("lateral_movement_hunt", hunt);
    call("lateral_movement_hunt", {{"techniques", {"wmi"}}, {"time_frame_hours", 72}});
    call("research_techniques", {{"techniques", {"psexec", "T1021.002"}}});
    call("enrich_entities", {{"entities", {{{"value", "10.20.0.18"}}, {{"value", "WKS-017"}}, {{"value", "44d88612fea8a8f36de82e1278abb02f"}}}}});
    call("find_related_cases", {{"entities", {"WKS-017"}}});
    call("correlate_smb", {{"source", "WKS-017"}, {"target", "FILESRV01"}});
    call("build_hunt_queries", {{"techniques", {"psexec"}}});
    if (!hunt_ids.empty()) call("document_hunt", {{"report_id", hunt_ids.front()}, {"case_id", std::to_string(case_id)}});
    call("document_hunt", {{"report_id", "no-such-report"}, {"case_id", "1"}});
    for (const auto& id : hunt_ids) {
      for (const std::string suffix : {"", "/markdown"}) {
        try {
          const auto read = client->request("resources/read", {{"uri", "hunt://reports/" + id + suffix}});
          capture.stored += read.dump() + "\n";
        } catch (const std::exception& error) {
          capture.failures += "resources/read " + id + suffix + ": " + error.what() + "\n";
        }
      }
    }
    try {
      capture.tool_results += client->request("resources/list").dump() + "\n";
    } catch (const std::exception& error) {
      capture.failures += std::string("resources/list: ") + error.what() + "\n";
    }
    client->close();
    server.process().stop();
  }
  capture.logs += st::read_file(log);

  // The CLI's one-shot hunt, JSON and Markdown, debug logging.
  std::map<std::string, std::string> cli_env = env;
  cli_env["LH_LOG_LEVEL"] = "debug";
  for (const std::string format : {"json", "markdown"}) {
    const auto run = st::run_command({LH_TEST_LATERAL_HUNT, "hunt", "--config", config_path, "--reports", reports,
                                      "--techniques", "psexec", "--format", format, "--case", std::to_string(case_id),
                                      "--document"},
                                     cli_env, dir.file(""));
    capture.tool_results += run.out + "\n";
    capture.logs += run.err + "\n";
  }

  for (const auto& row : st::sql_rows(reports, "SELECT json, markdown FROM reports")) {
    capture.stored += row[0] + "\n" + row[1] + "\n";
  }
  capture.stored += file_bytes(reports);
  for (const auto& row : st::sql_rows(cases, "SELECT comment FROM case_comments")) capture.comments += row[0] + "\n";
  capture.comments += file_bytes(cases);
  if (hunt_ids.empty()) capture.failures += "no hunt returned a report\n";
  return capture;
}

const Capture& capture() {
  static const Capture captured = run_everything();
  return captured;
}

// The names of the secrets found in `text`.
std::vector<std::string> leaked(const std::string& text) {
  std::vector<std::string> names;
  for (const auto& [name, value] : secrets()) {
    if (text.find(value) != std::string::npos) names.push_back(name);
  }
  return names;
}

std::string around(const std::string& text, const std::string& secret) {
  const auto at = text.find(secret);
  if (at == std::string::npos) return "";
  const auto from = at > 200 ? at - 200 : 0;
  return text.substr(from, 400);
}

std::string leak_context(const std::string& text) {
  std::string out;
  for (const auto& [name, value] : secrets()) {
    if (text.find(value) != std::string::npos) out += "--- " + name + ":\n" + around(text, value) + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("the secrets test really exercised the failures it is about") {
  const auto& c = capture();
  INFO(c.failures);
  CHECK(c.failures.empty());
  // The hunt ran and the failures happened: the echoing tool, the unreachable HTTP upstream, the broken ones.
  CHECK(c.tool_results.find("refused the key") != std::string::npos);
  CHECK(c.tool_results.find("remote") != std::string::npos);
  CHECK(c.logs.find("broken") != std::string::npos);
  CHECK(c.logs.find("chatty") != std::string::npos);
  CHECK(c.logs.find("DEBUG") != std::string::npos);
  CHECK_FALSE(c.comments.empty());
}

TEST_CASE("no configured secret in lateral-hunt's logs (debug level)") {
  const auto& c = capture();
  INFO(leak_context(c.logs));
  CHECK(leaked(c.logs).empty());
}

TEST_CASE("no configured secret in any tool result") {
  const auto& c = capture();
  INFO(leak_context(c.tool_results));
  CHECK(leaked(c.tool_results).empty());
}

TEST_CASE("no configured secret in the stored reports (JSON and Markdown)") {
  const auto& c = capture();
  INFO(leak_context(c.stored));
  CHECK(leaked(c.stored).empty());
}

TEST_CASE("no configured secret in the case comments") {
  const auto& c = capture();
  INFO(leak_context(c.comments));
  CHECK(leaked(c.comments).empty());
}
