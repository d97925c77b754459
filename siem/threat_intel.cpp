#include "siem/threat_intel.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

#include <fmt/format.h>

namespace lh::siem {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* const kLateralMovementNotes =
    "lateral-hunt reference notes on Windows lateral movement (compiled from SigmaHQ, Elastic, Splunk and "
    "Google detection content and replays of the OTRF Security-Datasets recordings)";

std::vector<TechniqueNote> build_notes() {
  std::vector<TechniqueNote> notes;
  notes.push_back(TechniqueNote{
      "T1021.002", "Remote Services: SMB/Windows Admin Shares", "Lateral Movement",
      {"smb", "admin share", "admin$", "c$", "ipc$", "psexec", "paexec", "remcom", "csexec", "smbexec", "445",
       "5140", "5145", "named pipe", "svcctl"},
      "Adversaries log on over SMB (TCP 445) with valid accounts and use the hidden admin shares (ADMIN$, C$, "
      "IPC$) to copy files and reach RPC pipes such as svcctl (service control) and atsvc (task scheduler). "
      "Sysinternals PsExec, Impacket psexec/smbexec, RemCom, PAExec and CSExec all travel this way.",
      {"Target: 4624 logon type 3 from the source IP (IpAddress/IpPort), then 5140/5145 share access from the "
       "same IpAddress:IpPort (svcctl, atsvc, PSEXESVC, RemCom_*, *-stdin/-stdout/-stderr pipes; ADMIN$/C$ "
       "writes with %%4417 WriteData).",
       "Target: inbound Sysmon 3 on port 445 owned by System (Initiated=false); the SourcePort equals the "
       "4624 IpPort.",
       "Target: Sysmon 11 by System writing C:\\Windows\\PSEXESVC.exe or a random 8-letter .exe (tool "
       "transfer); Sysmon 17/18 pipe events.",
       "Source: the client command line (psexec \\\\HOST -accepteula -s, sc \\\\HOST create ...)."},
      "metadata.product_event_type = \"5145\" AND target.resource.name = /svcctl|atsvc|PSEXESVC|RemCom/ nocase",
      {"https://attack.mitre.org/techniques/T1021/002/", kLateralMovementNotes}});
  notes.push_back(TechniqueNote{
      "T1569.002", "System Services: Service Execution", "Execution",
      {"service execution", "psexec", "psexesvc", "smbexec", "services.exe", "sc.exe", "sc \\\\", "sharpsc",
       "invoke-psexec", "scmr", "7045", "4697"},
      "A service is created and started on the target through the Service Control Manager (remotely over the "
      "svcctl pipe on SMB, or SCMR over TCP 135 plus a dynamic port) to run a binary or a command line as "
      "SYSTEM. PsExec installs PSEXESVC; Impacket smbexec installs a service whose ImagePath is a "
      "%COMSPEC% one-liner; Empire's Invoke-PsExec uses SCMR over TCP.",
      {"System 7045 / Security 4697 service installed (7045 ServiceName is the display name, 4697 has the "
       "real name; ImagePath with %COMSPEC%, -enc, -nop, \\\\127.0.0.1\\C$\\__output).",
       "Sysmon 1 / 4688 with parent services.exe launching cmd.exe, powershell.exe or a PsExec-family binary.",
       "4697 SubjectLogonId equals the TargetLogonId of the attacker's 4624 type 3 logon.",
       "Service-launched processes run as SYSTEM (0x3e7): link them by the install event and time."},
      "metadata.event_type = \"PROCESS_LAUNCH\" AND principal.process.file.full_path = /\\\\services\\.exe$/ nocase "
      "AND target.process.file.full_path = /\\\\(cmd|powershell|pwsh|psexesvc)\\.exe$/ nocase",
      {"https://attack.mitre.org/techniques/T1569/002/", kLateralMovementNotes}});
  notes.push_back(TechniqueNote{
      "T1047", "Windows Management Instrumentation", "Execution",
      {"wmi", "wmic", "wmiprvse", "invoke-wmimethod", "invoke-cimmethod", "sharpwmi", "wmiexec", "win32_process",
       "dcerpc", "process call create"},
      "WMI executes processes on a remote host through DCOM/RPC (TCP 135, then a dynamic port of 49152-65535); "
      "wmic /node:HOST process call create, PowerShell Invoke-WmiMethod/Invoke-CimMethod, SharpWMI and Impacket "
      "wmiexec all do so. The payload runs as a child of WmiPrvSE.exe in the attacker's network logon.",
      {"Target: Sysmon 1 / 4688 with parent WmiPrvSE.exe (-secured -Embedding) launching cmd/powershell; the "
       "child's LogonId equals a 4624 type 3 TargetLogonId.",
       "Target: inbound Sysmon 3 on 135 and then a high port owned by svchost.exe; no port 445 involved "
       "(except wmiexec output retrieval over ADMIN$).",
       "Impacket wmiexec: cmd.exe /Q /c <cmd> 1> \\\\127.0.0.1\\ADMIN$\\__<epoch> 2>&1.",
       "Source: wmic /node:HOST ... and a 4648 explicit-credential logon to RPCSS/HOST."},
      "metadata.event_type = \"PROCESS_LAUNCH\" AND principal.process.file.full_path = /\\\\wmiprvse\\.exe$/ nocase",
      {"https://attack.mitre.org/techniques/T1047/", kLateralMovementNotes}});
  notes.push_back(TechniqueNote{
      "T1021.006", "Remote Services: Windows Remote Management", "Lateral Movement",
      {"winrm", "wsman", "wsmprovhost", "winrshost", "winrs", "psremoting", "powershell remoting",
       "enter-pssession", "invoke-command", "5985", "5986"},
      "WinRM (WS-Management over HTTP 5985 / HTTPS 5986) runs commands and PowerShell remoting sessions on a "
      "remote host (Invoke-Command, Enter-PSSession, winrs -r:HOST).",
      {"Target: processes launched by wsmprovhost.exe -Embedding (PowerShell remoting) or winrshost.exe "
       "(winrs).",
       "Target: inbound Sysmon 3 on 5985/5986 owned by System; the Kerberos 4624 often has IpAddress \"-\", so "
       "take the source address from the inbound connection.",
       "WinRM operational events 91/169 and PowerShell 4104 script blocks on the target."},
      "metadata.event_type = \"PROCESS_LAUNCH\" AND principal.process.file.full_path = /\\\\(wsmprovhost|winrshost)\\.exe$/ nocase",
      {"https://attack.mitre.org/techniques/T1021/006/", kLateralMovementNotes}});
  notes.push_back(TechniqueNote{
      "T1021.003", "Remote Services: Distributed Component Object Model", "Lateral Movement",
      {"dcom", "mmc20", "mmc.exe", "shellwindows", "shellbrowserwindow", "excel.application", "dcomexec",
       "dcomlaunch", "-embedding"},
      "DCOM objects (MMC20.Application, ShellWindows, ShellBrowserWindow, Excel.Application) are instantiated on "
      "a remote host over RPC (TCP 135 plus a dynamic port) to execute commands.",
      {"Target: svchost -k DcomLaunch launching mmc.exe -Embedding, EXCEL.EXE /automation -Embedding or "
       "mshta.exe -Embedding, which then spawn cmd.exe/powershell.exe.",
       "ShellWindows/ShellBrowserWindow: explorer.exe of the interactive user spawns cmd.exe /c %COMSPEC% ... and "
       "accepts a high-port connection; attribute by the network logon, not the process user.",
       "Impacket dcomexec writes command output to \\\\127.0.0.1\\ADMIN$ like wmiexec."},
      "metadata.event_type = \"PROCESS_LAUNCH\" AND principal.process.command_line = /-Embedding/ nocase AND "
      "principal.process.file.full_path = /\\\\(mmc|excel|mshta)\\.exe$/ nocase",
      {"https://attack.mitre.org/techniques/T1021/003/", kLateralMovementNotes}});
  notes.push_back(TechniqueNote{
      "T1053.005", "Scheduled Task/Job: Scheduled Task", "Execution, Persistence, Privilege Escalation",
      {"scheduled task", "schtasks", "atexec", "atsvc", "task scheduler", "4698", "4699", "4702", "taskeng",
       "at.exe"},
      "A task is created on a remote host (schtasks /create /S HOST, Impacket atexec over the atsvc pipe) to run "
      "a command, often created and deleted within seconds.",
      {"Target: 4698 task created (4699 deleted, 4702 updated); for a remote creation ClientProcessId=0 and "
       "RpcCallClientLocality=0, and SubjectLogonId equals a 4624 type 3 TargetLogonId.",
       "Target: 5145 access to the atsvc pipe a few milliseconds before; Task Scheduler 106/140.",
       "atexec: cmd.exe /C <cmd> > C:\\Windows\\Temp\\XXXXXXXX.tmp 2>&1 launched by svchost.",
       "Source: schtasks /create ... /S HOST in a process command line."},
      "metadata.product_event_type = \"4698\" OR target.process.command_line = /schtasks.*\\/create/ nocase",
      {"https://attack.mitre.org/techniques/T1053/005/", kLateralMovementNotes}});
  notes.push_back(TechniqueNote{
      "T1570", "Lateral Tool Transfer", "Lateral Movement",
      {"lateral tool transfer", "tool transfer", "file copy", "copy", "admin$", "c$", "psexesvc.exe",
       "createrequest", "smb copy"},
      "Tools and payloads are copied between hosts, typically over SMB to the ADMIN$ or C$ share, before they are "
      "executed (PsExec drops PSEXESVC.exe, Impacket psexec a random 8-letter .exe).",
      {"Target: 5145 on \\\\*\\ADMIN$ or \\\\*\\C$ with write access (AccessMask 0x2, %%4417) to a .exe/.dll.",
       "Target: Sysmon 11 file creation by System (the SMB server) of the executable.",
       "Followed by a service install or a remote execution that runs the dropped file."},
      "metadata.event_type = \"FILE_CREATION\" AND target.file.full_path = /\\.(exe|dll)$/ nocase AND "
      "principal.process.file.full_path = /^System$/ nocase",
      {"https://attack.mitre.org/techniques/T1570/", kLateralMovementNotes}});
  notes.push_back(TechniqueNote{
      "T1021.001", "Remote Services: Remote Desktop Protocol", "Lateral Movement",
      {"rdp", "remote desktop", "mstsc", "3389", "terminal services", "rdpcorets", "logon type 10"},
      "Adversaries log on interactively to remote hosts with RDP (TCP 3389) using valid accounts.",
      {"Target: 4624 logon type 10 (RemoteInteractive) with the source IpAddress; RdpCoreTs and "
       "TerminalServices logs.",
       "Target: inbound Sysmon 3 on 3389.",
       "Source: mstsc.exe with /v:HOST."},
      "metadata.event_type = \"USER_LOGIN\" AND extensions.auth.mechanism = \"REMOTE_INTERACTIVE\"",
      {"https://attack.mitre.org/techniques/T1021/001/", kLateralMovementNotes}});
  notes.push_back(TechniqueNote{
      "T1543.003", "Create or Modify System Process: Windows Service", "Persistence, Privilege Escalation",
      {"windows service", "service creation", "create service", "new service", "sc create", "7045", "4697",
       "imagepath", "service install"},
      "A new or modified Windows service runs a payload as SYSTEM at install time or on each boot; remote "
      "execution tools install one per run and often delete it afterwards.",
      {"System 7045 and Security 4697 with unusual service names (PSEXESVC, BTOBTO, random 8 letters) or "
       "ImagePaths (%COMSPEC%, powershell -enc, \\\\127.0.0.1\\, %SystemRoot%\\<random>.exe).",
       "Registry writes under HKLM\\SYSTEM\\CurrentControlSet\\Services\\<name> (Sysmon 12/13).",
       "Learn known-good services by prevalence across hosts and an allow list."},
      "metadata.event_type = \"SERVICE_CREATION\" AND (metadata.product_event_type = \"7045\" OR "
      "metadata.product_event_type = \"4697\")",
      {"https://attack.mitre.org/techniques/T1543/003/", kLateralMovementNotes}});
  return notes;
}

}  // namespace

