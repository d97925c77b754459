// The built lateral-hunt served over stdio and over Streamable HTTP (secops-local as its upstream):
// the same hunt gives the same findings on both, and stored reports survive a restart.
#include <doctest/doctest.h>

#include "tests/skill_server/support.hpp"

using lh::test::Json;

TEST_CASE("the same hunt over stdio and over HTTP gives the same findings, and reports survive a restart") {
  lh::test::TempPath stdio_reports("stdio.db");
  lh::test::TempPath http_reports("http.db");

  Json stdio_report;
  {
    auto client = lh::test::stdio_client(stdio_reports.path());
    CHECK(client->list_tools().size() == 7);
    const auto result = client->call_tool("lateral_movement_hunt", lh::test::demo_hunt_arguments());
    INFO(result.joined_text());
    REQUIRE_FALSE(result.is_error);
    stdio_report = *result.structured_content;
    client->close();
  }
  Json http_report;
  {
    lh::test::HttpServerProcess server(http_reports.path());
    INFO(server.log());
    auto client = lh::test::http_client(server.url());
    std::size_t progress_updates = 0;
    lh::mcp::CallOptions options;
    options.on_progress = [&](const lh::mcp::Progress&) { ++progress_updates; };
    const auto result = client->call_tool("lateral_movement_hunt", lh::test::demo_hunt_arguments(), options);
    INFO(result.joined_text());
    REQUIRE_FALSE(result.is_error);
    http_report = *result.structured_content;
    CHECK(progress_updates >= 2);
    client->close();
  }
  CHECK_FALSE(stdio_report.at("findings").empty());
  CHECK(lh::test::finding_keys(stdio_report) == lh::test::finding_keys(http_report));
  CHECK(stdio_report.at("status") == http_report.at("status"));

  // A new server on the same report store serves the earlier report.
  const std::string id = stdio_report.at("hunt_id");
  {
    auto client = lh::test::stdio_client(stdio_reports.path());
    const auto read = client->request("resources/read", {{"uri", "hunt://reports/" + id}});
    CHECK(Json::parse(read.at("contents")[0].at("text").get<std::string>()).at("hunt_id") == id);
    bool listed = false;
    const auto listing = client->request("resources/list");
    INFO(listing.dump());
    for (const auto& resource : listing.at("resources")) {
      listed = listed || resource.at("uri") == "hunt://reports/" + id;
    }
    CHECK(listed);
    client->close();
  }
  {
    lh::test::HttpServerProcess server(http_reports.path());
    auto client = lh::test::http_client(server.url());
    const std::string http_id = http_report.at("hunt_id");
    const auto read = client->request("resources/read", {{"uri", "hunt://reports/" + http_id + "/markdown"}});
    CHECK(read.at("contents")[0].at("text").get<std::string>().find(http_id) != std::string::npos);
    client->close();
  }
}
