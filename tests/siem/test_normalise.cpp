#include <doctest/doctest.h>

#include "siem/normalise.hpp"
#include "siem/normalise_rules.hpp"
#include "siem/time_parse.hpp"
#include "tests/siem/helpers.hpp"

using namespace lh;
using namespace lh::siem;
using lh::siem::test::one;
using lh::siem::test::OwnedFlatEvent;
using lh::siem::test::strings;

namespace {
constexpr const char* kSysmon = "Microsoft-Windows-Sysmon/Operational";

std::int64_t t(const char* text) { return parse_timestamp(text)->micros; }
}  // namespace

TEST_CASE("every path in the mapping table resolves in the UDM catalogue") {
  for (const auto& rule : windows_event_rules()) {
    for (const auto& field : rule.fields) {
      if (field.conversion == Conversion::hashes) {
        CHECK_MESSAGE(udm::find_field(field.path + ".sha256").has_value(), field.path);
      } else {
        CHECK_MESSAGE(udm::find_field(field.path).has_value(), field.path);
      }
    }
  }
  CHECK(has_mapping("security", 4624));
  CHECK(has_mapping("SECURITY", 4688));
  CHECK_FALSE(has_mapping("Security", 4658));
}

TEST_CASE("Sysmon 1 process create") {
  OwnedFlatEvent raw{{"EventID", "1"},
                     {"Channel", kSysmon},
                     {"Hostname", "WORKSTATION5.theshire.local"},
                     {"SourceName", "Microsoft-Windows-Sysmon"},
                     {"UtcTime", "2020-10-19 07:30:46.251"},
                     {"TimeCreated", "2020-10-19 03:30:46.257"},
                     {"Image", "C:\\Windows\\PSEXESVC.exe"},
                     {"CommandLine", "C:\\Windows\\PSEXESVC.exe"},
                     {"ParentImage", "C:\\Windows\\System32\\services.exe"},
                     {"ParentCommandLine", "C:\\Windows\\system32\\services.exe"},
                     {"ProcessId", "7256"},
                     {"ParentProcessId", "640"},
                     {"ProcessGuid", "{39e4a257-40a6-5f8d-a005-000000000700}"},
                     {"ParentProcessGuid", "{39e4a257-402f-5f8d-9905-000000000700}"},
                     {"User", "NT AUTHORITY\\SYSTEM"},
                     {"LogonId", "0x3e7"},
                     {"OriginalFileName", "psexesvc.exe"},
                     {"Hashes", "SHA1=E50D,MD5=2730,SHA256=3337E,IMPHASH=C1E5"},
                     {"CurrentDirectory", "C:\\Windows\\system32\\"}};
  udm::Event e;
  const auto outcome = normalise_windows_event(raw.event, e);
  CHECK(outcome.mapped);
  CHECK(outcome.time_source == TimeSource::sysmon_utc);
  CHECK(e.timestamp_us() == t("2020-10-19T07:30:46.251Z"));
  CHECK(one(e, "metadata.event_type") == "PROCESS_LAUNCH");
  CHECK(one(e, "metadata.product_event_type") == "1");
  CHECK(one(e, "metadata.log_type") == "WINDOWS_SYSMON");
  CHECK(one(e, "metadata.product_name") == "Microsoft-Windows-Sysmon");
  CHECK(one(e, "principal.hostname") == "WORKSTATION5.theshire.local");
  CHECK(one(e, "target.process.file.full_path") == "C:\\Windows\\PSEXESVC.exe");
  CHECK(one(e, "target.process.command_line") == "C:\\Windows\\PSEXESVC.exe");
  CHECK(one(e, "principal.process.file.full_path") == "C:\\Windows\\System32\\services.exe");
  CHECK(one(e, "principal.process.command_line") == "C:\\Windows\\system32\\services.exe");
  CHECK(one(e, "target.process.pid") == "7256");
  CHECK(one(e, "principal.process.pid") == "640");
  CHECK(one(e, "target.process.product_specific_process_id") == "{39e4a257-40a6-5f8d-a005-000000000700}");
  CHECK(one(e, "principal.process.product_specific_process_id") == "{39e4a257-402f-5f8d-9905-000000000700}");
  CHECK(one(e, "principal.user.userid") == "NT AUTHORITY\\SYSTEM");
  CHECK(one(e, "principal.labels", "LogonId") == "0x3e7");
  CHECK(one(e, "src.process.file.full_path") == "psexesvc.exe");
  CHECK(one(e, "target.process.file.sha1") == "e50d");
  CHECK(one(e, "target.process.file.md5") == "2730");
  CHECK(one(e, "target.process.file.sha256") == "3337e");
  // Raw fields no rule consumed stay reachable under their Windows names, and so do consumed ones that hunt
  // queries address by name (LogonId); the other consumed ones are not repeated.
  CHECK(one(e, "additional.fields", "CurrentDirectory") == "C:\\Windows\\system32\\");
  CHECK(one(e, "additional.fields", "LogonId") == "0x3e7");
  CHECK(one(e, "additional.fields", "EventID") == "1");
  CHECK(strings(e, "additional.fields", "Image").empty());
  CHECK(strings(e, "additional.fields", "CommandLine").empty());
  CHECK(strings(e, "additional.fields", "ProcessId").empty());
  CHECK(strings(e, "additional.fields", "User").empty());
  // IMPHASH has no UDM field, so the Hashes text is kept whole.
  CHECK(one(e, "additional.fields", "Hashes") == "SHA1=E50D,MD5=2730,SHA256=3337E,IMPHASH=C1E5");
}

