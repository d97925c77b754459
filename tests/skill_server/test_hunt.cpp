// lateral_movement_hunt in this process (in-memory pair) on the demo data through secops-local over
// stdio: progress, a report valid against its schema, the stored report as resources, and an
// upstream that cannot be started.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <stop_token>
#include <thread>
#include <mutex>
#include <vector>

#include "schemas/validator.hpp"
#include "tests/skill_server/support.hpp"
#include "udm/fields.hpp"
#include "udm/query_parser.hpp"

using lh::test::Json;

namespace {

Json hunt_report_schema() {
  std::ifstream in(LH_TEST_HUNT_REPORT_SCHEMA);
  return Json::parse(in);
}

std::string resource_link_uri(const lh::mcp::ToolResult& result, const std::string& mime_type) {
  for (const auto& block : result.content) {
    if (block.value("type", "") == "resource_link" && block.value("mimeType", "") == mime_type) return block.at("uri");
  }
  return "";
}

}  // namespace

TEST_CASE("lateral_movement_hunt on the demo data: progress, a valid report, and the report as resources") {
  lh::test::TempPath reports("hunt.db");
  lh::test::InProcessServer fixture(reports.path());

  std::mutex progress_mutex;
  std::vector<lh::mcp::Progress> progress;
  lh::mcp::CallOptions options;
  options.on_progress = [&](const lh::mcp::Progress& update) {
    std::lock_guard lock(progress_mutex);
    progress.push_back(update);
  };
  const auto result = fixture.client->call_tool("lateral_movement_hunt", lh::test::demo_hunt_arguments(), options);
  INFO(result.joined_text());
  REQUIRE_FALSE(result.is_error);
  REQUIRE(result.structured_content);
  const Json& report = *result.structured_content;

  const auto problems = lh::schemas::Validator(hunt_report_schema()).validate(report, "report");
  for (const auto& problem : problems) INFO(problem.to_string());
  CHECK(problems.empty());
  CHECK(report.at("status") == "complete");
  CHECK_FALSE(report.at("findings").empty());
  CHECK_FALSE(report.at("negative_results").empty());
  {
    std::lock_guard lock(progress_mutex);
    CHECK(progress.size() >= 2);
    for (std::size_t i = 1; i < progress.size(); ++i) CHECK(progress[i].progress > progress[i - 1].progress);
  }
  const std::string id = report.at("hunt_id");
  const std::string uri = "hunt://reports/" + id;
  CHECK(resource_link_uri(result, "application/json") == uri);
  CHECK(resource_link_uri(result, "text/markdown") == uri + "/markdown");
  CHECK(result.joined_text().find("Lateral-movement hunt " + id) != std::string::npos);
  // The text is the summary and the links; the whole report is structuredContent and the resources.
  CHECK(result.joined_text().find("```mermaid") == std::string::npos);
  CHECK(result.joined_text().size() < 20000);

  const auto read = fixture.client->request("resources/read", {{"uri", uri}});
  REQUIRE(read.at("contents").size() == 1);
  CHECK(read.at("contents")[0].at("mimeType") == "application/json");
  CHECK(Json::parse(read.at("contents")[0].at("text").get<std::string>()).at("hunt_id") == id);
  const auto markdown = fixture.client->request("resources/read", {{"uri", uri + "/markdown"}});
  CHECK(markdown.at("contents")[0].at("mimeType") == "text/markdown");
  CHECK(markdown.at("contents")[0].at("text").get<std::string>().find("```mermaid") != std::string::npos);

  const auto listed = fixture.client->request("resources/list");
  bool found = false;
  for (const auto& resource : listed.at("resources")) found = found || resource.at("uri") == uri;
  CHECK(found);
  const auto templates = fixture.client->request("resources/templates/list");
  CHECK(templates.at("resourceTemplates").size() == 2);
  CHECK_THROWS_AS(fixture.client->request("resources/read", {{"uri", "hunt://reports/no-such-hunt"}}), lh::mcp::McpError);
}

