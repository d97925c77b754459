// A sweep: every catalogue query of the selected techniques run through an upstream's search_udm,
// in parallel, with each query's hit count and the zero-hit queries listed as negative results.
// It is the first half of a hunt (the queries), without correlation.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/client.hpp"
#include "skill/techniques/build_queries.hpp"

namespace lh::skill {

struct SweepOutcome {
  techniques::BuiltQuery query;
  std::size_t hits = 0;
  bool more_data_available = false;
  std::optional<std::string> error;  // the upstream's error, when the search failed
  nlohmann::json events = nlohmann::json::array();  // the newest few, for the report
};

struct SweepOptions {
  std::size_t max_events = 50;
  std::size_t parallelism = 8;
  std::size_t events_in_report = 3;
};

// Runs every query (at most `parallelism` at once) and returns the outcomes in query order.
// A failed search is an outcome with `error` set, never an exception.
std::vector<SweepOutcome> run_sweep(mcp::Client& upstream, const std::vector<techniques::BuiltQuery>& queries,
                                    const SweepOptions& options);

// Markdown: one table row per query (technique, query, hits), then the negative results.
std::string sweep_report(const std::vector<SweepOutcome>& outcomes);

}  // namespace lh::skill
