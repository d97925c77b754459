// Failing steps, a cancelled hunt and an unreachable upstream: the report says what happened and keeps
// what the other steps found.
#include <atomic>
#include <stop_token>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "skill/workflow/hunt.hpp"
#include "tests/skill_workflow/upstream_fixture.hpp"

namespace wf = lh::skill::workflow;
using workflow_test::Json;
using workflow_test::LocalUpstream;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("failing threat intel marks the hunt incomplete naming research and keeps the findings") {
  LocalUpstream upstream({"--inject-failure", "get_threat_intel"});
  const auto report = wf::run_hunt(upstream.gateway(), workflow_test::demo_request());
  CHECK(workflow_test::report_violations(report).empty());
  CHECK(report["status"] == "incomplete");
  const auto* research = workflow_test::find_step(report, "research");
  REQUIRE(research);
  CHECK(research->at("status") == "failed");
  CHECK(contains(research->at("error").get<std::string>(), "injected failure"));
  const std::string summary = report["summary"];
  INFO(summary);
  CHECK(contains(summary, "INCOMPLETE: step research failed"));
  CHECK_FALSE(report["findings"].empty());
  CHECK(workflow_test::find_step(report, "hunt_queries")->at("status") == "ok");
  for (const auto& technique : report["techniques"]) CHECK(technique["research"]["status"] == "failed");
}

TEST_CASE("failing entity look-ups mark enrichment and keep the findings") {
  LocalUpstream upstream({"--inject-failure", "lookup_entity"});
  const auto report = wf::run_hunt(upstream.gateway(), workflow_test::demo_request());
  CHECK(workflow_test::report_violations(report).empty());
  CHECK(report["status"] == "incomplete");
  const auto* enrichment = workflow_test::find_step(report, "enrichment");
  REQUIRE(enrichment);
  // get_ioc_matches still answered, so the step ran partly.
  CHECK(enrichment->at("status") == "partial");
  CHECK(contains(report["summary"].get<std::string>(), "enrichment partial"));
  CHECK_FALSE(report["findings"].empty());
  REQUIRE_FALSE(report["enrichment"]["entities"].empty());
  for (const auto& entity : report["enrichment"]["entities"]) {
    CHECK(entity["status"] == "failed");
    CHECK(contains(entity["error"].get<std::string>(), "injected failure"));
  }
}

TEST_CASE("a hunt cancelled while its queries run reports cancelled with what it did") {
  LocalUpstream upstream({"--inject-latency-ms", "200"});
  std::stop_source stop;
  std::atomic<bool> saw_query{false};
  auto request = workflow_test::demo_request();
  request.parallelism = 2;
  const auto report = wf::run_hunt(
      upstream.gateway(), request, nullptr,
      [&](const std::string& message, double, double) {
        if (message.rfind("hunt queries ", 0) == 0) {
          saw_query = true;
          stop.request_stop();
        }
      },
      stop.get_token());
  CHECK(saw_query);
  CHECK(workflow_test::report_violations(report).empty());
  CHECK(report["status"] == "cancelled");
  std::size_t ok = 0, cancelled = 0;
  for (const auto& query : report["queries"]) {
    if (query["status"] == "ok") ++ok;
    if (query["status"] == "cancelled") ++cancelled;
  }
  CHECK(ok >= 1);
  CHECK(cancelled >= 1);
  CHECK(workflow_test::find_step(report, "hunt_queries")->at("status") == "cancelled");
  for (const char* later : {"correlation", "enrichment", "related_cases"}) {
    CHECK_MESSAGE(workflow_test::find_step(report, later)->at("status") == "cancelled", later);
  }
  CHECK(contains(report["summary"].get<std::string>(), "CANCELLED"));
}

TEST_CASE("an unreachable upstream gives an incomplete report naming it") {
  auto gateway = workflow_test::unreachable_gateway();
  auto request = workflow_test::demo_request();
  request.techniques = {"psexec"};
  const auto report = wf::run_hunt(*gateway, request);
  CHECK(workflow_test::report_violations(report).empty());
  CHECK(report["status"] == "incomplete");
  const auto* hunt_queries = workflow_test::find_step(report, "hunt_queries");
  REQUIRE(hunt_queries);
  CHECK(hunt_queries->at("status") == "failed");
  const std::string error = hunt_queries->at("error");
  INFO(error);
  CHECK(contains(error, "secops-local"));
  CHECK(contains(error, "unreachable"));
  CHECK(workflow_test::find_step(report, "connect")->at("status") == "failed");
  CHECK(workflow_test::find_step(report, "correlation")->at("status") == "skipped");
  for (const auto& query : report["queries"]) CHECK(query["status"] == "failed");
  CHECK(report["negative_results"].empty());
  CHECK(contains(report["summary"].get<std::string>(), "hunt_queries failed"));
  REQUIRE(report["upstreams"].size() == 1);
  CHECK(report["upstreams"][0]["connected"] == false);
}
