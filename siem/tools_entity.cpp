// lookup_entity, get_ioc_matches and get_security_alerts: formatted text as secops-mcp returns it,
// computed from the event store, the IoC feed and the case store's alerts.
#include <algorithm>
#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "siem/server.hpp"
#include "siem/tools_common.hpp"
#include "udm/enums.hpp"
#include "udm/ip_network.hpp"

namespace lh::siem {
namespace {

using tools::Json;

enum class FieldKind { other, host, ip, user, hash };

FieldKind kind_of(udm::FieldId id) {
  static const std::vector<FieldKind> kinds = [] {
    std::vector<FieldKind> out(udm::field_id_limit(), FieldKind::other);
    auto ends_with = [](std::string_view text, std::string_view suffix) {
      return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
    };
    for (const auto& info : udm::all_fields()) {
      const std::string_view path = info.path;
      if (ends_with(path, ".hostname")) out[info.id] = FieldKind::host;
      else if (ends_with(path, ".ip")) out[info.id] = FieldKind::ip;
      else if (ends_with(path, ".user.userid")) out[info.id] = FieldKind::user;
      else if (ends_with(path, ".sha256") || ends_with(path, ".md5") || ends_with(path, ".sha1")) out[info.id] = FieldKind::hash;
    }
    return out;
  }();
  return id < kinds.size() ? kinds[id] : FieldKind::other;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_hex_hash(std::string_view text) {
  if (text.size() != 32 && text.size() != 40 && text.size() != 64) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// Visits every event inside `range` (newest first).
void for_each_event(const EventStore& store, TimeRange range, const std::function<void(const udm::EventView&)>& visit) {
  (void)store.search(
      [&](const udm::EventView& event) {
        visit(event);
        return false;
      },
      udm::IndexHints{}, range, 1);
}

std::string event_type_name(const udm::EventView& event) {
  std::string name = "EVENTTYPE_UNSPECIFIED";
  event.for_each_value(udm::fields::event_type, [&](const udm::Value& value) {
    name = std::string(udm::enum_name(udm::EnumKind::EventType, static_cast<udm::EnumOrdinal>(value.number)));
    return false;
  });
  return name;
}

std::int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------- lookup_entity

struct EntityMatcher {
  std::string value;
  bool is_ip = false;
  bool is_hash = false;
  bool has_dot = false;
  // How host fields matched: the value itself (or its short form) versus only as a parent domain.
  mutable std::size_t host_hits = 0;
  mutable std::size_t domain_hits = 0;

  explicit EntityMatcher(std::string v) : value(std::move(v)) {
    is_ip = udm::parse_ip(value).has_value();
    is_hash = !is_ip && is_hex_hash(value);
    has_dot = value.find('.') != std::string::npos;
  }

  // Which kind of field the entity was found in, or nullopt.
  std::optional<FieldKind> match(udm::FieldId field, std::string_view text) const {
    const FieldKind kind = kind_of(field);
    switch (kind) {
      case FieldKind::ip:
        if (!is_ip) return std::nullopt;
        if (text == value) return kind;
        if (const auto a = udm::parse_ip(text), b = udm::parse_ip(value); a && b && a->v6 == b->v6 && a->bytes == b->bytes) {
          return kind;
        }
        return std::nullopt;
      case FieldKind::hash:
        return is_hash && iequals(text, value) ? std::optional(kind) : std::nullopt;
      case FieldKind::host: {
        if (is_ip || is_hash || text.empty()) return std::nullopt;
        const auto as_host = [&] {
          ++host_hits;
          return std::optional(kind);
        };
        if (iequals(text, value)) return as_host();
        // Short name against FQDN, either way round; a domain matches its sub-domains.
        const auto dot = text.find('.');
        if (!has_dot && dot != std::string_view::npos && iequals(text.substr(0, dot), value)) return as_host();
        const auto own_dot = value.find('.');
        if (has_dot && dot == std::string_view::npos && iequals(std::string_view(value).substr(0, own_dot), text)) {
          return as_host();
        }
        if (has_dot && text.size() > value.size() + 1 && text[text.size() - value.size() - 1] == '.' &&
            iequals(text.substr(text.size() - value.size()), value)) {
          ++domain_hits;
          return kind;
        }
        return std::nullopt;
      }
      case FieldKind::user: {
        if (is_ip || is_hash || text.empty()) return std::nullopt;
        if (iequals(text, value)) return kind;
        const auto slash = text.rfind('\\');
        if (slash != std::string_view::npos && iequals(text.substr(slash + 1), value)) return kind;
        const auto at = text.find('@');
        if (at != std::string_view::npos && iequals(text.substr(0, at), value)) return kind;
        return std::nullopt;
      }
      case FieldKind::other:
        return std::nullopt;
    }
    return std::nullopt;
  }
};

std::string entity_type_label(FieldKind kind, const EntityMatcher& matcher) {
  if (matcher.is_ip) return "IP_ADDRESS (IP address)";
  if (matcher.is_hash) return "FILE (hash)";
  switch (kind) {
    case FieldKind::host: return matcher.host_hits == 0 ? "DOMAIN_NAME (domain)" : "ASSET (hostname)";
    case FieldKind::user: return "USER (user)";
    default: return matcher.has_dot ? "DOMAIN_NAME (domain)" : "UNKNOWN";
  }
}

const char* related_type(FieldKind kind) {
  switch (kind) {
    case FieldKind::host: return "ASSET";
    case FieldKind::ip: return "IP_ADDRESS";
    case FieldKind::user: return "USER";
    case FieldKind::hash: return "FILE";
    default: return "UNKNOWN";
  }
}

// Alerts of every case, with the case they belong to.
std::vector<std::pair<CaseRecord, CaseAlert>> all_alerts(SiemBackend& backend) {
  std::vector<std::pair<CaseRecord, CaseAlert>> out;
  std::lock_guard lock(backend.cases_mutex);
  std::string token;
  do {
    const auto page = backend.cases.list_cases(token, 200);
    for (const auto& record : page.cases) {
      for (auto& alert : backend.cases.list_case_alerts(record.id)) out.emplace_back(record, std::move(alert));
    }
    token = page.next_page_token;
  } while (!token.empty());
  return out;
}

constexpr std::size_t kMaxEntityBytes = 4096;

std::string lookup_entity(SiemBackend& backend, const Json& arguments) {
  const std::string value = tools::string_or(arguments, "entity_value", "");
  const auto hours_back = tools::integer_or(arguments, "hours_back", 24);
  if (value.find_first_not_of(" \t") == std::string::npos) return "Error looking up entity: entity_value is empty";
  // No host, user, address, hash or domain is this long; echoing such a value back would only bloat
  // the answer.
  if (value.size() > kMaxEntityBytes) {
    return fmt::format("Error looking up entity: entity_value is {} bytes long, more than {} (pass one host name, "
                       "user, IP address, hash or domain)",
                       value.size(), kMaxEntityBytes);
  }
  if (const auto problem = tools::hours_back_problem("Error looking up entity", hours_back)) return *problem;
  const EntityMatcher matcher(value);
  const TimeRange range = backend.events.time_range(static_cast<double>(hours_back), std::nullopt, std::nullopt);

  std::size_t total = 0;
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  std::map<std::string, std::size_t> by_type;
  std::map<FieldKind, std::size_t> by_kind;
  std::map<std::pair<std::string, FieldKind>, std::size_t> related;
  for_each_event(backend.events, range, [&](const udm::EventView& event) {
    std::optional<FieldKind> found;
    event.for_each_field([&](udm::FieldId field, const udm::Value& v) {
      if (v.type != udm::ValueType::String) return true;
      if (auto kind = matcher.match(field, v.text)) {
        found = kind;
        return false;
      }
      return true;
    });
    if (!found) return;
    ++total;
    ++by_kind[*found];
    first = std::min(first, event.timestamp_us());
    last = std::max(last, event.timestamp_us());
    ++by_type[event_type_name(event)];
    std::set<std::pair<std::string, FieldKind>> seen_here;
    event.for_each_field([&](udm::FieldId field, const udm::Value& v) {
      const FieldKind kind = kind_of(field);
      if (kind == FieldKind::other || v.type != udm::ValueType::String || v.text.empty() || v.text == "-") return true;
      if (matcher.match(field, v.text)) return true;
      std::string text(v.text);
      if (kind == FieldKind::host || kind == FieldKind::user) text = tools::lower(text);
      seen_here.emplace(std::move(text), kind);
      return true;
    });
    for (const auto& key : seen_here) ++related[key];
  });
  if (total == 0) return fmt::format("No information found for entity: {}", value);

  FieldKind main_kind = FieldKind::other;
  std::size_t best = 0;
  for (const auto& [kind, count] : by_kind) {
    if (count > best) {
      best = count;
      main_kind = kind;
    }
  }

  std::string out = fmt::format("Entity Summary for {}:\n\n", value);
  out += "Primary Entity:\n";
  out += fmt::format("Entity Type: {}\n", entity_type_label(main_kind, matcher));
  out += fmt::format("First Seen: {}\n", udm::format_rfc3339(first));
  out += fmt::format("Last Seen: {}\n\n", udm::format_rfc3339(last));

  if (!related.empty()) {
    std::vector<std::pair<std::pair<std::string, FieldKind>, std::size_t>> ranked(related.begin(), related.end());
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    out += fmt::format("Related Entities ({}):\n", ranked.size());
    for (std::size_t i = 0; i < ranked.size() && i < 5; ++i) {
      out += fmt::format("{}. {} (Type: {}) events={}\n", i + 1, ranked[i].first.first, related_type(ranked[i].first.second),
                         ranked[i].second);
    }
    if (ranked.size() > 5) out += fmt::format("... and {} more related entities\n", ranked.size() - 5);
    out += "\n";
  }

  out += "Event Counts by Type:\n";
  for (const auto& [type, count] : by_type) out += fmt::format("- {}: {}\n", type, count);
  out += "\n";

  std::map<std::string, std::size_t> alert_rules;
  std::size_t alert_total = 0;
  const std::string needle = tools::lower(value);
  for (const auto& [record, alert] : all_alerts(backend)) {
    const std::string haystack = tools::lower(alert.name + " " + alert.details.dump());
    if (haystack.find(needle) == std::string::npos) continue;
    ++alert_rules[alert.details.value("ruleName", alert.name)];
    ++alert_total;
  }
  if (!alert_rules.empty()) {
    out += "Associated Alerts:\n";
    for (const auto& [rule, count] : alert_rules) out += fmt::format("- Rule: {}, Count: {}\n", rule, count);
    out += "\n";
  }

  out += "Timeline Summary:\n";
  out += fmt::format("Total Events: {}\n", total);
  out += fmt::format("Total Alerts: {}\n\n", alert_total);
  return out;
}

// ---------------------------------------------------------------- get_ioc_matches

struct IocHit {
  std::size_t events = 0;
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  std::set<std::string> hosts;
};

std::string get_ioc_matches(SiemBackend& backend, const Json& arguments) {
  const auto hours_back = tools::integer_or(arguments, "hours_back", 24);
  const auto max_matches = tools::integer_or(arguments, "max_matches", 20);
  if (!backend.iocs) {
    return "No IoC feed is configured: secops-local was started without --iocs FILE (a JSON or CSV list of "
           "type,value,source), so there are no IoC matches to report.";
  }
  if (const auto problem = tools::hours_back_problem("Error retrieving IoC matches", hours_back)) return *problem;
  if (max_matches < 1) return fmt::format("Error retrieving IoC matches: max_matches must be at least 1, got {}", max_matches);
  const auto& entries = backend.iocs->entries;
  std::unordered_map<std::string, std::vector<std::size_t>> by_value;
  for (std::size_t i = 0; i < entries.size(); ++i) by_value[tools::lower(entries[i].value)].push_back(i);
  std::vector<IocHit> hits(entries.size());

  const TimeRange range = backend.events.time_range(static_cast<double>(hours_back), std::nullopt, std::nullopt);
  for_each_event(backend.events, range, [&](const udm::EventView& event) {
    std::set<std::size_t> matched;
    event.for_each_field([&](udm::FieldId, const udm::Value& v) {
      if (v.type != udm::ValueType::String || v.text.empty()) return true;
      const std::string text = tools::lower(v.text);
      if (const auto it = by_value.find(text); it != by_value.end()) matched.insert(it->second.begin(), it->second.end());
      // A file name IoC against a full path.
      if (const auto slash = text.find_last_of("\\/"); slash != std::string::npos && slash + 1 < text.size()) {
        if (const auto it = by_value.find(text.substr(slash + 1)); it != by_value.end()) {
          matched.insert(it->second.begin(), it->second.end());
        }
      }
      return true;
    });
    if (matched.empty()) return;
    const std::string host(event.first_string(udm::fields::principal_hostname));
    for (const auto index : matched) {
      auto& hit = hits[index];
      ++hit.events;
      hit.first = std::min(hit.first, event.timestamp_us());
      hit.last = std::max(hit.last, event.timestamp_us());
      if (!host.empty()) hit.hosts.insert(host);
    }
  });

  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (hits[i].events > 0) order.push_back(i);
  }
  if (order.empty()) return "No IoC matches found for the specified time range.";
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return hits[a].last > hits[b].last; });
  if (order.size() > static_cast<std::size_t>(max_matches)) order.resize(static_cast<std::size_t>(max_matches));