std::string TechniqueNote::attack_url() const {
  std::string path = id;
  std::replace(path.begin(), path.end(), '.', '/');
  return fmt::format("https://attack.mitre.org/techniques/{}/", path);
}

const std::vector<TechniqueNote>& bundled_technique_notes() {
  static const std::vector<TechniqueNote> notes = build_notes();
  return notes;
}

std::vector<const TechniqueNote*> match_technique_notes(std::string_view query) {
  const std::string text = lower(query);
  std::vector<const TechniqueNote*> out;
  auto add = [&](const TechniqueNote& note) {
    if (std::find(out.begin(), out.end(), &note) == out.end()) out.push_back(&note);
  };
  const auto& notes = bundled_technique_notes();
  // Technique ids: T1021 matches its sub-techniques; T1021.002 only itself.
  static const std::regex id_pattern(R"(\bt(\d{4})(?:\.(\d{3}))?\b)", std::regex::icase);
  bool any_id = false;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), id_pattern); it != std::sregex_iterator(); ++it) {
    any_id = true;
    const std::string base = "T" + (*it)[1].str();
    const std::string full = (*it)[2].matched ? base + "." + (*it)[2].str() : base;
    for (const auto& note : notes) {
      if (note.id == full || (!(*it)[2].matched && note.id.rfind(base + ".", 0) == 0)) add(note);
    }
  }
  if (any_id && !out.empty()) return out;
  for (const auto& note : notes) {
    if (text.find(lower(note.name)) != std::string::npos) add(note);
    for (const auto& keyword : note.keywords) {
      if (text.find(keyword) != std::string::npos) {
        add(note);
        break;
      }
    }
  }
  if (out.empty() && text.find("lateral movement") != std::string::npos) {
    for (const auto& note : notes) add(note);
  }
  return out;
}

std::string answer_threat_intel(std::string_view query) {
  const auto matches = match_technique_notes(query);
  if (matches.empty()) {
    std::string known;
    for (const auto& note : bundled_technique_notes()) {
      known += fmt::format("\n- {} {}", note.id, note.name);
    }
    return fmt::format(
        "No bundled intelligence for \"{}\". secops-local has no Gemini model: it answers only from its bundled "
        "notes on Windows lateral movement, matched by ATT&CK technique id or keywords. Bundled techniques:{}",
        query, known);
  }
  std::string out = fmt::format("Bundled threat intelligence for \"{}\" ({} technique{}):\n", query, matches.size(),
                                matches.size() == 1 ? "" : "s");
  for (const auto* note : matches) {
    out += fmt::format("\n## {} {} (tactic: {})\n{}\n\nIn the logs:\n", note->id, note->name, note->tactics, note->summary);
    for (const auto& line : note->telemetry) out += fmt::format("- {}\n", line);
    out += fmt::format("\nUDM search to start from:\n{}\n\nSources:\n", note->hunt_query);
    for (const auto& source : note->sources) out += fmt::format("- {}\n", source);
  }
  return out;
}

}  // namespace lh::siem
