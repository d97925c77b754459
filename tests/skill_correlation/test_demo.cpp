// The bundled demo data, hunted end to end through secops-local; expectations come from its answer key.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include "hunt_runner.hpp"
#include "report_check.hpp"
#include "skill/correlation/hunt_event.hpp"

namespace {

std::string text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string(); }

// The answer key names techniques by what they are; the catalogue id of a remote scheduled task is longer.
std::string catalogue_id(const std::string& answer_technique) {
  return answer_technique == "scheduled_task" ? "remote_scheduled_task" : answer_technique;
}

struct DemoRun {
  nlohmann::json answers;
  nlohmann::json report;
  std::string description;
};

const DemoRun& demo() {
  static const DemoRun run = [] {
    DemoRun out;
    std::ifstream in(LH_DEMO_ANSWERS);
    out.answers = nlohmann::json::parse(in);
    lh::skill::correlation::CorrelationSettings settings;
    for (const auto& h : out.answers["admin_hosts"]) settings.admin_hosts.push_back(h.get<std::string>());
    const auto hunt = lh::test::run_hunt({LH_DEMO_DATA}, settings);
    out.report = hunt.result.to_json();
    out.description = lh::test::describe(hunt.result);
    return out;
  }();
  return run;
}

const nlohmann::json* hop_finding(const nlohmann::json& findings, const nlohmann::json& hop) {
  for (const auto& f : findings) {
    if (f["kind"] == "lateral_movement" && f["technique_id"] == catalogue_id(hop["technique"]) && f["target"]["host"] == hop["target_host"] &&
        text(f["logon_id"]) == text(hop["target_logon_id"])) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("demo: the correlation output matches the hunt report schema") {
  const auto& run = demo();
  MESSAGE(run.description);
  const auto errors = lh::test::report_part_errors(run.report);
  for (const auto& e : errors) MESSAGE(e);
  CHECK(errors.empty());
  CHECK(run.report["complete"] == true);
}

TEST_CASE("demo: every hop of every chain is a finding with the right source, target, technique and account") {
  const auto& run = demo();
  for (const auto& chain : run.answers["chains"]) {
    for (const auto& hop : chain["hops"]) {
      CAPTURE(text(chain["id"]));
      CAPTURE(hop["order"].get<int>());
      const auto* f = hop_finding(run.report["findings"], hop);
      REQUIRE_MESSAGE(f != nullptr, "no finding for ", hop.dump());
      CHECK(text((*f)["source"]["host"]) == text(hop["source_host"]));
      CHECK(text((*f)["source"]["ip"]) == text(hop["source_ip"]));
      CHECK(text((*f)["account"]) == text(hop["account"]));
      CHECK(text((*f)["severity"]) != "info");
      CHECK(text((*f)["severity"]) != "low");
      CHECK_FALSE((*f)["attack_ids"].empty());
      const auto attack = text(hop["attack_id"]);
      CHECK(std::find((*f)["attack_ids"].begin(), (*f)["attack_ids"].end(), attack) != (*f)["attack_ids"].end());
      // The commands the key says were run on the target are in the finding (compared case-insensitively).
      std::vector<std::string> seen;
      for (const auto& c : (*f)["commands"]) seen.push_back(lh::skill::correlation::lower(text(c["command_line"])));
      for (const auto& command : hop.value("commands", nlohmann::json::array())) {
        const auto wanted = lh::skill::correlation::lower(text(command));
        if (text(hop["technique"]) == "tool_transfer") continue;  // the copy runs on the source, nothing runs on the target
        CHECK_MESSAGE(std::any_of(seen.begin(), seen.end(), [&](const std::string& s) { return s.find(wanted) != std::string::npos; }),
                      "command not in the finding: ", wanted);
      }
    }
  }
}

TEST_CASE("demo: every chain is a path with its hops in order") {
  const auto& run = demo();
  for (const auto& chain : run.answers["chains"]) {
    // Hosts in the order the chain reached them (two hops over the same edge, e.g. copy then task, are one step).
    std::vector<std::string> hosts;
    for (const auto& hop : chain["hops"]) {
      if (hosts.empty()) hosts.push_back(text(hop["source_host"]));
      if (std::find(hosts.begin(), hosts.end(), text(hop["target_host"])) == hosts.end()) hosts.push_back(text(hop["target_host"]));
    }
    CAPTURE(text(chain["id"]));
    bool found = false;
    for (const auto& path : run.report["paths"]) found |= path["hosts"].get<std::vector<std::string>>() == hosts;
    CHECK_MESSAGE(found, "no path ", nlohmann::json(hosts).dump(), " in ", run.report["paths"].dump());
  }
}

TEST_CASE("demo: remote execution from the admin hosts stays below medium severity") {
  const auto& run = demo();
  std::set<std::string> admins;
  for (const auto& h : run.answers["admin_hosts"]) admins.insert(text(h));
  std::size_t from_admins = 0;
  for (const auto& f : run.report["findings"]) {
    if (!admins.contains(text(f["source"]["host"]))) continue;
    ++from_admins;
    CAPTURE(f["id"].get<std::string>());
    CHECK((text(f["severity"]) == "low" || text(f["severity"]) == "info"));
    CHECK(text(f["source_class"]) == "admin_host");
  }
  // Each benign remote execution of the key is reported (low), not hidden.
  for (const auto& benign : run.answers["benign_remote_executions"]) {
    CAPTURE(benign.dump());
    bool found = false;
    for (const auto& f : run.report["findings"]) {
      found |= text(f["source"]["host"]) == text(benign["source_host"]) && text(f["target"]["host"]) == text(benign["target_host"]) &&
               text(f["logon_id"]) == text(benign["target_logon_id"]);
    }
    CHECK(found);
  }
  CHECK(from_admins >= run.answers["benign_remote_executions"].size());
}

TEST_CASE("demo: PsExec against the host itself is local execution, not lateral movement") {
  const auto& run = demo();
  for (const auto& local : run.answers["local_executions"]) {
    const auto host = text(local["target_host"]);
    const auto* f = lh::test::find_finding(run.report["findings"], catalogue_id(text(local["technique"])), host, "local_execution");
    REQUIRE_MESSAGE(f != nullptr, "no local_execution finding on ", host);
    CHECK(text((*f)["logon_id"]) == text(local["target_logon_id"]));
    CHECK(text((*f)["source"]["resolved_by"]) == "same_host");
    for (const auto& other : run.report["findings"]) {
      CHECK_FALSE((other["kind"] == "lateral_movement" && text(other["source"]["host"]) == host && text(other["target"]["host"]) == host));
    }
    for (const auto& edge : run.report["movement_graph"]["edges"]) CHECK(edge["from"] != edge["to"]);
  }
}

TEST_CASE("any data named by LH_CORRELATION_DATA (e.g. a larger generated demo) gives a schema-valid result") {
  const char* data = std::getenv("LH_CORRELATION_DATA");
  if (data == nullptr || *data == '\0') {
    MESSAGE("SKIPPED: set LH_CORRELATION_DATA to a data file to run the correlation on it");
    return;
  }
  lh::skill::correlation::CorrelationSettings settings;
  settings.admin_hosts = {"ADMIN-JUMP01", "DEPLOY01"};
  const auto run = lh::test::run_hunt({data}, settings);
  MESSAGE(run.hunt_queries, " hunt queries, ", run.context_queries, " context queries\n", lh::test::describe(run.result));
  CHECK(lh::test::report_part_errors(run.result.to_json()).empty());
  if (std::getenv("LH_CORRELATION_DUMP") != nullptr) MESSAGE(run.result.to_json().dump(1));
}

TEST_CASE("demo: sources that did remote execution before the hunt window are known remote admins") {
  // Hunt the second day only, with no admin hosts configured: ADMIN-JUMP01's wmic / PsExec / Invoke-Command of
  // the first day (benign_remote_executions in the key) are its history; WKS-017 has none.
  std::ifstream in(LH_DEMO_ANSWERS);
  const auto answers = nlohmann::json::parse(in);
  lh::skill::techniques::TimeFrame day2;
  day2.start_time = "2024-03-05T00:00:00.000Z";
  day2.end_time = "2024-03-06T00:00:00.000Z";
  const auto run = lh::test::run_hunt({LH_DEMO_DATA}, {}, day2);
  const auto report = run.result.to_json();
  bool day1_history = false;
  for (const auto& b : answers["benign_remote_executions"]) {
    day1_history |= text(b["source_host"]) == "ADMIN-JUMP01" && text(b["timestamps"]["source_command"]) < "2024-03-05";
  }
  REQUIRE(day1_history);
  std::size_t known = 0;
  for (const auto& f : report["findings"]) {
    if (f["kind"] != "lateral_movement") continue;
    CHECK(text(f["first_seen"]) >= "2024-03-05");
    if (text(f["source"]["host"]) == "ADMIN-JUMP01") {
      ++known;
      CHECK(text(f["source_class"]) == "known_remote_admin");
      CHECK((text(f["severity"]) == "low" || text(f["severity"]) == "medium" || text(f["severity"]) == "info"));
    }
    if (text(f["source"]["host"]) == "WKS-017") CHECK(text(f["source_class"]) == "unexpected");
  }
  CHECK(known > 0);
  bool baseline_ran = false;
  for (const auto& q : report["context_queries"]) baseline_ran |= q["purpose"] == "baseline" && q["hits"].get<int>() > 0;
  CHECK(baseline_ran);
}

TEST_CASE("demo: over the context budget, hosts close in time share searches and the chains are still found") {
  std::ifstream in(LH_DEMO_ANSWERS);
  const auto answers = nlohmann::json::parse(in);
  lh::skill::correlation::CorrelationSettings settings;
  for (const auto& h : answers["admin_hosts"]) settings.admin_hosts.push_back(h.get<std::string>());
  settings.max_context_queries = 30;  // the per-host plan needs more than this in round 1
  const auto run = lh::test::run_hunt({LH_DEMO_DATA}, settings);
  const auto report = run.result.to_json();
  bool batched = false;
  for (const auto& q : report["context_queries"]) batched |= text(q["id"]).find('+') != std::string::npos;
  CHECK(batched);
  for (const auto& chain : answers["chains"]) {
    for (const auto& hop : chain["hops"]) {
      CAPTURE(hop["target_logon_id"].get<std::string>());
      const auto* f = hop_finding(report["findings"], hop);
      REQUIRE(f != nullptr);
      CHECK(text((*f)["source"]["host"]) == text(hop["source_host"]));
      CHECK(text((*f)["account"]) == text(hop["account"]));
    }
  }
}

TEST_CASE("demo: every finding of medium severity or above is a woven-in hop or the local credential dump") {
  const auto& run = demo();
  std::set<std::string> expected_logons;
  for (const auto& chain : run.answers["chains"]) {
    for (const auto& hop : chain["hops"]) expected_logons.insert(text(hop["target_logon_id"]));
  }
  for (const auto& local : run.answers["local_executions"]) expected_logons.insert(text(local["target_logon_id"]));
  for (const auto& f : run.report["findings"]) {
    const auto severity = text(f["severity"]);
    if (severity == "info" || severity == "low") continue;
    CAPTURE(f["id"].get<std::string>());
    CHECK(expected_logons.contains(text(f["logon_id"])));
  }
}

TEST_CASE("demo: every lateral finding is an edge of the movement graph, unresolved sources named by their address") {
  const auto& run = demo();
  const auto& graph = run.report["movement_graph"];
  std::set<std::string> on_edges;
  for (const auto& edge : graph["edges"]) {
    for (const auto& id : edge["finding_ids"]) on_edges.insert(id.get<std::string>());
  }
  std::set<std::string> unresolved_sources;
  for (const auto& f : run.report["findings"]) {
    if (f["kind"] != "lateral_movement") continue;
    CAPTURE(f["id"].get<std::string>());
    CHECK(on_edges.contains(f["id"].get<std::string>()));
    if (f["source"]["host"].is_null()) unresolved_sources.insert(text(f["source"]["ip"]));
  }
  // The demo's RDP logon from 10.10.1.50 has no host in the data.
  CHECK(unresolved_sources.contains("10.10.1.50"));
  for (const auto& ip : unresolved_sources) {
    CAPTURE(ip);
    bool node = false;
    for (const auto& n : graph["nodes"]) node |= n["host"] == ip && n.value("unresolved", false);
    CHECK(node);
  }
}