TEST_CASE("Sysmon 3 network connection, inbound SMB owned by System") {
  OwnedFlatEvent raw{{"EventID", "3"},
                     {"Channel", "microsoft-windows-sysmon/operational"},
                     {"Hostname", "WORKSTATION6.theshire.local"},
                     {"UtcTime", "2020-09-20 16:16:06.470"},
                     {"Image", "System"},
                     {"ProcessId", "4"},
                     {"User", "NT AUTHORITY\\SYSTEM"},
                     {"Protocol", "tcp"},
                     {"Initiated", "false"},
                     {"SourceIp", "172.18.39.5"},
                     {"SourcePort", "58391"},
                     {"DestinationIp", "::ffff:172.18.39.6"},
                     {"DestinationPort", "445"},
                     {"DestinationHostname", "-"},
                     {"SourceHostname", "WORKSTATION5"}};
  udm::Event e;
  CHECK(normalise_windows_event(raw.event, e).mapped);
  CHECK(one(e, "metadata.event_type") == "NETWORK_CONNECTION");
  CHECK(one(e, "principal.ip") == "172.18.39.5");
  CHECK(one(e, "principal.port") == "58391");
  CHECK(one(e, "target.ip") == "172.18.39.6");
  CHECK(one(e, "target.port") == "445");
  CHECK(strings(e, "target.hostname").empty());  // "-" is a placeholder
  CHECK(one(e, "principal.process.file.full_path") == "System");
  CHECK(one(e, "principal.process.pid") == "4");
  CHECK(one(e, "principal.user.userid") == "NT AUTHORITY\\SYSTEM");
  CHECK(one(e, "network.ip_protocol") == "TCP");
  CHECK(one(e, "network.direction") == "INBOUND");
  CHECK(one(e, "additional.fields", "Initiated") == "false");
  CHECK(one(e, "additional.fields", "SourceHostname") == "WORKSTATION5");
  CHECK(one(e, "principal.hostname") == "WORKSTATION6.theshire.local");
}

