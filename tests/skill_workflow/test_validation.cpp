// Bad arguments are rejected before any upstream call, naming the argument, what is wrong and the fix.
#include <doctest/doctest.h>

#include "skill/workflow/hunt.hpp"
#include "tests/skill_workflow/upstream_fixture.hpp"

namespace wf = lh::skill::workflow;
using workflow_test::LocalUpstream;

namespace {

std::string rejection_of(LocalUpstream& upstream, const wf::HuntRequest& request) {
  try {
    wf::run_hunt(upstream.gateway(), request);
  } catch (const wf::InvalidHuntArgument& error) {
    CHECK(upstream.gateway().calls_made() == 0);
    return error.what();
  }
  FAIL("the request was not rejected");
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("an invalid scope names the argument and the column and the fix") {
  LocalUpstream upstream;
  auto request = workflow_test::demo_request();
  request.target_scope_query = "principal.hostname = \"FILESRV01\" AND";
  const auto message = rejection_of(upstream, request);
  INFO(message);
  CHECK(message.rfind("skill.workflow.invalid_argument: target_scope_query: col ", 0) == 0);
  CHECK(contains(message, "(fix: "));

  request.target_scope_query = "principal.hostnme = \"FILESRV01\"";
  const auto unknown_field = rejection_of(upstream, request);
  INFO(unknown_field);
  CHECK(contains(unknown_field, "target_scope_query: col 1: "));
  CHECK(contains(unknown_field, "fix: "));
}

TEST_CASE("unknown techniques are all named with the valid ids") {
  LocalUpstream upstream;
  auto request = workflow_test::demo_request();
  request.techniques = {"psexec", "teleport", "T1047", "T9999"};
  const auto message = rejection_of(upstream, request);
  INFO(message);
  CHECK(contains(message, "skill.workflow.invalid_argument: techniques: unknown techniques techniques[1] \"teleport\", techniques[3] \"T9999\""));
  CHECK(contains(message, "psexec, impacket_psexec"));
  CHECK(contains(message, "T1021.002"));
}

TEST_CASE("time frames outside one year or not RFC 3339 are rejected") {
  LocalUpstream upstream;
  auto request = workflow_test::demo_request();
  request.time_frame.hours_back = 0;
  CHECK(contains(rejection_of(upstream, request), "time_frame_hours: must be more than 0 and at most 8760"));
  request.time_frame.hours_back = 8761;
  CHECK(contains(rejection_of(upstream, request), "time_frame_hours: must be more than 0 and at most 8760 (one year), got 8761"));
  request.time_frame.hours_back = 72;
  request.time_frame.start_time = "yesterday";
  CHECK(contains(rejection_of(upstream, request), "start_time: \"yesterday\" is not an RFC 3339 time"));
  request.time_frame.start_time = "2024-03-05T00:00:00Z";
  request.time_frame.end_time = "2024-03-04T00:00:00Z";
  CHECK(contains(rejection_of(upstream, request), "end_time: 2024-03-04T00:00:00Z is not after start_time"));
  request.time_frame.start_time.reset();
  CHECK(contains(rejection_of(upstream, request), "end_time: is given without start_time"));
}

TEST_CASE("documenting needs a case and limits must be usable") {
  LocalUpstream upstream;
  auto request = workflow_test::demo_request();
  request.document = true;
  CHECK(contains(rejection_of(upstream, request), "hunt_case_id: is required when document is true"));
  request.document = false;
  request.max_events_per_query = 0;
  CHECK(contains(rejection_of(upstream, request), "max_events_per_query: must be 1-10000, got 0"));
  request.max_events_per_query = 100;
  request.parallelism = 0;
  CHECK(contains(rejection_of(upstream, request), "parallelism: must be at least 1"));
  request.parallelism = 4;
  request.correlation.window = std::chrono::seconds(0);
  CHECK(contains(rejection_of(upstream, request), "window_seconds: must be 1-86400, got 0"));
  request.correlation.window = std::chrono::seconds(60);
  request.correlation.fan_out_hosts = 1;
  CHECK(contains(rejection_of(upstream, request), "fan_out_hosts: must be at least 2, got 1"));
}

TEST_CASE("ATT&CK ids select every technique that lists them") {
  LocalUpstream upstream;
  auto request = workflow_test::demo_request();
  request.techniques = {"t1021.006"};
  request.research = false;
  request.enrich = false;
  request.related_cases = false;
  const auto report = wf::run_hunt(upstream.gateway(), request);
  CHECK(report["scope"]["technique_ids"] == nlohmann::json::array({"winrm"}));
  for (const auto& query : report["queries"]) {
    if (query["purpose"] == "hunt") CHECK(query["technique_id"] == "winrm");
  }
}
