#include "skill/workflow/report_assembly.hpp"

#include <map>

namespace lh::skill::workflow::detail {
namespace {

nlohmann::json optional_text(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json scope_json(const HuntRequest& request, const std::vector<std::string>& technique_ids) {
  const bool has_scope = request.target_scope_query.find_first_not_of(" \t\r\n") != std::string::npos;
  return {{"target_scope_query", has_scope ? nlohmann::json(request.target_scope_query) : nlohmann::json(nullptr)},
          {"time_frame",
           {{"hours_back", request.time_frame.hours_back},
            {"start_time", optional_text(request.time_frame.start_time)},
            {"end_time", optional_text(request.time_frame.end_time)}}},
          {"technique_ids", technique_ids},
          {"admin_hosts", request.correlation.admin_hosts}};
}

nlohmann::json techniques_json(const std::vector<std::string>& technique_ids, const std::vector<HuntQueryRun>& runs,
                               const nlohmann::json& findings, const ResearchResult* research) {
  std::map<std::string, std::size_t> hits, finding_counts;
  for (const auto& run : runs) {
    if (run.outcome.status == "ok") hits[run.query.technique_id] += run.outcome.hits;
  }
  for (const auto& finding : findings) {
    if (finding.is_object()) ++finding_counts[finding.value("technique_id", "")];
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& id : technique_ids) {
    const auto* technique = techniques::catalogue().find(id);
    if (!technique) continue;
    out.push_back({{"id", technique->id},
                   {"name", technique->name},
                   {"attack_ids", technique->attack_ids},
                   {"hits", hits[id]},
                   {"findings", finding_counts[id]},
                   {"research", research ? technique_research(technique->attack_ids, *research)
                                         : nlohmann::json{{"status", "skipped"},
                                                          {"question", nullptr},
                                                          {"answer", nullptr},
                                                          {"source", nullptr},
                                                          {"error", nullptr}}}});
  }
  return out;
}

nlohmann::json upstreams_json(const gateway::Gateway& gateway) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& server : gateway.status()) {
    out.push_back({{"name", server.name},
                   {"transport", server.transport == "http" ? "http" : "stdio"},
                   {"roles", server.roles},
                   {"connected", server.connected},
                   {"server_info", optional_text(server.server_info)},
                   {"error", optional_text(server.error)}});
  }
  return out;
}

std::string hunt_status(const std::vector<StepRecord>& steps, const nlohmann::json& queries, bool cancelled) {
  if (cancelled) return "cancelled";
  for (const auto& step : steps) {
    if (step.failed_or_partial() || step.status == "cancelled") return "incomplete";
  }
  for (const auto& query : queries) {
    if (query.value("status", "") == "failed") return "incomplete";
  }
  return "complete";
}

}  // namespace lh::skill::workflow::detail
