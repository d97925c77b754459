#include <doctest/doctest.h>

#include <set>

#include "tests/demo/demo_fixture.hpp"

using namespace lh::siem::demo;
using namespace lh::siem::demo::testing;

namespace {

std::string fqdn(const std::string& host) { return host + ".acme.local"; }
std::string sysmon_form(Millis t) { return sysmon_time(t); }
std::string account_name(const std::string& account) { return account.substr(account.find('\\') + 1); }

bool on(const nlohmann::json& e, int id, const std::string& host) {
  return e["EventID"] == id && e["Hostname"] == fqdn(host);
}

// Several hops may drop the same service binary on one host; these lookups stay near the hop's logon.
bool near(const nlohmann::json& e, Millis t) {
  const auto logged = parse_time(e["TimeCreated"].get<std::string>());
  return logged && *logged > t - 30 * kSecond && *logged < t + 30 * kSecond;
}

// Checks that every event the hop record promises is in the data, looked up by the fields a hunt joins on.
void check_hop(const Generated& g, const Hop& hop) {
  CAPTURE(hop.technique);
  CAPTURE(hop.source_host);
  CAPTURE(hop.target_host);
  const std::string port = std::to_string(hop.source_port);
  const std::string dport = std::to_string(hop.destination_port);

  // The network logon on the target that carries the hop.
  auto logons = find_events(g, [&](const nlohmann::json& e) {
    return on(e, 4624, hop.target_host) && str(e, "TargetLogonId") == hop.target_logon_id;
  });
  REQUIRE(logons.size() == 1);
  const auto& logon = *logons.front();
  CHECK(logon["LogonType"] == "3");
  CHECK(logon["TargetUserName"] == account_name(hop.account));
  CHECK(logon["IpAddress"] == hop.logon_ip_address);
  CHECK(logon["TimeCreated"] == iso_time(hop.target_logon_time));
  if (hop.logon_ip_address == "-") {
    CHECK(logon["IpPort"] == "-");
  } else {
    CHECK(logon["IpAddress"] == hop.source_ip);
    CHECK(logon["IpPort"] == port);
  }

  // The same TCP connection seen inbound on the target and outbound on the source.
  CHECK(find_events(g, [&](const nlohmann::json& e) {
          return on(e, 3, hop.target_host) && e["Initiated"] == "false" && e["SourceIp"] == hop.source_ip &&
                 e["SourcePort"] == port && e["DestinationIp"] == hop.target_ip && e["DestinationPort"] == dport;
        }).size() == 1);
  CHECK(find_events(g, [&](const nlohmann::json& e) {
          return on(e, 3, hop.source_host) && e["Initiated"] == "true" && e["SourceIp"] == hop.source_ip &&
                 e["SourcePort"] == port && e["DestinationIp"] == hop.target_ip && e["DestinationPort"] == dport;
        }).size() == 1);

  // The client command on the source.
  if (hop.technique == "winrm") {
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 4104, hop.source_host) &&
                   str(e, "ScriptBlockText").find("Invoke-Command -ComputerName " + hop.target_host) != std::string::npos &&
                   e["TimeCreated"] == iso_time(hop.source_command_time);
          }).size() == 1);
  } else if (hop.technique != "service_push") {
    auto client = find_events(g, [&](const nlohmann::json& e) {
      return on(e, 1, hop.source_host) && e["ProcessGuid"] == hop.source_process.process_guid;
    });
    REQUIRE(client.size() == 1);
    CHECK((*client.front())["CommandLine"] == hop.source_process.command_line);
    CHECK((*client.front())["ParentImage"] == hop.source_process.parent_image);
    CHECK((*client.front())["UtcTime"] == sysmon_form(hop.source_command_time));
    if (hop.source_host != hop.target_host && hop.technique != "tool_transfer")
      CHECK(hop.source_process.command_line.find(hop.target_host) != std::string::npos);
  }
  if (hop.explicit_credentials) {
    CHECK(!find_events(g, [&](const nlohmann::json& e) {
             return on(e, 4648, hop.source_host) && e["TargetServerName"] == hop.target_host &&
                    e["TargetUserName"] == account_name(hop.account);
           }).empty());
  }

  // The execution anchor on the target.
  if (hop.technique == "tool_transfer") {
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 11, hop.target_host) && e["Image"] == "System" && e["TargetFilename"] == hop.file_path &&
                   e["UtcTime"] == sysmon_form(hop.execution_time);
          }).size() == 1);
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 5145, hop.target_host) && e["IpPort"] == port && e["SubjectLogonId"] == hop.target_logon_id &&
                   ("C:\\" + str(e, "RelativeTargetName")) == hop.file_path &&
                   str(e, "AccessList").find("%%4417") != std::string::npos;
          }).size() == 1);
  } else {
    auto exec = find_events(g, [&](const nlohmann::json& e) {
      return on(e, 1, hop.target_host) && e["ProcessGuid"] == hop.execution.process_guid;
    });
    REQUIRE(exec.size() == 1);
    const auto& x = *exec.front();
    CHECK(x["Image"] == hop.execution.image);
    CHECK(x["ParentImage"] == hop.execution.parent_image);
    CHECK(x["LogonId"] == hop.execution.logon_id);
    CHECK(x["UtcTime"] == sysmon_form(hop.execution_time));
    // Children of these execution hosts run inside the attacker's network logon.
    if (hop.technique == "wmi" || hop.technique == "winrm" || hop.technique == "dcom_mmc20")
      CHECK(hop.execution.logon_id == hop.target_logon_id);
  }
  if (hop.technique == "psexec" || hop.technique == "service_push") {
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 7045, hop.target_host) && e["ServiceName"] == hop.service_name;
          }).size() >= 1);
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 4697, hop.target_host) && e["ServiceName"] == hop.service_name &&
                   e["SubjectLogonId"] == hop.target_logon_id;
          }).size() == 1);
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 5145, hop.target_host) && e["RelativeTargetName"] == "svcctl" && e["IpPort"] == port &&
                   e["SubjectLogonId"] == hop.target_logon_id;
          }).size() == 1);
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 5140, hop.target_host) && e["ShareName"] == "\\\\*\\ADMIN$" && e["IpPort"] == port;
          }).size() == 1);
  }
  if (hop.technique == "psexec") {
    const bool local = hop.source_host == hop.target_host;
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 11, hop.target_host) && e["TargetFilename"] == "C:\\Windows\\PSEXESVC.exe" &&
                   (local || e["Image"] == "System") && near(e, hop.target_logon_time);
          }).size() == 1);
    REQUIRE(hop.pipes.size() == 4);
    for (const auto& pipe : hop.pipes) {
      CHECK(find_events(g, [&](const nlohmann::json& e) {
              return on(e, 17, hop.target_host) && e["PipeName"] == pipe && near(e, hop.target_logon_time);
            }).size() == 1);
      if (pipe != "\\PSEXESVC") CHECK(pipe.find("-" + hop.source_host + "-") != std::string::npos);
    }
    // The remote shell is a child of PSEXESVC running as SYSTEM.
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 1, hop.target_host) && e["ParentProcessGuid"] == hop.execution.process_guid &&
                   e["LogonId"] == "0x3e7";
          }).size() == 1);
  }
  if (hop.technique == "scheduled_task") {
    CHECK(find_events(g, [&](const nlohmann::json& e) {
            return on(e, 4698, hop.target_host) && e["TaskName"] == hop.task_name &&
                   e["SubjectLogonId"] == hop.target_logon_id && e["ClientProcessId"] == "0";
          }).size() == 1);
    CHECK(hop.execution.parent_image == "C:\\Windows\\System32\\svchost.exe");
  }
  // Every command the hop ran is a process on the target.
  for (const auto& cmd : hop.commands) {
    CAPTURE(cmd);
    if (hop.technique == "tool_transfer") continue;  // the copy itself runs on the source
    CHECK(!find_events(g, [&](const nlohmann::json& e) {
             return on(e, 1, hop.target_host) && e["CommandLine"] == cmd;
           }).empty());
  }
}

}  // namespace

