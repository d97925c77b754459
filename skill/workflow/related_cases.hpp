// Step 7 of the seed (/find-relevant-case): page list_cases (it has no filter) and match the hunt's
// entities against each case's text; get_case_full_details only for cases whose list entry carries
// nothing to match (a server that lists ids and titles only).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

struct CaseCandidate {
  std::string id;
  nlohmann::json item;
  std::string text;  // every string of the case, one per line: what entities are matched against
  bool thin = false;  // the list entry names nothing to match (details were fetched)
};

// The cases as listed (up to max_cases), fetched before the entities are known: paging does not
// depend on them, so it runs beside the hunt queries.
struct CaseListing {
  std::vector<CaseCandidate> candidates;
  std::size_t pages = 0;
  std::optional<std::string> error;
  bool cancelled = false;
  int calls = 0;
  std::chrono::milliseconds duration{0};
};

struct RelatedCasesResult {
  nlohmann::json related_cases = nlohmann::json::array();  // most matched entities first
  std::size_t cases_scanned = 0;
  StepRecord step{"related_cases"};
};

// `own_case` (the hunt's tracking case) is never listed as related to itself.
CaseListing list_case_candidates(gateway::Gateway& gateway, std::size_t max_cases,
                                 const std::optional<std::string>& own_case, const std::stop_token& cancel);

RelatedCasesResult match_related_cases(const CaseListing& listing, const std::vector<std::string>& entities);

}  // namespace lh::skill::workflow::detail
