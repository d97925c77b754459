#include "siem/demo/windows_events.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "siem/demo/flat_event.hpp"
#include "siem/demo/prng.hpp"

namespace lh::siem::demo::win {
namespace {

constexpr std::string_view kSysmonChannel = "Microsoft-Windows-Sysmon/Operational";
constexpr std::string_view kWin10 = "10.0.19041.1 (WinBuild.160101.0800)";
constexpr std::string_view kMsWindows = "Microsoft\xc2\xae Windows\xc2\xae Operating System";
constexpr std::string_view kMicrosoft = "Microsoft Corporation";

struct CatalogEntry {
  std::string_view base;  // lower-case file name
  ImageInfo info;
};

constexpr CatalogEntry kCatalog[] = {
    {"cmd.exe", {kWin10, "Windows Command Processor", kMsWindows, kMicrosoft, "Cmd.Exe"}},
    {"conhost.exe", {kWin10, "Console Window Host", kMsWindows, kMicrosoft, "CONHOST.EXE"}},
    {"powershell.exe", {kWin10, "Windows PowerShell", kMsWindows, kMicrosoft, "PowerShell.EXE"}},
    {"psexec.exe", {"2.34", "Execute processes remotely", "Sysinternals PsExec", "Sysinternals - www.sysinternals.com", "psexec.c"}},
    {"psexesvc.exe", {"2.34", "PsExec Service", "Sysinternals PsExec", "Sysinternals", "psexesvc.exe"}},
    {"wmic.exe", {kWin10, "WMI Commandline Utility", kMsWindows, kMicrosoft, "wmic.exe"}},
    {"wmiprvse.exe", {kWin10, "WMI Provider Host", kMsWindows, kMicrosoft, "Wmiprvse.exe"}},
    {"wsmprovhost.exe", {kWin10, "Host process for WinRM plug-ins", kMsWindows, kMicrosoft, "wsmprovhost.exe"}},
    {"svchost.exe", {kWin10, "Host Process for Windows Services", kMsWindows, kMicrosoft, "svchost.exe"}},
    {"services.exe", {kWin10, "Services and Controller app", kMsWindows, kMicrosoft, "services.exe"}},
    {"reg.exe", {kWin10, "Registry Console Tool", kMsWindows, kMicrosoft, "reg.exe"}},
    {"rundll32.exe", {kWin10, "Windows host process (Rundll32)", kMsWindows, kMicrosoft, "RUNDLL32.EXE"}},
    {"net.exe", {kWin10, "Net Command", kMsWindows, kMicrosoft, "net.exe"}},
    {"net1.exe", {kWin10, "Net Command", kMsWindows, kMicrosoft, "net1.exe"}},
    {"whoami.exe", {kWin10, "whoami - displays logged on user information", kMsWindows, kMicrosoft, "whoami.exe"}},
    {"schtasks.exe", {kWin10, "Task Scheduler Configuration Tool", kMsWindows, kMicrosoft, "schtasks.exe"}},
    {"mmc.exe", {kWin10, "Microsoft Management Console", kMsWindows, kMicrosoft, "MMC.EXE"}},
    {"taskhostw.exe", {kWin10, "Host Process for Windows Tasks", kMsWindows, kMicrosoft, "taskhostw.exe"}},
    {"mpcmdrun.exe", {"4.18.2102.4", "Microsoft Malware Protection Command Line Utility", kMsWindows, kMicrosoft, "MpCmdRun.exe"}},
    {"compattelrunner.exe", {kWin10, "Microsoft Compatibility Telemetry", kMsWindows, kMicrosoft, "CompatTelRunner.exe"}},
    {"defrag.exe", {kWin10, "Disk Defragmenter Module", kMsWindows, kMicrosoft, "Defrag.EXE"}},
    {"chrome.exe", {"122.0.6261.112", "Google Chrome", "Google Chrome", "Google LLC", "chrome.exe"}},
    {"msedge.exe", {"122.0.2365.66", "Microsoft Edge", "Microsoft Edge", kMicrosoft, "msedge.exe"}},
    {"outlook.exe", {"16.0.17328.20162", "Microsoft Outlook", "Microsoft Outlook", kMicrosoft, "Outlook.exe"}},
    {"winword.exe", {"16.0.17328.20162", "Microsoft Word", "Microsoft Office", kMicrosoft, "WinWord.exe"}},
    {"excel.exe", {"16.0.17328.20162", "Microsoft Excel", "Microsoft Office", kMicrosoft, "Excel.exe"}},
    {"ms-teams.exe", {"24004.1307.2669.7070", "Microsoft Teams", "Microsoft Teams", kMicrosoft, "ms-teams.exe"}},
    {"notepad.exe", {kWin10, "Notepad", kMsWindows, kMicrosoft, "NOTEPAD.EXE"}},
    {"explorer.exe", {kWin10, "Windows Explorer", kMsWindows, kMicrosoft, "EXPLORER.EXE"}},
    {"userinit.exe", {kWin10, "Userinit Logon Application", kMsWindows, kMicrosoft, "USERINIT.EXE"}},
    {"ipconfig.exe", {kWin10, "IP Configuration Utility", kMsWindows, kMicrosoft, "ipconfig.exe"}},
    {"gpupdate.exe", {kWin10, "Microsoft\xc2\xae Windows\xc2\xae Operating System Group Policy Update Utility", kMsWindows, kMicrosoft, "GPUpdate.exe"}},
    {"sc.exe", {kWin10, "Service Control Manager Configuration Tool", kMsWindows, kMicrosoft, "sc.exe"}},
    {"iisreset.exe", {kWin10, "IIS Reset Utility", "Internet Information Services", kMicrosoft, "IISRESET.EXE"}},
    {"ccmsetup.exe", {"5.0.9122.1000", "Configuration Manager Client Setup Bootstrap", "Microsoft Configuration Manager", kMicrosoft, "CcmSetup.exe"}},
    {"smsexec.exe", {"5.0.9122.1000", "Configuration Manager Executive", "Microsoft Configuration Manager", kMicrosoft, "smsexec.exe"}},
    {"msiexec.exe", {kWin10, "Windows\xc2\xae installer", kMsWindows, kMicrosoft, "msiexec.exe"}},
    {"onedrive.exe", {"24.040.0225.0001", "Microsoft OneDrive", "Microsoft OneDrive", kMicrosoft, "OneDrive.exe"}},
    {"searchprotocolhost.exe", {kWin10, "Microsoft Windows Search Protocol Host", kMsWindows, kMicrosoft, "SearchProtocolHost.exe"}},
    {"trustedinstaller.exe", {kWin10, "Windows Modules Installer", kMsWindows, kMicrosoft, "TrustedInstaller.exe"}},
    {"sqlservr.exe", {"2019.150.4345.5", "SQL Server Windows NT - 64 Bit", "Microsoft SQL Server", kMicrosoft, "sqlservr.exe"}},
    {"sqlcmd.exe", {"2019.150.4345.5", "T-SQL execution command line utility", "Microsoft SQL Server", kMicrosoft, "sqlcmd.exe"}},
    {"w3wp.exe", {kWin10, "IIS Worker Process", "Internet Information Services", kMicrosoft, "w3wp.exe"}},
    {"winlogon.exe", {kWin10, "Windows Logon Application", kMsWindows, kMicrosoft, "WINLOGON.EXE"}},
    {"ping.exe", {kWin10, "TCP/IP Ping Command", kMsWindows, kMicrosoft, "ping.exe"}},
    {"tasklist.exe", {kWin10, "Lists the current running tasks", kMsWindows, kMicrosoft, "tasklist.exe"}},
    {"robocopy.exe", {kWin10, "Microsoft\xc2\xae Robust File Copy for Windows", kMsWindows, kMicrosoft, "robocopy.exe"}},
    {"wuauclt.exe", {kWin10, "Windows Update", kMsWindows, kMicrosoft, "wuauclt.exe"}},
    {"backgroundtaskhost.exe", {kWin10, "Background Task Host", kMsWindows, kMicrosoft, "backgroundTaskHost.exe"}},
    {"dllhost.exe", {kWin10, "COM Surrogate", kMsWindows, kMicrosoft, "dllhost.exe"}},
};

constexpr ImageInfo kUnknown{"-", "-", "-", "-", "-"};

std::string_view base_name(std::string_view image) {
  const auto slash = image.find_last_of('\\');
  return slash == std::string_view::npos ? image : image.substr(slash + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Sysmon's TimeCreated trails its own UtcTime by a few milliseconds.
Millis sysmon_logged(Millis utc) { return utc + 1 + (utc % 4); }

FlatEvent& sysmon_header(FlatEvent& e, const Host& host, Millis logged, int id) {
  e.str("SourceName", "Microsoft-Windows-Sysmon")
      .str("ProviderGuid", "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}")
      .str("Level", "4")
      .str("Keywords", "0x8000000000000000")
      .str("Channel", kSysmonChannel)
      .str("Hostname", host.fqdn)
      .iso("TimeCreated", logged)
      .iso("@timestamp", logged)
      .integer("EventID", id)
      .dec("Task", static_cast<std::uint64_t>(id));
  return e;
}

FlatEvent& security_header(FlatEvent& e, const Host& host, Millis logged, int id, std::string_view task,
                           bool failure = false) {
  e.str("SourceName", "Microsoft-Windows-Security-Auditing")
      .str("ProviderGuid", "{54849625-5478-4994-a5ba-3e3b0328c30d}")
      .str("Level", "0")
      .str("Keywords", failure ? "0x8010000000000000" : "0x8020000000000000")
      .str("Channel", "Security")
      .str("Hostname", host.fqdn)
      .iso("TimeCreated", logged)
      .iso("@timestamp", logged)
      .integer("EventID", id)
      .str("Task", task);
  return e;
}

FlatEvent& subject(FlatEvent& e, const Account& who, std::uint64_t logon) {
  e.str("SubjectUserSid", who.sid)
      .str("SubjectUserName", who.name)
      .str("SubjectDomainName", who.domain)
      .hex("SubjectLogonId", logon);
  return e;
}

std::string logon_guid_for(const Host& host, std::uint64_t logon) {
  return logon_guid((static_cast<std::uint64_t>(host.guid_prefix) << 32) ^ logon);
}

bool same_identity(const Process& a, const Process& b) {
  return a.logon_id == b.logon_id && a.account.sid == b.account.sid;
}

std::string_view mandatory_label(std::string_view integrity) {
  if (integrity == "System") return "S-1-16-16384";
  if (integrity == "High") return "S-1-16-12288";
  return "S-1-16-8192";
}

}  // namespace

ImageInfo image_info(std::string_view image) {
  const std::string base = lower(base_name(image));
  for (const auto& entry : kCatalog)
    if (entry.base == base) return entry.info;
  return kUnknown;
}

std::string image_hashes(std::string_view image) {
  static std::unordered_map<std::string, std::string> cache;
  std::string base = lower(base_name(image));
  auto it = cache.find(base);
  if (it != cache.end()) return it->second;
  std::uint64_t state = label(base);
  auto hex_words = [&state](int words) {
    std::string s;
    for (int i = 0; i < words; ++i) s += fmt::format("{:016X}", splitmix64(state));
    return s;
  };
  // Drawn last part first, one draw per statement (operands of + are evaluated in an unspecified order);
  // this is the order the committed demo data was generated with.
  const std::string imphash = hex_words(2);
  const std::string sha256 = hex_words(4);
  const std::string md5 = hex_words(2);
  const std::string sha1 = hex_words(3).substr(0, 40);
  std::string h = "SHA1=" + sha1 + ",MD5=" + md5 + ",SHA256=" + sha256 + ",IMPHASH=" + imphash;
  cache.emplace(std::move(base), h);
  return h;
}

void process_create(EventSink& sink, const Host& host, Millis t, const Process& child, const Process& parent) {
  const Millis utc = t + host.skew;
  const ImageInfo info = image_info(child.image);
  {
    const Millis logged = sysmon_logged(utc);
    FlatEvent e(sink.open(logged));
    sysmon_header(e, host, logged, 1)
        .str("RuleName", "-")
        .sysmon("UtcTime", utc)
        .str("ProcessGuid", child.guid)
        .dec("ProcessId", child.pid)
        .str("Image", child.image)
        .str("FileVersion", info.file_version)
        .str("Description", info.description)
        .str("Product", info.product)
        .str("Company", info.company)
        .str("OriginalFileName", info.original_file_name)
        .str("CommandLine", child.command_line)
        .str("CurrentDirectory", child.current_directory)
        .str("User", child.account.sysmon_user)
        .str("LogonGuid", logon_guid_for(host, child.logon_id))
        .hex("LogonId", child.logon_id)
        .dec("TerminalSessionId", static_cast<std::uint64_t>(child.session))
        .str("IntegrityLevel", child.integrity)
        .str("Hashes", image_hashes(child.image))
        .str("ParentProcessGuid", parent.guid)
        .dec("ParentProcessId", parent.pid)
        .str("ParentImage", parent.image)
        .str("ParentCommandLine", parent.command_line);
  }
  sink.commit();
  {
    const Millis logged = utc + 1;
    const bool other = !same_identity(child, parent);
    FlatEvent e(sink.open(logged));
    security_header(e, host, logged, 4688, "13312");
    subject(e, parent.account, parent.logon_id)
        .hex("NewProcessId", child.pid)
        .str("NewProcessName", child.image)
        .str("TokenElevationType", child.integrity == "Medium" ? "%%1938" : "%%1936")
        .hex("ProcessId", parent.pid)
        .str("CommandLine", child.command_line)
        .str("TargetUserSid", "S-1-0-0")
        .str("TargetUserName", other ? std::string_view(child.account.name) : "-")
        .str("TargetDomainName", other ? std::string_view(child.account.domain) : "-")
        .hex("TargetLogonId", other ? child.logon_id : 0)
        .str("ParentProcessName", parent.image)
        .str("MandatoryLabel", mandatory_label(child.integrity));
  }
  sink.commit();
}

void network_connection(EventSink& sink, const Host& host, Millis t, const Process& process, const Connection& c) {
  const Millis utc = t + host.skew;
  const Millis logged = sysmon_logged(utc);
  {
    FlatEvent e(sink.open(logged));
    sysmon_header(e, host, logged, 3)
        .str("RuleName", "-")
        .sysmon("UtcTime", utc)
        .str("ProcessGuid", process.guid)
        .dec("ProcessId", process.pid)
        .str("Image", process.image)
        .str("User", process.account.sysmon_user)
        .str("Protocol", c.protocol)
        .str("Initiated", c.initiated ? "true" : "false")
        .str("SourceIsIpv6", "false")
        .str("SourceIp", c.source_ip)
        .str("SourceHostname", "-")
        .dec("SourcePort", c.source_port)
        .str("SourcePortName", "-")
        .str("DestinationIsIpv6", "false")
        .str("DestinationIp", c.destination_ip)
        .str("DestinationHostname", "-")
        .dec("DestinationPort", c.destination_port)
        .str("DestinationPortName", "-");
  }
  sink.commit();
}

void file_create(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view path) {
  const Millis utc = t + host.skew;
  const Millis logged = sysmon_logged(utc);
  {
    FlatEvent e(sink.open(logged));
    sysmon_header(e, host, logged, 11)
        .str("RuleName", "-")
        .sysmon("UtcTime", utc)
        .str("ProcessGuid", process.guid)
        .dec("ProcessId", process.pid)
        .str("Image", process.image)
        .str("TargetFilename", path)
        .sysmon("CreationUtcTime", utc);
  }
  sink.commit();
}

void registry_create_key(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view key) {
  const Millis utc = t + host.skew;
  const Millis logged = sysmon_logged(utc);
  {
    FlatEvent e(sink.open(logged));
    sysmon_header(e, host, logged, 12)
        .str("RuleName", "-")
        .str("EventType", "CreateKey")
        .sysmon("UtcTime", utc)
        .str("ProcessGuid", process.guid)
        .dec("ProcessId", process.pid)
        .str("Image", process.image)
        .str("TargetObject", key);
  }
  sink.commit();
}

void registry_set_value(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view key,
                        std::string_view details) {
  const Millis utc = t + host.skew;
  const Millis logged = sysmon_logged(utc);
  {
    FlatEvent e(sink.open(logged));
    sysmon_header(e, host, logged, 13)
        .str("RuleName", "-")
        .str("EventType", "SetValue")
        .sysmon("UtcTime", utc)
        .str("ProcessGuid", process.guid)
        .dec("ProcessId", process.pid)
        .str("Image", process.image)
        .str("TargetObject", key)
        .str("Details", details);
  }
  sink.commit();
}

static void pipe_event(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view pipe,
                       int id) {
  const Millis utc = t + host.skew;
  const Millis logged = sysmon_logged(utc);
  {
    FlatEvent e(sink.open(logged));
    sysmon_header(e, host, logged, id)
        .str("RuleName", "-")
        .str("EventType", id == 17 ? "CreatePipe" : "ConnectPipe")
        .sysmon("UtcTime", utc)
        .str("ProcessGuid", process.guid)
        .dec("ProcessId", process.pid)
        .str("PipeName", pipe)
        .str("Image", process.image);
  }
  sink.commit();
}

void pipe_created(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view pipe) {
  pipe_event(sink, host, t, process, pipe, 17);
}
void pipe_connected(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view pipe) {
  pipe_event(sink, host, t, process, pipe, 18);
}

static void logon_fields(FlatEvent& e, const Host& host, const Logon& l, bool failed) {
  if (l.subject_is_system)
    subject(e, host.system_account, 0x3e7);
  else
    e.str("SubjectUserSid", "S-1-0-0").str("SubjectUserName", "-").str("SubjectDomainName", "-").str("SubjectLogonId", "0x0");
  const bool kerberos = l.package == "Kerberos";
  const bool ntlm = l.package == "NTLM";
  e.str("TargetUserSid", failed ? std::string_view("S-1-0-0") : std::string_view(l.target.sid))
      .str("TargetUserName", l.target.name)
      .str("TargetDomainName", kerberos ? std::string_view("ACME.LOCAL") : std::string_view(l.target.domain));
  if (failed) {
    e.str("Status", "0xc000006d").str("FailureReason", "%%2313").str("SubStatus", "0xc000006a");
  } else {
    e.hex("TargetLogonId", l.target_logon_id);
  }
  e.dec("LogonType", static_cast<std::uint64_t>(l.type))
      .str("LogonProcessName", kerberos ? "Kerberos" : ntlm ? "NtLmSsp " : "User32 ")
      .str("AuthenticationPackageName", l.package)
      .str("WorkstationName", l.workstation);
  if (!failed) e.str("LogonGuid", kerberos ? logon_guid(l.target_logon_id ^ 0x5a5a) : "{00000000-0000-0000-0000-000000000000}");
  e.str("TransmittedServices", "-")
      .str("LmPackageName", ntlm ? "NTLM V2" : "-")
      .str("KeyLength", ntlm ? "128" : "0")
      .hex("ProcessId", l.process_id)
      .str("ProcessName", l.process_name)
      .str("IpAddress", l.ip)
      .str("IpPort", l.port);
  if (!failed) {
    e.str("ImpersonationLevel", "%%1833")
        .str("RestrictedAdminMode", "-")
        .str("TargetOutboundUserName", "-")
        .str("TargetOutboundDomainName", "-")
        .str("VirtualAccount", "%%1843")
        .str("TargetLinkedLogonId", "0x0")
        .str("ElevatedToken", l.elevated ? "%%1842" : "%%1843");
  }
}

void logon(EventSink& sink, const Host& host, Millis t, const Logon& l) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    security_header(e, host, logged, 4624, "12544");
    logon_fields(e, host, l, false);
  }
  sink.commit();
}

void logon_failed(EventSink& sink, const Host& host, Millis t, const Logon& l) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    security_header(e, host, logged, 4625, "12544", true);
    logon_fields(e, host, l, true);
  }
  sink.commit();
}

