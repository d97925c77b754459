#include "skill/correlation/anchors.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <re2/re2.h>

namespace lh::skill::correlation {
namespace {

bool one_of(const std::string& value, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), value) != options.end();
}

bool matches(std::string_view text, const RE2& re) { return RE2::PartialMatch(text, re); }

const RE2& shell_like() {
  static const RE2 re(R"((?i)^(cmd|powershell|pwsh|mshta|rundll32|regsvr32|wscript|cscript|certutil|bitsadmin|net|net1|reg|sc|schtasks|whoami|wmic|msiexec)\.exe$)");
  return re;
}

std::string brief(std::string_view text, std::size_t n = 160) {
  std::string out(text.substr(0, n));
  if (text.size() > n) out += "...";
  return out;
}

}  // namespace

std::optional<AnchorInfo> classify_anchor(const HuntEvent& e, const std::vector<std::string>& known_good) {
  if (e.host.empty()) return std::nullopt;  // nothing can be joined to an event that names no host
  const auto image = file_name_lower(e.image);
  const auto parent = file_name_lower(e.parent_image);
  const auto cmd = lower(e.command_line);
  auto is_known_good = [&](const std::string& name) {
    return std::find(known_good.begin(), known_good.end(), name) != known_good.end();
  };

  if (e.is_process_launch()) {
    static const RE2 psexec_family(R"((?i)^(psexesvc|paexec.*|remcomsvc|csexecsvc)\.exe$)");
    if (parent == "services.exe") {
      if (is_known_good(image)) return std::nullopt;
      if (image == "psexesvc.exe" || lower(e.original_file_name) == "psexesvc.exe") {
        return AnchorInfo{{"psexec"}, "anchor", "PSEXESVC.exe started by services.exe"};
      }
      if (matches(image, psexec_family)) {
        return AnchorInfo{{"paexec_remcom_csexec"}, "anchor", fmt::format("{} started by services.exe", image)};
      }
      if (matches(image, shell_like())) {
        std::vector<std::string> techniques;
        if (cmd.find("__output") != std::string::npos || cmd.find("execute.bat") != std::string::npos) techniques.push_back("impacket_smbexec");
        techniques.insert(techniques.end(), {"remote_service", "scmr_tcp"});
        return AnchorInfo{techniques, "anchor", fmt::format("services.exe started {}: {}", image, brief(e.command_line))};
      }
      return std::nullopt;
    }
    if (parent == "wmiprvse.exe") {
      if (one_of(image, {"werfault.exe", "wermgr.exe", "wmiadap.exe", "wmiprvse.exe", "mofcomp.exe"})) return std::nullopt;
      std::vector<std::string> techniques;
      if (cmd.find("\\\\127.0.0.1\\") != std::string::npos) techniques.push_back("impacket_wmiexec");
      techniques.push_back("wmi");
      return AnchorInfo{techniques, "anchor", fmt::format("WmiPrvSE.exe started {}: {}", image, brief(e.command_line))};
    }
    if (parent == "wsmprovhost.exe" || parent == "winrshost.exe") {
      return AnchorInfo{{"winrm"}, "anchor", fmt::format("{} started {}: {}", parent, image, brief(e.command_line))};
    }
    if (image == "wsmprovhost.exe" || image == "winrshost.exe") {
      return AnchorInfo{{"winrm"}, "anchor", fmt::format("{} started (PowerShell remoting / WinRS host)", image)};
    }
    if (parent == "mmc.exe") {
      if (!matches(image, shell_like())) return std::nullopt;
      std::vector<std::string> techniques;
      if (cmd.find("\\\\127.0.0.1\\") != std::string::npos) techniques.push_back("impacket_dcomexec");
      techniques.push_back("dcom_mmc20");
      return AnchorInfo{techniques, "anchor", fmt::format("mmc.exe started {}: {}", image, brief(e.command_line))};
    }
    if (image == "mmc.exe" && cmd.find("-embedding") != std::string::npos) {
      return AnchorInfo{{"dcom_mmc20"}, "anchor", "mmc.exe started as a COM server (-Embedding)"};
    }
    if (parent == "explorer.exe") {
      static const RE2 payload(R"((?i)(%+comspec%+|/q\s+/c|\s-enc(odedcommand)?\s|\s-nop\b))");
      if ((image == "cmd.exe" || image == "powershell.exe" || image == "pwsh.exe") && matches(e.command_line, payload)) {
        std::vector<std::string> techniques;
        if (cmd.find("\\\\127.0.0.1\\") != std::string::npos) techniques.push_back("impacket_dcomexec");
        techniques.push_back("dcom_shellwindows");
        return AnchorInfo{techniques, "anchor", fmt::format("explorer.exe started {}: {}", image, brief(e.command_line))};
      }
      return std::nullopt;
    }
    if ((image == "excel.exe" && cmd.find("/automation") != std::string::npos && cmd.find("-embedding") != std::string::npos) ||
        (image == "mshta.exe" && cmd.find("-embedding") != std::string::npos)) {
      return AnchorInfo{{"dcom_excel_mshta"}, "anchor", fmt::format("{} started as a COM server", image)};
    }
    if ((parent == "excel.exe" || parent == "mshta.exe") && matches(image, shell_like())) {
      return AnchorInfo{{"dcom_excel_mshta"}, "anchor", fmt::format("{} started {}", parent, image)};
    }
    if (one_of(parent, {"svchost.exe", "taskeng.exe", "taskhostw.exe"})) {
      static const RE2 atexec(R"((?i)cmd(\.exe)?\s+/c\s.*(>|&gt;)\s*c:\\windows\\temp\\[a-z0-9]{8}\.tmp)");
      if (matches(e.command_line, atexec)) {
        return AnchorInfo{{"impacket_atexec", "remote_scheduled_task"}, "anchor",
                          fmt::format("scheduler started {}: {}", image, brief(e.command_line))};
      }
    }
    return std::nullopt;
  }

  if (e.event_type == "SERVICE_CREATION") {
    const auto name = lower(e.service_name);
    const auto path = lower(e.service_image);
    if (is_known_good(name) || is_known_good(file_name_lower(e.service_image))) return std::nullopt;
    const auto what = fmt::format("service {} installed ({}): {}", e.service_name, e.product_event_type, brief(e.service_image));
    if (name == "psexesvc" || path.find("psexesvc") != std::string::npos) return AnchorInfo{{"psexec"}, "service_install", what};
    static const RE2 paexec(R"((?i)^(paexec|remcomsvc|csexecsvc))");
    if (matches(name, paexec)) return AnchorInfo{{"paexec_remcom_csexec"}, "service_install", what};
    if (name == "btobto" || path.find("__output") != std::string::npos || path.find("execute.bat") != std::string::npos) {
      return AnchorInfo{{"impacket_smbexec"}, "service_install", what};
    }
    static const RE2 shell(R"((?i)(%+comspec%+|cmd(\.exe)?"?\s+/c|powershell|pwsh|\s-enc(odedcommand)?\s|\s-nop\b|mshta|rundll32|regsvr32))");
    if (matches(e.service_image, shell)) return AnchorInfo{{"remote_service", "scmr_tcp"}, "service_install", what};
    static const RE2 random8(R"((?i)^%systemroot%\\[a-z]{8}\.exe$)");
    if (matches(e.service_image, random8)) return AnchorInfo{{"impacket_psexec"}, "service_install", what};
    return std::nullopt;
  }

  if (e.product_event_type == "4698" || e.product_event_type == "4702" || e.event_type == "SCHEDULED_TASK_CREATION") {
    // A task registered over RPC from another machine has ClientProcessId 0; a task created in a user's
    // session is checked by the session join (a network logon) before it becomes a finding.
    const bool remote_marker = e.client_process_id == "0";
    const bool user_session = !e.subject_logon_id.empty() && !is_system_logon_id(e.subject_logon_id);
    if (!remote_marker && !user_session) return std::nullopt;
    static const RE2 short_task(R"(^\\[A-Za-z]{8}$)");
    std::vector<std::string> techniques;
    if (matches(e.task_name, short_task)) techniques.push_back("impacket_atexec");
    techniques.push_back("remote_scheduled_task");
    return AnchorInfo{techniques, "task",
                      fmt::format("scheduled task {} {} ({}{})", e.task_name, e.product_event_type == "4702" ? "changed" : "created",
                                  e.product_event_type, remote_marker ? ", ClientProcessId 0: registered remotely" : "")};
  }

  if (e.event_type == "FILE_CREATION") {
    static const RE2 exe(R"((?i)\.(exe|dll|ps1|bat|sys|scr)$)");
    if (lower(e.parent_image) == "system" && matches(e.file_path, exe)) {
      if (file_name_lower(e.file_path) == "psexesvc.exe") return AnchorInfo{{"psexec", "tool_transfer"}, "file_write", fmt::format("System wrote {} (copied over SMB)", e.file_path)};
      return AnchorInfo{{"tool_transfer"}, "file_write", fmt::format("System wrote {} (copied over SMB)", e.file_path)};
    }
    return std::nullopt;
  }

  if (e.product_event_type == "5145") {
    static const RE2 exe(R"((?i)\.(exe|dll|ps1|bat|sys|scr)$)");
    const auto share = lower(e.share_name);
    const bool admin_share = share.ends_with("\\c$") || share.ends_with("\\admin$");
    if (admin_share && matches(e.relative_target_name, exe) && e.access_list.find("%%4417") != std::string::npos) {
      const bool psexesvc = file_name_lower(e.relative_target_name) == "psexesvc.exe";
      return AnchorInfo{psexesvc ? std::vector<std::string>{"psexec", "tool_transfer"} : std::vector<std::string>{"tool_transfer"},
                        "share_access", fmt::format("{} written through {} from {} (WriteData)", e.relative_target_name, e.share_name, e.ip_address)};
    }
    return std::nullopt;
  }

  if (e.product_event_type == "4624" && e.logon_type == 10) {
    return AnchorInfo{{"rdp"}, "logon", fmt::format("remote interactive logon (type 10) from {}", e.ip_address)};
  }
  return std::nullopt;
}

