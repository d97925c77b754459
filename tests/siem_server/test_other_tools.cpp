// lookup_entity, get_ioc_matches, get_threat_intel, get_security_alerts, the IoC feed parser.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "siem/threat_intel.hpp"
#include "tests/siem_server/fixture.hpp"

using namespace lh::siem;
using namespace lh::siem::test;

TEST_CASE("lookup_entity: summary text for a host, an IP and a user - the upstream not-found text") {
  ToolFixture fixture;
  const std::string host = fixture.call_text("lookup_entity", {{"entity_value", "srv01"}});
  CHECK(host.rfind("Entity Summary for srv01:\n\nPrimary Entity:\nEntity Type: ASSET (hostname)\n", 0) == 0);
  CHECK(host.find("First Seen: 2020-09-20T10:00:00Z\nLast Seen: 2020-09-20T10:00:03Z\n") != std::string::npos);
  CHECK(host.find("- PROCESS_LAUNCH: 2\n") != std::string::npos);
  CHECK(host.find("- SERVICE_CREATION: 1\n") != std::string::npos);
  CHECK(host.find("Total Events: 4\n") != std::string::npos);
  CHECK(host.find("alice (Type: USER)") != std::string::npos);

  const std::string ip = fixture.call_text("lookup_entity", {{"entity_value", "10.0.0.5"}});
  CHECK(ip.find("Entity Type: IP_ADDRESS") != std::string::npos);
  CHECK(ip.find("Total Events: 2\n") != std::string::npos);
  CHECK(ip.find("ws07.acme.local (Type: ASSET)") != std::string::npos);

  const std::string user = fixture.call_text("lookup_entity", {{"entity_value", "alice"}});
  CHECK(user.find("Entity Type: USER (user)") != std::string::npos);
  CHECK(user.find("Total Events: 2\n") != std::string::npos);  // "alice" and "ACME\alice"

  CHECK(fixture.call_text("lookup_entity", {{"entity_value", "10.9.9.9"}}) == "No information found for entity: 10.9.9.9");
  // Outside the window: the newest event is "now", so nothing is one hour before the data starts.
  CHECK(fixture.call_text("lookup_entity", {{"entity_value", "srv01"}, {"hours_back", 1}}).rfind("Entity Summary", 0) == 0);
}

TEST_CASE("get_ioc_matches: clear text without a feed - matches by whole value and by file name") {
  ToolFixture fixture;
  CHECK(fixture.call_text("get_ioc_matches").rfind("No IoC feed is configured", 0) == 0);

  fixture.backend->iocs = parse_ioc_feed(
      "type,value,source\n"
      "IP_ADDRESS,10.0.0.9,lab-feed\n"
      "FILE_NAME,psexesvc.exe,\"sysinternals, renamed\"\n"
      "# comment\n"
      "DOMAIN_NAME,evil.example,lab-feed\n",
      "feed.csv");
  const std::string text = fixture.call_text("get_ioc_matches", {{"hours_back", 24}});
  CHECK(text.rfind("Found 2 IoC matches:\n\nIoC 1:\nType: IP_ADDRESS\nValue: 10.0.0.9\nSources: lab-feed\n", 0) == 0);
  CHECK(text.find("IoC 2:\nType: FILE_NAME\nValue: psexesvc.exe\nSources: sysinternals, renamed\nEvents: 3\n") !=
        std::string::npos);
  CHECK(text.find("evil.example") == std::string::npos);
  CHECK(fixture.call_text("get_ioc_matches", {{"max_matches", 1}}).rfind("Found 1 IoC matches:", 0) == 0);

  fixture.backend->iocs = parse_ioc_feed(R"([{"type": "DOMAIN_NAME", "value": "nothing.example", "sources": ["a", "b"]}])", "f.json");
  CHECK(fixture.call_text("get_ioc_matches") == "No IoC matches found for the specified time range.");
}

TEST_CASE("IoC feed parser: errors name file and line or JSON path") {
  CHECK_THROWS_WITH_AS(parse_ioc_feed("kind,thing\nx,y\n", "f.csv"),
                       "ioc_feed: f.csv:1: the header must name the columns type,value,source", IocFeedError);
  CHECK_THROWS_WITH_AS(parse_ioc_feed("type,value\nIP,\n", "f.csv"), "ioc_feed: f.csv:2: empty value", IocFeedError);
  CHECK_THROWS_WITH_AS(parse_ioc_feed("type,value\nIP,\"10.0.0.1\n", "f.csv"), "ioc_feed: f.csv:2: unterminated quote",
                       IocFeedError);
  CHECK_THROWS_WITH_AS(parse_ioc_feed(R"([{"type": "IP"}])", "f.json"),
                       "ioc_feed: f.json: [0].value: missing or not a non-empty string", IocFeedError);
  CHECK_THROWS_WITH_AS(parse_ioc_feed("[1,", "f.json"), "ioc_feed: f.json: not valid JSON", IocFeedError);
  const auto feed = parse_ioc_feed(R"({"iocs": [{"type": "IP", "value": " 10.0.0.1 ", "source": "s"}]})", "f.json");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].value == "10.0.0.1");
  CHECK_THROWS_AS(load_ioc_feed("/nonexistent/feed.csv"), IocFeedError);
}

