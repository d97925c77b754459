// The analysis: hunt-query hits into the correlator, then its rounds of context searches (each round's
// searches in parallel) until it needs nothing more, then its findings.
#pragma once

#include <cstddef>
#include <functional>
#include <stop_token>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/correlation/correlator.hpp"
#include "skill/gateway/gateway.hpp"
#include "skill/workflow/hunt_queries.hpp"
#include "skill/workflow/progress.hpp"
#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

struct CorrelationRun {
  correlation::CorrelationResult result;
  nlohmann::json queries = nlohmann::json::array();  // the report's entries for every context search
  StepRecord step{"correlation"};
};

// Called with the correlator's interim result before each round after the first, while that round's
// searches run (so look-ups of its entities can overlap the rest of the analysis).
using InterimResultSink = std::function<void(const correlation::CorrelationResult& interim)>;

CorrelationRun run_correlation(gateway::Gateway& gateway, const correlation::CorrelationSettings& settings,
                               const std::vector<HuntQueryRun>& hunt_queries, std::size_t parallelism,
                               Progress& progress, const std::stop_token& cancel,
                               const InterimResultSink& on_interim = {});

}  // namespace lh::skill::workflow::detail