void special_privileges(EventSink& sink, const Host& host, Millis t, const Account& who, std::uint64_t logon_id) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    security_header(e, host, logged, 4672, "12548");
    subject(e, who, logon_id)
        .str("PrivilegeList",
             "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeTakeOwnershipPrivilege\n\t\t\t"
             "SeDebugPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeLoadDriverPrivilege\n\t\t\t"
             "SeImpersonatePrivilege\n\t\t\tSeDelegateSessionUserImpersonatePrivilege");
  }
  sink.commit();
}

void logoff(EventSink& sink, const Host& host, Millis t, const Account& who, std::uint64_t logon_id, int type) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    security_header(e, host, logged, 4634, "12545")
        .str("TargetUserSid", who.sid)
        .str("TargetUserName", who.name)
        .str("TargetDomainName", who.domain)
        .hex("TargetLogonId", logon_id)
        .dec("LogonType", static_cast<std::uint64_t>(type));
  }
  sink.commit();
}

void explicit_credentials(EventSink& sink, const Host& host, Millis t, const ExplicitCredentials& x) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    security_header(e, host, logged, 4648, "12544");
    subject(e, x.process->account, x.process->logon_id)
        .str("LogonGuid", "{00000000-0000-0000-0000-000000000000}")
        .str("TargetUserName", x.target.name)
        .str("TargetDomainName", x.target.domain)
        .str("TargetLogonGuid", "{00000000-0000-0000-0000-000000000000}")
        .str("TargetServerName", x.target_server)
        .str("TargetInfo", x.target_info)
        .hex("ProcessId", x.process->pid)
        .str("ProcessName", x.process->image)
        .str("IpAddress", x.ip)
        .str("IpPort", x.port);
  }
  sink.commit();
}

