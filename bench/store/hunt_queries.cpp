#include "bench/store/hunt_queries.hpp"

namespace lh::bench {

// How the raw events reach UDM (siem/normalise_rules.cpp) decides each equivalent: a PROCESS_LAUNCH is Sysmon 1
// (Image, CommandLine, ParentImage, ParentCommandLine) or Security 4688 (NewProcessName, CommandLine,
// ParentProcessName); channels compare case-insensitively; "-" and "" are placeholders that never reach a UDM
// field. `nocase` regexes become lower() + LIKE in SQL (LIKE's % is RE2's .*, no pattern here has _ or %
// outside instr()) and ascii_downcase + test/endswith in jq.
const std::string_view kJqPrelude =
    R"q(def ch: (.Channel // "" | ascii_downcase);
def sysmon: ch == "microsoft-windows-sysmon/operational";
def security: ch == "security";
def system: ch == "system";
def low(f): (f // "" | ascii_downcase);
def launch: (.EventID == 1 and sysmon) or (.EventID == 4688 and security);
def parent_image: if .EventID == 1 then .ParentImage else .ParentProcessName end;
def child_image: if .EventID == 1 then .Image else .NewProcessName end;
)q";

const std::vector<HuntQuery>& hunt_queries() {
  static const std::vector<HuntQuery> queries = {
      {"services.exe children",
       R"q(metadata.event_type = "PROCESS_LAUNCH" principal.process.file.full_path = /\\services\.exe$/ nocase)q",
       R"q((json_extract(j,'$.EventID') = 1
            AND lower(json_extract(j,'$.Channel')) = 'microsoft-windows-sysmon/operational'
            AND lower(json_extract(j,'$.ParentImage')) LIKE '%\services.exe')
        OR (json_extract(j,'$.EventID') = 4688 AND lower(json_extract(j,'$.Channel')) = 'security'
            AND lower(json_extract(j,'$.ParentProcessName')) LIKE '%\services.exe'))q",
       R"q(launch and (low(parent_image) | endswith("\\services.exe")))q"},