TEST_CASE("Sysmon 11, 12, 13, 17, 18") {
  {
    OwnedFlatEvent raw{{"EventID", "11"}, {"Channel", kSysmon}, {"Hostname", "H"}, {"UtcTime", "2020-01-01 00:00:00"},
                       {"Image", "System"}, {"TargetFilename", "C:\\Windows\\PSEXESVC.exe"}};
    udm::Event e;
    normalise_windows_event(raw.event, e);
    CHECK(one(e, "metadata.event_type") == "FILE_CREATION");
    CHECK(one(e, "target.file.full_path") == "C:\\Windows\\PSEXESVC.exe");
    CHECK(one(e, "principal.process.file.full_path") == "System");
  }
  for (const auto& [id, type] : {std::pair{"12", "REGISTRY_CREATION"}, std::pair{"13", "REGISTRY_MODIFICATION"}}) {
    OwnedFlatEvent raw{{"EventID", id}, {"Channel", kSysmon}, {"Hostname", "H"}, {"UtcTime", "2020-01-01 00:00:00"},
                       {"Image", "C:\\Windows\\system32\\services.exe"},
                       {"TargetObject", "HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC\\ImagePath"},
                       {"Details", "%SystemRoot%\\PSEXESVC.exe"}};
    udm::Event e;
    normalise_windows_event(raw.event, e);
    CHECK(one(e, "metadata.event_type") == type);
    CHECK(one(e, "metadata.product_event_type") == id);
    CHECK(one(e, "target.registry.registry_key") == "HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC\\ImagePath");
    CHECK(one(e, "target.registry.registry_value_data") == "%SystemRoot%\\PSEXESVC.exe");
  }
  for (const char* id : {"17", "18"}) {
    OwnedFlatEvent raw{{"EventID", id}, {"Channel", kSysmon}, {"Hostname", "H"}, {"UtcTime", "2020-01-01 00:00:00"},
                       {"Image", "C:\\Windows\\PSEXESVC.exe"}, {"PipeName", "\\PSEXESVC-WORKSTATION5-7256-stdin"}};
    udm::Event e;
    normalise_windows_event(raw.event, e);
    CHECK(one(e, "metadata.event_type") == "PROCESS_UNCATEGORIZED");
    CHECK(one(e, "target.resource.name") == "\\PSEXESVC-WORKSTATION5-7256-stdin");
  }
}

TEST_CASE("Security 4624 and 4625 logons") {
  OwnedFlatEvent raw{{"EventID", "4624"},
                     {"Channel", "security"},
                     {"Hostname", "WORKSTATION6.theshire.local"},
                     {"@timestamp", "2020-09-22T18:53:32.340Z"},
                     {"EventTime", "2020-09-22 14:53:30"},
                     {"TargetUserName", "pgustavo"},
                     {"TargetDomainName", "THESHIRE.LOCAL"},
                     {"TargetUserSid", "S-1-5-21-1"},
                     {"TargetLogonId", "0x4e13b2e"},
                     {"SubjectUserName", "-"},
                     {"SubjectLogonId", "0x0"},
                     {"LogonType", "3"},
                     {"IpAddress", "172.18.39.5"},
                     {"IpPort", "62782"},
                     {"WorkstationName", "-"},
                     {"AuthenticationPackageName", "Kerberos"},
                     {"ElevatedToken", "%%1842"},
                     {"Message", "An account was successfully logged on."}};
  udm::Event e;
  const auto outcome = normalise_windows_event(raw.event, e);
  CHECK(outcome.mapped);
  CHECK(outcome.time_source == TimeSource::at_timestamp);
  CHECK(e.timestamp_us() == t("2020-09-22T18:53:32.340Z"));
  CHECK(one(e, "metadata.event_type") == "USER_LOGIN");
  CHECK(one(e, "metadata.product_event_type") == "4624");
  CHECK(one(e, "metadata.log_type") == "WINEVTLOG");
  CHECK(one(e, "security_result.action") == "ALLOW");
  CHECK(one(e, "target.user.userid") == "pgustavo");
  CHECK(one(e, "target.administrative_domain") == "THESHIRE.LOCAL");
  CHECK(one(e, "target.labels", "TargetLogonId") == "0x4e13b2e");
  CHECK(one(e, "principal.labels", "SubjectLogonId") == "0x0");
  CHECK(strings(e, "principal.user.userid").empty());
  CHECK(one(e, "principal.ip") == "172.18.39.5");
  CHECK(one(e, "src.ip") == "172.18.39.5");
  CHECK(one(e, "principal.port") == "62782");
  CHECK(one(e, "src.port") == "62782");
  CHECK(strings(e, "src.hostname").empty());
  CHECK(one(e, "extensions.auth.mechanism") == "NETWORK");
  CHECK(one(e, "metadata.description") == "An account was successfully logged on.");
  CHECK(strings(e, "additional.fields", "Message").empty());
  CHECK(one(e, "additional.fields", "TargetLogonId") == "0x4e13b2e");
  CHECK(one(e, "additional.fields", "IpPort") == "62782");
  CHECK(one(e, "additional.fields", "AuthenticationPackageName") == "Kerberos");
  CHECK(strings(e, "additional.fields", "TargetUserName").empty());  // in target.user.userid
  CHECK(strings(e, "additional.fields", "LogonType").empty());       // in extensions.auth.mechanism

  OwnedFlatEvent failed{{"EventID", "4625"}, {"Channel", "Security"}, {"Hostname", "H"},
                        {"TimeCreated", "2020-09-22T18:53:32Z"}, {"TargetUserName", "admin"},
                        {"LogonType", "10"}, {"IpAddress", "-"}, {"IpPort", "-"}};
  udm::Event f;
  normalise_windows_event(failed.event, f);
  CHECK(one(f, "security_result.action") == "BLOCK");
  CHECK(one(f, "extensions.auth.mechanism") == "REMOTE_INTERACTIVE");
  CHECK(strings(f, "principal.ip").empty());
  CHECK(strings(f, "principal.port").empty());
  CHECK(one(f, "additional.fields", "IpAddress") == "-");
  // A placeholder is not mapped, so the raw field stays even for a key a rule names.
  OwnedFlatEvent no_user{{"EventID", "4625"}, {"Channel", "Security"}, {"TargetUserName", "-"}, {"LogonType", "x"}};
  udm::Event g;
  normalise_windows_event(no_user.event, g);
  CHECK(one(g, "additional.fields", "TargetUserName") == "-");
  CHECK(one(g, "additional.fields", "LogonType") == "x");
}

