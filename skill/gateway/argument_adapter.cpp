#include "skill/gateway/argument_adapter.hpp"

#include <cctype>
#include <ctime>
#include <map>
#include <string_view>

#include <fmt/format.h>

namespace lh::skill::gateway {
namespace {

using Json = nlohmann::json;

// secops-mcp argument name -> names other servers use for the same thing, most likely first.
const std::map<std::string, std::vector<std::string>, std::less<>>& equivalents() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> table = {
      {"query", {"udm_query", "search_query", "query_text"}},
      {"entity_value", {"entity", "query", "value", "entity_id", "indicator"}},
      {"case_id", {"case", "name", "case_name", "id"}},
      {"comment", {"comment_text", "text", "body", "content"}},
      {"max_events", {"max_results", "page_size", "limit"}},
      {"max_matches", {"max_results", "page_size", "limit"}},
      {"max_alerts", {"max_results", "page_size", "limit"}},
      {"next_page_token", {"page_token"}},
      {"hash", {"file_hash", "resource", "sha256"}},
      {"ip_address", {"ip", "resource"}},
      {"domain", {"domain_name", "resource"}},
      {"case_priority", {"priority"}},
  };
  return table;
}

std::string camel_case(std::string_view snake) {
  std::string out;
  bool upper_next = false;
  for (char c : snake) {
    if (c == '_') {
      upper_next = !out.empty();
      continue;
    }
    out += upper_next ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper_next = false;
  }
  return out;
}

std::string rfc3339(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                     utc.tm_min, utc.tm_sec);
}

}  // namespace

std::vector<std::string> missing_required(const Json& arguments, const Json& input_schema) {
  std::vector<std::string> missing;
  if (!input_schema.is_object()) return missing;
  auto required = input_schema.find("required");
  if (required == input_schema.end() || !required->is_array()) return missing;
  for (const auto& name : *required) {
    if (!name.is_string()) continue;
    if (!arguments.is_object() || !arguments.contains(name.get_ref<const std::string&>())) {
      missing.push_back(name.get<std::string>());
    }
  }
  return missing;
}

AdaptedArguments adapt_arguments(const Json& arguments, const Json& input_schema, const Json& server_arguments,
                                 std::chrono::system_clock::time_point now) {
  AdaptedArguments adapted;
  const Json source = arguments.is_object() ? arguments : Json::object();
  const Json* properties = nullptr;
  if (input_schema.is_object()) {
    auto found = input_schema.find("properties");
    if (found != input_schema.end() && found->is_object()) properties = &*found;
  }
  if (properties == nullptr) {
    adapted.arguments = source;
    return adapted;
  }
  auto declares = [&](const std::string& name) { return properties->contains(name); };

  Json& out = adapted.arguments;
  // Names the caller set itself win over renamed ones.
  for (const auto& [name, value] : source.items()) {
    if (declares(name)) out[name] = value;
  }
  for (const auto& [name, value] : source.items()) {
    if (declares(name)) continue;
    std::vector<std::string> candidates{camel_case(name)};
    if (auto more = equivalents().find(name); more != equivalents().end()) {
      candidates.insert(candidates.end(), more->second.begin(), more->second.end());
    }
    bool placed = false;
    for (const auto& candidate : candidates) {
      if (candidate == name || !declares(candidate) || out.contains(candidate) || source.contains(candidate)) continue;
      out[candidate] = value;
      adapted.changes.push_back(fmt::format("{} -> {}", name, candidate));
      placed = true;
      break;
    }
    if (placed) continue;
    if (name == "hours_back" && value.is_number() && declares("start_time") && declares("end_time") &&
        !out.contains("start_time") && !out.contains("end_time")) {
      const auto hours = std::chrono::duration<double, std::ratio<3600>>(value.get<double>());
      out["start_time"] = rfc3339(now - std::chrono::duration_cast<std::chrono::seconds>(hours));
      out["end_time"] = rfc3339(now);
      adapted.changes.push_back("hours_back -> start_time, end_time");
      continue;
    }
    adapted.changes.push_back(fmt::format("dropped {} (not in the tool's inputSchema)", name));
  }
  if (server_arguments.is_object()) {
    for (const auto& [name, value] : server_arguments.items()) {
      if (declares(name) && !out.contains(name)) out[name] = value;
    }
  }
  return adapted;
}

}  // namespace lh::skill::gateway
