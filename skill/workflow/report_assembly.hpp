// The parts of the hunt report (schemas/tools/hunt_report.json) that are put together from several
// steps' results: scope, techniques with their hits, findings and research, upstreams, and the status.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/workflow/hunt.hpp"
#include "skill/workflow/hunt_queries.hpp"
#include "skill/workflow/research.hpp"
#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

nlohmann::json scope_json(const HuntRequest& request, const std::vector<std::string>& technique_ids);

// `research` is null when research was not requested.
nlohmann::json techniques_json(const std::vector<std::string>& technique_ids, const std::vector<HuntQueryRun>& runs,
                               const nlohmann::json& findings, const ResearchResult* research);

nlohmann::json upstreams_json(const gateway::Gateway& gateway);

// cancelled when the hunt was stopped; incomplete when a step failed or ran partly, or a search failed;
// else complete.
std::string hunt_status(const std::vector<StepRecord>& steps, const nlohmann::json& queries, bool cancelled);

}  // namespace lh::skill::workflow::detail
