#include "skill/workflow/enrichment.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "skill/workflow/parallel.hpp"
#include "skill/workflow/upstream_call.hpp"
#include "skill/workflow/validation.hpp"
#include "udm/ip_network.hpp"

namespace lh::skill::workflow {
namespace detail {
namespace {

constexpr std::size_t kSummaryLimit = 800;
constexpr std::size_t kIntelLimit = 600;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c); });
}

bool glued(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

const char* intel_capability(const std::string& type) {
  if (type == "ip") return "get_ip_address_report";
  if (type == "hash") return "get_file_report";
  if (type == "domain") return "get_domain_report";
  return nullptr;
}

nlohmann::json text_or_null(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

}  // namespace

std::string guess_entity_type(std::string_view value) {
  if (udm::parse_ip(value)) return "ip";
  if (is_hex(value) && (value.size() == 32 || value.size() == 40 || value.size() == 64)) return "hash";
  if (value.find('\\') != std::string_view::npos || value.find('@') != std::string_view::npos) return "user";
  const auto dot = value.find('.');
  if (dot != std::string_view::npos && dot > 0) {
    // Internal DNS suffixes name hosts; anything else with a dot is a domain to look up in intel.
    const std::string suffix = lower(value.substr(value.rfind('.') + 1));
    static const std::set<std::string> internal{"local", "lan", "internal", "corp", "intranet", "home", "localdomain"};
    return internal.count(suffix) ? "host" : "domain";
  }
  return "host";
}

std::vector<EntityRef> entities_to_enrich(const nlohmann::json& correlation_entities) {
  static const std::pair<const char*, const char*> kGroups[] = {
      {"hosts", "host"}, {"users", "user"}, {"ips", "ip"}, {"hashes", "hash"}, {"domains", "domain"}};
  std::vector<EntityRef> out;
  std::set<std::string> seen;
  if (!correlation_entities.is_object()) return out;
  for (const auto& [group, type] : kGroups) {
    const auto found = correlation_entities.find(group);
    if (found == correlation_entities.end() || !found->is_array()) continue;
    for (const auto& item : *found) {
      std::string value;
      if (item.is_string()) value = item.get<std::string>();
      else if (item.is_object() && item.contains("value") && item["value"].is_string()) value = item["value"].get<std::string>();
      if (value.empty() || !seen.insert(lower(value)).second) continue;
      out.push_back(EntityRef{value, type});
    }
  }
  return out;
}

bool contains_token(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return false;
  const std::string text = lower(haystack);
  const std::string wanted = lower(needle);
  for (auto at = text.find(wanted); at != std::string::npos; at = text.find(wanted, at + 1)) {
    const auto end = at + wanted.size();
    if (at > 0 && glued(text[at - 1])) continue;
    if (end < text.size() && glued(text[end])) continue;
    if (end + 1 < text.size() && text[end] == '.' && std::isdigit(static_cast<unsigned char>(text[end + 1])) &&
        std::isdigit(static_cast<unsigned char>(wanted.back()))) {
      continue;
    }
    return true;
  }
  return false;
}

std::optional<std::string> find_ioc_match(std::string_view ioc_text, std::string_view value) {
  // get_ioc_matches lists one IoC per paragraph ("IoC 1:\nType: ...\nValue: ...\n\n").
  std::size_t start = 0;
  while (start < ioc_text.size()) {
    auto end = ioc_text.find("\n\n", start);
    if (end == std::string_view::npos) end = ioc_text.size();
    const auto block = ioc_text.substr(start, end - start);
    if (contains_token(block, value)) {
      std::string line;
      std::size_t from = 0;
      while (from < block.size()) {
        auto to = block.find('\n', from);
        if (to == std::string_view::npos) to = block.size();
        auto part = block.substr(from, to - from);
        while (!part.empty() && (part.back() == '\r' || part.back() == ' ')) part.remove_suffix(1);
        if (!part.empty()) line += (line.empty() ? "" : "; ") + std::string(part);
        from = to + 1;
      }
      return trim_text(line, kIntelLimit);
    }
    start = end + 2;
  }
  return std::nullopt;
}

EnrichmentResult run_enrichment(gateway::Gateway& gateway, const std::vector<EntityRef>& entities, double hours_back,
                                std::size_t parallelism, Progress* progress, const std::stop_token& cancel) {
  EnrichmentResult result;
  const StepClock clock;
  CallCounter counter;
  if (entities.empty()) {
    result.step.status = "skipped";
    result.step.error = "no suspicious entities to enrich";
    return result;
  }
  const auto hours = static_cast<long long>(std::max(1.0, std::ceil(hours_back)));

  struct EntityOutcome {
    std::string status = "skipped";
    std::optional<std::string> source, summary, error;
    bool failed = false;
  };
  std::vector<EntityOutcome> outcomes(entities.size());
  std::optional<std::string> ioc_text, ioc_error;

  // Work item 0 is the one get_ioc_matches call; items 1..n look up one entity each.
  std::atomic<std::size_t> finished{0};
  const std::size_t items = entities.size() + 1;
  for_each_parallel(items, parallelism, cancel, [&](std::size_t item) {
    if (item == 0) {
      try {
        const auto reply = call_upstream(gateway, counter, "get_ioc_matches", {{"hours_back", hours}, {"max_matches", 1000}}, cancel);
        ioc_text = text_of(reply);
      } catch (const std::exception& error) {
        ioc_error = error.what();
      }
    } else {
      const auto& entity = entities[item - 1];
      auto& outcome = outcomes[item - 1];
      std::vector<std::string> sources, summaries, errors;
      bool found = false, not_found = false;
      try {
        const auto reply = call_upstream(gateway, counter, "lookup_entity",
                                         {{"entity_value", entity.value}, {"hours_back", hours}}, cancel);
        const auto text = text_of(reply);
        sources.push_back(reply.server + "/" + reply.tool);
        if (text.rfind("No information found", 0) == 0) {
          not_found = true;
        } else {
          found = true;
          summaries.push_back(trim_text(text, kSummaryLimit));
        }
      } catch (const std::exception& error) {
        errors.push_back(error.what());
      }
      if (const char* capability = intel_capability(entity.type); capability && gateway.has(capability)) {
        try {
          const std::string argument = entity.type == "ip" ? "ip_address" : entity.type == "hash" ? "hash" : "domain";
          const auto reply = call_upstream(gateway, counter, capability, {{argument, entity.value}}, cancel);
          sources.push_back(reply.server + "/" + reply.tool);
          summaries.push_back(fmt::format("{}: {}", capability, trim_text(text_of(reply), kIntelLimit)));
          found = true;
        } catch (const std::exception& error) {
          errors.push_back(error.what());
        }
      }
      if (!sources.empty()) outcome.source = fmt::format("{}", fmt::join(sources, ", "));
      if (!summaries.empty()) outcome.summary = fmt::format("{}", fmt::join(summaries, "\n\n"));
      if (!errors.empty()) outcome.error = fmt::format("{}", fmt::join(errors, "; "));
      outcome.failed = !errors.empty();
      outcome.status = found ? "found" : not_found ? "not_found" : cancel.stop_requested() ? "skipped" : "failed";
    }
    const auto done = ++finished;
    if (progress) progress->advance(fmt::format("enrichment {}/{}", done, items));
  });

  std::size_t ok = 0, failed = 0;
  for (std::size_t i = 0; i < entities.size(); ++i) {
    const auto& entity = entities[i];
    const auto& outcome = outcomes[i];
    std::optional<std::string> ioc_match;
    if (ioc_text) ioc_match = find_ioc_match(*ioc_text, entity.value);
    if (outcome.failed) ++failed;
    else if (outcome.status != "skipped") ++ok;
    result.entities.push_back({{"value", entity.value},
                               {"type", entity.type},
                               {"status", outcome.status},
                               {"source", text_or_null(outcome.source)},
                               {"summary", text_or_null(outcome.summary)},
                               {"ioc_match", text_or_null(ioc_match)},
                               {"error", text_or_null(outcome.error)}});
  }
  if (ioc_error) ++failed;
  else if (ioc_text) ++ok;
  const bool cancelled = cancel.stop_requested();
  result.step.status = combine_status(ok, failed, cancelled);
  std::vector<std::string> problems;
  if (ioc_error) problems.push_back(fmt::format("get_ioc_matches failed: {}", *ioc_error));
  for (std::size_t i = 0; i < entities.size(); ++i) {
    if (outcomes[i].failed && problems.size() < 3) problems.push_back(fmt::format("{}: {}", entities[i].value, *outcomes[i].error));
  }
  if (!problems.empty()) result.step.error = fmt::format("{}", fmt::join(problems, "; "));
  result.step.calls = counter.calls;
  result.step.duration = clock.elapsed();
  return result;
}

}  // namespace detail