void service_installed_system(EventSink& sink, const Host& host, Millis t, const ServiceInstall& s) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    e.str("SourceName", "Service Control Manager")
        .str("ProviderGuid", "{555908d1-a6d7-4695-8e1e-26931d2012f4}")
        .str("Level", "4")
        .str("Keywords", "0x8080000000000000")
        .str("Channel", "System")
        .str("Hostname", host.fqdn)
        .iso("TimeCreated", logged)
        .iso("@timestamp", logged)
        .integer("EventID", 7045)
        .str("Task", "0")
        .str("ServiceName", s.name)
        .str("ImagePath", s.image_path)
        .str("ServiceType", "user mode service")
        .str("StartType", s.start_type)
        .str("AccountName", s.account);
  }
  sink.commit();
}

void service_installed_security(EventSink& sink, const Host& host, Millis t, const ServiceInstall& s,
                                const Account& who, std::uint64_t subject_logon_id) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    security_header(e, host, logged, 4697, "12289");
    subject(e, who, subject_logon_id)
        .str("ServiceName", s.name)
        .str("ServiceFileName", s.image_path)
        .str("ServiceType", "0x10")
        .str("ServiceStartType", s.start_type == "auto start" ? "2" : "3")
        .str("ServiceAccount", s.account);
  }
  sink.commit();
}

