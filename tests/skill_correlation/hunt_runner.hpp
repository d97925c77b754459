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

HuntRun run_hunt(const std::vector<std::string>& data, skill::correlation::CorrelationSettings settings = {});

// One line per finding, for the test log.
std::string describe(const skill::correlation::CorrelationResult& result);

}  // namespace lh::test