TEST_CASE("get_threat_intel: bundled notes by technique id or keyword, with sources - clear text otherwise") {
  ToolFixture fixture;
  const std::string psexec = fixture.call_text("get_threat_intel", {{"query", "How does PsExec lateral movement look in logs?"}});
  CHECK(psexec.find("T1021.002 Remote Services: SMB/Windows Admin Shares") != std::string::npos);
  CHECK(psexec.find("T1569.002 System Services: Service Execution") != std::string::npos);
  CHECK(psexec.find("https://attack.mitre.org/techniques/T1569/002/") != std::string::npos);

  const std::string remote_services = fixture.call_text("get_threat_intel", {{"query", "T1021"}});
  for (const char* id : {"T1021.001", "T1021.002", "T1021.003", "T1021.006"}) CHECK(remote_services.find(id) != std::string::npos);
  CHECK(remote_services.find("T1047") == std::string::npos);

  const std::string wmi = fixture.call_text("get_threat_intel", {{"query", "t1047"}});
  CHECK(wmi.find("T1047 Windows Management Instrumentation") != std::string::npos);
  CHECK(wmi.find("Sources:\n- https://attack.mitre.org/techniques/T1047/") != std::string::npos);

  const std::string unknown = fixture.call_text("get_threat_intel", {{"query", "Who is APT99?"}});
  CHECK(unknown.rfind("No bundled intelligence for \"Who is APT99?\"", 0) == 0);

  CHECK(bundled_technique_notes().size() == 9);
  for (const auto& note : bundled_technique_notes()) {
    CAPTURE(note.id);
    CHECK(note.sources.front() == note.attack_url());
  }
}

TEST_CASE("get_security_alerts: empty text, then alerts from the case store, status filter") {
  ToolFixture fixture;
  CHECK(fixture.call_text("get_security_alerts") == "No security alerts found for the specified time range.");
  std::int64_t case_id = 0;
  {
    std::lock_guard lock(fixture.backend->cases_mutex);
    NewCase fields;
    fields.display_name = "PsExec on srv01";
    case_id = fixture.backend->cases.create_case(fields);
    fixture.backend->cases.add_case_alert(case_id, "PsExec service installed", "HIGH",
                                          Json{{"createdTime", "2020-09-20T10:00:01Z"}, {"ruleName", "psexec_service"}});
    fixture.backend->cases.add_case_alert(case_id, "Old closed alert", "LOW",
                                          Json{{"createdTime", "2020-09-20T09:00:00Z"}, {"status", "CLOSED"}});
  }
  const std::string text = fixture.call_text("get_security_alerts", {{"hours_back", 48}});
  CHECK(text.rfind("Found 1 security alerts:\n\nAlert 1:\n", 0) == 0);
  CHECK(text.find("Rule: psexec_service\n") != std::string::npos);
  CHECK(text.find("Created: 2020-09-20T10:00:01Z\n") != std::string::npos);
  CHECK(text.find("Status: OPEN\n") != std::string::npos);
  CHECK(text.find("Severity: HIGH\n") != std::string::npos);
  CHECK(text.find(fmt::format("Associated Case: {}\n", case_id)) != std::string::npos);
  CHECK(fixture.call_text("get_security_alerts", {{"hours_back", 48}, {"status_filter", ""}}).rfind("Found 2 security alerts", 0) == 0);
  CHECK(fixture.call_text("get_security_alerts", {{"hours_back", 48}, {"status_filter", "feedback_summary.status = \"CLOSED\""}})
            .find("Rule: Old closed alert") != std::string::npos);
  CHECK(fixture.call_text("get_security_alerts", {{"status_filter", "severity > 3"}}).rfind("Error retrieving security alerts: ", 0) == 0);
  // lookup_entity reports the alert that names the host.
  CHECK(fixture.call_text("lookup_entity", {{"entity_value", "10.0.0.5"}}).find("Associated Alerts") == std::string::npos);
}

TEST_CASE("lookup_entity: a parent domain is a DOMAIN_NAME covering its hosts") {
  ToolFixture fixture;
  const std::string domain = fixture.call_text("lookup_entity", {{"entity_value", "acme.local"}});
  CHECK(domain.find("Entity Type: DOMAIN_NAME (domain)\n") != std::string::npos);
  CHECK(domain.find("Total Events: 5\n") != std::string::npos);
  const std::string fqdn = fixture.call_text("lookup_entity", {{"entity_value", "WS07.ACME.LOCAL"}});
  CHECK(fqdn.find("Entity Type: ASSET (hostname)\n") != std::string::npos);
  CHECK(fqdn.find("Total Events: 1\n") != std::string::npos);
}