void task_created(EventSink& sink, const Host& host, Millis t, const Account& who, std::uint64_t subject_logon_id,
                  std::string_view task_name, std::string_view task_content) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    security_header(e, host, logged, 4698, "12804");
    subject(e, who, subject_logon_id)
        .str("TaskName", task_name)
        .str("TaskContent", task_content)
        .str("ClientProcessStartKey", "0")
        .str("ClientProcessId", "0")
        .str("ParentProcessId", "0")
        .str("RpcCallClientLocality", "0")
        .str("FQDN", host.fqdn);
  }
  sink.commit();
}

void task_registered(EventSink& sink, const Host& host, Millis t, std::string_view task_name,
                     std::string_view user_context) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    e.str("SourceName", "Microsoft-Windows-TaskScheduler")
        .str("ProviderGuid", "{de7b24ea-73c8-4a09-985d-5bdadcfa9017}")
        .str("Level", "4")
        .str("Keywords", "0x8000000000000000")
        .str("Channel", "Microsoft-Windows-TaskScheduler/Operational")
        .str("Hostname", host.fqdn)
        .iso("TimeCreated", logged)
        .iso("@timestamp", logged)
        .integer("EventID", 106)
        .str("Task", "106")
        .str("TaskName", task_name)
        .str("UserContext", user_context);
  }
  sink.commit();
}

