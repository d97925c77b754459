// document=true posts the report on the hunt's case once, however often the same hunt is run.
#include <doctest/doctest.h>

#include "skill/report/report.hpp"
#include "skill/report/report_store.hpp"
#include "skill/workflow/hunt.hpp"
#include "tests/skill_workflow/upstream_fixture.hpp"

namespace wf = lh::skill::workflow;
using workflow_test::Json;
using workflow_test::LocalUpstream;

namespace {

wf::HuntRequest documented_request(const std::string& case_id) {
  auto request = workflow_test::demo_request();
  request.hunt_case_id = case_id;
  request.document = true;
  request.research = false;  // not needed here; keeps the test short
  return request;
}

Json case_comments(LocalUpstream& upstream, const std::string& case_id) {
  const auto details = upstream.gateway().call("get_case_full_details", {{"case_id", case_id}});
  return details.value.at("case_comments");
}

}  // namespace

TEST_CASE("the same hunt documented twice is posted once") {
  LocalUpstream upstream;
  const auto case_id = upstream.create_case("Lateral movement hunt", {"HUNT-TRACKING"});
  const auto other_case = upstream.create_case("Suspicious PsExec on FILESRV01", {"FILESRV01", "10.20.0.18"});
  lh::skill::report::ReportStore store(":memory:");
  const auto request = documented_request(case_id);

  const auto first = wf::run_hunt(upstream.gateway(), request, &store);
  CHECK(workflow_test::report_violations(first).empty());
  INFO(first["summary"].get<std::string>());
  CHECK(first["status"] == "complete");
  CHECK(first["documentation"]["status"] == "posted");
  CHECK(first["documentation"]["case_id"] == case_id);
  CHECK(workflow_test::find_step(first, "document")->at("status") == "ok");
  CHECK(workflow_test::find_step(first, "document")->at("calls") == 2);  // read the comments, post

  // Again with the same store: its claim stops the post.
  const auto second = wf::run_hunt(upstream.gateway(), request, &store);
  CHECK(second["hunt_id"] != first["hunt_id"]);
  CHECK(second["hunt_fingerprint"] == first["hunt_fingerprint"]);
  CHECK(second["documentation"]["status"] == "already_posted");
  CHECK(second["status"] == "complete");

  // Again without a store (another server instance): the marker in the case's comments stops it.
  const auto third = wf::run_hunt(upstream.gateway(), request, nullptr);
  CHECK(third["documentation"]["status"] == "already_posted");

  const auto comments = case_comments(upstream, case_id);
  REQUIRE(comments.size() == 1);
  const std::string text = comments[0].at("comment");
  CHECK(text.find(lh::skill::report::fingerprint_marker(first["hunt_fingerprint"].get<std::string>())) != std::string::npos);
  CHECK(case_comments(upstream, other_case).empty());

  // The case naming the hunt's entities is related; the hunt's own case is not listed as related to itself.
  bool other_related = false;
  for (const auto& related : first["related_cases"]) {
    CHECK(related["case_id"] != case_id);
    if (related["case_id"] == other_case) {
      other_related = true;
      CHECK_FALSE(related["matched_entities"].empty());
    }
  }
  CHECK(other_related);
}

TEST_CASE("documenting on a case that does not exist fails without blocking a later post") {
  LocalUpstream upstream;
  lh::skill::report::ReportStore store(":memory:");
  const auto report = wf::run_hunt(upstream.gateway(), documented_request("999"), &store);
  CHECK(workflow_test::report_violations(report).empty());
  CHECK(report["documentation"]["status"] == "failed");
  const std::string error = report["documentation"]["error"];
  CHECK(error.find("case 999") != std::string::npos);
  CHECK(workflow_test::find_step(report, "document")->at("status") == "failed");
  CHECK(report["status"] == "incomplete");
  CHECK(report["summary"].get<std::string>().find("document failed") != std::string::npos);
  CHECK_FALSE(store.documented_by("999", report["hunt_fingerprint"].get<std::string>()).has_value());
  CHECK_FALSE(report["findings"].empty());
}

TEST_CASE("document_hunt posts a stored report on its own") {
  LocalUpstream upstream;
  const auto case_id = upstream.create_case("Hunt follow-up", {});
  lh::skill::report::ReportStore store(":memory:");
  auto request = workflow_test::demo_request();
  request.research = false;
  const auto report = wf::run_hunt(upstream.gateway(), request, &store);
  const auto first = wf::document_hunt(upstream.gateway(), &store, report, case_id);
  CHECK(first["status"] == "posted");
  const auto again = wf::document_hunt(upstream.gateway(), &store, report, case_id);
  CHECK(again["status"] == "already_posted");
  CHECK(case_comments(upstream, case_id).size() == 1);
}
