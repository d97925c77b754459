// run_hunt: the steps in order, with the independent ones side by side:
//   validate -> connect -> (research || hunt queries) -> correlation rounds
//   -> (enrichment || related cases) -> document -> report.
// Every step leaves a StepRecord; a step that fails never stops the ones that do not need it.
#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "mcp/log.hpp"
#include "skill/workflow/correlation_rounds.hpp"
#include "skill/workflow/documentation.hpp"
#include "skill/workflow/enrichment.hpp"
#include "skill/workflow/follow_ons.hpp"
#include "skill/workflow/hunt.hpp"
#include "skill/workflow/hunt_queries.hpp"
#include "skill/workflow/identity.hpp"
#include "skill/workflow/progress.hpp"
#include "skill/workflow/related_cases.hpp"
#include "skill/workflow/report_assembly.hpp"
#include "skill/workflow/research.hpp"
#include "skill/workflow/step_record.hpp"
#include "skill/workflow/summary.hpp"
#include "skill/workflow/validation.hpp"

namespace lh::skill::workflow {
namespace {

using detail::StepRecord;

constexpr std::size_t kMaxRelatedCases = 500;
// Look-ups (threat-intel questions, entity look-ups) are single cheap calls, not searches: they may
// have more in flight than request.parallelism; the gateway's per-server limit still applies.
constexpr std::size_t kMinLookupParallelism = 16;

std::size_t lookup_parallelism(std::size_t parallelism) { return std::max(parallelism, kMinLookupParallelism); }

StepRecord not_run(std::string name, const std::string& status, std::optional<std::string> why = std::nullopt) {
  StepRecord step{std::move(name), status};
  step.error = std::move(why);
  return step;
}

StepRecord connect(gateway::Gateway& gateway, const std::stop_token& cancel) {
  StepRecord step{"connect"};
  const detail::StepClock clock;
  try {
    gateway.start(cancel);
  } catch (const std::exception& error) {
    step.status = "failed";
    step.error = error.what();
  }
  if (step.status == "ok") {
    std::size_t connected = 0;
    std::vector<std::string> problems;
    const auto servers = gateway.status();
    for (const auto& server : servers) {
      if (server.connected) ++connected;
      else problems.push_back(server.error.value_or(fmt::format("upstream '{}' is not connected", server.name)));
    }
    step.status = detail::combine_status(connected, problems.size(), cancel.stop_requested());
    if (!problems.empty()) step.error = fmt::format("{}", fmt::join(problems, "; "));
  }
  step.duration = clock.elapsed();
  return step;
}

// The hunt's entry in the report store from the moment it starts ("running"), so that a crash leaves a
// stored report that says it was interrupted (ReportStore::recover_interrupted) rather than nothing. A
// hunt that leaves run_hunt by an exception is marked interrupted by the guard itself.
class HuntJournal {
 public:
  HuntJournal(report::ReportStore* store, nlohmann::json entry) : store_(store), entry_(std::move(entry)) {
    write(entry_, "journal the running hunt");
  }
  ~HuntJournal() {
    if (!store_ || finished_) return;
    entry_["status"] = "incomplete";
    entry_["interrupted"] = {{"reason", "the hunt ended on an internal error before its report was put together"}};
    entry_["summary"] = "INTERRUPTED: the hunt ended on an internal error before its report was put together.";
    write(entry_, "mark the interrupted hunt");
  }
  HuntJournal(const HuntJournal&) = delete;
  HuntJournal& operator=(const HuntJournal&) = delete;

  // The final report replaces the entry; the error text when it could not be stored.
  std::optional<std::string> finish(const nlohmann::json& report) {
    finished_ = true;
    return write(report, "store the report");
  }

 private:
  std::optional<std::string> write(const nlohmann::json& report, const char* what) noexcept {
    if (!store_) return std::nullopt;
    try {
      store_->save(report);
      return std::nullopt;
    } catch (const std::exception& error) {
      mcp::log::error("workflow", "hunt {}: could not {}: {}", report.value("hunt_id", "?"), what, error.what());
      return std::string(error.what());
    }
  }