TEST_CASE("Security 4648 explicit credentials") {
  OwnedFlatEvent raw{{"EventID", "4648"}, {"Channel", "Security"}, {"Hostname", "WORKSTATION5.theshire.local"},
                     {"@timestamp", "2020-08-06T15:56:23.382Z"}, {"SubjectUserName", "pgustavo"},
                     {"SubjectLogonId", "0x2bc327"}, {"TargetUserName", "pgustavo"},
                     {"TargetServerName", "WORKSTATION6"}, {"TargetInfo", "RPCSS/WORKSTATION6"},
                     {"ProcessName", "C:\\Windows\\System32\\wbem\\WMIC.exe"}, {"ProcessId", "0x1c48"},
                     {"IpAddress", "-"}, {"IpPort", "-"}};
  udm::Event e;
  normalise_windows_event(raw.event, e);
  CHECK(one(e, "metadata.event_type") == "USER_LOGIN");
  CHECK(one(e, "principal.user.userid") == "pgustavo");
  CHECK(one(e, "principal.labels", "SubjectLogonId") == "0x2bc327");
  CHECK(one(e, "target.user.userid") == "pgustavo");
  CHECK(one(e, "target.hostname") == "WORKSTATION6");
  CHECK(one(e, "target.resource.name") == "RPCSS/WORKSTATION6");
  CHECK(one(e, "principal.process.file.full_path") == "C:\\Windows\\System32\\wbem\\WMIC.exe");
  CHECK(one(e, "principal.process.pid") == "7240");  // 0x1c48
}

