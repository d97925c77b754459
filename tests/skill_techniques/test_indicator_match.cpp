#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "skill/techniques/command_scoring.hpp"
#include "skill/techniques/indicator_match.hpp"

using namespace lh::skill::techniques;

namespace {

std::vector<std::string> techniques_of(const std::vector<IndicatorMatch>& matches) {
  std::vector<std::string> ids;
  for (const auto& m : matches) {
    if (std::find(ids.begin(), ids.end(), m.technique_id) == ids.end()) ids.push_back(m.technique_id);
  }
  return ids;
}

}  // namespace

TEST_CASE("execution anchors by parent image") {
  CHECK(techniques_of(match_anchor_parent(R"(C:\Windows\System32\services.exe)")) ==
        std::vector<std::string>{"psexec", "impacket_psexec", "impacket_smbexec", "remote_service", "scmr_tcp", "paexec_remcom_csexec"});
  CHECK(techniques_of(match_anchor_parent(R"(C:\Windows\System32\wbem\WmiPrvSE.exe)")) ==
        std::vector<std::string>{"impacket_wmiexec", "wmi", "powershell_wmi"});
  CHECK(techniques_of(match_anchor_parent("WSMPROVHOST.EXE")) == std::vector<std::string>{"winrm"});
  CHECK(match_anchor_parent(R"(C:\Windows\System32\notepad.exe)").empty());
  CHECK(match_anchor_parent("").empty());
}

TEST_CASE("pipes and service names from the recorded attacks") {
  // cmd_psexec_lsa_secrets_dump: the per-client pipe carries the source host's name.
  CHECK(techniques_of(match_pipe(R"(\PSEXESVC-WORKSTATION5-7256-stdin)")) == std::vector<std::string>{"psexec"});
  CHECK(techniques_of(match_pipe("PSEXESVC")) == std::vector<std::string>{"psexec"});
  CHECK(techniques_of(match_pipe(R"(\RemCom_stdout)")) == std::vector<std::string>{"impacket_psexec", "paexec_remcom_csexec"});
  CHECK(techniques_of(match_pipe("svcctl")) == std::vector<std::string>{"impacket_smbexec", "remote_service"});
  CHECK(techniques_of(match_pipe("atsvc")) == std::vector<std::string>{"impacket_atexec", "remote_scheduled_task"});
  CHECK(match_pipe(R"(\lsarpc)").empty());
  CHECK(techniques_of(match_service_name("PSEXESVC")) == std::vector<std::string>{"psexec"});
  CHECK(techniques_of(match_service_name("BTOBTO")) == std::vector<std::string>{"impacket_smbexec"});
  // Empire Invoke-SMBExec's 20-letter random service name.
  CHECK(techniques_of(match_service_name("PGUJLOAKFQFVOMHGFQPX")) == std::vector<std::string>{"remote_service"});
  CHECK(match_service_name("Spooler").empty());
}

TEST_CASE("command-line patterns") {
  CHECK(techniques_of(match_command_line(R"(PsExec.exe \\WORKSTATION6 -accepteula -s cmd)")) == std::vector<std::string>{"psexec"});
  CHECK(techniques_of(match_command_line(R"("C:\windows\System32\Wbem\WMIC.exe" /node:WORKSTATION6 process call create "net user /add backdoor x")")) ==
        std::vector<std::string>{"wmi_source"});
  CHECK(techniques_of(match_command_line(R"(schtasks  /create /F /tn \Microsoft\Windows\X /tr "cmd.exe /C notepad.exe" /sc ONSTART /ru system /S WORKSTATION6)")) ==
        std::vector<std::string>{"remote_scheduled_task"});
  const auto wmiexec = techniques_of(match_command_line(R"(cmd.exe /Q /c whoami 1&gt; \\127.0.0.1\ADMIN$\__1600000000.25 2&gt;&amp;1)"));
  CHECK(std::find(wmiexec.begin(), wmiexec.end(), "impacket_wmiexec") != wmiexec.end());
  CHECK(techniques_of(match_command_line(R"(cmd.exe /C whoami &gt; C:\Windows\Temp\AbCdEfGh.tmp 2&gt;&amp;1)")) ==
        std::vector<std::string>{"impacket_atexec"});
  CHECK(techniques_of(match_command_line(R"(Copy /source:"C:\x\GruntHTTP.exe" /destination:"\\WORKSTATION6\C$\ProgramData\GruntHTTP.exe")")) ==
        std::vector<std::string>{"tool_transfer"});
  CHECK(match_command_line(R"(C:\windows\system32\svchost.exe -k netsvcs -p -s gpsvc)").empty());
}

TEST_CASE("HTML entities are decoded once") {
  CHECK(decode_html_entities("1&gt; x 2&gt;&amp;1 &lt;a&gt; &quot;q&quot; &#39;s&#39;") == R"(1> x 2>&1 <a> "q" 's')");
  CHECK(decode_html_entities("&amp;gt;") == "&gt;");
  CHECK(decode_html_entities("&unknown; & &") == "&unknown; & &");
}
