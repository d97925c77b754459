// The recorded attacks of OTRF Security-Datasets, hunted end to end through secops-local over stdio.
#include <doctest/doctest.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "hunt_runner.hpp"
#include "report_check.hpp"

namespace {

struct Expected {
  const char* dataset;
  const char* technique;
  const char* kind;
  const char* target;
  const char* source_host;  // nullptr when the logs do not hold it
  const char* source_ip;
  const char* account;
  const char* logon_id;
};

// What each recording truly holds (metadata/*.yaml says what was run; the logs say what was recorded).
const Expected kExpected[] = {
    // 7045/4697 PGUJLOAKFQFVOMHGFQPX "%COMSPEC% /C ... powershell -enc" on WORKSTATION6; the 4697's SubjectLogonId
    // 0x2074186 = the 4624 TargetLogonId (NTLM, IpAddress 172.18.39.5, IpPort 50504, pgustavo); 5145 svcctl over IPC$.
    // 172.18.39.5 is WORKSTATION5's own address in its outbound Sysmon 3.
    {"empire_smbexec_dcerpc_smb_svcctl", "remote_service", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
     "THESHIRE\\pgustavo", "0x2074186"},
    // Same service install pattern, but the wire is 135 (svchost) + 49726 owned by services.exe from 172.18.39.5,
    // no SMB: SCMR over TCP. 4697 SubjectLogonId 0x2990d17 = the 4624 of pgustavo.
    {"empire_psexec_dcerpc_tcp_svcctl", "scmr_tcp", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
     "THESHIRE\\pgustavo", "0x2990d17"},
    // Sysmon 1 on WORKSTATION6: WmiPrvSE.exe -> "net user /add backdoor ..." with LogonId 0x551686 = the Kerberos 4624
    // (THESHIRE.LOCAL\pgustavo from 172.18.39.5); WORKSTATION5 logs "WMIC.exe /node:WORKSTATION6 process call create".
    {"empire_wmic_add_user_backdoor", "wmi", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5", "THESHIRE\\pgustavo",
     "0x551686"},
    // WmiPrvSE.exe -> C:\Windows\System32\GruntHTTP2.exe, LogonId 0xc93745 = 4624 from 172.18.39.5 (pgustavo).
    {"covenant_sharpwmi_create_dcerpc_wmi", "wmi", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
     "THESHIRE\\pgustavo", "0xc93745"},
    // svchost -> wsmprovhost.exe -Embedding with LogonId 0x1121f34 (Kerberos 4624, IpAddress "-"); the source is the
    // inbound 5985 Sysmon 3 owned by System from 172.18.39.5 (GruntHTTP.exe's outbound 5985 on WORKSTATION5).
    {"covenant_psremoting_command", "winrm", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5", "THESHIRE\\pgustavo",
     "0x1121f34"},
    // 5145 \\*\C$ ProgramData\GruntHTTP.exe with %%4417 from 172.18.39.5, SubjectLogonId 0x4e13b2e = 4624 of pgustavo;
    // Sysmon 11 by System writes C:\ProgramData\GruntHTTP.exe.
    {"covenant_copy_smb_CreateRequest", "tool_transfer", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
     "THESHIRE\\pgustavo", "0x4e13b2e"},
    // PsExec -s against WORKSTATION5 itself: 7045/4697 PSEXESVC on WORKSTATION5 with SubjectLogonId 0xc61d9 (wardog's own
    // session: the 4688 of PsExec.exe has it; no 4624 for it is in the file), pipes \PSEXESVC-WORKSTATION5-7256-std*,
    // 5140/5145 from fe80::90e:17af:263c:5209 and a Sysmon 3 to 445 whose source and destination are both that
    // address, WORKSTATION5's own: local execution over loopback, not lateral.
    {"cmd_psexec_lsa_secrets_dump", "psexec", "local_execution", "WORKSTATION5", "WORKSTATION5", "fe80::90e:17af:263c:5209",
     "WORKSTATION5\\wardog", "0xc61d9"},
    // 4698 \Microsoft\Windows\SoftwareProtectionPlatform\EventCacheManager on WORKSTATION6 with ClientProcessId 0,
    // SubjectLogonId 0xead4335 = 4624 from 172.18.39.5 (pgustavo); WORKSTATION5 logs "schtasks /create ... /S WORKSTATION6".
    {"schtask_create", "remote_scheduled_task", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
     "THESHIRE\\pgustavo", "0xead4335"},
};

std::string text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string(); }

}  // namespace

