// The steps the MCP tools expose on their own: correlate_smb, research, enrichment, related cases.
#include <doctest/doctest.h>

#include "skill/workflow/hunt.hpp"
#include "tests/skill_workflow/upstream_fixture.hpp"

namespace wf = lh::skill::workflow;
using workflow_test::Json;
using workflow_test::LocalUpstream;

// chain-1, hop 1 of the demo's answer key: WKS-017 (10.20.0.18) -> FILESRV01 (10.10.0.20) over SMB.
TEST_CASE("correlate_smb finds the SMB connection of a PsExec hop by address and by name") {
  LocalUpstream upstream;
  wf::SmbCorrelationRequest request;
  request.source = "10.20.0.18";
  request.target = "10.10.0.20";
  request.time = "2024-03-05T10:58:14.708Z";
  request.window = std::chrono::seconds(120);
  const auto by_address = wf::correlate_smb(upstream.gateway(), request);
  INFO(by_address.dump(2));
  CHECK(by_address["status"] == "ok");
  CHECK(by_address["hits"].get<int>() >= 1);
  CHECK(by_address["ports"] == Json::array({445}));
  CHECK(by_address["udm"].get<std::string>().find("target.port = 445") != std::string::npos);
  CHECK(by_address["time_frame"]["start_time"] == "2024-03-05T10:56:14.708Z");
  REQUIRE_FALSE(by_address["connections"].empty());
  CHECK(by_address["connections"][0]["target"]["port"] == "445");

  // A name is resolved to the host's own addresses from its connections, then searched by address: the
  // same two records (the source's outbound and the target's inbound) as the address search.
  request.source = "WKS-017";
  request.target = "10.10.0.20";
  const auto by_source_name = wf::correlate_smb(upstream.gateway(), request);
  INFO(by_source_name.dump(2));
  CHECK(by_source_name["status"] == "ok");
  CHECK(by_source_name["resolution"]["source"]["addresses"] == Json::array({"10.20.0.18"}));
  CHECK(by_source_name["udm"] == by_address["udm"]);
  CHECK(by_source_name["hits"] == by_address["hits"]);
  CHECK(by_source_name["upstream_calls"] == 2);  // the resolution, the search

  request.source = "10.20.0.18";
  request.target = "filesrv01";
  const auto by_target_name = wf::correlate_smb(upstream.gateway(), request);
  CHECK(by_target_name["resolution"]["target"]["addresses"] == Json::array({"10.10.0.20"}));
  CHECK(by_target_name["resolution"]["source"]["kind"] == "ip");
  CHECK(by_target_name["hits"] == by_address["hits"]);
  bool logged_by_target = false;
  for (const auto& connection : by_target_name["connections"]) {
    logged_by_target = logged_by_target || connection["reporting_host"] == "FILESRV01.acme.local";
  }
  CHECK(logged_by_target);
}

TEST_CASE("correlate_smb port profiles add their ports and unknown profiles are rejected") {
  LocalUpstream upstream;
  wf::SmbCorrelationRequest request;
  request.source = "10.20.0.18";
  request.target = "10.10.0.30";
  request.port_profiles = {"rpc", "winrm"};
  const auto result = wf::correlate_smb(upstream.gateway(), request);
  CHECK(result["ports"] == Json::array({135, 445, 5985, 5986}));
  CHECK(result["dynamic_rpc_range"] == Json::array({49152, 65535}));
  CHECK(result["udm"].get<std::string>().find("target.port >= 49152") != std::string::npos);

  request.port_profiles = {"telnet"};
  CHECK_THROWS_WITH_AS(wf::correlate_smb(upstream.gateway(), request),
                       doctest::Contains("port_profiles[0]: \"telnet\" is not a port profile"), wf::InvalidHuntArgument);
  request.port_profiles = {};
  // A value that is neither an address nor a host name is refused, never cut short or searched as text.
  request.source = "10.20.0.18\" OR principal.ip = \"10.0.0.1";
  CHECK_THROWS_WITH_AS(wf::correlate_smb(upstream.gateway(), request),
                       doctest::Contains("source: \"10.20.0.18\" OR principal.ip = \"10.0.0.1\" is not a plain IP address or host name"),
                       wf::InvalidHuntArgument);
}

TEST_CASE("research_techniques asks about each ATT&CK id once") {
  LocalUpstream upstream;
  const auto result = wf::research_techniques(upstream.gateway(), {"psexec", "T1047"});
  REQUIRE(result["techniques"].size() == 2);
  CHECK(result["techniques"][0]["id"] == "psexec");
  CHECK(result["techniques"][0]["research"]["status"] == "ok");
  CHECK(result["techniques"][0]["research"]["answer"].get<std::string>().find("T1021.002") != std::string::npos);
  CHECK(result["techniques"][1]["id"] == "T1047");
  CHECK(result["techniques"][1]["name"] == "Windows Management Instrumentation");
  CHECK(result["step"]["calls"] == 4);  // T1569.002, T1021.002, T1570, T1047
  CHECK_THROWS_AS(wf::research_techniques(upstream.gateway(), {"nonsense"}), wf::InvalidHuntArgument);
}

TEST_CASE("enrich_entities asks the intel reports when an IoC feed is configured") {
  LocalUpstream upstream({"--iocs", LH_TEST_DEMO_IOCS});
  const auto enriched = wf::enrich_entities(
      upstream.gateway(), Json::array({{{"value", "10.20.0.18"}, {"type", "ip"}}, {{"value", "192.0.2.200"}, {"type", "ip"}}}), 72);
  REQUIRE(enriched["entities"].size() == 2);
  const Json& listed = enriched["entities"][0];
  CHECK(listed["status"] == "found");
  CHECK(listed["source"].get<std::string>().find("secops-local/get_ip_address_report") != std::string::npos);
  // The verdict leads the summary.
  CHECK(listed["summary"].get<std::string>().rfind("get_ip_address_report: verdict VERDICT_", 0) == 0);
  // Neither the SIEM nor the feed knows this address: a not-found answer, not a failure.
  const Json& unknown = enriched["entities"][1];
  CHECK(unknown["status"] == "not_found");
  CHECK(unknown["summary"].get<std::string>().find("get_ip_address_report: no report for this value") != std::string::npos);
}

TEST_CASE("enrich_entities and find_related_cases work on their own") {
  LocalUpstream upstream;
  const auto case_id = upstream.create_case("Odd logons on FILESRV01", {"FILESRV01", "ACME\\it.helpdesk"});
  const auto enriched = wf::enrich_entities(upstream.gateway(), Json::array({{{"value", "FILESRV01"}}, "NO-SUCH-HOST-42"}), 72);
  REQUIRE(enriched["entities"].size() == 2);
  CHECK(enriched["entities"][0]["type"] == "host");
  CHECK(enriched["entities"][0]["status"] == "found");
  CHECK(enriched["entities"][1]["status"] == "not_found");
  CHECK_THROWS_WITH_AS(wf::enrich_entities(upstream.gateway(), Json::array({{{"value", "x"}, {"type", "car"}}}), 72),
                       doctest::Contains("entities[0].type"), wf::InvalidHuntArgument);

  const auto related = wf::find_related_cases(upstream.gateway(), {"filesrv01", "ACME\\it.helpdesk", "DB01"});
  CHECK(related["cases_scanned"] == 1);
  REQUIRE(related["related_cases"].size() == 1);
  CHECK(related["related_cases"][0]["case_id"] == case_id);
  CHECK(related["related_cases"][0]["matched_entities"] == Json::array({"filesrv01", "ACME\\it.helpdesk"}));
}
