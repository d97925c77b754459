// A hunt's report is in the store (committed) when the tool's answer arrives, and a hunt is journaled
// as running from its start, so that a server killed mid-hunt leaves a report marked interrupted.
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "tests/data_safety/support.hpp"

namespace st = lh::safety_test;
using st::Json;

TEST_CASE("the hunt's report is committed in the store when the tool's answer arrives") {
  st::TempDir dir("journal");
  st::write_file(dir.file("plain.json"),
                 st::single_upstream_config(LH_TEST_SECOPS_LOCAL, st::secops_local_args(dir.file("cases.db"))));
  st::HuntServer server(dir.file("plain.json"), dir.file("reports.db"), dir.file("lateral-hunt.log"));
  const auto result = server.client()->call_tool("lateral_movement_hunt", st::quick_hunt_arguments());
  INFO(result.joined_text());
  REQUIRE_FALSE(result.is_error);
  const std::string id = result.structured_content->at("hunt_id");
  // Read at once through another connection: the row is there, finished, with the same report.
  const auto rows = st::sql_rows(dir.file("reports.db"), "SELECT status, json, markdown FROM reports WHERE id = '" + id + "'");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][0] == result.structured_content->at("status").get<std::string>());
  const auto stored = Json::parse(rows[0][1]);
  CHECK(stored.at("findings").size() == result.structured_content->at("findings").size());
  CHECK(stored.at("status") != "running");
  CHECK(rows[0][2].find(id) != std::string::npos);
}

TEST_CASE("a server killed mid-hunt leaves a report marked interrupted, served after the restart") {
  st::TempDir dir("interrupted");
  const std::string reports = dir.file("reports.db");
  const std::string log = dir.file("lateral-hunt.log");
  // Every secops-local call takes 1.5 s, so the hunt is still running when the server is killed.
  st::write_file(dir.file("slow.json"),
                 st::single_upstream_config(LH_TEST_SECOPS_LOCAL,
                                            st::secops_local_args(dir.file("cases.db"), {"--inject-latency-ms", "1500"})));
  st::write_file(dir.file("plain.json"),
                 st::single_upstream_config(LH_TEST_SECOPS_LOCAL, st::secops_local_args(dir.file("cases.db"))));

  std::string id;
  {
    st::HuntServer server(dir.file("slow.json"), reports, log);
    auto client = server.client();
    auto pending = std::async(std::launch::async, [&] {
      try {
        return client->call_tool("lateral_movement_hunt", st::quick_hunt_arguments()).joined_text();
      } catch (const std::exception& error) {
        return std::string(error.what());
      }
    });
    // Bounded wait for the journal entry of the running hunt.
    for (int attempt = 0; attempt < 1200 && id.empty(); ++attempt) {
      const auto rows = st::sql_rows(reports, "SELECT id FROM reports WHERE status = 'running'");
      if (!rows.empty()) id = rows[0][0];
      else std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    REQUIRE_FALSE(id.empty());
    server.process().kill_hard();
    pending.get();
  }
  // Nothing has touched the store since the kill: the entry still says running.
  CHECK(st::sql_rows(reports, "SELECT status FROM reports WHERE id = '" + id + "'") ==
        std::vector<std::vector<std::string>>{{"running"}});

  st::HuntServer restarted(dir.file("plain.json"), reports, log);
  auto client = restarted.client();
  const auto read = client->request("resources/read", {{"uri", "hunt://reports/" + id}});
  const auto report = Json::parse(read.at("contents")[0].at("text").get<std::string>());
  INFO(report.dump(2));
  CHECK(report.at("hunt_id") == id);
  CHECK(report.at("status") == "incomplete");
  CHECK(report.at("interrupted").at("reason").get<std::string>().find("stopped while the hunt was running") !=
        std::string::npos);
  CHECK(report.at("summary").get<std::string>().rfind("INTERRUPTED", 0) == 0);
  CHECK(report.at("hypothesis") == "data safety check");

  const auto markdown = client->request("resources/read", {{"uri", "hunt://reports/" + id + "/markdown"}});
  CHECK(markdown.at("contents")[0].at("text").get<std::string>().find("interrupted") != std::string::npos);
  bool listed = false;
  const auto listing = client->request("resources/list");
  INFO(listing.dump());
  for (const auto& resource : listing.at("resources")) {
    listed = listed || resource.at("uri") == "hunt://reports/" + id;
  }
  CHECK(listed);
  CHECK(st::sql_rows(reports, "SELECT status FROM reports WHERE id = '" + id + "'") ==
        std::vector<std::vector<std::string>>{{"interrupted"}});
}
