#include "skill/workflow/correlation_rounds.hpp"

#include <atomic>
#include <set>

#include <fmt/format.h>

#include "skill/workflow/parallel.hpp"
#include "skill/workflow/upstream_call.hpp"

namespace lh::skill::workflow::detail {
namespace {

nlohmann::json context_query_json(const correlation::ContextRequest& request, const SearchOutcome& outcome) {
  return {{"id", request.id},
          {"purpose", request.purpose == "baseline" ? "baseline" : "correlation"},
          {"technique_id", nullptr},
          {"title", request.title},
          {"udm", request.udm},
          {"hits", outcome.hits},
          {"more_data_available", outcome.more_data_available},
          {"status", outcome.status == "cancelled" ? "cancelled" : outcome.status},
          {"error", outcome.error ? nlohmann::json(*outcome.error) : nlohmann::json(nullptr)},
          {"duration_ms", outcome.duration.count()}};
}

}  // namespace

CorrelationRun run_correlation(gateway::Gateway& gateway, const correlation::CorrelationSettings& settings,
                               const std::vector<HuntQueryRun>& hunt_queries, std::size_t parallelism,
                               Progress& progress, const std::stop_token& cancel, const InterimResultSink& on_interim) {
  CorrelationRun run;
  const StepClock clock;
  CallCounter counter;
  std::size_t ok = 0, failed = 0;
  bool cancelled = false;
  std::optional<std::string> first_error;
  try {
    correlation::Correlator correlator(settings);
    for (const auto& hunt_query : hunt_queries) {
      if (hunt_query.outcome.status == "ok") correlator.add_hits(hunt_query.query, hunt_query.outcome.events);
    }
    for (std::size_t round = 1; round <= settings.max_rounds; ++round) {
      if (cancel.stop_requested()) {
        cancelled = true;
        break;
      }
      const auto requests = correlator.next_requests();
      if (requests.empty()) break;
      if (round > 1 && on_interim) on_interim(correlator.finish());
      progress.add_total(static_cast<double>(requests.size()));
      std::vector<SearchOutcome> outcomes(requests.size());
      std::atomic<std::size_t> finished{0};
      for_each_parallel(requests.size(), parallelism, cancel, [&](std::size_t i) {
        const auto& request = requests[i];
        outcomes[i] = search_udm(gateway, counter, request.udm, request.time_frame, request.max_events, cancel);
        const auto done = ++finished;
        progress.advance(fmt::format("correlation round {} {}/{}", round, done, requests.size()));
      });
      // The correlator is fed on this thread only, in request order: its analysis stays deterministic.
      for (std::size_t i = 0; i < requests.size(); ++i) {
        auto& outcome = outcomes[i];
        if (outcome.status == "skipped" && cancel.stop_requested()) outcome.status = "cancelled";
        if (outcome.status == "ok") {
          ++ok;
          correlator.add_context(requests[i].id, outcome.events, outcome.more_data_available);
        } else {
          if (outcome.status == "failed") {
            ++failed;
            if (!first_error) first_error = fmt::format("{}: {}", requests[i].id, outcome.error.value_or("failed"));
          } else {
            cancelled = true;
          }
          correlator.context_failed(requests[i].id, outcome.error.value_or(outcome.status));
        }
        run.queries.push_back(context_query_json(requests[i], outcome));
      }
    }
    run.result = correlator.finish();
  } catch (const std::exception& error) {
    run.step.status = "failed";
    run.step.error = fmt::format("the analysis failed: {}", error.what());
    run.step.calls = counter.calls;
    run.step.duration = clock.elapsed();
    return run;
  }

  // Searches the correlator chose not to run (over its per-round limit) are listed too.
  std::set<std::string> listed;
  for (const auto& query : run.queries) listed.insert(query.value("id", ""));
  for (const auto& query : run.result.context_queries) {
    if (!query.is_object() || listed.count(query.value("id", ""))) continue;
    nlohmann::json entry{{"id", query.value("id", "ctx")},
                         {"purpose", query.value("purpose", "correlation") == "baseline" ? "baseline" : "correlation"},
                         {"technique_id", nullptr},
                         {"title", query.value("title", "context search")},
                         {"udm", query.value("udm", "")},
                         {"hits", query.value("hits", 0)},
                         {"status", query.value("status", "skipped")},
                         {"error", query.contains("error") ? query["error"] : nlohmann::json(nullptr)}};
    const std::string status = entry["status"].get<std::string>();
    if (status != "ok" && status != "failed" && status != "cancelled" && status != "skipped") entry["status"] = "skipped";
    run.queries.push_back(std::move(entry));
  }

  run.step.status = combine_status(ok, failed, cancelled);
  if (ok + failed == 0 && !cancelled) run.step.status = "ok";  // nothing to look up is a finished analysis
  if (run.step.status == "ok" && !run.result.complete) {
    run.step.status = "partial";
    run.step.error = run.result.truncated_searches.empty()
                         ? "some context searches were skipped (over the per-round limit); the analysis may miss links"
                         : fmt::format("{} context searches returned more events than their limit (truncated: {}); the analysis may miss links",
                                       run.result.truncated_searches.size(), fmt::join(run.result.truncated_searches, ", "));
  }
  if (first_error) {
    run.step.error = fmt::format("{} of {} context searches failed; {}", failed, ok + failed, *first_error);
  }
  run.step.calls = counter.calls;
  run.step.duration = clock.elapsed();
  return run;
}

}  // namespace lh::skill::workflow::detail
