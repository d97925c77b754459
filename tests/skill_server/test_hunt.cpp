// lateral_movement_hunt in this process (in-memory pair) on the demo data through secops-local over
// stdio: progress, a report valid against its schema, the stored report as resources, and an
// upstream that cannot be started.
#include <doctest/doctest.h>

#include <fstream>
#include <mutex>
#include <vector>

#include "schemas/validator.hpp"
#include "tests/skill_server/support.hpp"

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
  // Tools that need no upstream still work.
  CHECK_FALSE(fixture.client->call_tool("build_hunt_queries", Json::object()).is_error);
}
