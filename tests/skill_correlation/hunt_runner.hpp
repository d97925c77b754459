// Runs the whole correlation against secops-local over stdio: every catalogue query through search_udm,
// then the correlator's context rounds, as the workflow does (sequentially here: tests assert results).
#pragma once

#include <string>
#include <vector>

#include "skill/correlation/correlator.hpp"

namespace lh::test {

struct HuntRun {
  skill::correlation::CorrelationResult result;
  std::size_t hunt_queries = 0;
  std::size_t context_queries = 0;
};

// Without a start time in `frame`, the hunt looks back frame.hours_back (72 h) from secops-local's "now".
HuntRun run_hunt(const std::vector<std::string>& data, skill::correlation::CorrelationSettings settings = {},
                 skill::techniques::TimeFrame frame = {});

// One line per finding, for the test log.
std::string describe(const skill::correlation::CorrelationResult& result);

}  // namespace lh::test
