// get_file_report, get_ip_address_report, get_domain_report answered from the demo IoC feed
// (data/demo/acme-demo.iocs.json) over the demo events, in memory and through the secops-local program.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mcp/client.hpp"
#include "siem/server.hpp"
#include "transport/in_memory.hpp"
#include "transport/stdio_client.hpp"

using namespace lh::siem;
using Json = nlohmann::json;

namespace {

constexpr const char* kSvchealthSha256 = "b2366ff5afe9cac104807cd0bdfa0d1e32d8c346224d186e63a2f9942924001e";
constexpr const char* kPsexecSha256 = "03D12DEA5BF431B98603A5B776EC5FA6C3A4514BD83F2961359F5AE565E472D7";
// WKS-017's powershell.exe: in the demo events, not in the feed.
constexpr const char* kPowershellSha256 = "66E78E8478EDAD2E3392BC660AC73A53C8C6E833D07DF8604F118F241A21547D";

std::vector<std::string> tool_names(lh::mcp::Client& client) {
  std::vector<std::string> names;
  for (const auto& tool : client.list_tools()) names.push_back(tool["name"].get<std::string>());
  return names;
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The demo events and, when `with_feed`, the demo feed, on an in-memory server.
struct DemoFixture {
  std::unique_ptr<SiemBackend> backend = std::make_unique<SiemBackend>(":memory:");
  lh::mcp::Server server{secops_local_server_options()};
  std::mutex mutex;
  std::vector<std::shared_ptr<lh::mcp::ServerSession>> sessions;
  std::unique_ptr<lh::mcp::Client> client;

  explicit DemoFixture(bool with_feed) {
    backend->events.load({LH_TEST_DEMO_DATA});
    if (with_feed) backend->iocs = load_ioc_feed(LH_TEST_DEMO_IOCS);
    add_secops_tools(server, *backend);
    client = std::make_unique<lh::mcp::Client>([this] {
      auto [server_end, client_end] = lh::transport::make_in_memory_pair();
      std::lock_guard lock(mutex);
      sessions.push_back(server.connect(server_end));
      return client_end;
    });
  }
  ~DemoFixture() {
    client.reset();
    std::lock_guard lock(mutex);
    sessions.clear();
  }

  // A successful dict answer: the text block parsed, equal to structuredContent.
  Json report(const std::string& tool, Json arguments) {
    const auto result = client->call_tool(tool, std::move(arguments));
    REQUIRE_MESSAGE(!result.is_error, result.joined_text());
    REQUIRE(result.content.size() == 1);
    const Json parsed = Json::parse(result.content[0]["text"].get<std::string>());
    REQUIRE(result.structured_content);
    CHECK(*result.structured_content == parsed);
    CHECK_FALSE(parsed.contains("error"));
    return parsed;
  }
  std::string error_text(const std::string& tool, Json arguments) {
    const auto result = client->call_tool(tool, std::move(arguments));
    CHECK(result.is_error);
    return result.joined_text();
  }
};

}  // namespace

TEST_CASE("intel reports: listed only with a feed, with gti-mcp's argument names") {
  DemoFixture without(false);
  const auto plain = tool_names(*without.client);
  CHECK(has(plain, "get_ioc_matches"));
  CHECK_FALSE(has(plain, "get_file_report"));
  CHECK_FALSE(has(plain, "get_ip_address_report"));
  CHECK_FALSE(has(plain, "get_domain_report"));

  DemoFixture with(true);
  for (const auto& tool : with.client->list_tools()) {
    const auto name = tool["name"].get<std::string>();
    const std::string argument = name == "get_file_report"         ? "hash"
                                 : name == "get_ip_address_report" ? "ip_address"
                                 : name == "get_domain_report"     ? "domain"
                                                                   : "";
    if (argument.empty()) continue;
    CHECK(tool["inputSchema"]["required"] == Json::array({argument}));
    CHECK(tool["inputSchema"]["properties"][argument]["type"] == "string");
    CHECK(tool["annotations"]["readOnlyHint"] == true);
  }
  const auto names = tool_names(*with.client);
  CHECK(has(names, "get_file_report"));
  CHECK(has(names, "get_ip_address_report"));
  CHECK(has(names, "get_domain_report"));
}

TEST_CASE("get_file_report: the chain-2 implant is malicious, PsExec suspicious from two sources") {
  DemoFixture fixture(true);
  // Upper case in, VirusTotal's lower-case id out.
  const Json implant = fixture.report("get_file_report", {{"hash", "B2366FF5AFE9CAC104807CD0BDFA0D1E32D8C346224D186E63A2F9942924001E"}});
  CHECK(implant["id"] == kSvchealthSha256);
  CHECK(implant["type"] == "file");
  CHECK(implant["found"] == true);
  const auto& attributes = implant["attributes"];
  CHECK(attributes["last_analysis_stats"] == Json{{"malicious", 1}, {"suspicious", 0}, {"harmless", 0}, {"undetected", 0}});
  CHECK(attributes["reputation"] == -70);
  CHECK(attributes["tags"] == Json::array({"implant", "lateral-tool-transfer"}));
  CHECK(attributes["gti_assessment"]["verdict"]["value"] == "VERDICT_MALICIOUS");
  CHECK(attributes["gti_assessment"]["severity"]["value"] == "SEVERITY_HIGH");
  CHECK(attributes["popular_threat_classification"]["suggested_threat_label"] == "svchealth");
  CHECK(implant["sources"] == Json::array({"acme-demo-intel"}));

  const Json psexec = fixture.report("get_file_report", {{"hash", kPsexecSha256}});
  CHECK(psexec["found"] == true);
  CHECK(psexec["attributes"]["last_analysis_stats"]["suspicious"] == 2);
  CHECK(psexec["attributes"]["last_analysis_stats"]["malicious"] == 0);
  CHECK(psexec["attributes"]["reputation"] == -10);
  CHECK(psexec["sources"] == Json::array({"acme-demo-intel", "dual-use-tools"}));
}

TEST_CASE("get_file_report: a hash seen in the events but not in the feed is not found, not an error") {
  DemoFixture fixture(true);
  const Json report = fixture.report("get_file_report", {{"hash", kPowershellSha256}});
  CHECK(report == Json{{"id", "66e78e8478edad2e3392bc660ac73a53c8c6e833d07df8604f118f241a21547d"},
                       {"type", "file"},
                       {"found", false},
                       {"attributes", Json::object()},
                       {"sources", Json::array()}});
  // An MD5 of the same width rules applies: well formed, unknown.
  CHECK(fixture.report("get_file_report", {{"hash", "0bd6a50ea9107529458d298eb29efa1b"}})["found"] == false);
}

TEST_CASE("get_ip_address_report and get_domain_report: found and not found") {
  DemoFixture fixture(true);
  const Json c2 = fixture.report("get_ip_address_report", {{"ip_address", "203.0.113.77"}});
  CHECK(c2["type"] == "ip_address");
  CHECK(c2["id"] == "203.0.113.77");
  CHECK(c2["attributes"]["reputation"] == -90);
  CHECK(c2["attributes"]["gti_assessment"]["severity"]["value"] == "SEVERITY_CRITICAL");
  const Json wks017 = fixture.report("get_ip_address_report", {{"ip_address", " 10.20.0.18 "}});
  CHECK(wks017["found"] == true);
  CHECK(wks017["attributes"]["tags"] == Json::array({"compromised-host"}));
  CHECK_FALSE(wks017["attributes"].contains("popular_threat_classification"));
  // ADMIN-JUMP01's subnet neighbour: not in the feed.
  CHECK(fixture.report("get_ip_address_report", {{"ip_address", "10.20.0.17"}})["found"] == false);

  const Json benign = fixture.report("get_domain_report", {{"domain", "Updates.Contoso-CDN.example."}});
  CHECK(benign["id"] == "updates.contoso-cdn.example");
  CHECK(benign["type"] == "domain");
  CHECK(benign["attributes"]["last_analysis_stats"]["harmless"] == 1);
  CHECK(benign["attributes"]["reputation"] == 10);
  CHECK(benign["attributes"]["gti_assessment"]["verdict"]["value"] == "VERDICT_HARMLESS");
  CHECK(fixture.report("get_domain_report", {{"domain", "acme.local"}})["found"] == false);
}

TEST_CASE("intel reports: malformed arguments answer isError naming the argument") {
  DemoFixture fixture(true);
  CHECK(fixture.error_text("get_file_report", {{"hash", "PsExec.exe"}}) ==
        "get_file_report: hash: \"PsExec.exe\" is not an MD5, SHA-1 or SHA-256 hex digest (32, 40 or 64 hex characters)");
  CHECK(fixture.error_text("get_file_report", {{"hash", "  "}}) == "get_file_report: hash: must be a non-empty string");
  CHECK(fixture.error_text("get_ip_address_report", {{"ip_address", "10.20.0.300"}}) ==
        "get_ip_address_report: ip_address: \"10.20.0.300\" is not an IPv4 or IPv6 address");
  CHECK(fixture.error_text("get_domain_report", {{"domain", "10.20.0.18"}}) ==
        "get_domain_report: domain: \"10.20.0.18\" is an IP address (use get_ip_address_report)");
  CHECK(fixture.error_text("get_domain_report", {{"domain", "WKS-017"}}) ==
        "get_domain_report: domain: \"WKS-017\" has no dot (expected a domain such as example.com)");
  CHECK(fixture.error_text("get_domain_report", {{"domain", "bad domain.example"}}) ==
        "get_domain_report: domain: \"bad domain.example\" contains the character ' '");
  // The input schema is checked before the tool runs: a missing argument never reaches it.
  CHECK(fixture.client->call_tool("get_file_report", Json::object()).is_error);
}

TEST_CASE("demo feed: get_ioc_matches lists the attack's IoCs and never the benign control entry") {
  DemoFixture fixture(true);
  const auto result = fixture.client->call_tool("get_ioc_matches", {{"hours_back", 72}, {"max_matches", 50}});
  REQUIRE_FALSE(result.is_error);
  const std::string text = result.joined_text();
  CHECK(text.rfind("Found 5 IoC matches:", 0) == 0);
  CHECK(text.find("B2366FF5AFE9CAC104807CD0BDFA0D1E32D8C346224D186E63A2F9942924001E") != std::string::npos);  // as the feed spells it
  CHECK(text.find("203.0.113.77") != std::string::npos);
  CHECK(text.find("10.20.0.19") != std::string::npos);
  CHECK(text.find("contoso-cdn") == std::string::npos);
}

TEST_CASE("feed format: intel fields are optional, checked, and read from CSV too") {
  const auto csv = parse_ioc_feed("type,value,source,verdict,severity,tags,threat_name\n"
                                  "IP_ADDRESS,10.0.0.9,lab,Suspicious,LOW,scanner; internal ,nmap\n"
                                  "IP_ADDRESS,10.0.0.10,lab,,,,\n",
                                  "f.csv");
  REQUIRE(csv.entries.size() == 2);
  CHECK(csv.entries[0].verdict == "suspicious");
  CHECK(csv.entries[0].severity == "low");
  CHECK(csv.entries[0].tags == std::vector<std::string>{"scanner", "internal"});
  CHECK(csv.entries[0].threat_name == "nmap");
  CHECK(csv.entries[1].verdict.empty());
  CHECK_THROWS_WITH_AS(parse_ioc_feed("type,value,verdict\nIP,10.0.0.1,evil\n", "f.csv"),
                       "ioc_feed: f.csv:2: verdict: \"evil\" is not malicious, suspicious, harmless or undetected",
                       IocFeedError);
  CHECK_THROWS_WITH_AS(parse_ioc_feed(R"([{"value": "x", "severity": "extreme"}])", "f.json"),
                       "ioc_feed: f.json: [0].severity: \"extreme\" is not low, medium, high or critical", IocFeedError);
  CHECK_THROWS_WITH_AS(parse_ioc_feed(R"([{"value": "x", "tags": "a"}])", "f.json"),
                       "ioc_feed: f.json: [0].tags: not an array of strings", IocFeedError);
}

TEST_CASE("secops-local program: --iocs adds the report tools, which answer over stdio") {
  auto client_for = [](std::vector<std::string> args) {
    return std::make_unique<lh::mcp::Client>([args]() -> std::shared_ptr<lh::mcp::Transport> {
      lh::transport::StdioClientOptions options;
      options.name = "secops-local";
      options.process.command = LH_TEST_SECOPS_LOCAL;
      options.process.args = args;
      return std::make_shared<lh::transport::StdioClientTransport>(std::move(options));
    });
  };
  auto with = client_for({"--data", LH_TEST_DEMO_DATA, "--iocs", LH_TEST_DEMO_IOCS, "--log-level", "warn"});
  CHECK(has(tool_names(*with), "get_file_report"));
  const auto result = with->call_tool("get_file_report", {{"hash", kSvchealthSha256}});
  REQUIRE_FALSE(result.is_error);
  REQUIRE(result.structured_content);
  CHECK((*result.structured_content)["attributes"]["last_analysis_stats"]["malicious"] == 1);
  with.reset();

  auto without = client_for({"--data", LH_TEST_DEMO_DATA, "--log-level", "warn"});
  CHECK_FALSE(has(tool_names(*without), "get_domain_report"));
}
