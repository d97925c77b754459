// The feed-backed gti-mcp report tools (see tools_intel.hpp for the result shape).
#include "siem/tools_intel.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "siem/server.hpp"
#include "siem/tools_common.hpp"
#include "udm/ip_network.hpp"

namespace lh::siem {
namespace {

using tools::Json;

std::string trimmed(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

bool is_hex_digest(std::string_view text) {
  if (text.size() != 32 && text.size() != 40 && text.size() != 64) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// Why `name` is not a DNS name, or nullopt when it is one.
std::optional<std::string> domain_problem(std::string_view name) {
  if (name.size() > 253) return "is longer than 253 characters";
  if (name.find('.') == std::string_view::npos) return "has no dot (expected a domain such as example.com)";
  if (udm::parse_ip(name)) return "is an IP address (use get_ip_address_report)";
  std::size_t from = 0;
  while (from <= name.size()) {
    auto to = name.find('.', from);
    if (to == std::string_view::npos) to = name.size();
    const auto label = name.substr(from, to - from);
    if (label.empty() || label.size() > 63) return "has an empty label or one longer than 63 characters";
    if (label.front() == '-' || label.back() == '-') return fmt::format("has the label \"{}\" starting or ending with '-'", label);
    for (const unsigned char c : label) {
      if (!std::isalnum(c) && c != '-' && c != '_') return fmt::format("contains the character '{}'", static_cast<char>(c));
    }
    from = to + 1;
  }
  return std::nullopt;
}

int verdict_rank(std::string_view verdict) {
  if (verdict == "malicious") return 3;
  if (verdict == "suspicious") return 2;
  if (verdict == "harmless") return 1;
  return 0;  // undetected
}

int severity_rank(std::string_view severity) {
  if (severity == "critical") return 4;
  if (severity == "high") return 3;
  if (severity == "medium") return 2;
  if (severity == "low") return 1;
  return 0;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The feed's entries for `key` (already lower case) merged into one VirusTotal-shaped object.
// The analysis stats count feed sources the way VirusTotal counts engines: each source of an entry votes
// its entry's verdict (an entry without sources is one vote), so a value two feeds list as malicious reads
// "malicious": 2.
Json report_of(const IocFeed& feed, const std::string& key, const std::string& id, std::string_view type) {
  std::vector<const IocEntry*> entries;
  for (const auto& entry : feed.entries) {
    std::string value = tools::lower(entry.value);
    if (type == "domain" && !value.empty() && value.back() == '.') value.pop_back();
    if (value == key) entries.push_back(&entry);
  }
  if (entries.empty()) {
    return Json{{"id", id}, {"type", type}, {"found", false}, {"attributes", Json::object()}, {"sources", Json::array()}};
  }

  Json stats{{"malicious", 0}, {"suspicious", 0}, {"harmless", 0}, {"undetected", 0}};
  std::string verdict = "undetected", severity, threat_name;
  std::vector<std::string> sources, tags, descriptions;
  std::set<std::string> seen_sources, seen_tags;
  for (const auto* entry : entries) {
    const std::string entry_verdict = entry->verdict.empty() ? "malicious" : entry->verdict;
    stats[entry_verdict] = stats[entry_verdict].get<int>() + static_cast<int>(std::max<std::size_t>(1, entry->sources.size()));
    if (verdict_rank(entry_verdict) > verdict_rank(verdict)) verdict = entry_verdict;
    if (severity_rank(entry->severity) > severity_rank(severity)) severity = entry->severity;
    if (threat_name.empty()) threat_name = entry->threat_name;
    for (const auto& source : entry->sources) {
      if (seen_sources.insert(source).second) sources.push_back(source);
    }
    for (const auto& tag : entry->tags) {
      if (seen_tags.insert(tools::lower(tag)).second) tags.push_back(tag);
    }
    if (!entry->description.empty()) descriptions.push_back(entry->description);
  }

  // VirusTotal's community reputation: negative for bad, positive for good; heavier with severity.
  int reputation = 0;
  if (verdict == "malicious") reputation = -(severity.empty() ? 50 : 20 * severity_rank(severity) + 10);
  else if (verdict == "suspicious") reputation = -10;
  else if (verdict == "harmless") reputation = 10;

  Json assessment{{"verdict", {{"value", "VERDICT_" + upper(verdict)}}}};
  if (!severity.empty()) assessment["severity"] = {{"value", "SEVERITY_" + upper(severity)}};
  if (!descriptions.empty()) assessment["description"] = fmt::format("{}", fmt::join(descriptions, " "));

  Json attributes{{"last_analysis_stats", std::move(stats)},
                  {"reputation", reputation},
                  {"tags", tags},
                  {"gti_assessment", std::move(assessment)}};
  if (!threat_name.empty()) {
    attributes["popular_threat_classification"] = {
        {"suggested_threat_label", threat_name},
        {"popular_threat_name", Json::array({{{"value", threat_name}, {"count", static_cast<int>(entries.size())}}})}};
  }
  return Json{{"id", id}, {"type", type}, {"found", true}, {"attributes", std::move(attributes)}, {"sources", sources}};
}

struct ReportTool {
  const char* name;
  const char* title;
  const char* argument;
  const char* object_type;
  const char* what;
};

mcp::ToolResult answer(SiemBackend& backend, const ReportTool& spec, const Json& arguments) {
  const std::string value = trimmed(tools::string_or(arguments, spec.argument, ""));
  auto bad_argument = [&](const std::string& why) {
    return mcp::ToolResult::error(fmt::format("{}: {}: \"{}\" {}", spec.name, spec.argument, value, why));
  };
  if (value.empty()) return mcp::ToolResult::error(fmt::format("{}: {}: must be a non-empty string", spec.name, spec.argument));
  std::string key = tools::lower(value);
  const std::string_view type = spec.object_type;
  if (type == "file" && !is_hex_digest(value)) {
    return bad_argument("is not an MD5, SHA-1 or SHA-256 hex digest (32, 40 or 64 hex characters)");
  }
  if (type == "ip_address" && !udm::parse_ip(value)) return bad_argument("is not an IPv4 or IPv6 address");
  if (type == "domain") {
    if (key.back() == '.') key.pop_back();
    if (const auto problem = domain_problem(key)) return bad_argument(*problem);
  }
  if (!backend.iocs) {
    return mcp::ToolResult::error(fmt::format("{}: no IoC feed is loaded (start secops-local with --iocs FILE)", spec.name));
  }
  // VirusTotal ids are lower case (file hashes, domains); IP addresses are kept as written.
  const std::string id = type == "ip_address" ? value : key;
  return tools::dict_result(report_of(*backend.iocs, key, id, type), true);
}

}  // namespace

void add_intel_report_tools(mcp::Server& server, SiemBackend& backend) {
  static const ReportTool kTools[] = {
      {"get_file_report", "Get file report", "hash", "file", "a file by its MD5, SHA-1 or SHA-256 hash"},
      {"get_ip_address_report", "Get IP address report", "ip_address", "ip_address", "an IPv4 or IPv6 address"},
      {"get_domain_report", "Get domain report", "domain", "domain", "a domain name"},
  };
  for (const auto& spec : kTools) {
    mcp::Tool tool;
    tool.name = spec.name;
    tool.title = spec.title;
    tool.description = fmt::format(
        "Get the threat-intelligence report for {} (the Google Threat Intelligence / VirusTotal v3 object: "
        "id, type, attributes.last_analysis_stats, reputation, tags, gti_assessment, "
        "popular_threat_classification).\n\n"
        "secops-local answers from its IoC feed (--iocs): the analysis stats count the feed sources that list "
        "the value, by verdict. A value the feed does not list answers {{\"found\": false, \"attributes\": {{}}}}.\n\n"
        "Args:\n"
        "    {}: the value to look up\n\n"
        "Returns:\n"
        "    The report object",
        spec.what, spec.argument);
    tool.input_schema = tools::Signature(spec.name).required_string(spec.argument).schema();
    tool.output_schema = tools::dict_output_schema(spec.name);
    tool.annotations = tools::read_only_annotations(spec.title);
    tool.handler = [&backend, &spec](const Json& arguments, mcp::ToolContext&) { return answer(backend, spec, arguments); };
    tools::add_tool(server, std::move(tool));
  }
}

}  // namespace lh::siem
