#include "skill/workflow/hunt_queries.hpp"

#include <atomic>

#include <fmt/format.h>

#include "skill/workflow/parallel.hpp"

namespace lh::skill::workflow::detail {

HuntQueriesResult run_hunt_queries(gateway::Gateway& gateway, const std::vector<techniques::BuiltQuery>& queries,
                                   std::size_t max_events, std::size_t parallelism, Progress& progress,
                                   const std::stop_token& cancel) {
  HuntQueriesResult result;
  const StepClock clock;
  CallCounter counter;
  for (const auto& query : queries) {
    HuntQueryRun run;
    run.query = query;
    result.runs.push_back(std::move(run));
  }
  std::atomic<std::size_t> finished{0};
  for_each_parallel(result.runs.size(), parallelism, cancel, [&](std::size_t i) {
    auto& run = result.runs[i];
    run.outcome = search_udm(gateway, counter, run.query.udm, run.query.time_frame, max_events, cancel);
    const auto done = ++finished;
    progress.advance(fmt::format("hunt queries {}/{}", done, result.runs.size()));
  });

  std::size_t ok = 0, failed = 0;
  bool cancelled = false;
  const HuntQueryRun* first_failure = nullptr;
  for (auto& run : result.runs) {
    auto& status = run.outcome.status;
    if (status == "skipped" && cancel.stop_requested()) status = "cancelled";
    if (status == "ok") ++ok;
    if (status == "cancelled") cancelled = true;
    if (status == "failed") {
      ++failed;
      if (!first_failure) first_failure = &run;
    }
  }
  result.step.status = combine_status(ok, failed, cancelled);
  if (first_failure) {
    // All failing usually means one cause (the SIEM is unreachable): the first message names it.
    result.step.error = failed == result.runs.size()
                            ? fmt::format("every hunt query failed: {}", *first_failure->outcome.error)
                            : fmt::format("{} of {} hunt queries failed; {}: {}", failed, result.runs.size(),
                                          first_failure->query.query_id, *first_failure->outcome.error);
  }
  result.step.calls = counter.calls;
  result.step.duration = clock.elapsed();
  return result;
}

nlohmann::json hunt_query_json(const HuntQueryRun& run) {
  const auto& outcome = run.outcome;
  return {{"id", run.query.query_id},
          {"purpose", "hunt"},
          {"technique_id", run.query.technique_id},
          {"title", run.query.title},
          {"udm", run.query.udm},
          {"side", std::string(techniques::to_string(run.query.side))},
          {"hits", outcome.hits},
          {"more_data_available", outcome.more_data_available},
          {"status", outcome.status},
          {"error", outcome.error ? nlohmann::json(*outcome.error) : nlohmann::json(nullptr)},
          {"duration_ms", outcome.duration.count()}};
}

nlohmann::json negative_results(const std::vector<HuntQueryRun>& runs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& run : runs) {
    if (run.outcome.status != "ok" || run.outcome.hits != 0) continue;
    out.push_back({{"query_id", run.query.query_id},
                   {"technique_id", run.query.technique_id},
                   {"title", run.query.title},
                   {"udm", run.query.udm}});
  }
  return out;
}

}  // namespace lh::skill::workflow::detail
