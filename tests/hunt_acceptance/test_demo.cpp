// The bundled demo organisation (data/demo): every chain of the answer key found hop by hop and as an
// ordered path, the named admin hosts' routine remote administration kept below medium, the loopback
// PsExec on DB01 kept local — and the same findings when secops-local is reached over HTTP.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "tests/hunt_acceptance/harness.hpp"

namespace lh::acceptance {
namespace {

std::string demo_data() { return (demo_directory() / "acme-demo.jsonl").string(); }

const Json& answer_key() {
  static const Json key = [] {
    std::ifstream in(demo_directory() / "acme-demo.answers.json");
    return Json::parse(in);
  }();
  return key;
}

std::vector<std::string> admin_hosts() { return answer_key().at("admin_hosts").get<std::vector<std::string>>(); }

Json demo_arguments() { return {{"time_frame_hours", 72}, {"admin_hosts", admin_hosts()}}; }

// One stdio hunt shared by the checks below (doctest runs each test case in this same process when
// the executable is run alone; CTest runs them one by one and each pays for its own hunt).
const HuntOutcome& stdio_demo_hunt() {
  static const HuntOutcome outcome = [] {
    auto server = HuntServer::with_data({demo_data()});
    return server->hunt(demo_arguments());
  }();
  return outcome;
}

// The answer key's technique names -> catalogue ids (skill/techniques/catalogue.json).
std::string catalogue_id(const std::string& answer_key_technique) {
  static const std::map<std::string, std::string> ids = {
      {"psexec", "psexec"},         {"wmi", "wmi"},
      {"winrm", "winrm"},           {"tool_transfer", "tool_transfer"},
      {"scheduled_task", "remote_scheduled_task"}, {"dcom_mmc20", "dcom_mmc20"},
  };
  const auto found = ids.find(answer_key_technique);
  return found == ids.end() ? answer_key_technique : found->second;
}

std::string describe_hop(const Json& hop) {
  return fmt::format("hop {}: {} {} -> {} as {}", hop.at("order").get<int>(), hop.at("technique").get<std::string>(),
                     hop.at("source_host").get<std::string>(), hop.at("target_host").get<std::string>(),
                     hop.at("account").get<std::string>());
}

// Ids of the lateral_movement findings that are this hop.
std::set<std::string> findings_for_hop(const Json& report, const Json& hop) {
  std::set<std::string> ids;
  for (const auto& finding : report["findings"]) {
    if (text_of(finding, "kind") != "lateral_movement") continue;
    if (text_of(finding, "technique_id") != catalogue_id(hop.at("technique").get<std::string>())) continue;
    if (target_host(finding) != hop.at("target_host").get<std::string>()) continue;
    if (source_host(finding) != hop.at("source_host").get<std::string>()) continue;
    if (!same_account(hop.at("account").get<std::string>(), text_of(finding, "account"))) continue;
    ids.insert(text_of(finding, "id"));
  }
  return ids;
}

// The chain's hosts in order: the first hop's source, then each hop's target (a second hop between the
// same pair, as in chain-2's copy then scheduled task, adds no host).
std::vector<std::string> chain_hosts(const Json& chain) {
  const Json& hops = chain.at("hops");
  std::vector<std::string> hosts{hops.at(0).at("source_host").get<std::string>()};
  for (const auto& hop : hops) {
    const std::string target = hop.at("target_host").get<std::string>();
    if (hosts.back() != target) hosts.push_back(target);
  }
  return hosts;
}

bool contains_in_order(const std::vector<std::string>& path, const std::vector<std::string>& wanted) {
  return std::search(path.begin(), path.end(), wanted.begin(), wanted.end()) != path.end();
}

std::string describe_paths(const Json& report) {
  std::string text;
  for (const auto& path : report.value("paths", Json::array())) {
    std::vector<std::string> hosts;
    for (const auto& host : path.value("hosts", Json::array())) hosts.push_back(host.get<std::string>());
    std::vector<std::string> ids;
    for (const auto& id : path.value("finding_ids", Json::array())) ids.push_back(id.get<std::string>());
    text += fmt::format("\n  {} [{}]", fmt::join(hosts, " -> "), fmt::join(ids, ","));
  }
  return text.empty() ? "(no paths)" : text;
}

void require_report(const HuntOutcome& outcome) {
  REQUIRE_MESSAGE(!outcome.is_error, "lateral_movement_hunt failed: " << outcome.text);
  REQUIRE(outcome.report.is_object());
  REQUIRE(outcome.report.contains("findings"));
}

TEST_CASE("demo: every answer-key chain is found hop by hop and as an ordered path") {
  const HuntOutcome& outcome = stdio_demo_hunt();
  require_report(outcome);
  const Json& report = outcome.report;
  INFO("findings:" << describe_findings(report) << "\npaths:" << describe_paths(report));
  CHECK(text_of(report, "status") == "complete");
  REQUIRE(answer_key().at("chains").size() >= 2);

  for (const auto& chain : answer_key().at("chains")) {
    const std::string chain_id = chain.at("id").get<std::string>();
    // Per host pair, the findings that stand for its hops (chain-2 has two hops between the same pair).
    std::map<std::pair<std::string, std::string>, std::set<std::string>> edge_findings;
    for (const auto& hop : chain.at("hops")) {
      const auto ids = findings_for_hop(report, hop);
      CHECK_MESSAGE(!ids.empty(), chain_id << " " << describe_hop(hop) << ": no lateral_movement finding");
      auto& edge = edge_findings[{hop.at("source_host").get<std::string>(), hop.at("target_host").get<std::string>()}];
      edge.insert(ids.begin(), ids.end());
    }

    const auto wanted = chain_hosts(chain);
    bool path_found = false;
    for (const auto& path : report.value("paths", Json::array())) {
      std::vector<std::string> hosts;
      for (const auto& host : path.value("hosts", Json::array())) hosts.push_back(short_host(host.get<std::string>()));
      if (!contains_in_order(hosts, wanted)) continue;
      path_found = true;
      // The path is made of this chain's findings: each of its edges cites one of that edge's hops.
      std::set<std::string> cited;
      for (const auto& id : path.value("finding_ids", Json::array())) cited.insert(id.get<std::string>());
      for (const auto& edge_and_ids : edge_findings) {
        const auto& edge = edge_and_ids.first;
        const auto& ids = edge_and_ids.second;
        const bool cites_edge = std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return cited.contains(id); });
        CHECK_MESSAGE(cites_edge, chain_id << ": the path " << fmt::format("{}", fmt::join(hosts, " -> "))
                                           << " cites no finding of " << edge.first << " -> " << edge.second);
      }
      break;
    }
    CHECK_MESSAGE(path_found, chain_id << ": no path " << fmt::format("{}", fmt::join(wanted, " -> ")));
  }
}

