// The joins, local-versus-lateral and fan-out on hand-made events.
#include <doctest/doctest.h>

#include <algorithm>

#include "skill/correlation/anchors.hpp"
#include "skill/correlation/hunt_event.hpp"
#include "skill/correlation/joins.hpp"
#include "skill/correlation/movement_graph.hpp"
#include "skill/correlation/scoring.hpp"
#include "skill/correlation/source_resolution.hpp"
#include "skill/techniques/catalogue.hpp"

using namespace lh::skill::correlation;
using nlohmann::json;

namespace {

const std::int64_t T0 = *parse_rfc3339_ms("2024-03-05T10:58:14.708Z");

json at_time(std::int64_t ms) { return format_rfc3339_ms(ms); }

HuntEvent logon(const std::string& host, std::int64_t ms, const std::string& ip, int port, const std::string& logon_id) {
  json e{{"name", "logon"},
         {"udm", {{"metadata", {{"eventTimestamp", at_time(ms)}, {"eventType", "USER_LOGIN"}, {"productEventType", "4624"}}},
                  {"principal", {{"hostname", host + ".acme.local"}, {"ip", {ip}}, {"port", port}}},
                  {"target", {{"user", {{"userid", "it.helpdesk"}}}, {"administrativeDomain", "ACME"},
                              {"labels", {{{"key", "TargetLogonId"}, {"value", logon_id}}}}}},
                  {"extensions", {{"auth", {{"mechanism", {"NETWORK"}}}}}},
                  {"additional", {{"fields", {{"IpAddress", ip}, {"IpPort", std::to_string(port)}}}}}}}};
  return *parse_hunt_event(e);
}

HuntEvent inbound(const std::string& host, std::int64_t ms, const std::string& source_ip, int source_port, int port,
                  const std::string& image = "System") {
  json e{{"udm", {{"metadata", {{"eventTimestamp", at_time(ms)}, {"eventType", "NETWORK_CONNECTION"}, {"productEventType", "3"}}},
                  {"principal", {{"hostname", host}, {"ip", {source_ip}}, {"port", source_port}, {"process", {{"file", {{"fullPath", image}}}}}}},
                  {"target", {{"ip", {"10.10.0.20"}}, {"port", port}}},
                  {"additional", {{"fields", {{"Initiated", "false"}}}}}}}};
  return *parse_hunt_event(e);
}

std::vector<const HuntEvent*> ptrs(const std::vector<HuntEvent>& events) {
  std::vector<const HuntEvent*> out;
  for (const auto& e : events) out.push_back(&e);
  return out;
}

}  // namespace

TEST_CASE("hunt events: Chronicle and bare UDM shapes, additional.fields fallback, entities, absent values") {
  json bare{{"metadata", {{"event_timestamp", "2020-09-20T06:57:47.857Z"}, {"event_type", "FILE_OPEN"}, {"product_event_type", "5145"}}},
            {"principal", {{"hostname", "WORKSTATION6.theshire.local"}}},
            {"additional", {{"fields", {{"ShareName", "\\\\*\\IPC$"}, {"RelativeTargetName", "svcctl"}, {"IpAddress", "172.18.39.5"},
                                        {"IpPort", "50504"}, {"SubjectLogonId", "0x2074186"}, {"WorkstationName", "-"},
                                        {"CommandLine", "cmd /c a 1&gt; b"}}}}}};
  const auto e = parse_hunt_event(bare);
  REQUIRE(e);
  CHECK(e->host == "WORKSTATION6");
  CHECK(e->timestamp_ms == *parse_rfc3339_ms("2020-09-20T06:57:47.857Z"));
  CHECK(e->ip_address == "172.18.39.5");
  CHECK(e->ip_port == 50504);
  CHECK(e->subject_logon_id == "0x2074186");
  CHECK(e->pipe_name == "svcctl");
  CHECK(e->workstation_name.empty());  // "-" is absent
  CHECK_FALSE(parse_hunt_event(json::array()));
  CHECK_FALSE(parse_hunt_event(json{{"udm", {{"metadata", {{"eventType", "X"}}}}}}));  // no time
  CHECK(format_rfc3339_ms(T0) == "2024-03-05T10:58:14.708Z");
  CHECK(normalise_logon_id("0x3E7") == "0x3e7");
  CHECK(normalise_logon_id("0x0").empty());
  CHECK(normalise_ip("fe80:0:0:0:90e:17af:263c:5209") == "fe80::90e:17af:263c:5209");
  CHECK(normalise_ip("::ffff:10.1.2.3") == "10.1.2.3");
  CHECK(normalise_ip("10.1.2.3") == "10.1.2.3");
}