TEST_CASE("Security 4688 process create with hex pids") {
  OwnedFlatEvent raw{{"EventID", "4688"}, {"Channel", "Security"}, {"Hostname", "WORKSTATION5"},
                     {"TimeCreated", "2020-10-19 03:30:46.251"}, {"NewProcessName", "C:\\Tools\\PsExec.exe"},
                     {"CommandLine", "PsExec.exe -accepteula -s cmd"}, {"NewProcessId", "0x1c58"},
                     {"ProcessId", "0x850"}, {"ParentProcessName", "C:\\Windows\\System32\\cmd.exe"},
                     {"SubjectUserName", "wardog"}, {"SubjectLogonId", "0xc61d9"}, {"TargetLogonId", "0x0"},
                     {"TargetUserName", "-"}};
  udm::Event e;
  const auto outcome = normalise_windows_event(raw.event, e);
  CHECK(outcome.time_source == TimeSource::time_created);
  CHECK(one(e, "metadata.event_type") == "PROCESS_LAUNCH");
  CHECK(one(e, "target.process.file.full_path") == "C:\\Tools\\PsExec.exe");
  CHECK(one(e, "target.process.command_line") == "PsExec.exe -accepteula -s cmd");
  CHECK(one(e, "target.process.pid") == "7256");
  CHECK(one(e, "principal.process.pid") == "2128");
  CHECK(one(e, "principal.process.file.full_path") == "C:\\Windows\\System32\\cmd.exe");
  CHECK(one(e, "principal.user.userid") == "wardog");
  CHECK(one(e, "principal.labels", "SubjectLogonId") == "0xc61d9");
  CHECK(one(e, "target.labels", "TargetLogonId") == "0x0");
  CHECK(strings(e, "target.user.userid").empty());
}

TEST_CASE("service installs: Security 4697 and System 7045") {
  OwnedFlatEvent s4697{{"EventID", "4697"}, {"Channel", "Security"}, {"Hostname", "WORKSTATION5"},
                       {"TimeCreated", "2020-10-19 03:30:46.420"}, {"ServiceName", "PSEXESVC"},
                       {"ServiceFileName", "%SystemRoot%\\PSEXESVC.exe"}, {"SubjectUserName", "wardog"},
                       {"SubjectLogonId", "0xc61d9"}, {"ServiceAccount", "LocalSystem"}};
  udm::Event a;
  normalise_windows_event(s4697.event, a);
  CHECK(one(a, "metadata.event_type") == "SERVICE_CREATION");
  CHECK(one(a, "metadata.product_event_type") == "4697");
  CHECK(one(a, "target.application") == "PSEXESVC");
  CHECK(one(a, "target.process.file.full_path") == "%SystemRoot%\\PSEXESVC.exe");
  CHECK(one(a, "target.process.command_line") == "%SystemRoot%\\PSEXESVC.exe");
  CHECK(one(a, "principal.labels", "SubjectLogonId") == "0xc61d9");
  CHECK(one(a, "additional.fields", "ServiceAccount") == "LocalSystem");

  OwnedFlatEvent s7045{{"EventID", "7045"}, {"Channel", "System"}, {"Hostname", "WORKSTATION5"},
                       {"SourceName", "Service Control Manager"}, {"TimeCreated", "2020-10-19 03:30:46.416"},
                       {"ServiceName", "BTOBTO"},
                       {"ImagePath", "%COMSPEC% /Q /c echo cd ^> \\\\127.0.0.1\\C$\\__output 2^>^&1"},
                       {"AccountName", "LocalSystem"}, {"StartType", "demand start"}};
  udm::Event b;
  normalise_windows_event(s7045.event, b);
  CHECK(one(b, "metadata.event_type") == "SERVICE_CREATION");
  CHECK(one(b, "metadata.product_event_type") == "7045");
  CHECK(one(b, "metadata.product_name") == "Service Control Manager");
  CHECK(one(b, "target.application") == "BTOBTO");
  CHECK(one(b, "target.process.command_line") == "%COMSPEC% /Q /c echo cd ^> \\\\127.0.0.1\\C$\\__output 2^>^&1");
  CHECK(one(b, "target.process.file.full_path") == one(b, "target.process.command_line"));
  CHECK(one(b, "principal.user.userid") == "LocalSystem");
}