TEST_CASE("demo: remote administration from the named admin hosts stays below medium") {
  const HuntOutcome& outcome = stdio_demo_hunt();
  require_report(outcome);
  const auto admins = admin_hosts();
  CHECK(std::set<std::string>(admins.begin(), admins.end()) == std::set<std::string>{"ADMIN-JUMP01", "DEPLOY01"});
  // A finding whose source stayed an address counts too: the key's host table gives the admin hosts' IPs.
  std::set<std::string> admin_ips;
  for (const auto& host : answer_key().at("hosts")) {
    if (std::find(admins.begin(), admins.end(), host.at("name").get<std::string>()) != admins.end()) {
      admin_ips.insert(host.at("ip").get<std::string>());
    }
  }
  CHECK(admin_ips.size() == admins.size());
  std::size_t from_admin_hosts = 0;
  for (const auto& finding : outcome.report["findings"]) {
    const bool admin_source = std::find(admins.begin(), admins.end(), source_host(finding)) != admins.end() ||
                              admin_ips.contains(source_ip(finding));
    if (!admin_source) continue;
    ++from_admin_hosts;
    const std::string severity = text_of(finding, "severity");
    CHECK_MESSAGE((severity == "info" || severity == "low"), "admin activity rated " << severity << ": "
                                                                                    << describe_finding(finding));
  }
  // The key weaves in a dozen admin executions: a hunt that finds none of them proves nothing here.
  MESSAGE(from_admin_hosts << " findings from admin hosts; answer key: "
                           << answer_key().at("benign_remote_executions").size() << " benign remote executions");
  CHECK(from_admin_hosts > 0);
}