TEST_CASE("the answer key describes two multi-hop chains that link host to host") {
  const auto& key = default_demo().key;
  REQUIRE(key.chains.size() == 2);
  const auto& c1 = key.chains[0].hops;
  REQUIRE(c1.size() == 3);
  CHECK(c1[0].source_host == "WKS-017");
  CHECK(c1[0].technique == "psexec");
  CHECK(c1[0].target_host == "FILESRV01");
  CHECK(c1[1].technique == "wmi");
  CHECK(c1[1].target_host == "DB01");
  CHECK(c1[2].technique == "winrm");
  CHECK(c1[2].target_host == "DC01");
  const auto& c2 = key.chains[1].hops;
  REQUIRE(c2.size() == 3);
  CHECK(c2[0].attack_id == "T1570");
  CHECK(c2[1].attack_id == "T1053.005");
  CHECK(c2[2].attack_id == "T1021.003");
  for (const auto& chain : key.chains) {
    // Each hop starts where the attacker already is: the first source or an earlier hop's target.
    std::set<std::string> reached{chain.hops.at(0).source_host};
    for (std::size_t i = 0; i < chain.hops.size(); ++i) {
      CHECK(chain.hops[i].order == static_cast<int>(i + 1));
      CHECK(chain.hops[i].source_host != chain.hops[i].target_host);
      CHECK(reached.contains(chain.hops[i].source_host));
      reached.insert(chain.hops[i].target_host);
      if (i > 0 && chain.hops[i].technique != "scheduled_task")
        CHECK(chain.hops[i].source_command_time >= chain.hops[i - 1].source_command_time);
    }
  }
  CHECK(key.admin_hosts == std::vector<std::string>{"ADMIN-JUMP01", "DEPLOY01"});
}