TEST_CASE("network join: IpPort equals the connection's SourcePort exactly, and wins over a nearer one") {
  std::vector<HuntEvent> events{inbound("FILESRV01", T0 + 100, "10.20.0.18", 57000, 445), inbound("FILESRV01", T0 + 900, "10.20.0.18", 57894, 445),
                                inbound("FILESRV01", T0 + 50, "10.20.0.99", 57894, 445)};
  const auto* smb = lh::skill::techniques::catalogue().find("psexec");
  REQUIRE(smb != nullptr);
  const auto links = find_network_links(ptrs(events), "FILESRV01", "10.20.0.18", &smb->port_profile, 57894, T0, T0, std::chrono::seconds(60));
  REQUIRE(links.size() == 2);
  CHECK(links.front().exact_port);
  CHECK(links.front().connection->principal_port == 57894);
  CHECK_FALSE(links.back().exact_port);
  // Another port: no exact match, the nearest in time first.
  const auto loose = find_network_links(ptrs(events), "FILESRV01", "10.20.0.18", &smb->port_profile, 1, T0, T0, std::chrono::seconds(60));
  REQUIRE(loose.size() == 2);
  CHECK_FALSE(loose.front().exact_port);
  CHECK(loose.front().connection->principal_port == 57000);
}

TEST_CASE("network join: the window is symmetric (either order) and tolerates clock skew, nothing beyond it") {
  const auto* rpc = lh::skill::techniques::catalogue().find("wmi");
  REQUIRE(rpc != nullptr);
  const auto window = std::chrono::seconds(10);
  for (std::int64_t offset : {-9000, -1500, 0, 1500, 9000}) {
    std::vector<HuntEvent> events{inbound("DB01", T0 + offset, "10.10.0.20", 57392, 135, "C:\\Windows\\System32\\svchost.exe")};
    CAPTURE(offset);
    CHECK(find_network_links(ptrs(events), "DB01", "10.10.0.20", &rpc->port_profile, std::nullopt, T0, T0, window).size() == 1);
  }
  for (std::int64_t offset : {-10001, 10001}) {
    std::vector<HuntEvent> events{inbound("DB01", T0 + offset, "10.10.0.20", 57392, 135, "C:\\Windows\\System32\\svchost.exe")};
    CAPTURE(offset);
    CHECK(find_network_links(ptrs(events), "DB01", "10.10.0.20", &rpc->port_profile, std::nullopt, T0, T0, window).empty());
  }
  // Off-profile port (SMB for a WMI anchor) does not link; a dynamic port owned by the wrong process does not either.
  std::vector<HuntEvent> off{inbound("DB01", T0, "10.10.0.20", 1, 445), inbound("DB01", T0, "10.10.0.20", 2, 49721, "C:\\x\\evil.exe")};
  CHECK(find_network_links(ptrs(off), "DB01", "10.10.0.20", &rpc->port_profile, std::nullopt, T0, T0, window).empty());
  CHECK(within_window(T0, T0 + 60000, std::chrono::seconds(60)));
  CHECK(within_window(T0 + 60000, T0, std::chrono::seconds(60)));
}

TEST_CASE("session join: the 4624 with the anchor's logon id, on the same host only") {
  std::vector<HuntEvent> events{logon("FILESRV01", T0 - 3600000, "10.20.0.18", 57894, "0x5ea84f0f"),
                                logon("DB01", T0, "10.20.0.18", 1, "0x5ea84f0f"), logon("FILESRV01", T0, "10.20.0.19", 2, "0x1")};
  const auto* found = find_logon(ptrs(events), "FILESRV01", "0x5ea84f0f", T0);
  REQUIRE(found != nullptr);
  CHECK(found->ip_address == "10.20.0.18");
  CHECK(found->target_user == "it.helpdesk");
  CHECK(find_logon(ptrs(events), "FILESRV01", "0x3e7", T0) == nullptr);  // SYSTEM is never a network session
  CHECK(find_logon(ptrs(events), "WEB01", "0x5ea84f0f", T0) == nullptr);
}

TEST_CASE("source resolution: loopback and own address are the same host; data, workstation and pipe names otherwise") {
  AddressBook book;
  json outbound{{"udm", {{"metadata", {{"eventTimestamp", at_time(T0)}, {"eventType", "NETWORK_CONNECTION"}}},
                         {"principal", {{"hostname", "WKS-017.acme.local"}, {"ip", {"10.20.0.18"}}}},
                         {"target", {{"ip", {"10.10.0.20"}}, {"port", 445}}}, {"network", {{"direction", "OUTBOUND"}}}}}};
  book.observe(*parse_hunt_event(outbound));
  CHECK(book.resolve("127.0.0.1", "DB01", "", {}).resolved_by == "same_host");
  CHECK(book.resolve("::1", "DB01", "", {}).host == "DB01");
  CHECK(book.resolve("10.20.0.18", "WKS-017", "", {}).resolved_by == "same_host");
  const auto remote = book.resolve("10.20.0.18", "FILESRV01", "", {});
  CHECK(remote.host == "WKS-017");
  CHECK(remote.resolved_by == "reporting_host");
  CHECK(book.resolve("10.9.9.9", "FILESRV01", "WKS-099", {}).resolved_by == "workstation_name");
  CHECK(book.resolve("10.9.9.9", "FILESRV01", "", {host_from_pipe_name("\\PSEXESVC-WKS-017-6404-stdin")}).host == "WKS-017");
  CHECK(host_from_pipe_name("\\PSEXESVC-ADMIN-JUMP01-1996-stderr") == "ADMIN-JUMP01");
  CHECK(host_from_pipe_name("\\PSEXESVC").empty());
  // RDP logons name the target itself as the workstation: not evidence of the source.
  CHECK(book.resolve("10.10.1.50", "DB01", "DB01", {}).host.empty());
}

