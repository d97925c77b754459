// Every check on a hunt request that can be made before the first upstream call. A failure throws
// InvalidHuntArgument "skill.workflow.invalid_argument: <argument>: <what is wrong> (fix: <how>)".
#pragma once

#include <string>
#include <vector>

#include "skill/techniques/build_queries.hpp"
#include "skill/workflow/hunt.hpp"

namespace lh::skill::workflow::detail {

inline constexpr double kMaxHoursBack = 8760;  // one year
inline constexpr std::size_t kMaxEventsPerQuery = 10000;

// "skill.workflow.invalid_argument: <path>: <problem> (fix: <fix>)"
[[noreturn]] void reject(const std::string& path, const std::string& problem, const std::string& fix);

void validate_time_frame(const techniques::TimeFrame& time_frame);
void validate_scope(const std::string& target_scope_query);

// Catalogue ids (any case) and ATT&CK ids ("T1047" selects every technique that lists it), in catalogue
// order without duplicates; an empty selection is every technique. Unknown entries are all named, with
// the valid ids. `path` is the argument's name ("techniques").
std::vector<std::string> resolve_techniques(const std::vector<std::string>& requested, const std::string& path);

struct ValidatedHunt {
  std::vector<std::string> technique_ids;
  std::vector<techniques::BuiltQuery> queries;
};

// All of the above plus the request's limits and documentation arguments, then the queries built.
ValidatedHunt validate_hunt_request(const HuntRequest& request);

}  // namespace lh::skill::workflow::detail
