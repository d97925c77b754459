// The whole hunt on the bundled demo data through the real secops-local over stdio.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "skill/report/report_store.hpp"
#include "skill/techniques/build_queries.hpp"
#include "skill/workflow/hunt.hpp"
#include "tests/skill_workflow/upstream_fixture.hpp"

namespace wf = lh::skill::workflow;
using workflow_test::Json;
using workflow_test::LocalUpstream;

namespace {

struct ProgressLog {
  std::mutex mutex;
  std::vector<std::tuple<std::string, double, double>> calls;
};

}  // namespace

TEST_CASE("a demo hunt validates against the report schema and lists every catalogue query with its count") {
  LocalUpstream upstream;
  lh::skill::report::ReportStore store(":memory:");
  ProgressLog progress;
  const auto report = wf::run_hunt(upstream.gateway(), workflow_test::demo_request(), &store,
                                   [&](const std::string& message, double done, double total) {
                                     std::lock_guard lock(progress.mutex);
                                     progress.calls.emplace_back(message, done, total);
                                   });
  // LH_TEST_DUMP_REPORT=<file> keeps the report for reading.
  if (const char* path = std::getenv("LH_TEST_DUMP_REPORT")) std::ofstream(path) << report.dump(2) << '\n';
  const auto violations = workflow_test::report_violations(report);
  INFO(fmt::format("{}", fmt::join(violations, "\n")));
  CHECK(violations.empty());
  INFO(report["summary"].get<std::string>());
  CHECK(report["status"] == "complete");

  // Every catalogue query, once, with its count; zero-hit ones are negative results.
  const auto built = lh::skill::techniques::build_queries({});
  std::set<std::string> negative;
  for (const auto& item : report["negative_results"]) negative.insert(item["query_id"].get<std::string>());
  std::size_t hunt_queries = 0;
  for (const auto& query : report["queries"]) {
    if (query["purpose"] != "hunt") continue;
    ++hunt_queries;
    CHECK(query["status"] == "ok");
    CHECK(query["hits"].is_number_unsigned());
    CHECK(negative.count(query["id"].get<std::string>()) == (query["hits"] == 0 ? 1u : 0u));
  }
  CHECK(hunt_queries == built.size());
  for (const auto& query : built) {
    const auto found = std::find_if(report["queries"].begin(), report["queries"].end(),
                                    [&](const Json& item) { return item["id"] == query.query_id; });
    CHECK_MESSAGE(found != report["queries"].end(), query.query_id);
  }
  CHECK_FALSE(negative.empty());

  // The analysis found the woven-in movement, and the other steps ran.
  CHECK_FALSE(report["findings"].empty());
  CHECK_FALSE(report["movement_graph"]["edges"].empty());
  for (const auto& finding : report["findings"]) {
    const auto& source = finding.value("source", Json::object());
    const std::string host = source.contains("host") && source["host"].is_string() ? source["host"].get<std::string>() : "";
    if (host == "ADMIN-JUMP01" || host == "DEPLOY01") {
      INFO(finding["id"].get<std::string>());
      CHECK((finding["severity"] == "info" || finding["severity"] == "low"));
    }
  }
  for (const char* name : {"validate", "connect", "research", "hunt_queries", "correlation", "enrichment", "related_cases", "document"}) {
    const auto* step = workflow_test::find_step(report, name);
    REQUIRE_MESSAGE(step, name);
  }
  CHECK(workflow_test::find_step(report, "research")->at("status") == "ok");
  CHECK(workflow_test::find_step(report, "enrichment")->at("status") == "ok");
  CHECK(workflow_test::find_step(report, "document")->at("status") == "skipped");
  CHECK(report["documentation"]["status"] == "not_requested");
  CHECK_FALSE(report["enrichment"]["entities"].empty());
  for (const auto& technique : report["techniques"]) CHECK(technique["research"]["status"] == "ok");
  CHECK(report["upstream_calls"].get<int>() > static_cast<int>(built.size()));
  CHECK(report["hunt_id"].get<std::string>().rfind("hunt-", 0) == 0);

  // The store has it, and progress only went forward, query by query.
  CHECK(store.get(report["hunt_id"].get<std::string>()).has_value());
  REQUIRE_FALSE(progress.calls.empty());
  double last_done = 0;
  for (const auto& [message, done, total] : progress.calls) {
    CHECK(done >= last_done);
    CHECK(total >= done);
    last_done = done;
  }
  const auto last_query_message = fmt::format("hunt queries {}/{}", built.size(), built.size());
  CHECK(std::any_of(progress.calls.begin(), progress.calls.end(),
                    [&](const auto& call) { return std::get<0>(call) == last_query_message; }));
}

TEST_CASE("a scope narrows every hunt query") {
  LocalUpstream upstream;
  auto request = workflow_test::demo_request();
  request.target_scope_query = "principal.hostname = /^FILESRV01/ nocase";
  request.research = false;
  request.enrich = false;
  request.related_cases = false;
  const auto report = wf::run_hunt(upstream.gateway(), request);
  CHECK(workflow_test::report_violations(report).empty());
  for (const auto& query : report["queries"]) {
    if (query["purpose"] == "hunt") CHECK(query["udm"].get<std::string>().find("FILESRV01") != std::string::npos);
  }
  CHECK(workflow_test::find_step(report, "research")->at("status") == "skipped");
  CHECK(report["status"] == "complete");
}

// The answer key's chains: every hop is a lateral-movement finding from its source to its target at
// medium severity or above, and the hops follow each other in time.
TEST_CASE("every demo chain is found hop by hop in time order") {
  LocalUpstream upstream;
  auto request = workflow_test::demo_request();
  request.research = false;
  request.related_cases = false;
  const auto report = wf::run_hunt(upstream.gateway(), request);
  std::ifstream in(LH_TEST_DEMO_ANSWERS);
  const auto answers = Json::parse(in);
  auto host_of = [](const Json& endpoint) {
    return endpoint.is_object() && endpoint.contains("host") && endpoint["host"].is_string() ? endpoint["host"].get<std::string>()
                                                                                           : std::string();
  };
  for (const auto& chain : answers.at("chains")) {
    std::string previous_first_seen;
    for (const auto& hop : chain.at("hops")) {
      const std::string source = hop.at("source_host"), target = hop.at("target_host"), technique = hop.at("technique");
      INFO(chain.at("id").get<std::string>() << " hop " << hop.at("order").get<int>() << ": " << source << " -> " << target
                                             << " (" << technique << ")");
      const Json* match = nullptr;
      for (const auto& finding : report.at("findings")) {
        if (finding.at("kind") != "lateral_movement" || host_of(finding.value("source", Json())) != source ||
            host_of(finding.at("target")) != target ||
            finding.at("technique_id").get<std::string>().find(technique) == std::string::npos) {
          continue;
        }
        if (!match || finding.at("first_seen") < match->at("first_seen")) match = &finding;
      }
      REQUIRE(match);
      const std::string severity = match->at("severity");
      CHECK((severity == "medium" || severity == "high" || severity == "critical"));
      const std::string first_seen = match->at("first_seen");
      CHECK(first_seen >= previous_first_seen);
      previous_first_seen = first_seen;
    }
  }
}
