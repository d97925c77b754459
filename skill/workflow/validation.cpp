#include "skill/workflow/validation.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "udm/event.hpp"
#include "udm/query_error.hpp"

namespace lh::skill::workflow::detail {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

std::optional<std::int64_t> parse_time(const std::optional<std::string>& text, const std::string& path) {
  if (!text) return std::nullopt;
  const auto parsed = udm::parse_rfc3339_us(*text);
  if (!parsed) {
    reject(path, fmt::format("\"{}\" is not an RFC 3339 time", *text),
           "write it like 2024-03-05T10:00:00Z or 2024-03-05T11:00:00+01:00");
  }
  return parsed;
}

}  // namespace

void reject(const std::string& path, const std::string& problem, const std::string& fix) {
  throw InvalidHuntArgument(fmt::format("skill.workflow.invalid_argument: {}: {} (fix: {})", path, problem, fix));
}

void validate_time_frame(const techniques::TimeFrame& time_frame) {
  const double hours = time_frame.hours_back;
  if (!std::isfinite(hours) || hours <= 0 || hours > kMaxHoursBack) {
    reject("time_frame_hours", fmt::format("must be more than 0 and at most {} (one year), got {}", kMaxHoursBack, hours),
           "pass a number of hours such as 72");
  }
  const auto start = parse_time(time_frame.start_time, "start_time");
  const auto end = parse_time(time_frame.end_time, "end_time");
  if (end && !start) {
    reject("end_time", "is given without start_time", "give start_time too, or neither (time_frame_hours then counts back from now)");
  }
  if (start && end) {
    if (*end <= *start) {
      reject("end_time", fmt::format("{} is not after start_time {}", *time_frame.end_time, *time_frame.start_time),
             "swap the two times or widen the window");
    }
    const double window_hours = static_cast<double>(*end - *start) / 3.6e9;
    if (window_hours > kMaxHoursBack) {
      reject("end_time", fmt::format("the window start_time..end_time spans {:.0f} hours, more than {}", window_hours, kMaxHoursBack),
             "hunt at most one year at a time");
    }
  }
}

void validate_scope(const std::string& target_scope_query) {
  try {
    techniques::validate_scope(target_scope_query);
  } catch (const udm::ParseError& error) {
    std::string message = error.message();
    if (const std::string prefix = "in the scope: "; message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    reject("target_scope_query", fmt::format("col {}: {}", error.column(), message),
           "write a UDM condition such as principal.hostname = \"FILESRV01\" or target.ip = \"10.10.0.20\"; "
           "fields are lower-case dotted UDM paths and strings are in double quotes");
  }
}

std::vector<std::string> resolve_techniques(const std::vector<std::string>& requested, const std::string& path) {
  const auto& catalogue = techniques::catalogue();
  std::set<std::string> selected;
  std::vector<std::string> unknown;
  for (std::size_t i = 0; i < requested.size(); ++i) {
    const std::string id = lower(requested[i]);
    if (catalogue.find(id)) {
      selected.insert(id);
      continue;
    }
    bool matched = false;
    const std::string attack_id = upper(requested[i]);
    for (const auto& technique : catalogue.techniques) {
      if (std::find(technique.attack_ids.begin(), technique.attack_ids.end(), attack_id) != technique.attack_ids.end()) {
        selected.insert(technique.id);
        matched = true;
      }
    }
    if (!matched) unknown.push_back(fmt::format("{}[{}] \"{}\"", path, i, requested[i]));
  }
  if (!unknown.empty()) {
    std::set<std::string> attack_ids;
    for (const auto& technique : catalogue.techniques) attack_ids.insert(technique.attack_ids.begin(), technique.attack_ids.end());
    reject(path, fmt::format("unknown technique{} {}", unknown.size() > 1 ? "s" : "", fmt::join(unknown, ", ")),
           fmt::format("use catalogue ids ({}) or ATT&CK ids ({}), or leave it empty to hunt every technique",
                       fmt::join(catalogue.technique_ids(), ", "), fmt::join(attack_ids, ", ")));
  }
  std::vector<std::string> ordered;
  for (const auto& id : catalogue.technique_ids()) {
    if (requested.empty() || selected.count(id)) ordered.push_back(id);
  }
  return ordered;
}

ValidatedHunt validate_hunt_request(const HuntRequest& request) {
  validate_time_frame(request.time_frame);
  ValidatedHunt validated;
  validated.technique_ids = resolve_techniques(request.techniques, "techniques");
  validate_scope(request.target_scope_query);
  if (request.hunt_case_id) {
    const auto& id = *request.hunt_case_id;
    if (id.find_first_not_of(" \t\r\n") == std::string::npos || has_control_characters(id)) {
      reject("hunt_case_id", "must be a case id without control characters", "pass the SOAR case id, e.g. \"523\"");
    }
  }
  if (request.document && !request.hunt_case_id) {
    reject("hunt_case_id", "is required when document is true", "pass the SOAR case id to post on, or set document to false");
  }
  if (request.parallelism < 1) reject("parallelism", "must be at least 1", "pass 8, or 1 to search one query at a time");
  if (request.max_events_per_query < 1 || request.max_events_per_query > kMaxEventsPerQuery) {
    reject("max_events_per_query", fmt::format("must be 1-{}, got {}", kMaxEventsPerQuery, request.max_events_per_query),
           "pass 1000");
  }
  const auto& correlation = request.correlation;
  if (correlation.window.count() < 1 || correlation.window > std::chrono::hours(24)) {
    reject("window_seconds", fmt::format("must be 1-86400, got {}", correlation.window.count()),
           "pass 60 to join events within a minute either side");
  }
  if (correlation.fan_out_hosts < 2) {
    reject("fan_out_hosts", fmt::format("must be at least 2, got {}", correlation.fan_out_hosts), "pass 3");
  }
  if (correlation.fan_out_window.count() < 1) {
    reject("fan_out_minutes", fmt::format("must be at least 1, got {}", correlation.fan_out_window.count()), "pass 30");
  }
  for (std::size_t i = 0; i < request.correlation.admin_hosts.size(); ++i) {
    const auto& host = request.correlation.admin_hosts[i];
    if (host.find_first_not_of(" \t") == std::string::npos || has_control_characters(host)) {
      reject(fmt::format("admin_hosts[{}]", i), "must be a host name", "pass short names or FQDNs such as \"ADMIN-JUMP01\"");
    }
  }
  try {
    validated.queries =
        techniques::build_queries(validated.technique_ids, request.target_scope_query, request.time_frame);
  } catch (const udm::ParseError& error) {
    reject("target_scope_query", fmt::format("col {}: {}", error.column(), error.message()),
           "write a UDM condition that combines with every hunt query");
  } catch (const std::invalid_argument& error) {
    reject("techniques", error.what(), "check the technique ids and the time frame");
  }
  return validated;
}

}  // namespace lh::skill::workflow::detail