std::string client_command_target(std::string_view command_line) {
  static const RE2 patterns[] = {
      RE2(R"((?i)(?:psexec(?:64)?|paexec)(?:\.exe)?"?\s.*?\\\\([^\\\s"]+))"),
      RE2(R"((?i)/node:\s*"?([^\s"/,]+))"),
      RE2(R"((?i)schtasks(?:\.exe)?"?\s.*\s/s\s+"?([^\s"/]+))"),
      RE2(R"((?i)\bsc(?:\.exe)?"?\s+\\\\([^\\\s"]+))"),
      RE2(R"((?i)winrs(?:\.exe)?"?\s.*-r(?:emote)?:\s*"?([^\s"]+))"),
      RE2(R"((?i)-computername\s+"?'?([^\s"';]+))"),
      RE2(R"((?i)/computername:"?([^\s"]+))"),
      RE2(R"((?i)gettypefromprogid\(\s*'[^']+'\s*,\s*'([^']+)')"),
      RE2(R"((?i)\bcopy\s.*\\\\([^\\\s"]+)\\[a-z]\$)"),
  };
  std::string host;
  for (const auto& re : patterns) {
    if (RE2::PartialMatch(command_line, re, &host)) {
      auto name = short_host_name(host);
      if (name.starts_with("HTTP")) continue;
      return name;
    }
  }
  return {};
}

