// Step 1 of the seed: ask threat intelligence (get_threat_intel) about each ATT&CK technique hunted,
// one question per ATT&CK id, in parallel.
#pragma once

#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/techniques/catalogue.hpp"
#include "skill/workflow/progress.hpp"
#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

// "MITRE T1021.002 SMB/Windows Admin Shares: how it looks in Windows logs"
std::string research_question(const std::string& attack_id);
// The ATT&CK ids of the techniques, first-seen order, no duplicates.
std::vector<std::string> attack_ids_of(const std::vector<std::string>& technique_ids);

struct ResearchAnswer {
  std::string attack_id;
  std::string question;
  std::string status = "skipped";  // ok, failed, cancelled, skipped
  std::optional<std::string> answer;
  std::optional<std::string> source;
  std::optional<std::string> error;
};

struct ResearchResult {
  std::vector<ResearchAnswer> answers;
  StepRecord step{"research"};
};

ResearchResult run_research(gateway::Gateway& gateway, const std::vector<std::string>& attack_ids,
                            std::size_t parallelism, Progress* progress, const std::stop_token& cancel);

// The report's "research" object of one technique: its ATT&CK ids' answers together.
nlohmann::json technique_research(const std::vector<std::string>& attack_ids, const ResearchResult& research);

}  // namespace lh::skill::workflow::detail
