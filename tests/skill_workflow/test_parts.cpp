// The workflow's pure parts: identity, matching, follow-ons, summary, search arguments.
#include <regex>

#include <doctest/doctest.h>

#include "skill/workflow/enrichment.hpp"
#include "skill/workflow/follow_ons.hpp"
#include "skill/workflow/identity.hpp"
#include "skill/workflow/research.hpp"
#include "skill/workflow/step_record.hpp"
#include "skill/workflow/summary.hpp"
#include "skill/workflow/upstream_call.hpp"

namespace wf = lh::skill::workflow;
namespace detail = lh::skill::workflow::detail;
using Json = nlohmann::json;

TEST_CASE("hunt ids carry the UTC start time and differ between hunts") {
  const auto now = std::chrono::sys_days{std::chrono::March / 5 / 2024} + std::chrono::hours(10) +
                   std::chrono::minutes(58) + std::chrono::seconds(14);
  const auto id = detail::make_hunt_id(now);
  CHECK(std::regex_match(id, std::regex("hunt-20240305T105814Z-[0-9a-f]{6}")));
  CHECK(detail::make_hunt_id(now) != detail::make_hunt_id(now));
  CHECK(detail::utc_timestamp(now + std::chrono::milliseconds(708)) == "2024-03-05T10:58:14.708Z");
  CHECK(detail::utc_timestamp(now) == "2024-03-05T10:58:14.000Z");
}

TEST_CASE("the fingerprint is stable under re-ordering and white space and changes with the hunt") {
  wf::HuntRequest a;
  a.techniques = {"psexec", "wmi"};
  a.target_scope_query = "principal.hostname = \"FILESRV01\"";
  a.hunt_case_id = "7";
  wf::HuntRequest b = a;
  b.techniques = {"WMI", "psexec"};
  b.target_scope_query = "  principal.hostname  =\n \"FILESRV01\" ";
  b.document = true;
  b.parallelism = 2;
  CHECK(wf::hunt_fingerprint(a) == wf::hunt_fingerprint(b));
  CHECK(wf::hunt_fingerprint(a).size() == 16);

  wf::HuntRequest other_window = a;
  other_window.time_frame.hours_back = 24;
  CHECK(wf::hunt_fingerprint(a) != wf::hunt_fingerprint(other_window));
  wf::HuntRequest other_case = a;
  other_case.hunt_case_id = "8";
  CHECK(wf::hunt_fingerprint(a) != wf::hunt_fingerprint(other_case));
  CHECK(detail::fnv1a_hex("") == "cbf29ce484222325");
  CHECK(detail::fnv1a_hex("a") == "af63dc4c8601ec8c");
}

TEST_CASE("entity matching takes whole tokens only") {
  CHECK(detail::contains_token("Hosts: FILESRV01, DB01", "filesrv01"));
  CHECK(detail::contains_token("seen on db01.acme.local", "DB01"));
  CHECK_FALSE(detail::contains_token("DB010 and XDB01", "DB01"));
  CHECK_FALSE(detail::contains_token("WKS-0170", "WKS-017"));
  CHECK(detail::contains_token("user ACME\\dallen logged on", "acme\\dallen"));
  CHECK(detail::contains_token("from 10.0.0.2.", "10.0.0.2"));
  CHECK_FALSE(detail::contains_token("from 10.0.0.25", "10.0.0.2"));
  CHECK_FALSE(detail::contains_token("from 10.0.0.2.5", "10.0.0.2"));
  CHECK_FALSE(detail::contains_token("anything", ""));
}

TEST_CASE("an IoC match is the paragraph that names the entity") {
  const std::string text =
      "Found 2 IoC matches:\n\nIoC 1:\nType: IP\nValue: 203.0.113.9\nSources: feed-a\n\n"
      "IoC 2:\nType: FILE_HASH_SHA256\nValue: ABCDEF\nSources: feed-b\nHosts: WKS-017\n\n";
  const auto hit = detail::find_ioc_match(text, "wks-017");
  REQUIRE(hit);
  CHECK(*hit == "IoC 2:; Type: FILE_HASH_SHA256; Value: ABCDEF; Sources: feed-b; Hosts: WKS-017");
  CHECK(detail::find_ioc_match(text, "203.0.113.9")->find("feed-a") != std::string::npos);
  CHECK_FALSE(detail::find_ioc_match(text, "203.0.113.90"));
  CHECK_FALSE(detail::find_ioc_match("No IoC matches found for the specified time range.", "WKS-017"));
}

TEST_CASE("entity types are guessed from their shape") {
  CHECK(detail::guess_entity_type("10.20.0.18") == "ip");
  CHECK(detail::guess_entity_type("fe80::1") == "ip");
  CHECK(detail::guess_entity_type("d41d8cd98f00b204e9800998ecf8427e") == "hash");
  CHECK(detail::guess_entity_type("ACME\\dallen") == "user");
  CHECK(detail::guess_entity_type("dallen@acme.com") == "user");
  CHECK(detail::guess_entity_type("FILESRV01") == "host");
  CHECK(detail::guess_entity_type("db01.acme.local") == "host");
  CHECK(detail::guess_entity_type("evil-cdn.example.com") == "domain");

  const Json entities{{"hosts", {"FILESRV01", "filesrv01"}}, {"users", {{{"value", "ACME\\it.helpdesk"}}}}, {"ips", {"10.20.0.18"}}};
  const auto refs = detail::entities_to_enrich(entities);
  REQUIRE(refs.size() == 3);
  CHECK(refs[0].value == "FILESRV01");
  CHECK(refs[0].type == "host");
  CHECK(refs[1].type == "user");
  CHECK(refs[2].type == "ip");
}

