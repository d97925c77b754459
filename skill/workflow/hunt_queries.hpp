// Step 3 of the seed, done right: every hunt query through search_udm (UDM, not natural language), in
// parallel, each with its count, and the zero-hit ones as negative results.
#pragma once

#include <cstddef>
#include <stop_token>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/techniques/build_queries.hpp"
#include "skill/workflow/progress.hpp"
#include "skill/workflow/step_record.hpp"
#include "skill/workflow/upstream_call.hpp"

namespace lh::skill::workflow::detail {

struct HuntQueryRun {
  techniques::BuiltQuery query;
  SearchOutcome outcome;
};

struct HuntQueriesResult {
  std::vector<HuntQueryRun> runs;  // in query order
  StepRecord step{"hunt_queries"};
};

HuntQueriesResult run_hunt_queries(gateway::Gateway& gateway, const std::vector<techniques::BuiltQuery>& queries,
                                   std::size_t max_events, std::size_t parallelism, Progress& progress,
                                   const std::stop_token& cancel);

// The report's "queries" entry of a hunt query, and its "negative_results".
nlohmann::json hunt_query_json(const HuntQueryRun& run);
nlohmann::json negative_results(const std::vector<HuntQueryRun>& runs);

}  // namespace lh::skill::workflow::detail