TEST_CASE("an upstream that cannot be started is an isError result naming it") {
  lh::test::TempPath reports("unreachable.db");
  lh::test::InProcessServer fixture(reports.path(), "/nonexistent/secops-local");
  const auto result = fixture.client->call_tool("lateral_movement_hunt", lh::test::demo_hunt_arguments());
  INFO(result.joined_text());
  CHECK(result.is_error);
  CHECK(result.joined_text().find("secops-local") != std::string::npos);
  CHECK(result.joined_text().find("skill.gateway.unreachable") != std::string::npos);
  // Tools that need no upstream still work.
  CHECK_FALSE(fixture.client->call_tool("build_hunt_queries", Json::object()).is_error);
}

namespace {
// Every condition of a parsed query, depth first.
void collect_conditions(const lh::udm::QueryNode& node, std::vector<lh::udm::Condition>& out) {
  if (node.kind == lh::udm::QueryNode::Kind::Condition) out.push_back(node.condition);
  for (const auto& child : node.children) collect_conditions(child, out);
}
}  // namespace

TEST_CASE("entity values given to correlate_smb stay values: the query keeps its shape") {
  lh::test::TempPath reports("entity-injection.db");
  lh::test::InProcessServer fixture(reports.path());
  for (const char* hostile : {R"(10.20.0.18") OR (metadata.event_type = "PROCESS_LAUNCH)",
                              R"(WKS-017" OR metadata.event_type = "PROCESS_LAUNCH" OR principal.hostname = "x)"}) {
    CAPTURE(hostile);
    const auto result = fixture.client->call_tool(
        "correlate_smb", {{"source", hostile}, {"target", "10.10.0.20"}, {"port_profiles", {"smb", "rpc"}}});
    if (result.is_error) continue;  // rejected outright: fine too
    REQUIRE(result.structured_content);
    const auto& answer = *result.structured_content;
    if (!answer.contains("udm")) continue;
    const auto tree = lh::udm::parse_query(answer.at("udm").get<std::string>());
    std::vector<lh::udm::Condition> conditions;
    collect_conditions(tree, conditions);
    for (const auto& condition : conditions) {
      if (condition.field == lh::udm::fields::event_type) CHECK(condition.text == "NETWORK_CONNECTION");
    }
  }
  // Addresses that were really connected are found on the SMB profile.
  const auto found = fixture.client->call_tool(
      "correlate_smb", {{"source", "10.20.0.18"}, {"target", "10.10.0.20"}, {"time", "2024-03-05T10:58:14.690Z"}});
  INFO(found.joined_text());
  REQUIRE_FALSE(found.is_error);
  CHECK_FALSE(found.structured_content->value("connections", Json::array()).empty());
}

TEST_CASE("a cancelled lateral_movement_hunt stops mid-step, keeps the session usable and stores a cancelled report") {
  lh::test::TempPath reports("cancel.db");
  // Every upstream call takes 3 s, so the hunt is inside its first wave of searches when it is cancelled;
  // uncancelled it would finish "complete".
  lh::test::InProcessServer fixture(reports.path(), LH_TEST_SECOPS_LOCAL, {"--inject-latency-ms", "3000"});

  std::stop_source stop;
  lh::mcp::CallOptions options;
  options.cancel = stop.get_token();
  options.on_progress = [&](const lh::mcp::Progress& update) {
    // Cancel once the hunt has started its searches (validation and connection report first).
    if (update.message && update.message->find("hunt queries") != std::string::npos) stop.request_stop();
  };
  int error_code = 0;
  try {
    fixture.client->call_tool("lateral_movement_hunt", lh::test::demo_hunt_arguments(), options);
  } catch (const lh::mcp::McpError& error) {
    error_code = error.code();
  }
  CHECK(error_code == lh::mcp::error_code::request_cancelled);

  // The handler saw notifications/cancelled and ended the hunt: its report, journaled as "running"
  // when the hunt began, is stored as cancelled. A bounded wait for the handler to finish, not a
  // timing assertion.
  std::optional<std::string> status;
  for (int i = 0; i < 600 && (!status || *status == "running"); ++i) {
    const auto stored = fixture.service->reports().list();
    if (!stored.empty()) status = stored.front().status;
    if (!status || *status == "running") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(status);
  CHECK(*status == "cancelled");

  // The session still answers.
  const auto queries = fixture.client->call_tool("build_hunt_queries", Json{{"techniques", {"psexec"}}});
  CHECK_FALSE(queries.is_error);
}