TEST_CASE("every attack hop has its full event set on source and target") {
  const auto& g = default_demo();
  for (const auto& chain : g.key.chains) {
    CAPTURE(chain.id);
    for (const auto& hop : chain.hops) check_hop(g, hop);
  }
}

TEST_CASE("the local PsExec is recorded as local: source is the target, logon from its own address") {
  const auto& g = default_demo();
  REQUIRE(g.key.local_executions.size() == 1);
  const Hop& hop = g.key.local_executions[0];
  CHECK(hop.source_host == hop.target_host);
  CHECK(hop.source_ip == hop.target_ip);
  CHECK(hop.logon_ip_address == hop.target_ip);
  check_hop(g, hop);
}

TEST_CASE("legitimate remote administration comes only from the named admin hosts and is complete") {
  const auto& g = default_demo();
  REQUIRE(g.key.benign_remote_executions.size() >= 4);
  std::set<std::string> techniques;
  for (const auto& hop : g.key.benign_remote_executions) {
    CHECK((hop.source_host == "ADMIN-JUMP01" || hop.source_host == "DEPLOY01"));
    techniques.insert(hop.technique);
    check_hop(g, hop);
  }
  CHECK(techniques.contains("service_push"));
}

TEST_CASE("every remote service install in the data is accounted for by the answer key") {
  const auto& g = default_demo();
  std::set<std::pair<std::string, std::string>> expected;  // (host, logon id)
  auto add = [&](const Hop& h) {
    if (h.technique == "psexec" || h.technique == "service_push") expected.insert({fqdn(h.target_host), h.target_logon_id});
  };
  for (const auto& c : g.key.chains)
    for (const auto& h : c.hops) add(h);
  for (const auto& h : g.key.local_executions) add(h);
  for (const auto& h : g.key.benign_remote_executions) add(h);
  std::size_t network_installs = 0;
  for (const auto& e : g.events) {
    if (e["EventID"] != 4697 || e["SubjectLogonId"] == "0x3e7") continue;  // SYSTEM installs are local software
    ++network_installs;
    CHECK(expected.contains({e["Hostname"].get<std::string>(), e["SubjectLogonId"].get<std::string>()}));
  }
  CHECK(network_installs == expected.size());
}

TEST_CASE("answer key JSON carries the hop fields a hunt test asserts on") {
  const auto j = to_json(default_demo().key);
  CHECK(j["generator"] == "lh-demo-gen");
  const auto& hop = j["chains"][0]["hops"][0];
  for (const char* key : {"order", "technique", "attack_id", "source_host", "source_ip", "target_host", "target_ip",
                          "account", "timestamps", "target_logon_id", "source_port", "destination_port",
                          "source_process", "execution", "commands"})
    CHECK_MESSAGE(hop.contains(key), key);
  CHECK(hop["timestamps"].contains("source_command"));
  CHECK(j["hosts"].size() == default_demo().key.hosts.size());
}

TEST_CASE("the answer key holds for other seeds, scales and a single day") {
  for (const auto& cfg : {demo_config(7, 2, 1), demo_config(11, 1, 4)}) {
    CAPTURE(cfg.seed);
    Generated g;
    g.text = run_to_string(cfg, g.key);
    g.events = parse_lines(g.text);
    REQUIRE(g.key.chains.size() == 2);
    for (const auto& chain : g.key.chains)
      for (const auto& hop : chain.hops) check_hop(g, hop);
    for (const auto& hop : g.key.local_executions) check_hop(g, hop);
    for (const auto& hop : g.key.benign_remote_executions) check_hop(g, hop);
    // Everything happens inside the requested days.
    const Millis end = cfg.start + cfg.days * kDay;
    for (const auto& chain : g.key.chains)
      for (const auto& hop : chain.hops) {
        CHECK(hop.source_command_time >= cfg.start);
        CHECK(hop.execution_time < end);
      }
  }
}
