#include "skill/workflow/enrichment.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <thread>
#include <cctype>
#include <cmath>
#include <mutex>
#include <set>

#include <fmt/format.h>

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

namespace {

struct EntityOutcome {
  std::string status = "skipped";  // found, not_found, failed, skipped
  std::optional<std::string> source, summary, error;
  bool failed = false;
};

// "verdict VERDICT_MALICIOUS, 3 malicious / 0 suspicious / 1 harmless / 0 undetected" from a
// VirusTotal-v3-shaped report (gti-mcp, secops-local); other shapes fall back to the text, trimmed.
std::string intel_verdict(const nlohmann::json& value, const std::string& text) {
  const nlohmann::json* attributes = value.is_object() && value.contains("attributes") && value["attributes"].is_object()
                               ? &value["attributes"] : nullptr;
  std::vector<std::string> parts;
  if (attributes != nullptr) {
    const auto assessment = attributes->find("gti_assessment");
    if (assessment != attributes->end() && assessment->is_object()) {
      const auto verdict = assessment->find("verdict");
      if (verdict != assessment->end() && verdict->is_object() && verdict->contains("value") && (*verdict)["value"].is_string()) {
        parts.push_back("verdict " + (*verdict)["value"].get<std::string>());
      }
    }
    const auto stats = attributes->find("last_analysis_stats");
    if (stats != attributes->end() && stats->is_object()) {
      const auto count = [&](const char* key) {
        const auto it = stats->find(key);
        return it != stats->end() && it->is_number_integer() ? it->get<long long>() : 0LL;
      };
      parts.push_back(fmt::format("{} malicious / {} suspicious / {} harmless / {} undetected", count("malicious"),
                                  count("suspicious"), count("harmless"), count("undetected")));
    }
  }
  if (parts.empty()) return trim_text(text, kIntelLimit);
  return fmt::format("{}", fmt::join(parts, ", "));
}

EntityOutcome look_up(gateway::Gateway& gateway, CallCounter& counter, const EntityRef& entity, long long hours,
                      const std::stop_token& cancel) {
  EntityOutcome outcome;
  std::vector<std::string> sources, summaries, errors;
  bool found = false, not_found = false;
  try {
    const auto reply = call_upstream(gateway, counter, "lookup_entity", {{"entity_value", entity.value}, {"hours_back", hours}}, cancel);
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
      // secops-local's intel answers {"found": false} for a value it has no report on; gti-mcp answers an
      // error instead (a failure above). Anything else is a report.
      if (reply.value.is_object() && reply.value.contains("found") && reply.value["found"] == false) {
        not_found = true;
        summaries.push_back(fmt::format("{}: no report for this value", capability));
      } else {
        // The verdict first: it is what a hunter scans the enrichment table for.
        summaries.insert(summaries.begin(), fmt::format("{}: {}", capability, intel_verdict(reply.value, text_of(reply))));
        found = true;
      }
    } catch (const std::exception& error) {
      errors.push_back(error.what());
    }
  }
  if (!sources.empty()) outcome.source = fmt::format("{}", fmt::join(sources, ", "));
  if (!summaries.empty()) outcome.summary = fmt::format("{}", fmt::join(summaries, "\n\n"));
  if (!errors.empty()) outcome.error = fmt::format("{}", fmt::join(errors, "; "));
  outcome.failed = !errors.empty();
  outcome.status = found ? "found" : not_found ? "not_found" : cancel.stop_requested() ? "skipped" : "failed";
  return outcome;
}

constexpr std::size_t kIocItem = static_cast<std::size_t>(-1);

}  // namespace

struct Enricher::Impl {
  Impl(gateway::Gateway& upstream, long long hours_back, std::size_t width, Progress* sink, std::stop_token stop)
      : gateway(upstream), hours(hours_back), parallelism(width), progress(sink), cancel(std::move(stop)) {}

  gateway::Gateway& gateway;
  long long hours;
  std::size_t parallelism;
  Progress* progress;
  std::stop_token cancel;

  std::mutex mutex;
  std::condition_variable work_ready, item_done;
  std::deque<std::size_t> queue;  // slot indices, kIocItem for the get_ioc_matches call
  struct Slot {
    EntityRef entity;
    EntityOutcome outcome;
    bool done = false;
  };
  std::vector<std::unique_ptr<Slot>> slots;
  std::map<std::string, std::size_t> slot_of;  // lower-case value -> slot
  bool ioc_queued = false, ioc_done = false;
  std::optional<std::string> ioc_text, ioc_error;
  bool closing = false;
  std::size_t queued = 0, finished = 0;
  CallCounter counter;
  std::optional<StepClock> clock;  // from the first look-up queued
  std::vector<std::jthread> workers;

