#include "skill/workflow/research.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "skill/workflow/parallel.hpp"
#include "skill/workflow/upstream_call.hpp"
#include "skill/workflow/validation.hpp"

namespace lh::skill::workflow {
namespace detail {
namespace {

// The ATT&CK names of the techniques the catalogue uses: the question names the technique so that a
// free-form intel model (Gemini behind secops-mcp) answers about the right thing.
const std::map<std::string, std::string>& attack_names() {
  static const std::map<std::string, std::string> names{
      {"T1021", "Remote Services"},
      {"T1021.001", "Remote Desktop Protocol"},
      {"T1021.002", "SMB/Windows Admin Shares"},
      {"T1021.003", "Distributed Component Object Model"},
      {"T1021.006", "Windows Remote Management"},
      {"T1047", "Windows Management Instrumentation"},
      {"T1053.005", "Scheduled Task"},
      {"T1059.001", "PowerShell"},
      {"T1218.005", "Mshta"},
      {"T1543.003", "Windows Service"},
      {"T1569.002", "Service Execution"},
      {"T1570", "Lateral Tool Transfer"},
  };
  return names;
}

constexpr std::size_t kAnswerLimit = 1500;

}  // namespace

std::string research_question(const std::string& attack_id) {
  const auto found = attack_names().find(attack_id);
  if (found == attack_names().end()) return fmt::format("MITRE {}: how it looks in Windows logs", attack_id);
  return fmt::format("MITRE {} {}: how it looks in Windows logs", attack_id, found->second);
}

std::vector<std::string> attack_ids_of(const std::vector<std::string>& technique_ids) {
  std::vector<std::string> out;
  for (const auto& id : technique_ids) {
    const auto* technique = techniques::catalogue().find(id);
    if (!technique) continue;
    for (const auto& attack_id : technique->attack_ids) {
      if (std::find(out.begin(), out.end(), attack_id) == out.end()) out.push_back(attack_id);
    }
  }
  return out;
}

ResearchResult run_research(gateway::Gateway& gateway, const std::vector<std::string>& attack_ids,
                            std::size_t parallelism, Progress* progress, const std::stop_token& cancel) {
  ResearchResult result;
  const StepClock clock;
  CallCounter counter;
  for (const auto& attack_id : attack_ids) {
    ResearchAnswer answer;
    answer.attack_id = attack_id;
    answer.question = research_question(attack_id);
    result.answers.push_back(std::move(answer));
  }
  std::atomic<std::size_t> finished{0};
  for_each_parallel(result.answers.size(), parallelism, cancel, [&](std::size_t i) {
    auto& answer = result.answers[i];
    try {
      const auto reply = call_upstream(gateway, counter, "get_threat_intel", {{"query", answer.question}}, cancel);
      answer.answer = trim_text(text_of(reply), kAnswerLimit);
      answer.source = reply.server + "/" + reply.tool;
      answer.status = "ok";
    } catch (const std::exception& error) {
      answer.status = is_cancellation(error, cancel) ? "cancelled" : "failed";
      answer.error = error.what();
    }
    const auto done = ++finished;
    if (progress) progress->advance(fmt::format("research {}/{}", done, result.answers.size()));
  });

  std::size_t ok = 0, failed = 0;
  bool cancelled = false;
  const ResearchAnswer* first_failure = nullptr;
  for (auto& answer : result.answers) {
    if (answer.status == "ok") ++ok;
    if (answer.status == "failed") {
      ++failed;
      if (!first_failure) first_failure = &answer;
    }
    if (answer.status == "cancelled" || answer.status == "skipped") {
      // Never started because the hunt was cancelled.
      if (answer.status == "skipped" && cancel.stop_requested()) answer.status = "cancelled";
      cancelled = cancelled || answer.status == "cancelled";
    }
  }
  result.step.status = combine_status(ok, failed, cancelled);
  if (first_failure) {
    result.step.error = fmt::format("{} of {} threat-intel questions failed; {}: {}", failed, result.answers.size(),
                                    first_failure->attack_id, *first_failure->error);
  }
  result.step.calls = counter.calls;
  result.step.duration = clock.elapsed();
  return result;
}

nlohmann::json technique_research(const std::vector<std::string>& attack_ids, const ResearchResult& research) {
  std::vector<const ResearchAnswer*> answers;
  for (const auto& attack_id : attack_ids) {
    for (const auto& answer : research.answers) {
      if (answer.attack_id == attack_id) answers.push_back(&answer);
    }
  }
  if (answers.empty()) return {{"status", "skipped"}, {"question", nullptr}, {"answer", nullptr}, {"source", nullptr}, {"error", nullptr}};
  std::vector<std::string> questions, texts, sources, errors;
  std::size_t ok = 0, failed = 0;
  bool cancelled = false;
  for (const auto* answer : answers) {
    questions.push_back(answer->question);
    if (answer->status == "ok") {
      ++ok;
      texts.push_back(answers.size() > 1 ? fmt::format("{}: {}", answer->attack_id, *answer->answer) : *answer->answer);
      if (std::find(sources.begin(), sources.end(), *answer->source) == sources.end()) sources.push_back(*answer->source);
    } else if (answer->status == "failed") {
      ++failed;
      errors.push_back(fmt::format("{}: {}", answer->attack_id, answer->error.value_or("failed")));
    } else {
      cancelled = true;
    }
  }
  auto joined_or_null = [](const std::vector<std::string>& parts, std::string_view separator) -> nlohmann::json {
    if (parts.empty()) return nullptr;
    return fmt::format("{}", fmt::join(parts, separator));
  };
  std::string status = combine_status(ok, failed, false);
  if (cancelled && ok + failed == 0) status = "cancelled";
  else if (cancelled) status = "partial";
  return {{"status", status},
          {"question", joined_or_null(questions, "\n")},
          {"answer", joined_or_null(texts, "\n\n")},
          {"source", joined_or_null(sources, ", ")},
          {"error", joined_or_null(errors, "\n")}};
}

}  // namespace detail

nlohmann::json research_techniques(gateway::Gateway& gateway, const std::vector<std::string>& requested,
                                   std::stop_token cancel) {
  // Catalogue ids answer with the technique's entry; an ATT&CK id the catalogue does not resolve to a
  // single technique is asked about on its own.
  if (requested.empty()) detail::reject("techniques", "is empty", "name catalogue ids (psexec, wmi, ...) or ATT&CK ids (T1047, ...)");
  struct Entry {
    std::string id, name;
    std::vector<std::string> attack_ids;
  };
  std::vector<Entry> entries;
  std::vector<std::string> unknown;
  for (std::size_t i = 0; i < requested.size(); ++i) {
    std::string id = requested[i];
    std::string lowered = id, raised = id;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::transform(raised.begin(), raised.end(), raised.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (const auto* technique = techniques::catalogue().find(lowered)) {
      entries.push_back({technique->id, technique->name, technique->attack_ids});
    } else if (raised.size() >= 5 && raised[0] == 'T' && std::all_of(raised.begin() + 1, raised.end(), [](unsigned char c) {
                 return std::isdigit(c) || c == '.';
               })) {
      const auto found = detail::attack_names().find(raised);
      entries.push_back({raised, found == detail::attack_names().end() ? raised : found->second, {raised}});
    } else {
      unknown.push_back(requested[i]);
    }
  }
  if (!unknown.empty()) detail::resolve_techniques(requested, "techniques");  // throws, naming each unknown entry

  std::vector<std::string> attack_ids;
  for (const auto& entry : entries) {
    for (const auto& attack_id : entry.attack_ids) {
      if (std::find(attack_ids.begin(), attack_ids.end(), attack_id) == attack_ids.end()) attack_ids.push_back(attack_id);
    }
  }
  const auto research = detail::run_research(gateway, attack_ids, 4, nullptr, cancel);
  nlohmann::json techniques = nlohmann::json::array();
  for (const auto& entry : entries) {
    techniques.push_back({{"id", entry.id},
                          {"name", entry.name},
                          {"attack_ids", entry.attack_ids},
                          {"research", detail::technique_research(entry.attack_ids, research)}});
  }
  return {{"techniques", std::move(techniques)}, {"step", research.step.to_json()}};
}

}  // namespace lh::skill::workflow
