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

TEST_CASE("lateral-hunt hunt: the report on stdout and exit 0 when complete, 2 for bad input, 1 without an upstream") {
  lh::test::TempPath reports("cli.db");
  const std::vector<std::string> common = {"hunt", "--data", LH_TEST_DEMO_DATA, "--secops-local", LH_TEST_SECOPS_LOCAL,
                                           "--reports", reports.path(), "--admin-hosts", "ADMIN-JUMP01,DEPLOY01"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = common;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };

  const auto json_run = lh::test::run_lateral_hunt(with({"--format", "json", "--hypothesis", "CLI test"}));
  INFO(json_run.err);
  REQUIRE(json_run.exit_code == 0);
  const auto report = Json::parse(json_run.out);
  CHECK(report.at("status") == "complete");
  CHECK(report.at("hypothesis") == "CLI test");
  CHECK(report.at("scope").at("admin_hosts") == Json{"ADMIN-JUMP01", "DEPLOY01"});
  bool chain = false;
  for (const auto& path : report.at("paths")) {
    const auto hosts = path.at("hosts").get<std::vector<std::string>>();
    chain = chain || (hosts.size() >= 2 && hosts[0] == "WKS-017" && hosts[1] == "FILESRV01");
  }
  CHECK(chain);

  // --admin-hosts repeated, mixed with the comma form; each flag takes one value only.
  std::vector<std::string> repeated = {"hunt", "--data", LH_TEST_DEMO_DATA, "--secops-local", LH_TEST_SECOPS_LOCAL,
                                       "--reports", reports.path(), "--admin-hosts", "ADMIN-JUMP01",
                                       "--admin-hosts", "DEPLOY01, JUMP02", "--techniques", "psexec", "--format", "json"};
  const auto repeated_run = lh::test::run_lateral_hunt(repeated);
  INFO(repeated_run.err);
  REQUIRE(repeated_run.exit_code == 0);
  CHECK(Json::parse(repeated_run.out).at("scope").at("admin_hosts") == Json{"ADMIN-JUMP01", "DEPLOY01", "JUMP02"});

  const auto markdown_run = lh::test::run_lateral_hunt(with({"--techniques", "psexec,wmi"}));
  CHECK(markdown_run.exit_code == 0);
  CHECK(markdown_run.out.find("# Lateral-movement hunt") != std::string::npos);
  CHECK(markdown_run.out.find("```mermaid") != std::string::npos);

  const auto bad_scope = lh::test::run_lateral_hunt(with({"--scope", "principal.hostnme = \"DB01\""}));
  CHECK(bad_scope.exit_code == 2);
  CHECK(bad_scope.err.find("target_scope_query: col 1") != std::string::npos);
  CHECK(bad_scope.out.empty());

  const auto bad_flag = lh::test::run_lateral_hunt(with({"--format", "yaml"}));
  CHECK(bad_flag.exit_code == 2);

  auto unreachable_args = with({});
  unreachable_args[4] = "/nonexistent/secops-local";
  const auto unreachable = lh::test::run_lateral_hunt(unreachable_args);
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.err.find("upstream 'secops-local'") != std::string::npos);
}