TEST_CASE("scheduled task events 4698-4702") {
  const std::pair<const char*, const char*> cases[] = {{"4698", "SCHEDULED_TASK_CREATION"},
                                                       {"4699", "SCHEDULED_TASK_DELETION"},
                                                       {"4700", "SCHEDULED_TASK_ENABLE"},
                                                       {"4701", "SCHEDULED_TASK_DISABLE"},
                                                       {"4702", "SCHEDULED_TASK_MODIFICATION"}};
  for (const auto& [id, type] : cases) {
    OwnedFlatEvent raw{{"EventID", id}, {"Channel", "Security"}, {"Hostname", "WORKSTATION6"},
                       {"TimeCreated", "2020-12-19T07:00:22.264Z"}, {"TaskName", "\\Evil"},
                       {"SubjectUserName", "pgustavo"}, {"SubjectLogonId", "0xead4335"},
                       {"TaskContent", "<Task><Exec>cmd.exe</Exec></Task>"}};
    udm::Event e;
    normalise_windows_event(raw.event, e);
    CHECK(one(e, "metadata.event_type") == type);
    CHECK(one(e, "target.resource.name") == "\\Evil");
    CHECK(one(e, "principal.labels", "SubjectLogonId") == "0xead4335");
    CHECK(one(e, "additional.fields", "TaskContent") == "<Task><Exec>cmd.exe</Exec></Task>");
  }
}

TEST_CASE("share access 5140 and 5145") {
  OwnedFlatEvent s5140{{"EventID", "5140"}, {"Channel", "Security"}, {"Hostname", "WORKSTATION6"},
                       {"TimeCreated", "2020-10-19 03:30:46.625"}, {"ShareName", "\\\\*\\ADMIN$"},
                       {"IpAddress", "172.18.39.5"}, {"IpPort", "58391"}, {"SubjectUserName", "wardog"},
                       {"SubjectLogonId", "0xc61d9"}, {"AccessList", "%%4416\n\t\t\t\t"}};
  udm::Event a;
  normalise_windows_event(s5140.event, a);
  CHECK(one(a, "metadata.event_type") == "USER_RESOURCE_ACCESS");
  CHECK(one(a, "target.resource.name") == "\\\\*\\ADMIN$");
  CHECK(one(a, "principal.ip") == "172.18.39.5");
  CHECK(one(a, "principal.port") == "58391");
  CHECK(one(a, "additional.fields", "AccessList") == "%%4416\n\t\t\t\t");

  OwnedFlatEvent s5145{{"EventID", "5145"}, {"Channel", "Security"}, {"Hostname", "WORKSTATION6"},
                       {"TimeCreated", "2020-10-19 03:30:46.625"}, {"ShareName", "\\\\*\\IPC$"},
                       {"RelativeTargetName", "svcctl"}, {"IpAddress", "172.18.39.5"}, {"IpPort", "58391"},
                       {"AccessList", "%%4416 %%4417"}};
  udm::Event b;
  normalise_windows_event(s5145.event, b);
  CHECK(one(b, "metadata.event_type") == "FILE_OPEN");
  CHECK(one(b, "target.file.full_path") == "svcctl");
  CHECK(one(b, "target.resource.name") == "\\\\*\\IPC$");
  CHECK(one(b, "additional.fields", "RelativeTargetName") == "svcctl");
  CHECK(one(b, "additional.fields", "ShareName") == "\\\\*\\IPC$");
}

TEST_CASE("WinRM operational 6, 91, 169, 142") {
  constexpr const char* kWinRm = "Microsoft-Windows-WinRM/Operational";
  OwnedFlatEvent e6{{"EventID", "6"}, {"Channel", kWinRm}, {"Hostname", "WORKSTATION5"},
                    {"TimeCreated", "2020-08-06T15:56:22Z"}, {"connection", "WORKSTATION6/wsman"}};
  OwnedFlatEvent e91{{"EventID", "91"}, {"Channel", kWinRm}, {"Hostname", "WORKSTATION6"},
                     {"TimeCreated", "2020-08-06T15:56:22Z"}, {"resourceUri", "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"},
                     {"shellId", "ABC"}};
  OwnedFlatEvent e169{{"EventID", "169"}, {"Channel", kWinRm}, {"Hostname", "WORKSTATION6"},
                      {"TimeCreated", "2020-08-06T15:56:22Z"}, {"username", "THESHIRE\\pgustavo"},
                      {"authenticationMechanism", "Kerberos"}};
  OwnedFlatEvent e142{{"EventID", "142"}, {"Channel", kWinRm}, {"Hostname", "WORKSTATION6"},
                      {"TimeCreated", "2020-08-06T15:56:22Z"}, {"operationName", "Enumeration"}, {"errorCode", "2150858770"}};
  udm::Event a, b, c, d;
  CHECK(normalise_windows_event(e6.event, a).mapped);
  CHECK(normalise_windows_event(e91.event, b).mapped);
  CHECK(normalise_windows_event(e169.event, c).mapped);
  CHECK(normalise_windows_event(e142.event, d).mapped);
  CHECK(one(a, "metadata.event_type") == "NETWORK_CONNECTION");
  CHECK(one(a, "target.hostname") == "WORKSTATION6/wsman");
  CHECK(one(b, "metadata.event_type") == "USER_RESOURCE_ACCESS");
  CHECK(one(b, "target.resource.name") == "http://schemas.microsoft.com/powershell/Microsoft.PowerShell");
  CHECK(one(b, "additional.fields", "shellId") == "ABC");
  CHECK(one(c, "metadata.event_type") == "USER_LOGIN");
  CHECK(one(c, "principal.user.userid") == "THESHIRE\\pgustavo");
  CHECK(one(d, "metadata.event_type") == "STATUS_UPDATE");
  CHECK(one(d, "additional.fields", "errorCode") == "2150858770");
}

