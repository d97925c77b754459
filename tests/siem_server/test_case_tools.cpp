// secops-soar-mcp case tools and persistence of the case store across a restart.
#include <doctest/doctest.h>

#include <thread>

#include <fmt/format.h>

#include "tests/siem_server/fixture.hpp"

using namespace lh::siem;
using namespace lh::siem::test;

namespace {
std::int64_t make_case(ToolFixture& fixture, const std::string& name, std::vector<std::string> entities,
                       std::string priority = "PriorityMedium") {
  std::lock_guard lock(fixture.backend->cases_mutex);
  NewCase fields;
  fields.display_name = name;
  fields.priority = std::move(priority);
  fields.entities = std::move(entities);
  return fixture.backend->cases.create_case(fields);
}
}  // namespace

TEST_CASE("list_cases pages with nextPageToken - a bad token is an error payload") {
  ToolFixture fixture;
  CHECK(fixture.call_json("list_cases") == Json{{"cases", Json::array()}});
  // secops-soar-mcp's tools have no tenant arguments; given anyway, they are ignored like any extra argument.
  CHECK(fixture.call_json("list_cases", {{"project_id", "p"}, {"customer_id", "c"}, {"region", "us"}}) ==
        Json{{"cases", Json::array()}});
  for (int i = 0; i < 55; ++i) make_case(fixture, "case " + std::to_string(i), {});
  const Json first = fixture.call_json("list_cases");
  CHECK(first["cases"].size() == 50);
  CHECK(first["cases"][0]["displayName"] == "case 54");
  REQUIRE(first.contains("nextPageToken"));
  const Json second = fixture.call_json("list_cases", {{"next_page_token", first["nextPageToken"]}});
  CHECK(second["cases"].size() == 5);
  CHECK_FALSE(second.contains("nextPageToken"));
  const Json bad = fixture.call_json("list_cases", {{"next_page_token", "garbage"}});
  CHECK(bad["error"].get<std::string>().find("page token") != std::string::npos);
}

TEST_CASE("get_case_full_details: the stray-colon key, alerts and comments - errors as payloads") {
  ToolFixture fixture;
  const auto id = make_case(fixture, "PsExec on srv01", {"srv01.acme.local", "10.0.0.5"});
  const Json posted = fixture.call_json("post_case_comment", {{"case_id", std::to_string(id)}, {"comment", "hunt: PsExec from ws07"}});
  CHECK(posted["comment"] == "hunt: PsExec from ws07");
  CHECK(posted["caseId"] == std::to_string(id));
  const Json details = fixture.call_json("get_case_full_details", {{"case_id", std::to_string(id)}});
  REQUIRE(details.contains("case_details:"));
  CHECK(details["case_details:"]["displayName"] == "PsExec on srv01");
  CHECK(details["case_alerts"] == Json::array());
  REQUIRE(details["case_comments"].size() == 1);
  CHECK(details["case_comments"][0]["comment"] == "hunt: PsExec from ws07");

  CHECK(fixture.call_json("get_case_full_details", {{"case_id", "999"}})["error"] == "case 999 not found");
  CHECK(fixture.call_json("get_case_full_details", {{"case_id", "abc"}})["error"].get<std::string>().find("not a case id") !=
        std::string::npos);
  CHECK(fixture.call_json("post_case_comment", {{"case_id", "999"}, {"comment", "x"}})["error"] == "case 999 not found");
}

TEST_CASE("change_case_priority updates the case - unknown case is an error payload") {
  ToolFixture fixture;
  const auto id = make_case(fixture, "c", {});
  const Json updated = fixture.call_json("change_case_priority", {{"case_id", std::to_string(id)}, {"case_priority", "PriorityCritical"}});
  CHECK(updated["priority"] == "PriorityCritical");
  CHECK(fixture.call_json("get_case_full_details", {{"case_id", std::to_string(id)}})["case_details:"]["priority"] == "PriorityCritical");
  CHECK(fixture.call_json("change_case_priority", {{"case_id", "77"}, {"case_priority", "PriorityLow"}})["error"] == "case 77 not found");
}