std::string evidence_role(const HuntEvent& e) {
  const auto& id = e.product_event_type;
  if (id == "4624" || id == "4625") return "logon";
  if (id == "4648") return "explicit_credentials";
  if (e.event_type == "NETWORK_CONNECTION") return "network";
  if (id == "5140" || id == "5145") return "share_access";
  if (id == "17" || id == "18") return "pipe";
  if (e.event_type == "SERVICE_CREATION") return "service_install";
  if (e.event_type.starts_with("SCHEDULED_TASK") || id == "4698" || id == "4702" || id == "106" || id == "140") return "task";
  if (e.event_type == "FILE_CREATION") return "file_write";
  if (e.is_process_launch()) return "process";
  return "other";
}

std::string summarise(const HuntEvent& e) {
  const auto& id = e.product_event_type;
  auto ip = [](const std::vector<std::string>& ips) { return ips.empty() ? std::string("?") : ips.front(); };
  if (id == "4624" || id == "4625") {
    return fmt::format("{} type {} of {}{}{} from {}{} (logon id {}{})", id == "4624" ? "logon" : "failed logon",
                       e.logon_type ? std::to_string(*e.logon_type) : "?", e.target_domain, e.target_domain.empty() ? "" : "\\",
                       e.target_user, e.ip_address.empty() ? "-" : e.ip_address, e.ip_port ? fmt::format(":{}", *e.ip_port) : "",
                       e.target_logon_id.empty() ? "-" : e.target_logon_id,
                       e.auth_package.empty() ? "" : ", " + e.auth_package);
  }
  if (id == "4648") return fmt::format("explicit credentials of {} used by {} for {}", e.target_user, file_name_lower(e.parent_image), e.resource_name);
  if (e.event_type == "NETWORK_CONNECTION") {
    return fmt::format("{} connection {}:{} -> {}:{} by {}", e.is_inbound() ? "inbound" : e.is_outbound() ? "outbound" : "a",
                       ip(e.principal_ips), e.principal_port.value_or(0), ip(e.target_ips), e.target_port.value_or(0),
                       e.parent_image.empty() ? "?" : e.parent_image);
  }
  if (id == "5140" || id == "5145") {
    return fmt::format("share {} {} accessed from {} by {}{}", e.share_name, e.relative_target_name, e.ip_address, e.user,
                       e.access_list.find("%%4417") != std::string::npos ? " (WriteData)" : "");
  }
  if (id == "17" || id == "18") return fmt::format("pipe {} {} by {}", e.pipe_name, id == "17" ? "created" : "connected", e.parent_image);
  if (e.event_type == "SERVICE_CREATION") return fmt::format("service {} installed: {}", e.service_name, brief(e.service_image, 200));
  if (!e.task_name.empty()) return fmt::format("scheduled task {} ({}) by {}", e.task_name, id, e.user);
  if (e.event_type == "FILE_CREATION") return fmt::format("{} wrote {}", e.parent_image, e.file_path);
  if (e.is_process_launch()) {
    return fmt::format("{} -> {}", file_name_lower(e.parent_image), brief(e.command_line.empty() ? e.image : e.command_line, 200));
  }
  return fmt::format("{} event {}", e.event_type, id);
}

}  // namespace lh::skill::correlation