  report::ReportStore* store_;
  nlohmann::json entry_;
  bool finished_ = false;
};

std::vector<std::string> entity_values(const std::vector<detail::EntityRef>& entities) {
  std::vector<std::string> values;
  for (const auto& entity : entities) values.push_back(entity.value);
  return values;
}

}  // namespace

nlohmann::json run_hunt(gateway::Gateway& gateway, const HuntRequest& request, report::ReportStore* store,
                        const ProgressSink& progress_sink, std::stop_token cancel) {
  const auto started_at = std::chrono::system_clock::now();
  const detail::StepClock hunt_clock;
  std::vector<StepRecord> steps;

  // Validation throws before anything reaches an upstream.
  StepRecord validate{"validate"};
  const detail::StepClock validate_clock;
  const auto validated = detail::validate_hunt_request(request);
  validate.duration = validate_clock.elapsed();
  steps.push_back(validate);

  const std::string hunt_id = detail::make_hunt_id(started_at);
  const std::string fingerprint = hunt_fingerprint(request);
  const auto attack_ids = detail::attack_ids_of(validated.technique_ids);
  const std::size_t parallelism = std::max<std::size_t>(1, request.parallelism);

  const std::string started_text = detail::utc_timestamp(started_at);
  HuntJournal journal(store, {{"hunt_id", hunt_id},
                              {"hunt_fingerprint", fingerprint},
                              {"status", "running"},
                              {"started_at", started_text},
                              {"finished_at", started_text},
                              {"hypothesis", request.hunt_hypothesis ? nlohmann::json(*request.hunt_hypothesis)
                                                                     : nlohmann::json(nullptr)},
                              {"hunt_case_id", request.hunt_case_id ? nlohmann::json(*request.hunt_case_id)
                                                                    : nlohmann::json(nullptr)},
                              {"scope", detail::scope_json(request, validated.technique_ids)},
                              {"summary", "RUNNING: the hunt started at " + started_text + " and has not finished."}});

  detail::Progress progress(progress_sink);
  // validate, connect, each query, each question, correlation, enrichment + related cases, document.
  progress.add_total(2.0 + static_cast<double>(validated.queries.size()) +
                     (request.research ? static_cast<double>(attack_ids.size()) : 0.0) + 3.0);
  progress.advance("validate");

  steps.push_back(cancel.stop_requested() ? not_run("connect", "cancelled") : connect(gateway, cancel));
  progress.advance("connect");

  // Research is needed only by the report: it runs beside the queries, the analysis and the look-ups,
  // and is joined just before the report is put together.
  detail::ResearchResult research;
  std::jthread research_thread;
  if (request.research && !cancel.stop_requested()) {
    research_thread = std::jthread([&] {
      research = detail::run_research(gateway, attack_ids, lookup_parallelism(parallelism), &progress, cancel);
    });
  } else {
    research.step = not_run("research", cancel.stop_requested() ? "cancelled" : "skipped");
  }

  // Paging through the cases does not depend on the entities either; only matching them does.
  detail::CaseListing case_listing;
  std::jthread case_listing_thread;
  if (request.related_cases && !cancel.stop_requested()) {
    case_listing_thread = std::jthread([&] {
      case_listing = detail::list_case_candidates(gateway, kMaxRelatedCases, request.hunt_case_id, cancel);
    });
  }

  detail::HuntQueriesResult hunt;
  if (cancel.stop_requested()) {
    hunt.step = not_run("hunt_queries", "cancelled");
    for (const auto& query : validated.queries) {
      detail::HuntQueryRun run;
      run.query = query;
      run.outcome.status = "cancelled";
      hunt.runs.push_back(std::move(run));
    }
  } else {
    hunt = detail::run_hunt_queries(gateway, validated.queries, request.max_events_per_query, parallelism, progress, cancel);
  }

  correlation::CorrelationSettings settings = request.correlation;
  settings.time_frame = request.time_frame;
  settings.max_events_per_query = request.max_events_per_query;
  // Entity look-ups start on the correlator's interim result while its last rounds run.
  std::optional<detail::Enricher> enricher;
  if (request.enrich && !cancel.stop_requested()) {
    enricher.emplace(gateway, request.time_frame.hours_back, lookup_parallelism(parallelism), &progress, cancel);
  }
  detail::CorrelationRun correlation;
  if (cancel.stop_requested()) {
    correlation.step = not_run("correlation", "cancelled");
  } else if (hunt.step.status == "failed") {
    correlation.step = not_run("correlation", "skipped", "no hunt query succeeded, so there is nothing to correlate");
  } else {
    correlation = detail::run_correlation(gateway, settings, hunt.runs, parallelism, progress, cancel,
                                          [&](const correlation::CorrelationResult& interim) {
                                            if (enricher) enricher->prefetch(detail::entities_to_enrich(interim.entities));
                                          });
  }
  steps.push_back(correlation.step);
  progress.advance("correlation");

  const auto entities = detail::entities_to_enrich(correlation.result.entities);
  detail::EnrichmentResult enrichment;
  if (enricher && !cancel.stop_requested()) {
    enrichment = enricher->collect(entities);
  } else {
    enrichment.step = not_run("enrichment", cancel.stop_requested() ? "cancelled" : "skipped");
  }
  enricher.reset();

  detail::RelatedCasesResult related;
  if (case_listing_thread.joinable()) case_listing_thread.join();
  if (request.related_cases && !cancel.stop_requested()) {
    related = detail::match_related_cases(case_listing, entity_values(entities));
  } else {
    related.step = not_run("related_cases", cancel.stop_requested() ? "cancelled" : "skipped");
  }

  if (research_thread.joinable()) research_thread.join();
  // Report order: the steps as the workflow names them, whatever order they finished in.
  steps.insert(steps.begin() + 2, research.step);
  steps.insert(steps.begin() + 3, hunt.step);
  steps.push_back(enrichment.step);
  steps.push_back(related.step);
  progress.advance("enrichment and related cases");

  nlohmann::json queries = nlohmann::json::array();
  for (const auto& run : hunt.runs) queries.push_back(detail::hunt_query_json(run));
  for (const auto& query : correlation.queries) queries.push_back(query);

  nlohmann::json report{
      {"hunt_id", hunt_id},
      {"hunt_fingerprint", fingerprint},
      {"status", "incomplete"},
      {"started_at", detail::utc_timestamp(started_at)},
      {"finished_at", detail::utc_timestamp(std::chrono::system_clock::now())},
      {"hypothesis", request.hunt_hypothesis ? nlohmann::json(*request.hunt_hypothesis) : nlohmann::json(nullptr)},
      {"hunt_case_id", request.hunt_case_id ? nlohmann::json(*request.hunt_case_id) : nlohmann::json(nullptr)},
      {"scope", detail::scope_json(request, validated.technique_ids)},
      {"upstreams", detail::upstreams_json(gateway)},
      {"techniques", detail::techniques_json(validated.technique_ids, hunt.runs, correlation.result.findings,
                                             request.research ? &research : nullptr)},
      {"queries", queries},
      {"negative_results", detail::negative_results(hunt.runs)},
      {"findings", correlation.result.findings},
      {"movement_graph", correlation.result.movement_graph},
      {"paths", correlation.result.paths},
      {"fan_out", correlation.result.fan_out},
      {"timeline", correlation.result.timeline},
      {"enrichment", {{"status", enrichment.step.status}, {"entities", enrichment.entities}}},
      {"related_cases", related.related_cases},
      {"follow_ons", detail::follow_ons(correlation.result)},
  };
  auto finalise = [&] {
    const bool cancelled = cancel.stop_requested();
    nlohmann::json step_list = nlohmann::json::array();
    int calls = 0;
    for (const auto& step : steps) {
      step_list.push_back(step.to_json());
      calls += step.calls;
    }
    report["steps"] = std::move(step_list);
    report["upstream_calls"] = calls;
    report["status"] = detail::hunt_status(steps, report["queries"], cancelled);
    report["finished_at"] = detail::utc_timestamp(std::chrono::system_clock::now());
    report["duration_ms"] = hunt_clock.elapsed().count();
    report["summary"] = detail::summarise(report);
  };

  // Documentation posts the report as it stands (every other step done), so it is finalised first.
  StepRecord document{"document"};
  if (!request.document) {
    document = not_run("document", "skipped");
    report["documentation"] = {{"case_id", report["hunt_case_id"]}, {"status", "not_requested"}, {"error", nullptr}};
  } else if (cancel.stop_requested()) {
    document = not_run("document", "cancelled");
    report["documentation"] = {{"case_id", *request.hunt_case_id}, {"status", "failed"},
                               {"error", "the hunt was cancelled before the report was posted"}};
  } else if (hunt.step.status != "ok") {
    // An incomplete search phase would document a hunt that did not look everywhere; posting it would
    // also block the complete report (same fingerprint) from being posted later.
    const std::string why = fmt::format("not posted: the hunt queries did not all succeed ({})", hunt.step.error.value_or(hunt.step.status));
    document = not_run("document", "failed", why);
    report["documentation"] = {{"case_id", *request.hunt_case_id}, {"status", "failed"}, {"error", why}};
  } else {
    const detail::StepClock clock;
    detail::CallCounter counter;
    finalise();
    report["documentation"] = {{"case_id", *request.hunt_case_id}, {"status", "posted"}, {"error", nullptr}};
    const auto outcome = detail::document_report(gateway, store, report, *request.hunt_case_id, counter, cancel);
    report["documentation"] = outcome;
    const std::string status = outcome.value("status", "failed");
    document.status = status == "failed" ? "failed" : "ok";
    if (status == "failed") document.error = outcome.value("error", "documentation failed");
    document.calls = counter.calls;
    document.duration = clock.elapsed();
  }
  steps.push_back(document);
  progress.advance("document");

  finalise();
  // Stored (committed) before it is returned: the caller may hand out hunt://reports/<id> at once.
  if (const auto store_error = journal.finish(report)) {
    report["store_error"] = "the report could not be stored, so hunt://reports/" + hunt_id + " will not find it: " + *store_error;
  }
  progress.advance(fmt::format("hunt {}: {}", hunt_id, report["status"].get<std::string>()), 0);
  return report;
}

}  // namespace lh::skill::workflow