TEST_CASE("every OTRF recording: the right technique, target, source and account") {
  const std::filesystem::path dir = LH_OTRF_DATASETS_DIR;
  for (const auto& expected : kExpected) {
    const auto path = dir / (std::string(expected.dataset) + ".zip");
    if (!std::filesystem::exists(path)) {
      MESSAGE("SKIPPED ", expected.dataset, ": ", path.string(), " is absent (the shared OTRF datasets are not checked out)");
      continue;
    }
    const std::string dataset = expected.dataset;
    CAPTURE(dataset);
    const auto run = lh::test::run_hunt({path.string()});
    const auto report = run.result.to_json();
    MESSAGE(dataset, " (", run.context_queries, " context queries):\n", lh::test::describe(run.result));
    CHECK(lh::test::report_part_errors(report).empty());
    CHECK(run.result.complete);
    const auto* finding = lh::test::find_finding(report["findings"], expected.technique, expected.target, expected.kind);
    REQUIRE_MESSAGE(finding != nullptr, "no ", expected.kind, " finding of ", expected.technique, " on ", expected.target);
    const auto& f = *finding;
    if (expected.source_host != nullptr) CHECK(text(f["source"]["host"]) == expected.source_host);
    if (expected.source_ip != nullptr) CHECK(text(f["source"]["ip"]) == expected.source_ip);
    if (expected.account != nullptr) CHECK(text(f["account"]) == expected.account);
    CHECK(text(f["logon_id"]) == expected.logon_id);
    CHECK_FALSE(f["attack_ids"].empty());
    CHECK_FALSE(f["reasons"].empty());
    CHECK_FALSE(f["evidence"].empty());
    // One finding per movement: the anchors of one session are grouped, not reported per event.
    std::size_t lateral = 0;
    for (const auto& other : report["findings"]) lateral += other["kind"] == "lateral_movement" ? 1 : 0;
    if (std::string(expected.kind) == "local_execution") {
      CHECK(lateral == 0);
      CHECK(text(f["source"]["resolved_by"]) == "same_host");
      CHECK(text(f["source_class"]) == "local");
    } else {
      CHECK(lateral == 1);
      CHECK(text(f["source"]["resolved_by"]) == "reporting_host");
      CHECK(text(f["confidence"]) == "high");
    }
    // Timeline sorted by time.
    for (std::size_t i = 1; i < report["timeline"].size(); ++i) {
      CHECK(text(report["timeline"][i - 1]["timestamp"]) <= text(report["timeline"][i]["timestamp"]));
    }
  }
}

TEST_CASE("OTRF WMI add-user: the remote command is scored as account creation") {
  const auto path = std::filesystem::path(LH_OTRF_DATASETS_DIR) / "empire_wmic_add_user_backdoor.zip";
  if (!std::filesystem::exists(path)) {
    MESSAGE("SKIPPED: ", path.string(), " is absent");
    return;
  }
  const auto report = lh::test::run_hunt({path.string()}).result.to_json();
  const auto* f = lh::test::find_finding(report["findings"], "wmi", "WORKSTATION6", "lateral_movement");
  REQUIRE(f != nullptr);
  bool account_creation = false;
  for (const auto& c : (*f)["commands"]) {
    for (const auto& p : c["patterns"]) account_creation |= p == "account_creation";
  }
  CHECK(account_creation);
  CHECK(text((*f)["severity"]) == "critical");
  // Suspicious findings name their entities for enrichment.
  CHECK(std::find(report["entities"]["hosts"].begin(), report["entities"]["hosts"].end(), "WORKSTATION5") != report["entities"]["hosts"].end());
  CHECK(std::find(report["entities"]["ips"].begin(), report["entities"]["ips"].end(), "172.18.39.5") != report["entities"]["ips"].end());
}
