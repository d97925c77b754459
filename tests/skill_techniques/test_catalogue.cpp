#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "skill/techniques/catalogue.hpp"
#include "udm/query_parser.hpp"

using namespace lh::skill::techniques;

namespace {

// Every row of lateral-movement.md's "Indicators by technique" table (its Technique column, verbatim)
// and the catalogue technique that covers it.
const std::map<std::string, std::string>& indicator_rows() {
  static const std::map<std::string, std::string> rows = {
      {"PsExec (T1569.002/T1021.002)", "psexec"},
      {"PsExec", "psexec"},
      {"PsExec / T1570", "psexec"},
      {"PsExec (source side)", "psexec"},
      {"Impacket psexec", "impacket_psexec"},
      {"Impacket smbexec", "impacket_smbexec"},
      {"Impacket wmiexec", "impacket_wmiexec"},
      {"Impacket dcomexec", "impacket_dcomexec"},
      {"Impacket atexec", "impacket_atexec"},
      {"Remote service (sc \\\\host, SharpSC, Empire)", "remote_service"},
      {"SCMR over TCP", "scmr_tcp"},
      {"PAExec / RemCom / CSExec", "paexec_remcom_csexec"},
      {"WMI (T1047)", "wmi"},
      {"WMI (source side)", "wmi_source"},
      {"PowerShell WMI/CIM", "powershell_wmi"},
      {"WinRM (T1021.006)", "winrm"},
      {"DCOM MMC20 (T1021.003)", "dcom_mmc20"},
      {"DCOM ShellWindows", "dcom_shellwindows"},
      {"DCOM Excel / MSHTA", "dcom_excel_mshta"},
      {"Remote scheduled task (T1053.005)", "remote_scheduled_task"},
      {"Tool transfer (T1570)", "tool_transfer"},
      {"RDP (T1021.001)", "rdp"},
  };
  return rows;
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" `");
  const auto last = s.find_last_not_of(" `");
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

std::vector<std::string> split_row(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool in_code = false;
  for (std::size_t i = 1; i < line.size(); ++i) {  // skip the leading '|'
    const char c = line[i];
    if (c == '`') in_code = !in_code;
    if (c == '|' && !in_code) {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += c;
    }
  }
  return cells;
}

std::set<std::string> event_ids_of(const Technique& t) {
  std::set<std::string> ids;
  for (const auto& q : t.queries) ids.insert(q.event_ids.begin(), q.event_ids.end());
  return ids;
}

}  // namespace

TEST_CASE("every catalogue query parses as UDM") {
  const Catalogue& cat = catalogue();
  std::size_t count = 0;
  for (const auto& t : cat.techniques) {
    CHECK_FALSE(t.queries.empty());
    for (const auto& q : t.queries) {
      INFO(t.id << "/" << q.id << ": " << q.udm);
      CHECK_NOTHROW(lh::udm::parse_query(q.udm));
      CHECK_FALSE(q.event_ids.empty());
      CHECK(q.udm.find("CONTAINS") == std::string::npos);
      // Event ids the query names itself are among those it declares.
      static const std::regex named_id(R"re(metadata\.product_event_type = "(\d+)")re");
      for (auto it = std::sregex_iterator(q.udm.begin(), q.udm.end(), named_id); it != std::sregex_iterator(); ++it) {
        CHECK(std::find(q.event_ids.begin(), q.event_ids.end(), (*it)[1].str()) != q.event_ids.end());
      }
      ++count;
    }
  }
  CHECK(count >= 50);
}