TEST_CASE("search_entity over case entities: term, type, suspicious") {
  ToolFixture fixture;
  make_case(fixture, "quiet", {"ws01.acme.local", "192.168.1.20"}, "PriorityLow");
  make_case(fixture, "loud", {"srv01.acme.local", "203.0.113.7"}, "PriorityHigh");
  const Json all = fixture.call_json("search_entity");
  CHECK(all["objectsList"].size() == 4);
  CHECK(all["metadata"]["totalRecordsCount"] == 4);
  const Json term = fixture.call_json("search_entity", {{"term", "SRV01"}});
  REQUIRE(term["objectsList"].size() == 1);
  CHECK(term["objectsList"][0]["identifier"] == "srv01.acme.local");
  CHECK(term["objectsList"][0]["entityType"] == "HOSTNAME");
  CHECK(term["objectsList"][0]["isSuspicious"] == true);
  const Json addresses = fixture.call_json("search_entity", {{"type", {"IP Address"}}});
  CHECK(addresses["objectsList"].size() == 2);
  const Json external = fixture.call_json("search_entity", {{"type", {"ADDRESS"}}, {"is_internal_asset", false}});
  REQUIRE(external["objectsList"].size() == 1);
  CHECK(external["objectsList"][0]["identifier"] == "203.0.113.7");
  CHECK(fixture.call_json("search_entity", {{"is_suspicious", true}})["objectsList"].size() == 2);
}

TEST_CASE("cases, comments, priorities and reference lists survive a restart of the store file") {
  TempDatabase database;
  std::string case_id;
  {
    ToolFixture fixture(database.path);
    case_id = std::to_string(make_case(fixture, "persisted", {"srv01.acme.local"}));
    fixture.call_json("post_case_comment", {{"case_id", case_id}, {"comment", "first run"}});
    fixture.call_json("change_case_priority", {{"case_id", case_id}, {"case_priority", "PriorityHigh"}});
    fixture.call_text("create_reference_list", {{"name", "known_admins"}, {"description", "d"}, {"entries", {"alice"}}});
  }
  ToolFixture restarted(database.path);
  const Json details = restarted.call_json("get_case_full_details", {{"case_id", case_id}});
  CHECK(details["case_details:"]["displayName"] == "persisted");
  CHECK(details["case_details:"]["priority"] == "PriorityHigh");
  REQUIRE(details["case_comments"].size() == 1);
  CHECK(details["case_comments"][0]["comment"] == "first run");
  CHECK(restarted.call_text("get_reference_list", {{"name", "known_admins"}}).find("  1. alice\n") != std::string::npos);
  const Json hits = restarted.call_json(
      "search_udm", {{"query", "target.user.userid in %known_admins"}, {"start_time", "2020-01-01T00:00:00Z"}});
  CHECK(hits["total_events"] == 1);
}

TEST_CASE("concurrent tool calls share the case store safely") {
  ToolFixture fixture;
  const auto id = std::to_string(make_case(fixture, "busy", {"srv01.acme.local"}));
  constexpr int kThreads = 6, kCalls = 10;
  // Declared before the threads, and jthreads: a failed REQUIRE in call_text below must neither
  // leave joinable std::threads behind (that aborts) nor destroy the counter while they still run.
  std::atomic<int> failures{0};
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const auto comment = fixture.client->call_tool("post_case_comment", {{"case_id", id}, {"comment", fmt::format("{}-{}", t, i)}});
        const auto search = fixture.client->call_tool("search_udm", {{"query", "principal.hostname in %hosts"},
                                                                     {"start_time", "2020-01-01T00:00:00Z"}});
        if (comment.is_error || search.is_error) ++failures;
      }
    });
  }
  fixture.call_text("create_reference_list", {{"name", "hosts"}, {"description", "d"}, {"entries", {"srv01.acme.local"}}});
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(fixture.call_json("get_case_full_details", {{"case_id", id}})["case_comments"].size() == kThreads * kCalls);
}
