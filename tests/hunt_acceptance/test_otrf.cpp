// The recorded attacks (../shared/datasets/otrf): one hunt per dataset through `lateral-hunt serve` over
// stdio, secops-local as its upstream. Each must name the technique, the target host, and the source and
// account where the logs hold them; the loopback PsExec set must be local execution, never lateral.
//
// The expectations below were read from the datasets themselves (unzip -p <set>.zip | jq/grep) and their
// metadata/*.yaml; each row names the events that prove it. Lab: WORKSTATION5 172.18.39.5 (operator),
// WORKSTATION6 172.18.39.6 (target), MORDORDC 172.18.38.5; users pgustavo and wardog.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/hunt_acceptance/harness.hpp"

namespace lh::acceptance {
namespace {

struct RecordedAttack {
  const char* dataset;      // <dataset>.zip in the OTRF folder
  const char* technique;    // catalogue id (skill/techniques/catalogue.json)
  const char* kind;         // finding kind
  const char* target;       // short host name
  const char* source_host;  // short host name the source IP resolves to ("" when the logs cannot tell)
  const char* source_ip;    // "" when the logs hold none
  const char* account;      // DOMAIN\user of the network logon, or user alone when the domain varies
};

// clang-format off
constexpr RecordedAttack kEmpirePsexec{
    // Empire Invoke-PsExec drives the service manager over TCP, not SMB (metadata: invoke_psexec).
    // WORKSTATION6: 4697 ServiceName "Updater", ImagePath "%COMSPEC% /C start /b ...powershell -noP -sta -w 1 -enc",
    // SubjectLogonId 0x2990d17 = 4624 LogonType 3 TargetLogonId 0x2990d17, IpAddress 172.18.39.5, IpPort 56608,
    // TargetUserName pgustavo, TargetDomainName THESHIRE.LOCAL (Kerberos); Sysmon 3 services.exe Initiated false
    // SourcePort 56608 DestinationPort 49726, after svchost.exe :135 from 172.18.39.5 (no 445 at all).
    // Sysmon 1 services.exe -> cmd.exe /C start /b ...powershell as SYSTEM at 16:16:56.597.
    "empire_psexec_dcerpc_tcp_svcctl", "scmr_tcp", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
    "THESHIRE\\pgustavo"};

constexpr RecordedAttack kEmpireSmbexec{
    // Empire Invoke-SMBExec: service over the svcctl pipe on 445 (metadata: ComputerName WORKSTATION6, user pgustavo).
    // WORKSTATION6: 4697 ServiceName PGUJLOAKFQFVOMHGFQPX ImagePath "%COMSPEC% /C \"%COMSPEC% /C start /b ...",
    // SubjectLogonId 0x2074186 = 4624 LogonType 3 (NTLM) IpAddress 172.18.39.5 IpPort 50504 TargetUserName pgustavo
    // TargetDomainName THESHIRE; 5145 \\*\IPC$ svcctl from 172.18.39.5:50504 SubjectUserName pgustavo; Sysmon 3
    // Image System SourcePort 50504 DestinationPort 445; Sysmon 1 services.exe -> cmd.exe as SYSTEM.
    "empire_smbexec_dcerpc_smb_svcctl", "remote_service", "lateral_movement", "WORKSTATION6", "WORKSTATION5",
    "172.18.39.5", "THESHIRE\\pgustavo"};

constexpr RecordedAttack kEmpireWmic{
    // WORKSTATION5 Sysmon 1: WMIC.exe /node:WORKSTATION6 process call create "net user /add backdoor ..." as
    // THESHIRE\pgustavo. WORKSTATION6: Sysmon 1 net.exe user /add backdoor, ParentImage WmiPrvSE.exe, LogonId
    // 0x551686 = 4624 LogonType 3 TargetLogonId 0x551686 IpAddress 172.18.39.5 IpPort 60065 TargetUserName pgustavo
    // (Kerberos); Sysmon 3 svchost.exe :135 then SourcePort 60065 -> DestinationPort 61249 (dynamic RPC).
    "empire_wmic_add_user_backdoor", "wmi", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
    "THESHIRE\\pgustavo"};

constexpr RecordedAttack kSharpWmi{
    // Metadata: SharpWMI action=exec computername=WORKSTATION6 command=C:\Windows\System32\GruntHTTP2.exe.
    // WORKSTATION6: Sysmon 1 GruntHTTP2.exe, ParentImage WmiPrvSE.exe, User THESHIRE\pgustavo, LogonId 0xc93745 =
    // 4624 LogonType 3 IpAddress 172.18.39.5 IpPort 55275 (Kerberos); Sysmon 3 svchost.exe :135 from 172.18.39.5,
    // then SourcePort 55275 -> DestinationPort 52419.
    "covenant_sharpwmi_create_dcerpc_wmi", "wmi", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
    "THESHIRE\\pgustavo"};

constexpr RecordedAttack kPsRemoting{
    // Metadata: PowerShellRemotingCommand /computername:WORKSTATION6 /username:pgustavo. WORKSTATION6: Sysmon 1
    // wsmprovhost.exe -Embedding (parent svchost.exe) User THESHIRE\pgustavo LogonId 0x1121f34 = 4624 LogonType 3
    // TargetLogonId 0x1121f34 TargetUserName pgustavo, IpAddress "-" IpPort "-" (Kerberos: no address), so the
    // source comes from Sysmon 3 Image System DestinationPort 5985 SourceIp 172.18.39.5 (SourcePort 57967), matched
    // on WORKSTATION5 by Sysmon 3 GruntHTTP.exe Initiated true to 172.18.39.6:5985 from port 57967.
    "covenant_psremoting_command", "winrm", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
    "THESHIRE\\pgustavo"};

constexpr RecordedAttack kCopySmb{
    // Metadata: Copy C:\Users\pgustavo\Desktop\GruntHTTP.exe to \\WORKSTATION6\C$\ProgramData\GruntHTTP.exe.
    // WORKSTATION6: 5140 \\*\C$ and 5145 \\*\C$ RelativeTargetName ProgramData\GruntHTTP.exe AccessList %%4417
    // (WriteData) from IpAddress 172.18.39.5 IpPort 62782, SubjectUserName pgustavo SubjectDomainName THESHIRE,
    // SubjectLogonId 0x4e13b2e; Sysmon 11 by System TargetFilename C:\ProgramData\GruntHTTP.exe at 18:53:30.880.
    "covenant_copy_smb_CreateRequest", "tool_transfer", "lateral_movement", "WORKSTATION6", "WORKSTATION5",
    "172.18.39.5", "THESHIRE\\pgustavo"};

constexpr RecordedAttack kSchtask{
    // WORKSTATION5 Sysmon 1: schtasks /create /F /tn \Microsoft\Windows\SoftwareProtectionPlatform\EventCacheManager
    // ... /S WORKSTATION6 as THESHIRE\pgustavo. WORKSTATION6: 4698 TaskName ...\EventCacheManager ClientProcessId 0
    // RpcCallClientLocality 0 SubjectUserName pgustavo SubjectLogonId 0xead4335 = 4624 LogonType 3 TargetLogonId
    // 0xead4335 IpAddress 172.18.39.5 IpPort 56588 (Kerberos); Sysmon 3 svchost.exe :135, then 56588 -> 49671.
    // (This set's TimeCreated is local time marked Z: 07:00 where Sysmon UtcTime says 12:00.)
    "schtask_create", "remote_scheduled_task", "lateral_movement", "WORKSTATION6", "WORKSTATION5", "172.18.39.5",
    "THESHIRE\\pgustavo"};

constexpr RecordedAttack kLoopbackPsexec{
    // Metadata: PsExec.exe -accepteula -s reg save HKLM\security\policy\secrets on WORKSTATION5 itself ("reg
    // exited on WORKSTATION5"). Only WORKSTATION5 logs: Sysmon 1 PsExec.exe as WORKSTATION5\wardog; 7045/4697
    // PSEXESVC (4697 SubjectUserName wardog); 5145 \\*\IPC$ PSEXESVC from fe80::90e:17af:263c:5209 (its own
    // link-local address) SubjectUserName wardog; Sysmon 17/18 \PSEXESVC-WORKSTATION5-7256-stdin/stdout/stderr
    // (the client host named in the pipe is the target itself); PSEXESVC.exe <- services.exe -> reg.exe save.
    // No 4624 in the set, and the domain of wardog differs per event, so the account is the user alone.
    "cmd_psexec_lsa_secrets_dump", "psexec", "local_execution", "WORKSTATION5", "WORKSTATION5", "", "wardog"};
// clang-format on

bool kind_is_lateral(const std::string& kind) {
  return kind == "lateral_movement" || kind == "suspected_lateral_movement";
}

// Runs the hunt on the dataset and checks the row; returns the report (null when the dataset is absent).
Json check_recorded_attack(const RecordedAttack& expected) {
  const auto zip = otrf_directory() / (std::string(expected.dataset) + ".zip");
  if (!std::filesystem::exists(zip)) {
    MESSAGE("SKIPPED: " << zip.string() << " not found (../shared/datasets/otrf is not beside the repository)");
    return nullptr;
  }
  auto server = HuntServer::with_data({zip.string()});
  const HuntOutcome outcome = server->hunt({{"time_frame_hours", 72}});
  INFO("dataset: " << expected.dataset << "\nfindings:" << describe_findings(outcome.report)
                   << "\nsteps: " << describe_steps(outcome.report));
  REQUIRE_MESSAGE(!outcome.is_error, "lateral_movement_hunt failed: " << outcome.text);
  REQUIRE(outcome.report.is_object());
  REQUIRE(outcome.report.contains("findings"));
  CHECK(text_of(outcome.report, "status") == "complete");

  // The finding that is this attack: right kind, technique and target.
  std::vector<Json> candidates;
  for (const auto& finding : outcome.report["findings"]) {
    if (text_of(finding, "kind") == expected.kind && text_of(finding, "technique_id") == expected.technique &&
        target_host(finding) == expected.target) {
      candidates.push_back(finding);
    }
  }
  if (candidates.empty()) {
    FAIL_CHECK("no " << expected.kind << " finding of " << expected.technique << " on " << expected.target);
    return outcome.report;
  }

  bool source_named = false;
  bool account_named = false;
  for (const auto& finding : candidates) {
    const bool source_ok = (expected.source_host[0] != '\0' && source_host(finding) == expected.source_host) ||
                           (expected.source_ip[0] != '\0' && source_ip(finding) == expected.source_ip);
    const bool account_ok = same_account(expected.account, text_of(finding, "account"));
    source_named = source_named || source_ok;
    account_named = account_named || account_ok;
    if (source_ok && account_ok) return outcome.report;
  }
  CHECK_MESSAGE(source_named, "no such finding names the source " << expected.source_host << " / "
                                                                  << expected.source_ip);
  CHECK_MESSAGE(account_named, "no such finding names the account " << expected.account);
  FAIL_CHECK("no single finding names both the source and the account");
  return outcome.report;
}

TEST_CASE("OTRF empire_psexec_dcerpc_tcp_svcctl: scmr_tcp WORKSTATION5 to WORKSTATION6 as pgustavo") {
  check_recorded_attack(kEmpirePsexec);
}

TEST_CASE("OTRF empire_smbexec_dcerpc_smb_svcctl: remote_service WORKSTATION5 to WORKSTATION6 as pgustavo") {
  check_recorded_attack(kEmpireSmbexec);
}

TEST_CASE("OTRF empire_wmic_add_user_backdoor: wmi WORKSTATION5 to WORKSTATION6 as pgustavo") {
  check_recorded_attack(kEmpireWmic);
}

TEST_CASE("OTRF covenant_sharpwmi_create_dcerpc_wmi: wmi WORKSTATION5 to WORKSTATION6 as pgustavo") {
  check_recorded_attack(kSharpWmi);
}

TEST_CASE("OTRF covenant_psremoting_command: winrm WORKSTATION5 to WORKSTATION6 as pgustavo") {
  check_recorded_attack(kPsRemoting);
}

TEST_CASE("OTRF covenant_copy_smb_CreateRequest: tool_transfer WORKSTATION5 to WORKSTATION6 as pgustavo") {
  check_recorded_attack(kCopySmb);
}

TEST_CASE("OTRF schtask_create: remote_scheduled_task WORKSTATION5 to WORKSTATION6 as pgustavo") {
  check_recorded_attack(kSchtask);
}

TEST_CASE("OTRF cmd_psexec_lsa_secrets_dump: loopback PsExec is local_execution on WORKSTATION5, never lateral") {
  const Json report = check_recorded_attack(kLoopbackPsexec);
  if (report.is_null()) return;
  // WORKSTATION5 is the only host in the set: any lateral finding here is the loopback run misread.
  for (const auto& finding : report["findings"]) {
    CHECK_MESSAGE(!kind_is_lateral(text_of(finding, "kind")),
                  "reported as lateral: " << describe_finding(finding));
  }
}

}  // namespace
}  // namespace lh::acceptance