TEST_CASE("the catalogue has the issue's technique list") {
  const std::vector<std::string> expected = {
      "psexec", "impacket_psexec", "impacket_smbexec", "impacket_wmiexec", "impacket_dcomexec", "impacket_atexec",
      "remote_service", "scmr_tcp", "paexec_remcom_csexec", "wmi", "wmi_source", "powershell_wmi", "winrm",
      "dcom_mmc20", "dcom_shellwindows", "dcom_excel_mshta", "remote_scheduled_task", "tool_transfer", "rdp"};
  CHECK(catalogue().technique_ids() == expected);
  std::set<std::string> covered;
  for (const auto& [row, id] : indicator_rows()) covered.insert(id);
  CHECK(covered == std::set<std::string>(expected.begin(), expected.end()));
}

TEST_CASE("every row of the lateral-movement.md indicator table is covered with its event ids") {
  const std::filesystem::path md = LH_LATERAL_MOVEMENT_MD;
  if (!std::filesystem::exists(md)) {
    MESSAGE("SKIPPED: " << md.string() << " not found (shared/ is not beside the repository)");
    return;
  }
  std::ifstream in(md);
  std::string line;
  bool in_table = false;
  std::size_t rows = 0;
  const std::regex noise(R"((type \d+|:\d+))");
  const std::regex number(R"(\d+)");
  while (std::getline(in, line)) {
    if (line.rfind("## Indicators by technique", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.rfind("|", 0) != 0) {
      if (rows > 0) break;
      continue;
    }
    const auto cells = split_row(line);
    REQUIRE(cells.size() >= 4);
    if (cells[0] == "Technique" || cells[0].rfind("---", 0) == 0) continue;
    ++rows;
    INFO("row: " << cells[0]);
    const auto found = indicator_rows().find(cells[0]);
    REQUIRE_MESSAGE(found != indicator_rows().end(), "table row \"" << cells[0] << "\" is not mapped to a technique");
    const Technique* t = catalogue().find(found->second);
    REQUIRE(t != nullptr);
    // Each event id the row names is targeted by one of the technique's queries; 4624 (the session
    // link) is reached through the correlation builders rather than a hunt query.
    const std::string events = std::regex_replace(cells[2], noise, "");
    const auto ids = event_ids_of(*t);
    for (auto it = std::sregex_iterator(events.begin(), events.end(), number); it != std::sregex_iterator(); ++it) {
      const std::string id = it->str();
      if (id == "4624" && t->id != "rdp") continue;
      INFO("event id " << id);
      CHECK(ids.count(id) == 1);
    }
  }
  CHECK(rows == 23);
}

TEST_CASE("port profiles") {
  const Catalogue& cat = catalogue();
  CHECK(cat.find("psexec")->port_profile.ports == std::vector<int>{445});
  CHECK(cat.find("tool_transfer")->port_profile.name == "smb");
  CHECK(cat.find("winrm")->port_profile.ports == std::vector<int>{5985, 5986});
  CHECK(cat.find("rdp")->port_profile.ports == std::vector<int>{3389});

  const PortProfile& wmi = cat.find("wmi")->port_profile;
  CHECK(wmi.name == "rpc");
  CHECK(wmi.matches(135));
  CHECK_FALSE(wmi.matches(445));
  CHECK(wmi.matches(49152, "C:\\Windows\\System32\\svchost.exe"));
  CHECK(wmi.matches(65535, "SVCHOST.EXE"));
  CHECK_FALSE(wmi.matches(49151, "svchost.exe"));
  CHECK_FALSE(wmi.matches(50000, "C:\\Users\\x\\evil.exe"));
  CHECK(wmi.matches(50000));  // owner unknown

  const PortProfile& scmr = cat.find("scmr_tcp")->port_profile;
  CHECK(scmr.matches(52000, "C:\\Windows\\System32\\services.exe"));
  CHECK_FALSE(scmr.matches(52000, "C:\\Windows\\System32\\svchost.exe"));
  CHECK(cat.find("dcom_shellwindows")->port_profile.matches(60000, "C:\\Windows\\explorer.exe"));
  CHECK(cat.find("dcom_excel_mshta")->port_profile.matches(60000, "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE"));
}

TEST_CASE("anchor parents and pipe and service-name patterns are present where the spec names them") {
  const Catalogue& cat = catalogue();
  CHECK(cat.find("psexec")->anchor_parents == std::vector<std::string>{"services.exe"});
  CHECK(cat.find("wmi")->anchor_parents == std::vector<std::string>{"wmiprvse.exe"});
  CHECK(cat.find("winrm")->anchor_parents == std::vector<std::string>{"wsmprovhost.exe", "winrshost.exe"});
  CHECK_FALSE(cat.find("psexec")->pipe_patterns.empty());
  CHECK_FALSE(cat.find("impacket_smbexec")->service_name_patterns.empty());
  for (const auto& t : cat.techniques) {
    INFO(t.id);
    CHECK_FALSE(t.attack_ids.empty());
    for (const auto& id : t.attack_ids) CHECK(std::regex_match(id, std::regex(R"(T\d{4}(\.\d{3})?)")));
  }
}

namespace {

std::string error_of(const nlohmann::json& document) {
  try {
    parse_catalogue(document);
  } catch (const CatalogueError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("bad catalogue data is a clear error naming the technique and query") {
  const nlohmann::json good = catalogue_json();
  CHECK(error_of(good).empty());

  SUBCASE("a query that is not UDM") {
    auto bad = good;
    bad["techniques"][0]["queries"][1]["udm"] = "metadata.event_type = \"PROCESS_LAUNCH\" AND target.process.file.full_path CONTAINS \"x\"";
    const std::string e = error_of(bad);
    INFO(e);
    CHECK(e.rfind("skill.techniques.catalogue: technique \"psexec\" query \"psexec_service_binary\" ($.techniques[0].queries[1]): "
                  "invalid UDM query, col 74: UDM search has no CONTAINS",
                  0) == 0);
  }
  SUBCASE("regex on an enum field") {
    auto bad = good;
    bad["techniques"][2]["queries"][0]["udm"] = "metadata.event_type = /SERVICE/";
    const std::string e = error_of(bad);
    CHECK(e.find("technique \"impacket_smbexec\" query \"smbexec_service_oneliner\"") != std::string::npos);
    CHECK(e.find("col ") != std::string::npos);
  }
  SUBCASE("bad RE2 pattern") {
    auto bad = good;
    bad["techniques"][0]["pipe_patterns"][0] = "(unclosed";
    CHECK(error_of(bad).find("technique \"psexec\" ($.techniques[0]).pipe_patterns[0]: bad RE2 pattern /(unclosed/") != std::string::npos);
  }
  SUBCASE("unknown severity") {
    auto bad = good;
    bad["techniques"][1]["queries"][0]["severity"] = "severe";
    CHECK(error_of(bad).find("\"severe\" is not one of info, low, medium, high, critical") != std::string::npos);
  }
  SUBCASE("duplicate query id across techniques") {
    auto bad = good;
    bad["techniques"][1]["queries"][0]["id"] = "psexec_pipes";
    CHECK(error_of(bad).find("query id \"psexec_pipes\" is already used by another technique") != std::string::npos);
  }
  SUBCASE("missing field") {
    auto bad = good;
    bad["techniques"][3].erase("port_profile");
    CHECK(error_of(bad).find("technique \"impacket_wmiexec\" ($.techniques[3]): missing \"port_profile\"") != std::string::npos);
  }
  SUBCASE("a corrected seed query that is not UDM") {
    auto bad = good;
    bad["seed_queries"][2]["corrected"] = bad["seed_queries"][2]["original"];
    CHECK(error_of(bad).find("seed query \"seed_wmi_process_creation\"") != std::string::npos);
  }
  SUBCASE("scoring weight out of range") {
    auto bad = good;
    bad["suspicious_commands"][0]["weight"] = 0;
    CHECK(error_of(bad).find("$.suspicious_commands[0].weight: expected an integer 1-100") != std::string::npos);
  }
}