TEST_CASE("PowerShell operational 4103 and 4104") {
  constexpr const char* kPs = "Microsoft-Windows-PowerShell/Operational";
  OwnedFlatEvent e4103{{"EventID", "4103"}, {"Channel", kPs}, {"Hostname", "WORKSTATION6"},
                       {"@timestamp", "2020-08-06T15:56:36.430Z"}, {"Payload", "CommandInvocation(Get-Process)"},
                       {"ContextInfo", "Host Application = C:\\windows\\system32\\wsmprovhost.exe -Embedding"},
                       {"AccountName", "pgustavo"}};
  OwnedFlatEvent e4104{{"EventID", "4104"}, {"Channel", kPs}, {"Hostname", "WORKSTATION6"},
                       {"@timestamp", "2020-08-06T15:56:36.430Z"}, {"ScriptBlockText", "Invoke-WmiMethod -ComputerName X"},
                       {"ScriptBlockId", "0f4e"}, {"Path", ""}};
  udm::Event a, b;
  normalise_windows_event(e4103.event, a);
  normalise_windows_event(e4104.event, b);
  CHECK(one(a, "metadata.event_type") == "PROCESS_UNCATEGORIZED");
  CHECK(one(a, "target.process.command_line") == "CommandInvocation(Get-Process)");
  CHECK(one(a, "principal.user.userid") == "pgustavo");
  CHECK(one(a, "additional.fields", "ContextInfo") ==
        "Host Application = C:\\windows\\system32\\wsmprovhost.exe -Embedding");
  CHECK(one(b, "metadata.event_type") == "PROCESS_UNCATEGORIZED");
  CHECK(one(b, "target.process.command_line") == "Invoke-WmiMethod -ComputerName X");
  CHECK(strings(b, "target.file.full_path").empty());
}

TEST_CASE("unmapped events become GENERIC_EVENT with every field kept") {
  OwnedFlatEvent raw{{"EventID", "4658"}, {"Channel", "Security"}, {"Hostname", "WORKSTATION5"},
                     {"EventTime", "2020-09-20 12:16:06"}, {"HandleId", "0x1a4"}, {"ObjectServer", "Security"}};
  udm::Event e;
  const auto outcome = normalise_windows_event(raw.event, e);
  CHECK_FALSE(outcome.mapped);
  CHECK(outcome.time_source == TimeSource::event_time);
  CHECK(one(e, "metadata.event_type") == "GENERIC_EVENT");
  CHECK(one(e, "metadata.product_event_type") == "4658");
  CHECK(one(e, "principal.hostname") == "WORKSTATION5");
  for (const auto& [key, value] : raw.storage) CHECK(one(e, "additional.fields", key) == value);
  // An event of an unknown channel with a known id is not mapped either.
  OwnedFlatEvent other{{"EventID", "1"}, {"Channel", "Application"}, {"Hostname", "H"}};
  udm::Event o;
  CHECK_FALSE(normalise_windows_event(other.event, o).mapped);
}