nlohmann::json enrich_entities(gateway::Gateway& gateway, const nlohmann::json& entities, double hours_back,
                               std::stop_token cancel) {
  if (!entities.is_array() || entities.empty()) {
    detail::reject("entities", "must be a non-empty array of {\"value\", \"type\"?} objects",
                   "pass e.g. [{\"value\": \"FILESRV01\"}, {\"value\": \"10.20.0.18\", \"type\": \"ip\"}]");
  }
  if (!std::isfinite(hours_back) || hours_back <= 0 || hours_back > detail::kMaxHoursBack) {
    detail::reject("hours_back", fmt::format("must be more than 0 and at most {}, got {}", detail::kMaxHoursBack, hours_back),
                   "pass a number of hours such as 72");
  }
  static const std::set<std::string> kTypes{"host", "user", "ip", "hash", "domain"};
  std::vector<detail::EntityRef> refs;
  for (std::size_t i = 0; i < entities.size(); ++i) {
    const auto& item = entities[i];
    const std::string path = fmt::format("entities[{}]", i);
    std::string value, type;
    if (item.is_string()) {
      value = item.get<std::string>();
    } else if (item.is_object() && item.contains("value") && item["value"].is_string()) {
      value = item["value"].get<std::string>();
      if (item.contains("type") && !item["type"].is_null()) {
        if (!item["type"].is_string() || !kTypes.count(item["type"].get<std::string>())) {
          detail::reject(path + ".type", fmt::format("{} is not an entity type", item["type"].dump()),
                         "use host, user, ip, hash or domain, or leave it out to have it guessed");
        }
        type = item["type"].get<std::string>();
      }
    } else {
      detail::reject(path, "must be a string or an object with a string \"value\"", "pass {\"value\": \"FILESRV01\"}");
    }
    if (value.find_first_not_of(" \t\r\n") == std::string::npos) detail::reject(path + ".value", "is empty", "pass the entity's value");
    refs.push_back(detail::EntityRef{value, type.empty() ? detail::guess_entity_type(value) : type});
  }
  auto result = detail::run_enrichment(gateway, refs, hours_back, 4, nullptr, cancel);
  return {{"status", result.step.status}, {"entities", std::move(result.entities)}, {"step", result.step.to_json()}};
}

}  // namespace lh::skill::workflow
