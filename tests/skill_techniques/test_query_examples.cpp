// Each catalogue query against events shaped as the Windows → UDM mapping writes them, built from the
// examples in lateral-movement.md: the query must match the attack and leave the look-alike alone.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "skill/techniques/catalogue.hpp"
#include "udm/event.hpp"
#include "udm/query_compiler.hpp"

using namespace lh::skill::techniques;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Example {
  std::string query_id;
  Fields fields;
  bool expected;
};

const std::string& query_text(const std::string& id) {
  for (const auto& t : catalogue().techniques) {
    for (const auto& q : t.queries) {
      if (q.id == id) return q.udm;
    }
  }
  FAIL("no query " << id);
  throw std::logic_error("unreachable");
}

lh::udm::Event event_of(const Fields& fields) {
  lh::udm::Event event;
  for (const auto& [path, value] : fields) {
    if (path == "target.port") {
      event.set(path, static_cast<std::int64_t>(std::stoll(value)));
    } else {
      event.set(path, value);
    }
  }
  return event;
}

const Fields launch(std::string parent, std::string image, std::string command_line) {
  return {{"metadata.event_type", "PROCESS_LAUNCH"},
          {"metadata.product_event_type", "1"},
          {"principal.process.file.full_path", std::move(parent)},
          {"target.process.file.full_path", std::move(image)},
          {"target.process.command_line", std::move(command_line)}};
}

const Fields service(std::string name, std::string image_path) {
  return {{"metadata.event_type", "SERVICE_CREATION"},
          {"metadata.product_event_type", "7045"},
          {"target.application", std::move(name)},
          {"target.process.file.full_path", image_path},
          {"target.process.command_line", image_path}};
}

const Fields share_access(std::string share, std::string relative_name, std::string access = "%%4417") {
  return {{"metadata.event_type", "FILE_OPEN"},
          {"metadata.product_event_type", "5145"},
          {"target.resource.name", std::move(share)},
          {"target.file.full_path", std::move(relative_name)},
          {"additional.fields[\"AccessList\"]", std::move(access)}};
}

const Fields pipe(std::string name) {
  return {{"metadata.event_type", "PROCESS_UNCATEGORIZED"}, {"metadata.product_event_type", "17"}, {"target.resource.name", std::move(name)}};
}

const Fields inbound(std::string image, std::string port) {
  return {{"metadata.event_type", "NETWORK_CONNECTION"},
          {"metadata.product_event_type", "3"},
          {"principal.process.file.full_path", std::move(image)},
          {"target.port", std::move(port)},
          {"network.direction", "INBOUND"},
          {"additional.fields[\"Initiated\"]", "false"}};
}

const std::string kServices = R"(C:\Windows\System32\services.exe)";
const std::string kWmiPrvSE = R"(C:\Windows\System32\wbem\WmiPrvSE.exe)";
const std::string kCmd = R"(C:\Windows\System32\cmd.exe)";