  std::string out = fmt::format("Found {} IoC matches:\n\n", order.size());
  for (std::size_t n = 0; n < order.size(); ++n) {
    const auto& entry = entries[order[n]];
    const auto& hit = hits[order[n]];
    out += fmt::format("IoC {}:\n", n + 1);
    out += fmt::format("Type: {}\n", entry.type.empty() ? "Unknown" : entry.type);
    out += fmt::format("Value: {}\n", entry.value);
    out += fmt::format("Sources: {}\n", entry.sources.empty() ? std::string("Unknown") : fmt::format("{}", fmt::join(entry.sources, ", ")));
    out += fmt::format("Events: {}\n", hit.events);
    out += fmt::format("First Seen: {}\n", udm::format_rfc3339(hit.first));
    out += fmt::format("Last Seen: {}\n", udm::format_rfc3339(hit.last));
    if (!hit.hosts.empty()) out += fmt::format("Hosts: {}\n", fmt::join(hit.hosts, ", "));
    out += "\n";
  }
  return out;
}

// ---------------------------------------------------------------- get_security_alerts

std::int64_t alert_time_us(const CaseAlert& alert) {
  for (const char* key : {"createdTime", "detectionTime", "time", "eventTimestamp"}) {
    if (alert.details.is_object() && alert.details.contains(key) && alert.details[key].is_string()) {
      if (const auto t = udm::parse_rfc3339_us(alert.details[key].get<std::string>())) return *t;
    }
  }
  return udm::parse_rfc3339_us(alert.create_time).value_or(0);
}

std::string alert_detail(const CaseAlert& alert, std::initializer_list<const char*> keys) {
  if (!alert.details.is_object()) return {};
  for (const char* key : keys) {
    if (alert.details.contains(key) && alert.details[key].is_string()) return alert.details[key].get<std::string>();
  }
  if (alert.details.contains("feedbackSummary") && alert.details["feedbackSummary"].is_object()) {
    const auto& summary = alert.details["feedbackSummary"];
    for (const char* key : keys) {
      if (summary.contains(key) && summary[key].is_string()) return summary[key].get<std::string>();
    }
  }
  return {};
}

std::string get_security_alerts(SiemBackend& backend, const Json& arguments) {
  const auto hours_back = tools::integer_or(arguments, "hours_back", 24);
  const auto max_alerts = tools::integer_or(arguments, "max_alerts", 10);
  const std::string filter = tools::string_or(arguments, "status_filter", "feedback_summary.status != \"CLOSED\"");
  if (const auto problem = tools::hours_back_problem("Error retrieving security alerts", hours_back)) return *problem;
  if (max_alerts < 1) return fmt::format("Error retrieving security alerts: max_alerts must be at least 1, got {}", max_alerts);

  std::optional<std::pair<bool, std::string>> status_rule;  // {equals, value}
  if (filter.find_first_not_of(" \t") != std::string::npos) {
    static const std::regex pattern(R"re(^\s*(?:feedback_summary\.)?status\s*(!=|=)\s*"([^"]*)"\s*$)re");
    std::smatch match;
    if (!std::regex_match(filter, match, pattern)) {
      return fmt::format("Error retrieving security alerts: unsupported status_filter '{}': secops-local understands "
                         "feedback_summary.status = \"STATUS\" and feedback_summary.status != \"STATUS\"",
                         filter);
    }
    status_rule = std::pair{match[1].str() == "=", match[2].str()};
  }

  // Two clocks: the data's "now" (alerts about the loaded logs) and the wall clock (alerts raised while
  // this server runs).
  const std::int64_t span = hours_back * 3600LL * 1000000LL;
  const std::int64_t data_now = backend.events.now_us(), wall_now = wall_clock_us();
  auto in_window = [&](std::int64_t t) {
    return (t >= data_now - span && t <= data_now) || (t >= wall_now - span && t <= wall_now);
  };
  struct Row {
    std::int64_t time;
    std::string text;
  };
  std::vector<Row> rows;
  for (const auto& [record, alert] : all_alerts(backend)) {
    const std::int64_t time = alert_time_us(alert);
    if (!in_window(time)) continue;
    std::string status = alert_detail(alert, {"status"});
    if (status.empty()) status = record.fields.status == "CLOSED" ? "CLOSED" : "OPEN";
    if (status_rule && ((status == status_rule->second) != status_rule->first)) continue;
    std::string verdict = alert_detail(alert, {"verdict"});
    std::string rule = alert_detail(alert, {"ruleName"});
    std::string text;
    text += fmt::format("Alert ID: {}\n", alert.id);
    text += fmt::format("Rule: {}\n", rule.empty() ? alert.name : rule);
    text += fmt::format("Created: {}\n", udm::format_rfc3339(time));
    text += fmt::format("Status: {}\n", status);
    text += fmt::format("Verdict: {}\n", verdict.empty() ? "Unknown" : verdict);
    text += fmt::format("Severity: {}\n", alert.severity.empty() ? "Unknown" : alert.severity);
    text += fmt::format("Associated Case: {}\n", record.id);
    rows.push_back({time, std::move(text)});
  }
  if (rows.empty()) return "No security alerts found for the specified time range.";
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.time > b.time; });
  if (rows.size() > static_cast<std::size_t>(max_alerts)) rows.resize(static_cast<std::size_t>(max_alerts));
  std::string out = fmt::format("Found {} security alerts:\n\n", rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) out += fmt::format("Alert {}:\n{}\n", i + 1, rows[i].text);
  return out;
}

}  // namespace

