#include "skill/report/format.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "skill/report/report_json.hpp"

namespace lh::skill::report::detail {

std::string format_duration(std::int64_t milliseconds) {
  if (milliseconds < 0) milliseconds = 0;
  if (milliseconds < 1000) return fmt::format("{} ms", milliseconds);
  if (milliseconds < 60'000) return fmt::format("{:.1f} s", static_cast<double>(milliseconds) / 1000.0);
  const std::int64_t seconds = milliseconds / 1000;
  return fmt::format("{} min {} s", seconds / 60, seconds % 60);
}

std::string endpoint_text(const nlohmann::json& endpoint, const std::string& unknown) {
  const std::string host = str(endpoint, "host");
  const std::string ip = str(endpoint, "ip");
  if (!host.empty() && !ip.empty() && host != ip) return host + " (" + ip + ")";
  if (!host.empty()) return host;
  if (!ip.empty()) return ip;
  return unknown;
}

std::string status_word(const nlohmann::json& report) {
  std::string status = str(report, "status", "unknown");
  std::transform(status.begin(), status.end(), status.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return status;
}

std::vector<std::string> problems(const nlohmann::json& report) {
  std::vector<std::string> out;
  // A journaled hunt whose process died: the reason comes first, as nothing after it ran.
  if (const auto reason = opt_str(obj(report, "interrupted"), "reason"); reason && !reason->empty()) {
    out.push_back("interrupted: " + *reason);
  }
  for (const nlohmann::json& step : arr(report, "steps")) {
    const std::string status = str(step, "status");
    if (status != "failed" && status != "partial" && status != "cancelled") continue;
    std::string line = "step " + str(step, "name", "(unnamed)") + " " + status;
    if (const auto error = opt_str(step, "error"); error && !error->empty()) line += ": " + *error;
    out.push_back(std::move(line));
  }
  for (const nlohmann::json& query : arr(report, "queries")) {
    const std::string status = str(query, "status");
    if (status != "failed" && status != "cancelled") continue;
    std::string line = "query " + str(query, "id", "(no id)");
    if (const std::string title = str(query, "title"); !title.empty()) line += " (" + title + ")";
    line += " " + status;
    if (const auto error = opt_str(query, "error"); error && !error->empty()) line += ": " + *error;
    out.push_back(std::move(line));
  }
  return out;
}

std::string technique_text(const nlohmann::json& item) {
  std::string name = str(item, "technique_name");
  if (name.empty()) name = str(item, "name");
  const std::string id = item.contains("technique_id") ? str(item, "technique_id") : str(item, "id");
  std::string out = !name.empty() ? name : (!id.empty() ? id : "unknown technique");
  if (!name.empty() && !id.empty() && name != id) out += " [" + id + "]";
  const auto attack = strings(item, "attack_ids");
  if (!attack.empty()) out += " (" + join(attack, ", ") + ")";
  return out;
}

std::vector<const nlohmann::json*> enrichment_for(const nlohmann::json& report, const nlohmann::json& finding) {
  std::vector<std::string> names;
  for (const char* side : {"source", "target"}) {
    for (const char* key : {"host", "ip"}) {
      if (auto value = opt_str(obj(finding, side), key); value && !value->empty()) names.push_back(*value);
    }
  }
  if (auto account = opt_str(finding, "account"); account && !account->empty()) {
    names.push_back(*account);
    // Enrichment may name the user without the domain.
    if (const auto slash = account->find('\\'); slash != std::string::npos) names.push_back(account->substr(slash + 1));
  }
  const auto same = [](const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
             return std::tolower(x) == std::tolower(y);
           });
  };
  std::vector<const nlohmann::json*> out;
  for (const nlohmann::json& entity : arr(obj(report, "enrichment"), "entities")) {
    const std::string value = str(entity, "value");
    if (value.empty()) continue;
    if (std::any_of(names.begin(), names.end(), [&](const std::string& name) { return same(name, value); })) {
      out.push_back(&entity);
    }
  }
  return out;
}

}  // namespace lh::skill::report::detail