const std::vector<Example>& examples() {
  static const std::vector<Example> list = {
      {"psexec_client", launch(kCmd, R"(C:\tools\x.exe)", R"(psexec \\WORKSTATION6 -s cmd.exe)"), true},
      {"psexec_client", launch(kCmd, R"(C:\tools\x.exe)", R"(psexec -h)"), false},
      {"psexec_service_install", service("PSEXESVC", R"(%SystemRoot%\PSEXESVC.exe)"), true},
      {"psexec_pipes", pipe(R"(\PSEXESVC-WORKSTATION5-7256-stdin)"), true},
      {"psexec_pipes", pipe(R"(\PSEXESVC-evil)"), false},
      {"impacket_psexec_remcom_pipes", pipe(R"(\RemCom_stdout)"), true},
      {"impacket_psexec_random_service", service("KzVe", R"(%systemroot%\XNuqWDlG.exe)"), true},
      {"impacket_psexec_random_service", service("PSEXESVC", R"(%SystemRoot%\PSEXESVC.exe)"), false},
      {"smbexec_service_oneliner",
       service("BTOBTO", R"(%COMSPEC% /Q /c echo cd  ^> \\127.0.0.1\C$\__output 2^>^&1 > %TEMP%\execute.bat & %COMSPEC% /Q /c %TEMP%\execute.bat & del %TEMP%\execute.bat)"),
       true},
      {"smbexec_service_oneliner", service("Spooler", R"(C:\Windows\System32\spoolsv.exe)"), false},
      {"wmiexec_output_redirect", launch(kWmiPrvSE, kCmd, R"(cmd.exe /Q /c whoami 1> \\127.0.0.1\ADMIN$\__1600000000.1234567 2>&1)"), true},
      {"wmiexec_output_redirect", launch(kWmiPrvSE, kCmd, R"(cmd.exe /Q /c whoami 1&gt; \\127.0.0.1\ADMIN$\__1600000000.1234567 2&gt;&amp;1)"), true},
      {"wmiexec_output_redirect", launch(kWmiPrvSE, kCmd, R"(cmd.exe /c dir)"), false},
      {"wmiexec_output_share_access", share_access(R"(\\*\ADMIN$)", "__1600000000.1234567"), true},
      {"dcomexec_output_redirect", launch(R"(C:\Windows\System32\mmc.exe)", kCmd, R"(cmd.exe /Q /c ipconfig 1> \\127.0.0.1\ADMIN$\__1600000001.5 2>&1)"), true},
      {"atexec_task_output", launch(R"(C:\Windows\System32\svchost.exe)", kCmd, R"(cmd.exe /C whoami > C:\Windows\Temp\AbCdEfGh.tmp 2>&1)"), true},
      {"atexec_task_output", launch(R"(C:\Windows\System32\svchost.exe)", kCmd, R"(cmd.exe /C cleanup.bat)"), false},
      {"atexec_short_task", {{"metadata.event_type", "SCHEDULED_TASK_CREATION"}, {"metadata.product_event_type", "4698"}, {"target.resource.name", R"(\AbCdEfGh)"}}, true},
      {"atexec_atsvc_pipe", share_access(R"(\\*\IPC$)", "atsvc", "%%4416"), true},
      {"remote_service_shell_imagepath", service("Updater", R"(%COMSPEC% /C start /b powershell -noP -sta -w 1 -enc SQBmACgA)"), true},
      {"remote_service_shell_imagepath", service("Spooler", R"(C:\Windows\System32\spoolsv.exe)"), false},
      {"remote_service_shell_child", launch(kServices, kCmd, R"(cmd.exe /c whoami)"), true},
      {"remote_service_shell_child", launch(kServices, R"(C:\Windows\System32\svchost.exe)", "svchost.exe -k netsvcs"), false},
      {"remote_service_client", launch(kCmd, R"(C:\Windows\System32\sc.exe)", R"(sc \\WORKSTATION6 create evil binPath= "cmd /c whoami")"), true},
      {"remote_service_client", launch(kCmd, R"(C:\Windows\System32\sc.exe)", R"(sc query spooler)"), false},
      {"remote_service_svcctl_pipe", share_access(R"(\\*\IPC$)", "svcctl"), true},
      {"scmr_services_inbound_high_port", inbound(kServices, "49700"), true},
      {"scmr_services_inbound_high_port", inbound(kServices, "135"), false},
      {"paexec_family_service", service("PAExec-4242-WORKSTATION5", R"(%SystemRoot%\PAExec-4242-WORKSTATION5.exe)"), true},
      {"paexec_family_pipes", pipe(R"(\RemCom_communicaton)"), true},
      {"paexec_family_files", {{"metadata.event_type", "FILE_CREATION"}, {"metadata.product_event_type", "11"}, {"target.file.full_path", R"(C:\Windows\csexecsvc.exe)"}}, true},
      {"wmi_prvse_child", launch(kWmiPrvSE, R"(C:\Windows\System32\net.exe)", "net user /add backdoor x"), true},
      {"wmi_prvse_child", launch(kWmiPrvSE, R"(C:\Windows\System32\WerFault.exe)", "WerFault.exe -u"), false},
      {"wmic_node_process_create", launch(kCmd, R"(C:\Windows\System32\wbem\WMIC.exe)", R"(wmic /node:WORKSTATION6 process call create "calc")"), true},
      {"wmic_node_process_create", launch(kCmd, R"(C:\Windows\System32\wbem\WMIC.exe)", R"(wmic process list)"), false},
      {"explicit_credentials_rpcss", {{"metadata.event_type", "USER_LOGIN"}, {"metadata.product_event_type", "4648"}, {"target.resource.name", "RPCSS/WORKSTATION6"}}, true},
      {"powershell_wmi_process",
       launch(kCmd, R"(C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe)",
              R"(powershell Invoke-WmiMethod -ComputerName WORKSTATION6 -Class Win32_Process -Name Create -ArgumentList calc)"),
       true},
      {"powershell_wmi_process", launch(kCmd, R"(C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe)", R"(powershell Get-WmiObject Win32_OperatingSystem)"), false},
      {"winrm_host_child", launch(R"(C:\Windows\System32\wsmprovhost.exe)", kCmd, "cmd /c whoami"), true},
      {"winrm_inbound", inbound("System", "5985"), true},
      {"winrm_client_command", launch(kCmd, R"(C:\Windows\System32\winrs.exe)", "winrs -r:WORKSTATION6 whoami"), true},
      {"dcom_mmc_embedding", launch(R"(C:\Windows\System32\svchost.exe)", R"(C:\Windows\System32\mmc.exe)", R"("C:\Windows\system32\mmc.exe" -Embedding)"), true},
      {"dcom_mmc_shell_child", launch(R"(C:\Windows\System32\mmc.exe)", kCmd, R"(cmd.exe /c calc)"), true},
      {"dcom_explorer_shell_child", launch(R"(C:\Windows\explorer.exe)", kCmd, R"("C:\Windows\System32\cmd.exe" /c %COMSPEC% /c calc)"), true},
      {"dcom_explorer_shell_child", launch(R"(C:\Windows\explorer.exe)", kCmd, R"("C:\Windows\System32\cmd.exe")"), false},
      {"dcom_explorer_inbound_high_port", inbound(R"(C:\Windows\explorer.exe)", "50211"), true},
      {"dcom_office_embedding",
       launch(R"(C:\Windows\System32\svchost.exe)", R"(C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE)",
              R"("C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE" /automation -Embedding)"),
       true},
      {"dcom_office_embedding", launch(R"(C:\Windows\explorer.exe)", R"(C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE)", R"("EXCEL.EXE" report.xlsx)"), false},
      {"dcom_office_embedding", launch(R"(C:\Windows\System32\svchost.exe)", R"(C:\Windows\System32\mshta.exe)", R"(C:\Windows\System32\mshta.exe -Embedding)"), true},
      {"schtasks_remote_create",
       launch(kCmd, R"(C:\Windows\System32\schtasks.exe)", R"(schtasks /create /tn x /tr calc /sc once /st 00:00 /S WORKSTATION6 /U admin)"), true},
      {"schtasks_remote_create", launch(kCmd, R"(C:\Windows\System32\schtasks.exe)", R"(schtasks /create /tn x /tr calc /sc ONSTART)"), false},
      {"admin_share_executable_write", share_access(R"(\\*\C$)", R"(ProgramData\GruntHTTP.exe)"), true},
      {"admin_share_executable_write", share_access(R"(\\*\C$)", R"(ProgramData\GruntHTTP.exe)", "%%4416"), false},
      {"admin_share_executable_write", share_access(R"(\\*\Public)", R"(tool.exe)"), false},
      {"rdp_logon",
       {{"metadata.event_type", "USER_LOGIN"}, {"metadata.product_event_type", "4624"}, {"extensions.auth.mechanism", "REMOTE_INTERACTIVE"}}, true},
      {"rdp_logon", {{"metadata.event_type", "USER_LOGIN"}, {"metadata.product_event_type", "4624"}, {"extensions.auth.mechanism", "NETWORK"}}, false},
      {"rdp_inbound", inbound(R"(C:\Windows\System32\svchost.exe)", "3389"), true},
      {"rdp_client", launch(R"(C:\Windows\explorer.exe)", R"(C:\Windows\System32\mstsc.exe)", R"(mstsc.exe /v:WORKSTATION6)"), true},
      {"psexec_service_binary", launch(kServices, R"(C:\Windows\renamed.exe)", "renamed.exe"), false},
      {"psexec_service_binary", launch(kServices, R"(C:\Windows\PSEXESVC.exe)", R"(C:\Windows\PSEXESVC.exe)"), true},
      {"psexec_binary_drop",
       {{"metadata.event_type", "FILE_CREATION"}, {"metadata.product_event_type", "11"}, {"principal.process.file.full_path", "System"},
        {"target.file.full_path", R"(C:\Windows\PSEXESVC.exe)"}},
       true},
      {"wmi_prvse_shell_child", launch(kWmiPrvSE, R"(C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe)", "powershell -nop"), true},
      {"wmi_inbound_dynamic_rpc", inbound(R"(C:\Windows\System32\svchost.exe)", "49666"), true},
      {"scmr_endpoint_mapper", inbound(R"(C:\Windows\System32\svchost.exe)", "135"), true},
      {"winrm_host_start", launch(R"(C:\Windows\System32\svchost.exe)", R"(C:\Windows\System32\wsmprovhost.exe)", "wsmprovhost.exe -Embedding"), true},
      {"winrm_outbound_client",
       {{"metadata.event_type", "NETWORK_CONNECTION"}, {"metadata.product_event_type", "3"}, {"principal.process.file.full_path", R"(C:\Users\x\GruntHTTP.exe)"},
        {"target.port", "5985"}, {"network.direction", "OUTBOUND"}},
       true},
      {"winrm_outbound_client", inbound("System", "5985"), false},
      {"winrm_operational", {{"metadata.product_event_type", "91"}, {"metadata.product_name", "Microsoft-Windows-WinRM"}}, true},
      {"winrm_operational", {{"metadata.product_event_type", "91"}, {"metadata.product_name", "Microsoft-Windows-Kernel-Power"}}, false},
      {"powershell_wmi_scriptblock",
       {{"metadata.product_event_type", "4104"}, {"target.process.command_line", "Invoke-CimMethod -ComputerName WS6 -ClassName Win32_Process -MethodName Create"}},
       true},
      {"dcom_office_shell_child", launch(R"(C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE)", kCmd, "cmd /c calc"), true},
      {"dcom_office_inbound_high_port", inbound(R"(C:\Windows\System32\mshta.exe)", "51000"), true},
      {"task_created_remotely",
       {{"metadata.event_type", "SCHEDULED_TASK_CREATION"}, {"metadata.product_event_type", "4698"}, {"additional.fields[\"ClientProcessId\"]", "0"}}, true},
      {"task_created_remotely",
       {{"metadata.event_type", "SCHEDULED_TASK_CREATION"}, {"metadata.product_event_type", "4698"}, {"additional.fields[\"ClientProcessId\"]", "4242"}}, false},
      {"task_created", {{"metadata.event_type", "SCHEDULED_TASK_MODIFICATION"}, {"metadata.product_event_type", "4702"}}, true},
      {"task_scheduler_operational", {{"metadata.product_event_type", "106"}, {"metadata.product_name", "Microsoft-Windows-TaskScheduler"}}, true},
      {"system_wrote_executable",
       {{"metadata.event_type", "FILE_CREATION"}, {"metadata.product_event_type", "11"}, {"principal.process.file.full_path", "System"},
        {"target.file.full_path", R"(C:\ProgramData\GruntHTTP.exe)"}},
       true},
      {"smbexec_service_process", launch(kServices, kCmd, R"(C:\Windows\system32\cmd.exe /Q /c echo cd ^> \\127.0.0.1\C$\__output 2^>^&1 > C:\Windows\TEMP\execute.bat)"), true},
      {"smbexec_service_process", launch(kServices, kCmd, R"(cmd.exe /c whoami)"), false},
      {"rdp_corets", {{"metadata.product_event_type", "131"}, {"metadata.product_name", "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"}}, true},
  };
  return list;
}

}  // namespace

TEST_CASE("catalogue queries on events built from the documented indicators") {
  for (const auto& example : examples()) {
    const std::string& text = query_text(example.query_id);
    const auto query = lh::udm::compile_query(text);
    const auto event = event_of(example.fields);
    INFO(example.query_id << (example.expected ? " should match" : " should not match") << "\n  query: " << text << "\n  event: "
                          << event.to_json().dump());
    CHECK(query.matches(event) == example.expected);
  }
}

TEST_CASE("every catalogue query has a matching example") {
  std::set<std::string> matched;
  for (const auto& example : examples()) {
    if (example.expected) matched.insert(example.query_id);
  }
  for (const auto& t : catalogue().techniques) {
    for (const auto& q : t.queries) {
      INFO(q.id);
      CHECK(matched.count(q.id) == 1);
    }
  }
}
