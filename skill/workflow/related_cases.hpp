// Step 7 of the seed (/find-relevant-case): page list_cases (it has no filter) and match the hunt's
// entities against each case's text; get_case_full_details only for cases whose list entry carries
// nothing to match (a server that lists ids and titles only).
#pragma once

#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/workflow/progress.hpp"
#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

struct RelatedCasesResult {
  nlohmann::json related_cases = nlohmann::json::array();  // most matched entities first
  std::size_t cases_scanned = 0;
  StepRecord step{"related_cases"};
};

// `own_case` (the hunt's tracking case) is never listed as related to itself.
RelatedCasesResult run_related_cases(gateway::Gateway& gateway, const std::vector<std::string>& entities,
                                     std::size_t max_cases, const std::optional<std::string>& own_case,
                                     Progress* progress, const std::stop_token& cancel);

}  // namespace lh::skill::workflow::detail