TEST_CASE("client commands name their target host") {
  CHECK(client_command_target("PsExec.exe -accepteula \\\\FILESRV01 -u ACME\\it.helpdesk -s cmd.exe") == "FILESRV01");
  CHECK(client_command_target("wmic /node:DB01 /user:ACME\\svc_sql process call create \"x\"") == "DB01");
  CHECK(client_command_target("schtasks /create /s APPSRV01 /u x /tn t") == "APPSRV01");
  CHECK(client_command_target("Invoke-Command -ComputerName DC01.acme.local -ScriptBlock {}") == "DC01");
  CHECK(client_command_target("PsExec.exe -accepteula -s reg save HKLM\\security x").empty());
}

TEST_CASE("fan-out: one source reaching N hosts within M minutes; paths follow time") {
  std::vector<Hop> hops;
  for (int i = 0; i < 4; ++i) hops.push_back({"F" + std::to_string(i + 1), "WKS-001", "SRV0" + std::to_string(i), {}, {}, "psexec", "", T0 + i * 60000, T0 + i * 60000, 3});
  auto fan = detect_fan_out(hops, 3, std::chrono::minutes(30));
  REQUIRE(fan.size() == 1);
  CHECK(fan[0].targets.size() == 4);
  CHECK(detect_fan_out(hops, 3, std::chrono::minutes(1)).empty());
  CHECK(detect_fan_out(hops, 5, std::chrono::minutes(30)).empty());

  std::vector<Hop> chain{{"F1", "A", "B", {}, {}, "psexec", "", T0, T0, 3}, {"F2", "B", "C", {}, {}, "wmi", "", T0 + 600000, T0 + 600000, 3},
                         {"F3", "C", "D", {}, {}, "winrm", "", T0 - 7200000, T0 - 7200000, 3}};
  const auto paths = movement_paths_json(chain, 2, std::chrono::seconds(60), std::chrono::hours(12));
  REQUIRE(paths.size() == 1);  // C -> D happened before B -> C: not part of the path
  CHECK(paths[0]["hosts"] == json({"A", "B", "C"}));
}

TEST_CASE("scoring: admin hosts capped below medium unless a suspicious command, workstation sources up, reasons say why") {
  using lh::skill::techniques::Severity;
  ScoreInput admin{.base = Severity::high, .kind = "lateral_movement", .source_class = "admin_host", .max_command_score = 10,
                   .session_link = true, .network_link = true};
  auto s = score_finding(admin);
  CHECK(s.severity == Severity::low);
  CHECK(std::any_of(s.reasons.begin(), s.reasons.end(), [](const std::string& r) { return r.find("admin host") != std::string::npos; }));
  admin.max_command_score = 50;
  CHECK(score_finding(admin).severity >= Severity::high);

  ScoreInput workstation{.base = Severity::medium, .kind = "lateral_movement", .source_class = "unexpected", .source_is_workstation = true};
  CHECK(score_finding(workstation).severity == Severity::high);
  ScoreInput local{.base = Severity::high, .kind = "local_execution", .source_class = "local", .max_command_score = 45};
  CHECK(score_finding(local).severity == Severity::medium);
  ScoreInput known{.base = Severity::high, .kind = "lateral_movement", .source_class = "known_remote_admin"};
  CHECK(score_finding(known).severity == Severity::medium);

  ScoreInput weak;
  weak.kind = "suspected_lateral_movement";
  CHECK(score_finding(weak).confidence == lh::skill::techniques::Confidence::low);
  ScoreInput strong;
  strong.kind = "lateral_movement";
  strong.session_link = strong.network_link = strong.exact_port = true;
  CHECK(score_finding(strong).confidence == lh::skill::techniques::Confidence::high);

  CHECK(looks_like_workstation("WKS-017"));
  CHECK(looks_like_workstation("WORKSTATION5"));
  CHECK_FALSE(looks_like_workstation("FILESRV01"));
  CHECK_FALSE(looks_like_workstation("ADMIN-JUMP01"));
}