static void share_event(EventSink& sink, const Host& host, Millis t, const ShareAccess& a, int id) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    security_header(e, host, logged, id, id == 5140 ? "12808" : "12811");
    subject(e, a.subject, a.subject_logon_id)
        .str("ObjectType", "File")
        .str("IpAddress", a.ip)
        .str("IpPort", a.port)
        .str("ShareName", a.share)
        .str("ShareLocalPath", a.local_path);
    if (id == 5145) e.str("RelativeTargetName", a.relative_target);
    e.str("AccessMask", a.access_mask).str("AccessList", a.access_list);
    if (id == 5145) e.str("AccessReason", "-");
  }
  sink.commit();
}

void share_accessed(EventSink& sink, const Host& host, Millis t, const ShareAccess& a) {
  share_event(sink, host, t, a, 5140);
}
void share_checked(EventSink& sink, const Host& host, Millis t, const ShareAccess& a) {
  share_event(sink, host, t, a, 5145);
}

void script_block(EventSink& sink, const Host& host, Millis t, std::string_view text, std::uint64_t id_salt) {
  const Millis logged = t + host.skew;
  std::string id = logon_guid(id_salt);
  id = id.substr(1, id.size() - 2);
  {
    FlatEvent e(sink.open(logged));
    e.str("SourceName", "Microsoft-Windows-PowerShell")
        .str("ProviderGuid", "{a0c1853b-5c40-4b15-8766-3cf1c58f985a}")
        .str("Level", "5")
        .str("Keywords", "0x0")
        .str("Channel", "Microsoft-Windows-PowerShell/Operational")
        .str("Hostname", host.fqdn)
        .iso("TimeCreated", logged)
        .iso("@timestamp", logged)
        .integer("EventID", 4104)
        .str("Task", "2")
        .str("MessageNumber", "1")
        .str("MessageTotal", "1")
        .str("ScriptBlockText", text)
        .str("ScriptBlockId", id)
        .str("Path", "");
  }
  sink.commit();
}

void powershell_ipc_started(EventSink& sink, const Host& host, Millis t, std::uint32_t pid) {
  const Millis logged = t + host.skew;
  {
    FlatEvent e(sink.open(logged));
    e.str("SourceName", "Microsoft-Windows-PowerShell")
        .str("ProviderGuid", "{a0c1853b-5c40-4b15-8766-3cf1c58f985a}")
        .str("Level", "4")
        .str("Keywords", "0x0")
        .str("Channel", "Microsoft-Windows-PowerShell/Operational")
        .str("Hostname", host.fqdn)
        .iso("TimeCreated", logged)
        .iso("@timestamp", logged)
        .integer("EventID", 53504)
        .str("Task", "111")
        .dec("param1", pid)
        .str("param2", "DefaultAppDomain");
  }
  sink.commit();
}

}  // namespace lh::siem::demo::win