TEST_CASE("follow-ons name processes and accounts and escalation only for movement worth acting on") {
  lh::skill::correlation::CorrelationResult result;
  result.findings = Json::array({
      {{"id", "F1"}, {"kind", "lateral_movement"}, {"severity", "high"}, {"account", "ACME\\it.helpdesk"},
       {"source", {{"host", "WKS-017"}}}, {"target", {{"host", "FILESRV01"}}}},
      {{"id", "F2"}, {"kind", "lateral_movement"}, {"severity", "low"}, {"account", "ACME\\svc.deploy"},
       {"source", {{"host", "DEPLOY01"}}}, {"target", {{"host", "APP01"}}}},
      {{"id", "F3"}, {"kind", "local_execution"}, {"severity", "medium"}, {"account", "ACME\\admin"}},
  });
  result.affected_processes = Json::array({
      {{"host", "FILESRV01"}, {"image", "C:\\Windows\\PSEXESVC.exe"}, {"finding_id", "F1"}},
      {{"host", "APP01"}, {"image", "C:\\deploy\\agent.exe"}, {"finding_id", "F2"}},
  });
  const auto actions = detail::follow_ons(result);
  REQUIRE(actions.size() == 3);
  CHECK(actions[0]["action"] == "case_event_timeline_and_process_analysis");
  CHECK(actions[0]["targets"] == Json::array({"FILESRV01: C:\\Windows\\PSEXESVC.exe"}));
  CHECK(actions[1]["action"] == "compromised_user_account_response");
  CHECK(actions[1]["targets"] == Json::array({"ACME\\it.helpdesk"}));
  CHECK(actions[2]["action"] == "escalate_to_incident_response");
  CHECK(actions[2]["targets"] == Json::array({"WKS-017", "FILESRV01"}));

  lh::skill::correlation::CorrelationResult quiet;
  quiet.findings = Json::array({result.findings[1]});
  CHECK(detail::follow_ons(quiet).empty());
}

TEST_CASE("the summary names the failed steps") {
  const Json report{
      {"status", "incomplete"},
      {"scope", {{"time_frame", {{"hours_back", 72}}}}},
      {"techniques", {{{"id", "psexec"}, {"attack_ids", {"T1569.002"}}}}},
      {"queries", {{{"id", "q1"}, {"purpose", "hunt"}, {"status", "ok"}, {"hits", 3}},
                   {{"id", "q2"}, {"purpose", "hunt"}, {"status", "ok"}, {"hits", 0}}}},
      {"negative_results", {{{"query_id", "q2"}}}},
      {"findings", Json::array()},
      {"steps", {{{"name", "research"}, {"status", "failed"}, {"error", "skill.gateway.payload_error: injected failure"}},
                 {{"name", "hunt_queries"}, {"status", "ok"}}}},
  };
  const auto summary = detail::summarise(report);
  CHECK(summary.find("Hunted 1 technique (T1569.002) over the last 72 hours with 2 hunt queries: 1 with hits, 1 negative") == 0);
  CHECK(summary.find("No lateral movement was found.") != std::string::npos);
  CHECK(summary.find("INCOMPLETE: step research failed (skill.gateway.payload_error: injected failure)") != std::string::npos);
}

TEST_CASE("search arguments use explicit windows when given and whole hours otherwise") {
  lh::skill::techniques::TimeFrame frame;
  frame.hours_back = 1.5;
  auto arguments = detail::search_arguments("metadata.event_type = \"PROCESS_LAUNCH\"", frame, 50);
  CHECK(arguments["hours_back"] == 2);
  CHECK(arguments["max_events"] == 50);
  CHECK_FALSE(arguments.contains("start_time"));
  frame.start_time = "2024-03-05T00:00:00Z";
  frame.end_time = "2024-03-06T00:00:00Z";
  arguments = detail::search_arguments("x", frame, 50);
  CHECK(arguments["start_time"] == "2024-03-05T00:00:00Z");
  CHECK(arguments["end_time"] == "2024-03-06T00:00:00Z");

  CHECK(detail::events_of(Json{{"events", {{{"a", 1}}, {{"b", 2}}}}}).size() == 2);
  CHECK(detail::events_of(Json{{"events", {{"events", {{{"a", 1}}}}}}}).size() == 1);
  CHECK(detail::events_of(Json{{"error", "x"}}).empty());
}

TEST_CASE("texts are trimmed at a line or word end") {
  CHECK(detail::trim_text("short\n", 100) == "short");
  const auto trimmed = detail::trim_text("first line here\nsecond line that is long", 20);
  CHECK(trimmed == "first line here [...]");
  CHECK(detail::combine_status(3, 0, false) == "ok");
  CHECK(detail::combine_status(2, 1, false) == "partial");
  CHECK(detail::combine_status(0, 2, false) == "failed");
  CHECK(detail::combine_status(2, 0, true) == "cancelled");
}

TEST_CASE("research questions name the ATT&CK technique") {
  CHECK(detail::research_question("T1021.002") == "MITRE T1021.002 SMB/Windows Admin Shares: how it looks in Windows logs");
  CHECK(detail::research_question("T9999") == "MITRE T9999: how it looks in Windows logs");
  const auto ids = detail::attack_ids_of({"psexec", "impacket_psexec", "wmi"});
  CHECK(ids == std::vector<std::string>{"T1569.002", "T1021.002", "T1570", "T1047"});
}