  void work() {
    for (;;) {
      std::size_t item;
      {
        std::unique_lock lock(mutex);
        work_ready.wait(lock, [&] { return closing || !queue.empty(); });
        if (queue.empty()) return;
        item = queue.front();
        queue.pop_front();
      }
      if (item == kIocItem) {
        std::optional<std::string> text, error;
        if (!cancel.stop_requested()) {
          try {
            text = text_of(call_upstream(gateway, counter, "get_ioc_matches", {{"hours_back", hours}, {"max_matches", 1000}}, cancel));
          } catch (const std::exception& failure) {
            error = failure.what();
          }
        }
        std::lock_guard lock(mutex);
        ioc_text = std::move(text);
        ioc_error = std::move(error);
        ioc_done = true;
      } else {
        Slot* slot;
        {
          std::lock_guard lock(mutex);
          slot = slots[item].get();
        }
        EntityOutcome outcome;
        if (!cancel.stop_requested()) outcome = look_up(gateway, counter, slot->entity, hours, cancel);
        std::lock_guard lock(mutex);
        slot->outcome = std::move(outcome);
        slot->done = true;
      }
      std::size_t done, total;
      {
        std::lock_guard lock(mutex);
        done = ++finished;
        total = queued;
      }
      item_done.notify_all();
      if (progress) progress->advance(fmt::format("enrichment {}/{}", done, total));
    }
  }

  // Under the lock.
  void enqueue(std::size_t item) {
    queue.push_back(item);
    ++queued;
    if (progress) progress->add_total(1);
    if (!clock) clock.emplace();
    if (workers.size() < parallelism) workers.emplace_back([this] { work(); });
  }
};

Enricher::Enricher(gateway::Gateway& gateway, double hours_back, std::size_t parallelism, Progress* progress,
                   std::stop_token cancel)
    : impl_(std::make_unique<Impl>(gateway, static_cast<long long>(std::max(1.0, std::ceil(hours_back))),
                                   std::max<std::size_t>(1, parallelism), progress, std::move(cancel))) {}

Enricher::~Enricher() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->closing = true;
    impl_->queue.clear();
  }
  impl_->work_ready.notify_all();
  impl_->workers.clear();  // joins
}

void Enricher::prefetch(const std::vector<EntityRef>& entities) {
  std::size_t added = 0;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->closing || entities.empty()) return;
    if (!impl_->ioc_queued) {
      impl_->ioc_queued = true;
      impl_->enqueue(kIocItem);
      ++added;
    }
    for (const auto& entity : entities) {
      const auto key = lower(entity.value);
      if (impl_->slot_of.count(key)) continue;
      impl_->slot_of[key] = impl_->slots.size();
      impl_->slots.push_back(std::make_unique<Impl::Slot>(Impl::Slot{entity, {}, false}));
      impl_->enqueue(impl_->slots.size() - 1);
      ++added;
    }
  }
  for (std::size_t i = 0; i < added; ++i) impl_->work_ready.notify_one();
}

EnrichmentResult Enricher::collect(const std::vector<EntityRef>& entities) {
  EnrichmentResult result;
  if (entities.empty()) {
    result.step.status = "skipped";
    result.step.error = "no suspicious entities to enrich";
    result.step.calls = impl_->counter.calls;
    return result;
  }
  prefetch(entities);
  std::unique_lock lock(impl_->mutex);
  std::vector<const Impl::Slot*> wanted;
  for (const auto& entity : entities) wanted.push_back(impl_->slots[impl_->slot_of.at(lower(entity.value))].get());
  impl_->item_done.wait(lock, [&] {
    return impl_->ioc_done && std::all_of(wanted.begin(), wanted.end(), [](const Impl::Slot* slot) { return slot->done; });
  });

  std::size_t ok = 0, failed = 0;
  std::vector<std::string> problems;
  if (impl_->ioc_error) {
    ++failed;
    problems.push_back(fmt::format("get_ioc_matches failed: {}", *impl_->ioc_error));
  } else if (impl_->ioc_text) {
    ++ok;
  }
  for (std::size_t i = 0; i < entities.size(); ++i) {
    const auto& entity = entities[i];
    const auto& outcome = wanted[i]->outcome;
    std::optional<std::string> ioc_match;
    if (impl_->ioc_text) ioc_match = find_ioc_match(*impl_->ioc_text, entity.value);
    if (outcome.failed) {
      ++failed;
      if (problems.size() < 3) problems.push_back(fmt::format("{}: {}", entity.value, outcome.error.value_or("failed")));
    } else if (outcome.status != "skipped") {
      ++ok;
    }
    result.entities.push_back({{"value", entity.value},
                               {"type", entity.type},
                               {"status", outcome.status},
                               {"source", text_or_null(outcome.source)},
                               {"summary", text_or_null(outcome.summary)},
                               {"ioc_match", text_or_null(ioc_match)},
                               {"error", text_or_null(outcome.error)}});
  }
  result.step.status = combine_status(ok, failed, impl_->cancel.stop_requested());
  if (!problems.empty()) result.step.error = fmt::format("{}", fmt::join(problems, "; "));
  result.step.calls = impl_->counter.calls;
  if (impl_->clock) result.step.duration = impl_->clock->elapsed();
  return result;
}

EnrichmentResult run_enrichment(gateway::Gateway& gateway, const std::vector<EntityRef>& entities, double hours_back,
                                std::size_t parallelism, Progress* progress, const std::stop_token& cancel) {
  Enricher enricher(gateway, hours_back, parallelism, progress, cancel);
  return enricher.collect(entities);
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
