// The Correlator on hand-made events: grouping into one finding per session, local versus lateral,
// target-only (suspected) and source-only activity, the rounds of context requests.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "report_check.hpp"
#include "skill/correlation/correlator.hpp"
#include "skill/correlation/hunt_event.hpp"

using namespace lh::skill::correlation;
using nlohmann::json;

namespace {

const std::int64_t T0 = *parse_rfc3339_ms("2024-03-05T10:00:00.000Z");
int next_name = 0;

json event(const std::string& host, std::int64_t ms, const std::string& type, const std::string& id, json principal = json::object(),
           json target = json::object(), json fields = json::object(), json network = json::object()) {
  principal["hostname"] = host + ".corp.local";
  json udm{{"metadata", {{"eventTimestamp", format_rfc3339_ms(ms)}, {"eventType", type}, {"productEventType", id}}},
           {"principal", principal}, {"target", target}, {"additional", {{"fields", fields}}}};
  if (!network.empty()) udm["network"] = network;
  return {{"name", "events/" + std::to_string(++next_name)}, {"udm", udm}};
}

json service_install(const std::string& host, std::int64_t ms, const std::string& id, const std::string& logon) {
  return event(host, ms, "SERVICE_CREATION", id, {{"labels", {{{"key", "SubjectLogonId"}, {"value", logon}}}}},
               {{"application", "PSEXESVC"}, {"process", {{"file", {{"fullPath", "%SystemRoot%\\PSEXESVC.exe"}}}}}});
}

json psexesvc(const std::string& host, std::int64_t ms, const std::string& id) {
  return event(host, ms, "PROCESS_LAUNCH", id,
               {{"process", {{"file", {{"fullPath", "C:\\Windows\\System32\\services.exe"}}}}}, {"labels", {{{"key", "LogonId"}, {"value", "0x3e7"}}}}},
               {{"process", {{"file", {{"fullPath", "C:\\Windows\\PSEXESVC.exe"}}}, {"commandLine", "C:\\Windows\\PSEXESVC.exe"}}}});
}

json network_logon(const std::string& host, std::int64_t ms, const std::string& ip, int port, const std::string& logon) {
  return event(host, ms, "USER_LOGIN", "4624", {{"ip", {ip}}, {"port", port}},
               {{"user", {{"userid", "mallory"}}}, {"administrativeDomain", "CORP"}, {"labels", {{{"key", "TargetLogonId"}, {"value", logon}}}}},
               {{"IpAddress", ip}, {"IpPort", std::to_string(port)}, {"LogonType", "3"}});
}

json connection(const std::string& host, std::int64_t ms, const std::string& from_ip, int from_port, const std::string& to_ip, int port,
                bool inbound) {
  return event(host, ms, "NETWORK_CONNECTION", "3", {{"ip", {from_ip}}, {"port", from_port}, {"process", {{"file", {{"fullPath", "System"}}}}}},
               {{"ip", {to_ip}}, {"port", port}}, json::object(), {{"direction", inbound ? "INBOUND" : "OUTBOUND"}});
}

lh::skill::techniques::BuiltQuery query(const std::string& technique, const std::string& id) {
  lh::skill::techniques::BuiltQuery q;
  q.technique_id = technique;
  q.query_id = id;
  q.severity = lh::skill::techniques::Severity::high;
  return q;
}

const json* by_target(const json& findings, const std::string& target) {
  for (const auto& f : findings) {
    if (f["target"]["host"] == target) return &f;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("correlator: one finding per session, joined, resolved, and local execution told apart") {
  CorrelationSettings settings;
  settings.window = std::chrono::seconds(30);
  Correlator c(settings);
  // SRV1: PsExec from WKS-9 (10.0.0.5); the anchors of one session arrive out of order.
  c.add_hits(query("psexec", "psexec_service_binary"), {psexesvc("SRV1", T0 + 400, "1"), psexesvc("SRV1", T0 + 1900, "4688")});
  c.add_hits(query("psexec", "psexec_service_install"), {service_install("SRV1", T0 + 300, "4697", "0xabc"), service_install("SRV1", T0 + 310, "7045", "")});
  // SRV2: PsExec whose logon comes from SRV2's own address.
  c.add_hits(query("psexec", "psexec_service_install"), {service_install("SRV2", T0 + 5000, "4697", "0xdef")});
  // SRV3: a service install and nothing to join it to.
  c.add_hits(query("psexec", "psexec_service_install"), {service_install("SRV3", T0 + 9000, "7045", "")});
  // WKS-9 drives SRV4 with wmic; SRV4 logs nothing.
  c.add_hits(query("wmi_source", "wmic_node_process_create"),
             {event("WKS-9", T0 + 20000, "PROCESS_LAUNCH", "1", {{"user", {{"userid", "CORP\\mallory"}}}},
                    {{"process", {{"file", {{"fullPath", "C:\\Windows\\System32\\wbem\\WMIC.exe"}}}, {"commandLine", "wmic /node:SRV4 process call create \"cmd /c whoami\""}}}})});

  auto round1 = c.next_requests();
  REQUIRE_FALSE(round1.empty());
  for (const auto& r : round1) {
    CHECK(r.time_frame.start_time.has_value());
    CHECK(r.time_frame.end_time.has_value());
    std::vector<json> events;
    if (r.id.find("SRV1") != std::string::npos && r.id.starts_with("ctx.joins")) {
      events = {network_logon("SRV1", T0 + 250, "10.0.0.5", 50000, "0xabc"), connection("SRV1", T0 + 240, "10.0.0.5", 50000, "10.0.0.1", 445, true)};
    }
    if (r.id.find("SRV2") != std::string::npos && r.id.starts_with("ctx.joins")) {
      events = {network_logon("SRV2", T0 + 4900, "10.0.0.2", 50001, "0xdef"), connection("SRV2", T0 + 4000, "10.0.0.2", 60000, "10.0.0.9", 443, false)};
    }
    c.add_context(r.id, events);
  }
  for (auto round = c.next_requests(); !round.empty(); round = c.next_requests()) {
    for (const auto& r : round) {
      std::vector<json> events;
      if (r.udm.find("10.0.0.5") != std::string::npos) events = {connection("WKS-9", T0 + 230, "10.0.0.5", 50000, "10.0.0.1", 445, false)};
      c.add_context(r.id, events);
    }
  }
  const auto result = c.finish();
  const auto report = result.to_json();
  MESSAGE(report["findings"].dump(1));
  CHECK(lh::test::report_part_errors(report).empty());
  CHECK(result.complete);

  const auto* srv1 = by_target(report["findings"], "SRV1");
  REQUIRE(srv1 != nullptr);
  CHECK((*srv1)["kind"] == "lateral_movement");
  CHECK((*srv1)["technique_id"] == "psexec");
  CHECK((*srv1)["source"]["host"] == "WKS-9");
  CHECK((*srv1)["source"]["resolved_by"] == "reporting_host");
  CHECK((*srv1)["account"] == "CORP\\mallory");
  CHECK((*srv1)["logon_id"] == "0xabc");
  std::size_t srv1_findings = 0;
  for (const auto& f : report["findings"]) srv1_findings += f["target"]["host"] == "SRV1" ? 1 : 0;
  CHECK(srv1_findings == 1);  // four anchor events, one session, one finding

  const auto* srv2 = by_target(report["findings"], "SRV2");
  REQUIRE(srv2 != nullptr);
  CHECK((*srv2)["kind"] == "local_execution");
  CHECK((*srv2)["source"]["resolved_by"] == "same_host");
  CHECK((*srv2)["source_class"] == "local");

  const auto* srv3 = by_target(report["findings"], "SRV3");
  REQUIRE(srv3 != nullptr);
  CHECK((*srv3)["kind"] == "suspected_lateral_movement");
  CHECK((*srv3)["confidence"] != "high");

  const auto* srv4 = by_target(report["findings"], "SRV4");
  REQUIRE(srv4 != nullptr);
  CHECK((*srv4)["kind"] == "source_activity");
  CHECK((*srv4)["source"]["host"] == "WKS-9");
  CHECK((*srv4)["technique_id"] == "wmi_source");

  // Finding ids follow time.
  for (std::size_t i = 0; i < report["findings"].size(); ++i) CHECK(report["findings"][i]["id"] == "F" + std::to_string(i + 1));
}

TEST_CASE("correlator: unparseable events are ignored, a failed context search marks the result incomplete") {
  Correlator c({});
  c.add_hits(query("psexec", "psexec_service_install"), {json::array(), json("x"), json{{"udm", 3}}, service_install("SRV1", T0, "7045", "")});
  auto round = c.next_requests();
  REQUIRE_FALSE(round.empty());
  c.context_failed(round.front().id, "upstream timed out");
  const auto result = c.finish();
  CHECK_FALSE(result.complete);
  bool failed = false;
  for (const auto& q : result.context_queries) failed |= q["status"] == "failed" && q["error"] == "upstream timed out";
  CHECK(failed);
  CHECK(result.findings.size() == 1);
}

TEST_CASE("correlator: DCOM ShellWindows is attributed by the network logon, not the interactive user's session") {
  Correlator c({});
  auto interactive = network_logon("WS2", T0 - 3600000, "127.0.0.1", 0, "0x111");
  interactive["udm"]["additional"]["fields"]["LogonType"] = "2";
  c.add_hits(query("dcom_shellwindows", "dcom_explorer_shell_child"),
             {event("WS2", T0, "PROCESS_LAUNCH", "1",
                    {{"process", {{"file", {{"fullPath", "C:\\Windows\\explorer.exe"}}}}}, {"labels", {{{"key", "LogonId"}, {"value", "0x111"}}}}},
                    {{"process", {{"file", {{"fullPath", "C:\\Windows\\System32\\cmd.exe"}}}, {"commandLine", "cmd.exe /c %COMSPEC% /c whoami"}}}})});
  // A task created in a local session: ordinary, no finding.
  auto local_task = event("WS2", T0 + 500000, "SCHEDULED_TASK_CREATION", "4698", {{"labels", {{{"key", "SubjectLogonId"}, {"value", "0x111"}}}}},
                          {{"resource", {{"name", "\\MyBackup"}}}}, {{"ClientProcessId", "4242"}});
  c.add_hits(query("remote_scheduled_task", "task_created"), {local_task});
  c.add_context("unrequested", {interactive, network_logon("WS2", T0 - 2000, "10.0.0.7", 50123, "0x999")});
  while (!c.next_requests().empty()) {
  }
  const auto report = c.finish().to_json();
  MESSAGE(report["findings"].dump(1));
  REQUIRE(report["findings"].size() == 1);
  const auto& f = report["findings"][0];
  CHECK(f["technique_id"] == "dcom_shellwindows");
  CHECK(f["kind"] == "lateral_movement");
  CHECK(f["source"]["ip"] == "10.0.0.7");
  CHECK(f["logon_id"] == "0x999");
  CHECK(f["account"] == "CORP\\mallory");
  bool explained = false;
  for (const auto& r : f["reasons"]) explained |= r.get<std::string>().find("attributed by the network logon 0x999") != std::string::npos;
  CHECK(explained);
}

TEST_CASE("correlator: a value no query can carry costs its search, never the hunt") {
  Correlator c({});
  // A host name with a control character still fits a regex literal (escaped); a logon id with one cannot be a
  // string literal, so the session search is skipped and says why.
  c.add_hits(query("psexec", "psexec_service_install"), {service_install("BAD\x01HOST", T0, "4697", "0xab\x01c")});
  std::size_t rounds = 0;
  for (auto round = c.next_requests(); !round.empty(); round = c.next_requests()) {
    ++rounds;
    for (const auto& r : round) c.add_context(r.id, {});
  }
  const auto result = c.finish();
  CHECK_FALSE(result.complete);
  REQUIRE(result.findings.size() == 1);
  bool explained = false;
  for (const auto& q : result.context_queries) explained |= q["status"] == "skipped" && q["error"].get<std::string>().find("udm.quote") != std::string::npos;
  CHECK(explained);
}

namespace {

// The request of a round whose id starts with `prefix`, or nullptr.
const ContextRequest* request_named(const std::vector<ContextRequest>& round, const std::string& prefix) {
  for (const auto& r : round) {
    if (r.id.starts_with(prefix)) return &r;
  }
  return nullptr;
}

bool has_reason(const json& finding, const std::string& text) {
  for (const auto& r : finding["reasons"]) {
    if (r.get<std::string>().find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("correlator: a context search with more data than it returned is reported, never silently cut") {
  CorrelationSettings settings;
  settings.max_events_per_query = 3;
  Correlator c(settings);
  c.add_hits(query("psexec", "psexec_service_install"),
             {service_install("SRV1", T0, "4697", "0xabc"), service_install("SRV3", T0 + 4 * 3600000, "7045", "")});
  auto round1 = c.next_requests();
  const auto* srv1_joins = request_named(round1, "ctx.joins.SRV1");
  const auto* srv3_processes = request_named(round1, "ctx.processes.SRV3");
  REQUIRE(srv1_joins != nullptr);
  REQUIRE(srv3_processes != nullptr);
  CHECK(srv1_joins->max_events == 3);
  const auto srv1_id = srv1_joins->id, srv3_id = srv3_processes->id;
  for (const auto& r : round1) {
    if (r.id == srv1_id) {
      // The upstream flags more data.
      c.add_context(r.id, {network_logon("SRV1", T0 - 100, "10.0.0.5", 50000, "0xabc")}, true);
    } else if (r.id == srv3_id) {
      // Not flagged, but as many events as the cap: the rest may be missing too.
      c.add_context(r.id, {psexesvc("SRV3", T0 + 4 * 3600000 + 10, "1"), psexesvc("SRV3", T0 + 4 * 3600000 + 20, "1"),
                           psexesvc("SRV3", T0 + 4 * 3600000 + 30, "1")});
    } else {
      c.add_context(r.id, {});
    }
  }
  while (true) {
    const auto round = c.next_requests();
    if (round.empty()) break;
    for (const auto& r : round) c.add_context(r.id, {});
  }
  const auto result = c.finish();
  const auto report = result.to_json();
  CHECK_FALSE(result.complete);
  CHECK(report["complete"] == false);
  REQUIRE(result.truncated_searches.size() == 2);
  CHECK(result.truncated_searches[0] == srv1_id);
  CHECK(result.truncated_searches[1] == srv3_id);
  CHECK(report["truncated_searches"] == json(result.truncated_searches));
  std::size_t flagged = 0;
  for (const auto& q : result.context_queries) {
    const bool cut = q["id"] == srv1_id || q["id"] == srv3_id;
    CHECK(q["more_data_available"] == cut);
    if (cut) {
      ++flagged;
      CHECK(q["status"] == "ok");
      CHECK(q["note"].get<std::string>().find("truncated") != std::string::npos);
    }
  }
  CHECK(flagged == 2);
  const auto* srv1 = by_target(report["findings"], "SRV1");
  const auto* srv3 = by_target(report["findings"], "SRV3");
  REQUIRE(srv1 != nullptr);
  REQUIRE(srv3 != nullptr);
  CHECK(has_reason(*srv1, "evidence may be incomplete: context search " + srv1_id));
  CHECK_FALSE(has_reason(*srv1, srv3_id));
  CHECK(has_reason(*srv3, "evidence may be incomplete: context search " + srv3_id));
}

TEST_CASE("correlator: a search under its cap and not flagged leaves the result complete") {
  CorrelationSettings settings;
  settings.max_events_per_query = 3;
  Correlator c(settings);
  c.add_hits(query("psexec", "psexec_service_install"), {service_install("SRV1", T0, "4697", "0xabc")});
  for (auto round = c.next_requests(); !round.empty(); round = c.next_requests()) {
    for (const auto& r : round) c.add_context(r.id, {psexesvc("SRV1", T0 + 10, "1"), psexesvc("SRV1", T0 + 20, "1")}, false);
  }
  const auto result = c.finish();
  CHECK(result.complete);
  CHECK(result.truncated_searches.empty());
  for (const auto& f : result.findings) CHECK_FALSE(has_reason(f, "evidence may be incomplete"));
}

TEST_CASE("correlator: a lateral hop from an address no host owns is a graph node named by the address") {
  Correlator c({});
  c.add_hits(query("psexec", "psexec_service_install"), {service_install("SRV1", T0, "4697", "0xabc")});
  for (auto round = c.next_requests(); !round.empty(); round = c.next_requests()) {
    for (const auto& r : round) {
      std::vector<json> events;
      if (r.id.starts_with("ctx.joins.SRV1")) events = {network_logon("SRV1", T0 - 100, "10.9.9.50", 50000, "0xabc")};
      c.add_context(r.id, events);
    }
  }
  const auto report = c.finish().to_json();
  CHECK(lh::test::report_part_errors(report).empty());
  const auto* srv1 = by_target(report["findings"], "SRV1");
  REQUIRE(srv1 != nullptr);
  REQUIRE((*srv1)["kind"] == "lateral_movement");
  CHECK((*srv1)["source"]["host"].is_null());
  const auto& graph = report["movement_graph"];
  REQUIRE(graph["edges"].size() == 1);
  CHECK(graph["edges"][0]["from"] == "10.9.9.50");
  CHECK(graph["edges"][0]["to"] == "SRV1");
  CHECK(graph["edges"][0]["finding_ids"] == json::array({(*srv1)["id"]}));
  bool unresolved_node = false, target_node = false;
  for (const auto& n : graph["nodes"]) {
    if (n["host"] == "10.9.9.50") unresolved_node = n.value("unresolved", false) && n["ips"] == json::array({"10.9.9.50"});
    if (n["host"] == "SRV1") target_node = !n.contains("unresolved");
  }
  CHECK(unresolved_node);
  CHECK(target_node);
}

TEST_CASE("correlator: sources resolved by round 1's data get their source-side and baseline searches in round 2") {
  Correlator c({});
  c.add_hits(query("psexec", "psexec_service_install"), {service_install("SRV1", T0 + 300, "4697", "0xabc")});
  auto round1 = c.next_requests();
  REQUIRE_FALSE(round1.empty());
  CHECK(request_named(round1, "baseline.") == nullptr);
  for (const auto& r : round1) {
    std::vector<json> events;
    // WKS-9 logs the connection from its own address: the source is known after round 1.
    if (r.id.starts_with("ctx.joins.SRV1")) {
      events = {network_logon("SRV1", T0 + 250, "10.0.0.5", 50000, "0xabc"), connection("SRV1", T0 + 240, "10.0.0.5", 50000, "10.0.0.1", 445, true),
                connection("WKS-9", T0 + 239, "10.0.0.5", 50000, "10.0.0.1", 445, false)};
    }
    c.add_context(r.id, events);
  }
  const auto round2 = c.next_requests();
  CHECK(request_named(round2, "baseline.WKS-9") != nullptr);
  const bool client_in_round2 = request_named(round2, "ctx.client.WKS-9.SRV1") != nullptr;
  for (const auto& r : round2) c.add_context(r.id, {});
  // Nothing is left for a third round: the source-side searches are never asked twice.
  const auto round3 = c.next_requests();
  CHECK(request_named(round3, "baseline.") == nullptr);
  CHECK(request_named(round3, "ctx.client.") == nullptr);
  const auto report = c.finish().to_json();
  const auto* srv1 = by_target(report["findings"], "SRV1");
  REQUIRE(srv1 != nullptr);
  CHECK((*srv1)["source"]["host"] == "WKS-9");
  // The client command is looked for in round 2 unless the source side is already confirmed (its outbound connection).
  CHECK((client_in_round2 || has_reason(*srv1, "source side: ")));
}

TEST_CASE("correlator: a service binary on many hosts with nothing else against it is ordinary") {
  auto run = [](std::size_t hosts) {
    CorrelationSettings settings;
    settings.prevalent_service_hosts = 5;
    Correlator c(settings);
    std::vector<json> hits;
    for (std::size_t i = 0; i < hosts; ++i) hits.push_back(psexesvc(fmt::format("SRV{}", i + 1), T0 + static_cast<std::int64_t>(i) * 7200000, "1"));
    c.add_hits(query("psexec", "psexec_service_binary"), hits);
    for (auto round = c.next_requests(); !round.empty(); round = c.next_requests()) {
      for (const auto& r : round) c.add_context(r.id, {});
    }
    return c.finish().to_json();
  };
  const auto everywhere = run(5);
  REQUIRE(everywhere["findings"].size() == 5);
  for (const auto& f : everywhere["findings"]) {
    CHECK(f["severity"] == "low");
    CHECK(has_reason(f, "ordinary service: psexesvc.exe runs under services.exe on 5 hosts"));
  }
  const auto rare = run(4);
  REQUIRE(rare["findings"].size() == 4);
  for (const auto& f : rare["findings"]) {
    CHECK(f["severity"] != "low");
    CHECK_FALSE(has_reason(f, "ordinary service"));
  }
}
