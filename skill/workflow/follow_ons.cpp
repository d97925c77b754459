#include "skill/workflow/follow_ons.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace lh::skill::workflow::detail {
namespace {

int severity_rank(const std::string& severity) {
  static const std::map<std::string, int> ranks{{"info", 0}, {"low", 1}, {"medium", 2}, {"high", 3}, {"critical", 4}};
  const auto found = ranks.find(severity);
  return found == ranks.end() ? 0 : found->second;
}

// Movement worth acting on: joined to a remote source, or target-side indicators without one, at
// medium severity or above (admin-host activity the correlator capped below medium stays out).
bool actionable(const nlohmann::json& finding) {
  const std::string kind = finding.value("kind", "");
  return (kind == "lateral_movement" || kind == "suspected_lateral_movement") &&
         severity_rank(finding.value("severity", "info")) >= 2;
}

std::string host_of(const nlohmann::json& endpoint) {
  if (!endpoint.is_object()) return {};
  if (endpoint.contains("host") && endpoint["host"].is_string()) return endpoint["host"].get<std::string>();
  if (endpoint.contains("ip") && endpoint["ip"].is_string()) return endpoint["ip"].get<std::string>();
  return {};
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

}  // namespace

nlohmann::json follow_ons(const correlation::CorrelationResult& result) {
  nlohmann::json out = nlohmann::json::array();
  std::map<std::string, const nlohmann::json*> findings_by_id;
  std::vector<std::string> actionable_ids, accounts, confirmed_ids, confirmed_hosts;
  for (const auto& finding : result.findings) {
    if (!finding.is_object()) continue;
    const std::string id = finding.value("id", "");
    findings_by_id[id] = &finding;
    if (!actionable(finding)) continue;
    actionable_ids.push_back(id);
    if (finding.contains("account") && finding["account"].is_string()) add_unique(accounts, finding["account"].get<std::string>());
    if (finding.value("kind", "") == "lateral_movement" && severity_rank(finding.value("severity", "info")) >= 3) {
      confirmed_ids.push_back(id);
      add_unique(confirmed_hosts, host_of(finding.value("source", nlohmann::json::object())));
      add_unique(confirmed_hosts, host_of(finding.value("target", nlohmann::json::object())));
    }
  }

  std::vector<std::string> processes, process_findings;
  for (const auto& process : result.affected_processes) {
    if (!process.is_object()) continue;
    const std::string finding_id = process.value("finding_id", "");
    const auto found = findings_by_id.find(finding_id);
    if (found != findings_by_id.end() && !actionable(*found->second)) continue;
    const std::string host = process.value("host", "");
    const std::string image = process.value("image", "");
    add_unique(processes, image.empty() ? host : fmt::format("{}: {}", host, image));
    add_unique(process_findings, finding_id);
  }
  if (!processes.empty()) {
    out.push_back({{"action", "case_event_timeline_and_process_analysis"},
                   {"reason", fmt::format("{} process{} started through lateral movement (findings {}): build their "
                                          "timelines and process trees on the affected hosts",
                                          processes.size(), processes.size() == 1 ? "" : "es", fmt::join(process_findings, ", "))},
                   {"targets", processes}});
  }
  if (!accounts.empty()) {
    out.push_back({{"action", "compromised_user_account_response"},
                   {"reason", fmt::format("account{} used for lateral movement (findings {}): treat as compromised until "
                                          "cleared (reset credentials, review their logons)",
                                          accounts.size() == 1 ? "" : "s", fmt::join(actionable_ids, ", "))},
                   {"targets", accounts}});
  }
  if (!confirmed_ids.empty()) {
    std::string reason = fmt::format("lateral movement confirmed at high severity (findings {})", fmt::join(confirmed_ids, ", "));
    if (!result.paths.empty()) reason += fmt::format(", {} multi-hop path{}", result.paths.size(), result.paths.size() == 1 ? "" : "s");
    out.push_back({{"action", "escalate_to_incident_response"},
                   {"reason", reason + ": hand the hosts to incident response"},
                   {"targets", confirmed_hosts}});
  }
  return out;
}

}  // namespace lh::skill::workflow::detail
