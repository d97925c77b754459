#include "skill/workflow/summary.hpp"

#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "skill/workflow/upstream_call.hpp"

namespace lh::skill::workflow::detail {
namespace {

std::string plural(std::size_t count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

std::string time_frame_text(const nlohmann::json& scope) {
  const auto& frame = scope.value("time_frame", nlohmann::json::object());
  if (frame.contains("start_time") && frame["start_time"].is_string()) {
    return fmt::format("from {} to {}", frame["start_time"].get<std::string>(),
                       frame.contains("end_time") && frame["end_time"].is_string() ? frame["end_time"].get<std::string>() : "now");
  }
  return fmt::format("over the last {} hours", frame.value("hours_back", 72.0));
}

}  // namespace

std::string summarise(const nlohmann::json& report) {
  std::vector<std::string> sentences;

  std::set<std::string> attack_ids;
  for (const auto& technique : report.value("techniques", nlohmann::json::array())) {
    for (const auto& id : technique.value("attack_ids", nlohmann::json::array())) attack_ids.insert(id.get<std::string>());
  }
  std::size_t hunt = 0, with_hits = 0, failed = 0, context = 0;
  for (const auto& query : report.value("queries", nlohmann::json::array())) {
    if (query.value("purpose", "") != "hunt") {
      ++context;
      continue;
    }
    ++hunt;
    if (query.value("status", "") == "ok" && query.value("hits", 0) > 0) ++with_hits;
    if (query.value("status", "") == "failed") ++failed;
  }
  const auto negative = report.value("negative_results", nlohmann::json::array()).size();
  sentences.push_back(fmt::format(
      "Hunted {} ({}) {} with {}: {} with hits, {} negative{}; {}.",
      plural(report.value("techniques", nlohmann::json::array()).size(), "technique", "techniques"),
      fmt::join(attack_ids, ", "), time_frame_text(report.value("scope", nlohmann::json::object())),
      plural(hunt, "hunt query", "hunt queries"), with_hits, negative, failed ? fmt::format(", {} failed", failed) : "",
      plural(context, "correlation search", "correlation searches")));

  const auto& findings = report.value("findings", nlohmann::json::array());
  if (findings.empty()) {
    sentences.push_back("No lateral movement was found.");
  } else {
    std::map<std::string, std::size_t> kinds, severities;
    for (const auto& finding : findings) {
      ++kinds[finding.value("kind", "finding")];
      ++severities[finding.value("severity", "info")];
    }
    std::vector<std::string> kind_parts, severity_parts;
    for (const auto& [kind, count] : kinds) kind_parts.push_back(fmt::format("{} {}", count, kind));
    for (const char* severity : {"critical", "high", "medium", "low", "info"}) {
      if (severities.count(severity)) severity_parts.push_back(fmt::format("{} {}", severities[severity], severity));
    }
    std::string sentence = fmt::format("Found {} ({}; {})", plural(findings.size(), "finding", "findings"),
                                       fmt::join(kind_parts, ", "), fmt::join(severity_parts, ", "));
    const auto paths = report.value("paths", nlohmann::json::array());
    if (!paths.empty()) {
      std::vector<std::string> chains;
      for (const auto& path : paths) {
        std::vector<std::string> hosts;
        for (const auto& host : path.value("hosts", nlohmann::json::array())) hosts.push_back(host.get<std::string>());
        chains.push_back(fmt::format("{}", fmt::join(hosts, " → ")));
      }
      sentence += fmt::format("; {}: {}", plural(paths.size(), "multi-hop path", "multi-hop paths"), fmt::join(chains, "; "));
    }
    const auto fan_out = report.value("fan_out", nlohmann::json::array());
    if (!fan_out.empty()) sentence += fmt::format("; fan-out from {}", plural(fan_out.size(), "source", "sources"));
    sentences.push_back(sentence + ".");
  }

  const auto& enrichment = report.value("enrichment", nlohmann::json::object());
  const auto enriched = enrichment.value("entities", nlohmann::json::array()).size();
  const auto related = report.value("related_cases", nlohmann::json::array()).size();
  if (enriched || related) {
    sentences.push_back(fmt::format("Enriched {}; {}.", plural(enriched, "entity", "entities"),
                                    plural(related, "related case", "related cases")));
  }
  if (report.contains("documentation") && report["documentation"].is_object()) {
    const auto& documentation = report["documentation"];
    const std::string status = documentation.value("status", "");
    const std::string case_id = documentation.contains("case_id") && documentation["case_id"].is_string()
                                    ? documentation["case_id"].get<std::string>() : "";
    if (status == "posted") sentences.push_back(fmt::format("Posted on case {}.", case_id));
    if (status == "already_posted") sentences.push_back(fmt::format("Already documented on case {}; not posted again.", case_id));
    if (status == "failed") {
      sentences.push_back(fmt::format("Documenting on case {} failed: {}.", case_id,
                                      documentation.contains("error") && documentation["error"].is_string()
                                          ? trim_text(documentation["error"].get<std::string>(), 300) : "unknown error"));
    }
  }

  std::vector<std::string> problems;
  std::vector<std::string> cancelled;
  for (const auto& step : report.value("steps", nlohmann::json::array())) {
    const std::string status = step.value("status", "");
    const std::string name = step.value("name", "");
    if (status == "failed" || status == "partial") {
      std::string error = step.contains("error") && step["error"].is_string() ? step["error"].get<std::string>() : "";
      problems.push_back(fmt::format("{} {}{}", name, status, error.empty() ? "" : " (" + trim_text(error, 300) + ")"));
    }
    if (status == "cancelled") cancelled.push_back(name);
  }
  const std::string status = report.value("status", "complete");
  if (status == "cancelled") {
    sentences.push_back(fmt::format("CANCELLED{}: what ran before the stop is kept.",
                                    cancelled.empty() ? "" : fmt::format(" during {}", fmt::join(cancelled, ", "))));
  }
  if (!problems.empty()) {
    sentences.push_back(fmt::format("INCOMPLETE: step{} {}.", problems.size() == 1 ? "" : "s", fmt::join(problems, "; ")));
  } else if (status == "incomplete") {
    sentences.push_back("INCOMPLETE: some searches failed (see queries).");
  }
  return fmt::format("{}", fmt::join(sentences, " "));
}

}  // namespace lh::skill::workflow::detail
