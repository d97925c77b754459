// What the hunt says when something is wrong: a bad scope query, an upstream that cannot be reached,
// an upstream tool that fails mid-hunt. Each must give a clear answer naming what was wrong, never hang.
#include <doctest/doctest.h>

#include <string>

#include <fmt/format.h>

#include "tests/hunt_acceptance/harness.hpp"

namespace lh::acceptance {
namespace {

std::string demo_data() { return (demo_directory() / "acme-demo.jsonl").string(); }

Json single_server_config(const std::string& name, const Json& server) {
  return {{"mcpServers", {{name, server}}}, {"roles", {{"siem", name}, {"cases", name}}}};
}

// The gateway's greppable identifier, kept all the way to the tool's isError text.
bool says_unreachable(const std::string& errors) { return errors.find("skill.gateway.unreachable") != std::string::npos; }

// Every error text the answer carries: the isError text, or the report's upstream, step and query errors.
std::string all_errors(const HuntOutcome& outcome) {
  std::string text = outcome.is_error ? outcome.text : "";
  const Json& report = outcome.report;
  if (!report.is_object()) return text;
  for (const char* list : {"upstreams", "steps", "queries"}) {
    for (const auto& item : report.value(list, Json::array())) {
      const std::string error = text_of(item, "error");
      if (!error.empty()) text += "\n" + error;
    }
  }
  return text;
}

TEST_CASE("bad input: an invalid target_scope_query is an isError naming the argument and the column") {
  auto server = HuntServer::with_data({demo_data()});
  // "principal.hostnam" (a misspelt field) starts at column 36 of the scope.
  const std::string scope = R"(principal.hostname = "WKS-017" AND principal.hostnam = "x")";
  const HuntOutcome outcome = server->hunt({{"time_frame_hours", 72}, {"target_scope_query", scope}});
  INFO("answer: " << outcome.text);
  CHECK(outcome.is_error);
  CHECK(outcome.text.find("target_scope_query") != std::string::npos);
  CHECK(outcome.text.find("col 36") != std::string::npos);
  CHECK(outcome.text.find("principal.hostnam") != std::string::npos);
}

TEST_CASE("bad input: an upstream command that does not exist is a clear error naming the upstream") {
  const TempFile config("missing-command.json",
                        single_server_config("siem-missing-binary", {{"command", "/nonexistent/bin/secops-missing"}})
                            .dump(2));
  auto server = HuntServer::with_config(config.path());
  const HuntOutcome outcome = server->hunt({{"time_frame_hours", 72}});
  const std::string errors = all_errors(outcome);
  INFO("isError: " << outcome.is_error << "\nerrors: " << errors << "\nsteps: " << describe_steps(outcome.report));
  // Nothing could run, so the answer is an isError whose own text names the upstream and the identifier.
  CHECK(outcome.is_error);
  CHECK(outcome.text.find("siem-missing-binary") != std::string::npos);
  CHECK(says_unreachable(outcome.text));
}

TEST_CASE("bad input: an upstream URL on a closed port is a clear error naming the upstream") {
  const int closed_port = unused_port();
  const TempFile config(
      "closed-port.json",
      single_server_config("siem-closed-port", {{"url", fmt::format("http://127.0.0.1:{}/mcp", closed_port)}}).dump(2));
  auto server = HuntServer::with_config(config.path());
  const HuntOutcome outcome = server->hunt({{"time_frame_hours", 72}});
  const std::string errors = all_errors(outcome);
  INFO("isError: " << outcome.is_error << "\nerrors: " << errors << "\nsteps: " << describe_steps(outcome.report));
  CHECK(outcome.is_error);
  CHECK(outcome.text.find("siem-closed-port") != std::string::npos);
  CHECK(says_unreachable(outcome.text));
}

// secops-local answers every call of `tool` with secops-mcp's payload-error shape; the hunt goes on.
void check_failing_tool(const std::string& tool, const std::string& step) {
  const TempFile config(
      "failing-" + tool + ".json",
      single_server_config("siem", {{"command", secops_local_executable()},
                                    {"args", {"--data", demo_data(), "--log-level", "warn", "--inject-failure", tool}}})
          .dump(2));
  auto server = HuntServer::with_config(config.path());
  const HuntOutcome outcome = server->hunt({{"time_frame_hours", 72}, {"admin_hosts", {"ADMIN-JUMP01", "DEPLOY01"}}});
  INFO("isError: " << outcome.is_error << " " << outcome.text << "\nsteps: " << describe_steps(outcome.report));
  REQUIRE(!outcome.is_error);
  REQUIRE(outcome.report.is_object());
  CHECK(text_of(outcome.report, "status") == "incomplete");
  bool step_marked = false;
  for (const auto& item : outcome.report.value("steps", Json::array())) {
    if (text_of(item, "name") != step) continue;
    const std::string status = text_of(item, "status");
    step_marked = status == "failed" || status == "partial";
  }
  CHECK_MESSAGE(step_marked, "step " << step << " is not marked failed or partial");
  // What the other steps found is kept.
  CHECK(!outcome.report.value("findings", Json::array()).empty());
}

TEST_CASE("bad input: lookup_entity failing upstream leaves an incomplete report naming enrichment, findings kept") {
  check_failing_tool("lookup_entity", "enrichment");
}

TEST_CASE("bad input: get_threat_intel failing upstream leaves an incomplete report naming research, findings kept") {
  check_failing_tool("get_threat_intel", "research");
}

}  // namespace
}  // namespace lh::acceptance