void add_entity_tools(mcp::Server& server, SiemBackend& backend) {
  {
    mcp::Tool tool;
    tool.name = "lookup_entity";
    tool.title = "Look up an entity";
    tool.description =
        "Look up an entity (IP, domain, hash, user, etc.) in Chronicle SIEM for enrichment.\n\n"
        "Summarises the entity's activity in the loaded logs within hours_back: entity type (detected from the "
        "value and the fields it occurs in), first/last seen, event counts by type, related entities (hosts, IPs, "
        "users seen in the same events), associated alerts from the case store, and totals.\n\n"
        "Args:\n"
        "    entity_value (str): Value to look up (e.g., IP address, domain name, file hash, username).\n"
        "    project_id (Optional[str]): Google Cloud project ID. Defaults to environment configuration.\n"
        "    customer_id (Optional[str]): Chronicle customer ID. Defaults to environment configuration.\n"
        "    hours_back (int): How many hours of historical data to consider for the summary. Defaults to 24.\n"
        "    region (Optional[str]): Chronicle region (e.g., \"us\", \"europe\"). Defaults to environment configuration.\n\n"
        "Returns:\n"
        "    str: 'Entity Summary for X: ...', or 'No information found for entity: X'.";
    tool.input_schema = tools::Signature("lookup_entity")
                            .required_string("entity_value")
                            .optional_string("project_id")
                            .optional_string("customer_id")
                            .integer("hours_back", 24)
                            .optional_string("region")
                            .schema();
    tool.annotations = tools::read_only_annotations("Look up an entity");
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      return tools::text_result(lookup_entity(backend, arguments));
    };
    tools::add_tool(server, std::move(tool));
  }
  {
    mcp::Tool tool;
    tool.name = "get_ioc_matches";
    tool.title = "Get IoC matches";
    tool.description =
        "Get Indicators of Compromise (IoCs) matches from Chronicle SIEM.\n\n"
        "Lists the IoCs of the feed given with --iocs (type, value, sources) whose values occur in events within "
        "hours_back (whole field value, case-insensitive, or the file name at the end of a path).\n\n"
        "Args:\n"
        "    project_id: Google Cloud project ID. Defaults to environment configuration.\n"
        "    customer_id: Chronicle customer ID. Defaults to environment configuration.\n"
        "    hours_back: How many hours back to look for IoC matches. Defaults to 24.\n"
        "    max_matches: Maximum number of IoC matches to return. Defaults to 20.\n"
        "    region: Chronicle region (e.g., \"us\", \"europe\"). Defaults to environment configuration.\n\n"
        "Returns:\n"
        "    str: 'Found N IoC matches: ...' or 'No IoC matches found for the specified time range.'";
    tool.input_schema = tools::Signature("get_ioc_matches")
                            .optional_string("project_id")
                            .optional_string("customer_id")
                            .integer("hours_back", 24)
                            .integer("max_matches", 20)
                            .optional_string("region")
                            .schema();
    tool.annotations = tools::read_only_annotations("Get IoC matches");
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      return tools::text_result(get_ioc_matches(backend, arguments));
    };
    tools::add_tool(server, std::move(tool));
  }
  {
    mcp::Tool tool;
    tool.name = "get_security_alerts";
    tool.title = "Get security alerts";
    tool.description =
        "Get security alerts directly from Chronicle SIEM.\n\n"
        "Lists the alerts kept in the case store (newest first) created within hours_back.\n\n"
        "Args:\n"
        "    project_id (Optional[str]): Google Cloud project ID. Defaults to environment configuration.\n"
        "    customer_id (Optional[str]): Chronicle customer ID. Defaults to environment configuration.\n"
        "    hours_back (int): How many hours to look back for alerts. Defaults to 24.\n"
        "    max_alerts (int): Maximum number of alerts to return. Defaults to 10.\n"
        "    status_filter (str): Query string to filter alerts by status (e.g., 'feedback_summary.status != \"CLOSED\"').\n"
        "                         Defaults to excluding closed alerts.\n"
        "    region (Optional[str]): Chronicle region (e.g., \"us\", \"europe\"). Defaults to environment configuration.\n\n"
        "Returns:\n"
        "    str: 'Found N security alerts: ...' or 'No security alerts found for the specified time range.'";
    tool.input_schema = tools::Signature("get_security_alerts")
                            .optional_string("project_id")
                            .optional_string("customer_id")
                            .integer("hours_back", 24)
                            .integer("max_alerts", 10)
                            .string_default("status_filter", "feedback_summary.status != \"CLOSED\"")
                            .optional_string("region")
                            .schema();
    tool.annotations = tools::read_only_annotations("Get security alerts");
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      return tools::text_result(get_security_alerts(backend, arguments));
    };
    tools::add_tool(server, std::move(tool));
  }
}

}  // namespace lh::siem