      {"PSEXESVC service installs (7045/4697)",
       R"q(metadata.event_type = "SERVICE_CREATION" (target.application = /psexesvc/ nocase OR target.process.file.full_path = /psexesvc/ nocase))q",
       R"q((json_extract(j,'$.EventID') = 7045 AND lower(json_extract(j,'$.Channel')) = 'system'
            AND (lower(json_extract(j,'$.ServiceName')) LIKE '%psexesvc%'
                 OR lower(json_extract(j,'$.ImagePath')) LIKE '%psexesvc%'))
        OR (json_extract(j,'$.EventID') = 4697 AND lower(json_extract(j,'$.Channel')) = 'security'
            AND (lower(json_extract(j,'$.ServiceName')) LIKE '%psexesvc%'
                 OR lower(json_extract(j,'$.ServiceFileName')) LIKE '%psexesvc%')))q",
       R"q(((.EventID == 7045 and system) and ((low(.ServiceName) | contains("psexesvc")) or (low(.ImagePath) | contains("psexesvc"))))
        or ((.EventID == 4697 and security) and ((low(.ServiceName) | contains("psexesvc")) or (low(.ServiceFileName) | contains("psexesvc")))))q"},

      {"PSEXESVC binary runs (OriginalFileName)",
       R"q(metadata.event_type = "PROCESS_LAUNCH" src.process.file.full_path = "psexesvc.exe" nocase)q",
       R"q(json_extract(j,'$.EventID') = 1
        AND lower(json_extract(j,'$.Channel')) = 'microsoft-windows-sysmon/operational'
        AND lower(json_extract(j,'$.OriginalFileName')) = 'psexesvc.exe')q",
       R"q(.EventID == 1 and sysmon and low(.OriginalFileName) == "psexesvc.exe")q"},

      {"WmiPrvSE children",
       R"q(metadata.event_type = "PROCESS_LAUNCH" principal.process.file.full_path = /\\wmiprvse\.exe$/ nocase)q",
       R"q((json_extract(j,'$.EventID') = 1
            AND lower(json_extract(j,'$.Channel')) = 'microsoft-windows-sysmon/operational'
            AND lower(json_extract(j,'$.ParentImage')) LIKE '%\wmiprvse.exe')
        OR (json_extract(j,'$.EventID') = 4688 AND lower(json_extract(j,'$.Channel')) = 'security'
            AND lower(json_extract(j,'$.ParentProcessName')) LIKE '%\wmiprvse.exe'))q",
       R"q(launch and (low(parent_image) | endswith("\\wmiprvse.exe")))q"},

      {"wsmprovhost / winrshost children",
       R"q(metadata.event_type = "PROCESS_LAUNCH" principal.process.file.full_path = /\\(wsmprovhost|winrshost)\.exe$/ nocase)q",
       R"q((json_extract(j,'$.EventID') = 1
            AND lower(json_extract(j,'$.Channel')) = 'microsoft-windows-sysmon/operational'
            AND (lower(json_extract(j,'$.ParentImage')) LIKE '%\wsmprovhost.exe'
                 OR lower(json_extract(j,'$.ParentImage')) LIKE '%\winrshost.exe'))
        OR (json_extract(j,'$.EventID') = 4688 AND lower(json_extract(j,'$.Channel')) = 'security'
            AND (lower(json_extract(j,'$.ParentProcessName')) LIKE '%\wsmprovhost.exe'
                 OR lower(json_extract(j,'$.ParentProcessName')) LIKE '%\winrshost.exe')))q",
       R"q(launch and (low(parent_image) | endswith("\\wsmprovhost.exe") or endswith("\\winrshost.exe")))q"},

      {"mmc.exe -Embedding children (DCOM)",
       R"q(metadata.product_event_type = "1" principal.process.command_line = /mmc\.exe.*-embedding/ nocase)q",
       R"q(json_extract(j,'$.EventID') = 1
        AND lower(json_extract(j,'$.Channel')) = 'microsoft-windows-sysmon/operational'
        AND lower(json_extract(j,'$.ParentCommandLine')) LIKE '%mmc.exe%-embedding%')q",
       R"q(.EventID == 1 and sysmon and (low(.ParentCommandLine) | test("mmc\\.exe.*-embedding")))q"},

      {"wmic /node",
       R"q(metadata.event_type = "PROCESS_LAUNCH" target.process.command_line = /\/node:/ nocase)q",
       R"q(((json_extract(j,'$.EventID') = 1
             AND lower(json_extract(j,'$.Channel')) = 'microsoft-windows-sysmon/operational')
         OR (json_extract(j,'$.EventID') = 4688 AND lower(json_extract(j,'$.Channel')) = 'security'))
        AND lower(json_extract(j,'$.CommandLine')) LIKE '%/node:%')q",
       R"q(launch and (low(.CommandLine) | contains("/node:")))q"},

      {"schtasks /create /S",
       R"q(metadata.event_type = "PROCESS_LAUNCH" target.process.command_line = /schtasks.*\/create.*\/s / nocase)q",
       R"q(((json_extract(j,'$.EventID') = 1
             AND lower(json_extract(j,'$.Channel')) = 'microsoft-windows-sysmon/operational')
         OR (json_extract(j,'$.EventID') = 4688 AND lower(json_extract(j,'$.Channel')) = 'security'))
        AND lower(json_extract(j,'$.CommandLine')) LIKE '%schtasks%/create%/s %')q",
       R"q(launch and (low(.CommandLine) | test("schtasks.*/create.*/s ")))q"},

      {"encoded PowerShell",
       R"q(metadata.event_type = "PROCESS_LAUNCH" target.process.file.full_path = /\\(powershell|pwsh)\.exe$/ nocase target.process.command_line = / -e(nc|ncodedcommand)? / nocase)q",
       R"q(((json_extract(j,'$.EventID') = 1
             AND lower(json_extract(j,'$.Channel')) = 'microsoft-windows-sysmon/operational'
             AND (lower(json_extract(j,'$.Image')) LIKE '%\powershell.exe'
                  OR lower(json_extract(j,'$.Image')) LIKE '%\pwsh.exe'))
         OR (json_extract(j,'$.EventID') = 4688 AND lower(json_extract(j,'$.Channel')) = 'security'
             AND (lower(json_extract(j,'$.NewProcessName')) LIKE '%\powershell.exe'
                  OR lower(json_extract(j,'$.NewProcessName')) LIKE '%\pwsh.exe')))
        AND (lower(json_extract(j,'$.CommandLine')) LIKE '% -e %'
             OR lower(json_extract(j,'$.CommandLine')) LIKE '% -enc %'
             OR lower(json_extract(j,'$.CommandLine')) LIKE '% -encodedcommand %'))q",
       R"q(launch and (low(child_image) | endswith("\\powershell.exe") or endswith("\\pwsh.exe"))
        and (low(.CommandLine) | test(" -e(nc|ncodedcommand)? ")))q"},

      {"4624 type 3 with a source IP",
       R"q(metadata.product_event_type = "4624" extensions.auth.mechanism = "NETWORK" principal.ip != "")q",
       R"q(json_extract(j,'$.EventID') = 4624 AND lower(json_extract(j,'$.Channel')) = 'security'
        AND json_extract(j,'$.LogonType') = '3'
        AND trim(json_extract(j,'$.IpAddress'), ' ' || char(9, 10, 13)) NOT IN ('', '-'))q",
       R"q(.EventID == 4624 and security and .LogonType == "3"
        and ((.IpAddress // "") | sub("[ \t\r\n]+$"; "") | . != "" and . != "-"))q"},

      {"5145 svcctl / atsvc pipes",
       R"q(metadata.product_event_type = "5145" target.file.full_path = /^(svcctl|atsvc)$/ nocase)q",
       R"q(json_extract(j,'$.EventID') = 5145 AND lower(json_extract(j,'$.Channel')) = 'security'
        AND lower(json_extract(j,'$.RelativeTargetName')) IN ('svcctl', 'atsvc'))q",
       R"q(.EventID == 5145 and security and (low(.RelativeTargetName) | . == "svcctl" or . == "atsvc"))q"},

      {"ADMIN$ / C$ .exe writes (5145 %%4417)",
       R"q(metadata.product_event_type = "5145" target.resource.name = /\\(admin|c)\$$/ nocase target.file.full_path = /\.exe$/ nocase additional.fields["AccessList"] = /%%4417/)q",
       R"q(json_extract(j,'$.EventID') = 5145 AND lower(json_extract(j,'$.Channel')) = 'security'
        AND (lower(json_extract(j,'$.ShareName')) LIKE '%\admin$'
             OR lower(json_extract(j,'$.ShareName')) LIKE '%\c$')
        AND lower(json_extract(j,'$.RelativeTargetName')) LIKE '%.exe'
        AND instr(json_extract(j,'$.AccessList'), '%%4417') > 0)q",
       R"q(.EventID == 5145 and security
        and (low(.ShareName) | endswith("\\admin$") or endswith("\\c$"))
        and (low(.RelativeTargetName) | endswith(".exe"))
        and ((.AccessList // "") | contains("%%4417")))q"},

      {"inbound Sysmon 3 to 445/135/5985",
       R"q(metadata.product_event_type = "3" network.direction = "INBOUND" (target.port = 445 OR target.port = 135 OR target.port = 5985))q",
       R"q(json_extract(j,'$.EventID') = 3
        AND lower(json_extract(j,'$.Channel')) = 'microsoft-windows-sysmon/operational'
        AND lower(json_extract(j,'$.Initiated')) = 'false'
        AND json_extract(j,'$.DestinationPort') IN ('445', '135', '5985'))q",
       R"q(.EventID == 3 and sysmon and low(.Initiated) == "false"
        and (.DestinationPort | . == "445" or . == "135" or . == "5985"))q"},

      {"4648 explicit credentials to RPCSS/",
       R"q(metadata.product_event_type = "4648" target.resource.name = /^rpcss\// nocase)q",
       R"q(json_extract(j,'$.EventID') = 4648 AND lower(json_extract(j,'$.Channel')) = 'security'
        AND lower(json_extract(j,'$.TargetInfo')) LIKE 'rpcss/%')q",
       R"q(.EventID == 4648 and security and (low(.TargetInfo) | startswith("rpcss/")))q"},
  };
  return queries;
}

}  // namespace lh::bench
