#include "skill/workflow/related_cases.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "skill/workflow/enrichment.hpp"
#include "skill/workflow/upstream_call.hpp"
#include "skill/workflow/validation.hpp"

namespace lh::skill::workflow {
namespace detail {
namespace {

// Details are fetched for at most this many cases whose list entry is too thin to match.
constexpr std::size_t kMaxDetailFetches = 20;

std::optional<std::string> string_member(const nlohmann::json& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    const auto found = object.find(key);
    if (found == object.end()) continue;
    if (found->is_string()) return found->get<std::string>();
    if (found->is_number_integer()) return std::to_string(found->get<long long>());
  }
  return std::nullopt;
}

// The list entry names something besides its id and title worth matching against.
bool has_matchable_text(const nlohmann::json& item) {
  for (const char* key : {"entities", "description", "alerts", "caseAlerts", "tags"}) {
    if (item.contains(key) && !item[key].is_null() && !(item[key].is_array() && item[key].empty())) return true;
  }
  return false;
}

nlohmann::json text_or_null(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

// Every string in the JSON, one per line: matching runs on the values as written, not on their JSON
// escapes (ACME\\dallen in a dump would hide ACME\dallen).
void append_strings(const nlohmann::json& value, std::string& out) {
  if (value.is_string()) {
    out += value.get_ref<const std::string&>();
    out += '\n';
  } else if (value.is_number()) {
    out += value.dump();
    out += '\n';
  } else if (value.is_structured()) {
    for (const auto& item : value) append_strings(item, out);
  }
}

std::string flatten_text(const nlohmann::json& value) {
  std::string out;
  append_strings(value, out);
  return out;
}

}  // namespace

CaseListing list_case_candidates(gateway::Gateway& gateway, std::size_t max_cases, const std::optional<std::string>& own_case,
                                 const std::stop_token& cancel) {
  CaseListing listing;
  const StepClock clock;
  CallCounter counter;
  auto& candidates = listing.candidates;
  try {
    std::optional<std::string> token;
    std::set<std::string> seen_tokens;
    while (candidates.size() < max_cases) {
      if (cancel.stop_requested()) {
        listing.cancelled = true;
        break;
      }
      nlohmann::json arguments = nlohmann::json::object();
      if (token) arguments["next_page_token"] = *token;
      const auto reply = call_upstream(gateway, counter, "list_cases", std::move(arguments), cancel);
      ++listing.pages;
      const auto& page = reply.value;
      const nlohmann::json* cases = nullptr;
      if (page.is_array()) cases = &page;
      else if (page.is_object() && page.contains("cases") && page["cases"].is_array()) cases = &page["cases"];
      if (cases) {
        for (const auto& item : *cases) {
          if (!item.is_object() || candidates.size() >= max_cases) continue;
          const auto id = string_member(item, {"id", "identifier", "caseId", "case_id"});
          if (!id || (own_case && *id == *own_case)) continue;
          candidates.push_back(CaseCandidate{*id, item, flatten_text(item), !has_matchable_text(item)});
        }
      }
      token = page.is_object() ? string_member(page, {"nextPageToken", "next_page_token"}) : std::nullopt;
      // A server that hands back the same token again would page forever.
      if (!token || token->empty() || !seen_tokens.insert(*token).second) break;
    }

    std::size_t fetched = 0;
    for (auto& candidate : candidates) {
      if (!candidate.thin || fetched >= kMaxDetailFetches) continue;
      if (cancel.stop_requested()) {
        listing.cancelled = true;
        break;
      }
      ++fetched;
      const auto reply = call_upstream(gateway, counter, "get_case_full_details", {{"case_id", candidate.id}}, cancel);
      candidate.text += flatten_text(reply.value);
    }
  } catch (const std::exception& failure) {
    if (is_cancellation(failure, cancel)) listing.cancelled = true;
    else listing.error = failure.what();
  }
  listing.calls = counter.calls;
  listing.duration = clock.elapsed();
  return listing;
}

RelatedCasesResult match_related_cases(const CaseListing& listing, const std::vector<std::string>& entities) {
  RelatedCasesResult result;
  const StepClock clock;
  const auto& candidates = listing.candidates;
  result.step.calls = listing.calls;
  if (entities.empty()) {
    result.step.status = "skipped";
    result.step.error = "no entities to match cases against";
    result.step.duration = listing.duration;
    return result;
  }
  struct Match {
    const CaseCandidate* candidate;
    std::vector<std::string> entities;
  };
  std::vector<Match> matches;
  for (const auto& candidate : candidates) {
    Match match{&candidate, {}};
    for (const auto& entity : entities) {
      if (contains_token(candidate.text, entity)) match.entities.push_back(entity);
    }
    if (!match.entities.empty()) matches.push_back(std::move(match));
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const Match& a, const Match& b) { return a.entities.size() > b.entities.size(); });
  for (const auto& match : matches) {
    const auto& item = match.candidate->item;
    result.related_cases.push_back({{"case_id", match.candidate->id},
                                    {"title", text_or_null(string_member(item, {"displayName", "title", "name"}))},
                                    {"status", text_or_null(string_member(item, {"status"}))},
                                    {"priority", text_or_null(string_member(item, {"priority"}))},
                                    {"matched_entities", match.entities}});
  }
  result.cases_scanned = candidates.size();
  const auto& error = listing.error;
  result.step.status = listing.cancelled ? "cancelled" : error ? (candidates.empty() ? "failed" : "partial") : "ok";
  if (error) {
    result.step.error = candidates.empty() ? *error
                                           : fmt::format("stopped after {} cases: {}", candidates.size(), *error);
  }
  result.step.duration = listing.duration + clock.elapsed();
  return result;
}

}  // namespace detail

nlohmann::json find_related_cases(gateway::Gateway& gateway, const std::vector<std::string>& entities,
                                  std::size_t max_cases, std::stop_token cancel) {
  if (entities.empty()) detail::reject("entities", "is empty", "pass the host names, users, IPs or hashes to look for");
  for (std::size_t i = 0; i < entities.size(); ++i) {
    if (entities[i].find_first_not_of(" \t\r\n") == std::string::npos) {
      detail::reject(fmt::format("entities[{}]", i), "is empty", "remove it or pass a value");
    }
  }
  if (max_cases < 1) detail::reject("max_cases", "must be at least 1", "pass 500");
  auto result = detail::match_related_cases(detail::list_case_candidates(gateway, max_cases, std::nullopt, cancel), entities);
  return {{"related_cases", std::move(result.related_cases)},
          {"cases_scanned", result.cases_scanned},
          {"step", result.step.to_json()}};
}

}  // namespace lh::skill::workflow