TEST_CASE("demo: the loopback PsExec on DB01 is local execution, not lateral movement") {
  const HuntOutcome& outcome = stdio_demo_hunt();
  require_report(outcome);
  INFO("findings:" << describe_findings(outcome.report));
  for (const auto& local : answer_key().at("local_executions")) {
    const std::string host = local.at("target_host").get<std::string>();
    bool reported_local = false;
    for (const auto& finding : outcome.report["findings"]) {
      if (target_host(finding) != host) continue;
      const std::string kind = text_of(finding, "kind");
      if (kind == "local_execution" && text_of(finding, "technique_id") == catalogue_id(local.at("technique").get<std::string>())) {
        reported_local = true;
      }
      // A lateral finding from the host to itself is the loopback run misread.
      const bool from_itself = source_host(finding) == host || source_ip(finding) == local.at("source_ip").get<std::string>();
      CHECK_MESSAGE(!(kind == "lateral_movement" && from_itself), "lateral from itself: " << describe_finding(finding));
    }
    CHECK_MESSAGE(reported_local, "no local_execution finding on " << host);
  }
}

using FindingKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;

// kind, technique, source host (or IP), target host, account (lower-case): what must not depend on the transport.
std::set<FindingKey> finding_keys(const Json& report) {
  std::set<FindingKey> keys;
  for (const auto& finding : report["findings"]) {
    std::string account = text_of(finding, "account");
    std::transform(account.begin(), account.end(), account.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string source = source_host(finding).empty() ? source_ip(finding) : source_host(finding);
    keys.emplace(text_of(finding, "kind"), text_of(finding, "technique_id"), source, target_host(finding), account);
  }
  return keys;
}

std::string describe_keys(const std::set<FindingKey>& keys) {
  std::string text;
  for (const auto& [kind, technique, source, target, account] : keys) {
    text += fmt::format("\n  {} {} {} -> {} as {}", kind, technique, source, target, account);
  }
  return text.empty() ? " (none)" : text;
}

TEST_CASE("demo over HTTP: secops-local --http behind serve --config gives the same findings as stdio") {
  const HuntOutcome& over_stdio = stdio_demo_hunt();
  require_report(over_stdio);

  SecopsLocalHttp secops({"--data", demo_data()});
  const Json config = {{"mcpServers", {{"siem", {{"url", secops.url()}}}}},
                       {"roles", {{"siem", "siem"}, {"cases", "siem"}}},
                       {"limits", {{"siem", {{"concurrency", 16}}}}}};
  const TempFile config_file("http-config.json", config.dump(2));
  auto server = HuntServer::with_config(config_file.path());
  const HuntOutcome over_http = server->hunt(demo_arguments());
  INFO("secops-local stderr: " << secops.stderr_tail());
  require_report(over_http);
  CHECK(text_of(over_http.report, "status") == "complete");
  INFO("steps over HTTP: " << describe_steps(over_http.report));

  // It really went over HTTP.
  bool http_upstream = false;
  for (const auto& upstream : over_http.report.value("upstreams", Json::array())) {
    http_upstream = http_upstream || (text_of(upstream, "name") == "siem" && text_of(upstream, "transport") == "http");
  }
  CHECK_MESSAGE(http_upstream, "the report's upstreams do not show siem over http: "
                                   << over_http.report.value("upstreams", Json::array()).dump());

  const auto stdio_keys = finding_keys(over_stdio.report);
  const auto http_keys = finding_keys(over_http.report);
  std::set<FindingKey> only_stdio, only_http;
  std::set_difference(stdio_keys.begin(), stdio_keys.end(), http_keys.begin(), http_keys.end(),
                      std::inserter(only_stdio, only_stdio.end()));
  std::set_difference(http_keys.begin(), http_keys.end(), stdio_keys.begin(), stdio_keys.end(),
                      std::inserter(only_http, only_http.end()));
  CHECK_MESSAGE(only_stdio.empty(), "found over stdio only:" << describe_keys(only_stdio));
  CHECK_MESSAGE(only_http.empty(), "found over HTTP only:" << describe_keys(only_http));
  CHECK(!stdio_keys.empty());
  CHECK(over_stdio.report["findings"].size() == over_http.report["findings"].size());
}

}  // namespace
}  // namespace lh::acceptance
