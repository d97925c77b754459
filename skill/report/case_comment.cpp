// render_case_comment: what a case reviewer reads in the SOAR case (the seed skill's step 8), compact
// because case comments are read in a narrow pane.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "skill/report/escape.hpp"
#include "skill/report/format.hpp"
#include "skill/report/report.hpp"
#include "skill/report/report_json.hpp"

namespace lh::skill::report {
namespace {

using detail::arr;
using detail::Json;
using detail::obj;
using detail::opt_int;
using detail::opt_str;
using detail::str;
using detail::strings;

constexpr std::size_t kReasonsChars = 600;
constexpr std::size_t kCommandChars = 240;
constexpr std::size_t kMaxCommands = 3;
constexpr std::size_t kEntitySummaryChars = 160;
// The score from which a command counts as suspicious (the correlator's default threshold).
constexpr std::int64_t kSuspiciousScore = 40;

std::string escaped_list(const std::vector<std::string>& items) {
  std::vector<std::string> escaped;
  for (const auto& item : items) escaped.push_back(md_text(item));
  return detail::join(escaped, ", ");
}

}  // namespace

std::string fingerprint_marker(const std::string& fingerprint) {
  return "hunt-fingerprint: " + clean_line(fingerprint);
}

std::string render_case_comment(const nlohmann::json& report, const std::string& fingerprint) {
  std::string out;
  const auto line = [&](const std::string& text = "") { out += text + "\n"; };
  const Json& findings = arr(report, "findings");
  const Json& queries = arr(report, "queries");
  const std::string status = str(report, "status");

  line("**Lateral-movement hunt " + md_text(str(report, "hunt_id", "(no id)")) + ": " +
       md_text(detail::status_word(report)) + "**, " + std::to_string(findings.size()) +
       (findings.size() == 1 ? " finding" : " findings") + ", " + std::to_string(queries.size()) + " queries");
  if (status != "complete") {
    line();
    line("**" + md_text(detail::status_word(report)) + ": the results below may miss activity.**");
    for (const auto& problem : detail::problems(report)) line("- " + md_text(problem));
  }
  line();
  const std::string hypothesis = str(report, "hypothesis");
  line("**Hypothesis:** " + (hypothesis.empty() ? std::string("none given") : md_text(hypothesis)));
  const Json& scope = obj(report, "scope");
  const Json& frame = obj(scope, "time_frame");
  std::string frame_text = "none";
  if (const auto hours = detail::opt_number(frame, "hours_back")) frame_text = fmt::format("last {:g} h", *hours);
  if (auto start = opt_str(frame, "start_time"); start && !start->empty()) {
    frame_text += ", " + md_text(*start) + " to " + md_text(str(frame, "end_time", "now"));
  }
  line("**Time frame:** " + frame_text);
  const std::string scope_query = str(scope, "target_scope_query");
  line("**Scope:** " + (scope_query.empty() ? std::string("every host") : md_code_span(scope_query)));

  line();
  line("**Techniques hunted:**");
  const Json& techniques = arr(report, "techniques");
  if (techniques.empty()) line("- none");
  for (const Json& technique : techniques) {
    std::string text = "- " + md_text(detail::technique_text(technique));
    if (const auto hits = opt_int(technique, "hits")) text += ": " + std::to_string(*hits) + " hits";
    line(text);
  }

  line();
  // Hunt queries one by one, with their UDM so a reviewer can re-run them; the correlator's context
  // searches (up to hundreds) as counts, naming only those that failed.
  line("**Queries and results:**");
  std::size_t context_total = 0, context_with_hits = 0, hunt_without_hits = 0;
  std::vector<const Json*> context_failed;
  for (const Json& query : queries) {
    const std::string query_status = str(query, "status", "unknown");
    if (str(query, "purpose") != "hunt") {
      ++context_total;
      if (query_status == "ok" && opt_int(query, "hits").value_or(0) > 0) ++context_with_hits;
      if (query_status != "ok" && query_status != "skipped") context_failed.push_back(&query);
      continue;
    }
    if (query_status == "ok" && opt_int(query, "hits").value_or(0) == 0) {
      ++hunt_without_hits;
      continue;
    }
    std::string text = "- " + md_text(str(query, "id", "(no id)")) + ": ";
    if (query_status == "ok") {
      const auto hits = opt_int(query, "hits");
      text += (hits ? std::to_string(*hits) : std::string("?")) + (detail::flag(query, "more_data_available") ? "+" : "") +
              " hits";
    } else {
      text += "**" + md_text(query_status) + "**";
      if (auto error = opt_str(query, "error"); error && !error->empty()) text += " (" + md_text(*error) + ")";
    }
    text += " " + md_code_span(str(query, "udm"));
    line(text);
  }
  if (hunt_without_hits != 0) {
    line(fmt::format("- {} more hunt quer{} ran with no hits (listed under negative results)", hunt_without_hits,
                     hunt_without_hits == 1 ? "y" : "ies"));
  }
  if (context_total != 0) {
    line(fmt::format("- {} correlation and baseline searches: {} with hits, {} failed or cancelled", context_total,
                     context_with_hits, context_failed.size()));
    for (const Json* query : context_failed) {
      std::string text = "  - " + md_text(str(*query, "id", "(no id)")) + ": **" + md_text(str(*query, "status", "unknown")) + "**";
      if (auto error = opt_str(*query, "error"); error && !error->empty()) text += " (" + md_text(*error) + ")";
      line(text);
    }
  }
  if (queries.empty()) line("- none");

  line();
  line("**Negative results (ran, no hits):**");
  const Json& negatives = arr(report, "negative_results");
  if (negatives.empty()) line("- none");
  for (const Json& negative : negatives) {
    line("- no hits: " + md_text(str(negative, "title", "(untitled)")) + " (" + md_text(str(negative, "query_id", "no id")) + ")");
  }

  line();
  // Every finding gets a line; the evidence behind medium and worse ones follows, cut to what a reviewer
  // reads in a case pane (the full report stays at hunt://reports/<id>).
  line("**Findings:**");
  if (findings.empty()) line("- none");
  for (const Json& finding : findings) {
    std::string text = "- " + md_text(str(finding, "id", "(no id)")) + " " + md_text(str(finding, "severity", "?")) + "/" +
                       md_text(str(finding, "confidence", "?")) + " " + md_text(detail::technique_text(finding)) + ": " +
                       md_text(detail::endpoint_text(obj(finding, "source"))) + " → " +
                       md_text(detail::endpoint_text(obj(finding, "target")));
    if (auto account = opt_str(finding, "account"); account && !account->empty()) text += " as " + md_text(*account);
    text += " at " + md_text(str(finding, "first_seen", "?"));
    line(text);
    if (detail::severity_rank(str(finding, "severity")) < detail::severity_rank("medium")) continue;

    const auto reasons = strings(finding, "reasons");
    if (!reasons.empty()) line("  - why: " + md_text(trim_text(detail::join(reasons, "; "), kReasonsChars)));
    std::vector<const Json*> suspicious;
    for (const Json& command : arr(finding, "commands")) {
      if (opt_int(command, "score").value_or(0) >= kSuspiciousScore) suspicious.push_back(&command);
    }
    std::stable_sort(suspicious.begin(), suspicious.end(), [](const Json* a, const Json* b) {
      return opt_int(*a, "score").value_or(0) > opt_int(*b, "score").value_or(0);
    });
    for (std::size_t i = 0; i < suspicious.size() && i < kMaxCommands; ++i) {
      const Json& command = *suspicious[i];
      line("  - command (score " + std::to_string(opt_int(command, "score").value_or(0)) + "): " +
           md_code_span(trim_text(str(command, "command_line"), kCommandChars)));
      if (auto decoded = opt_str(command, "decoded"); decoded && !decoded->empty()) {
        line("    - decoded: " + md_code_span(trim_text(*decoded, kCommandChars)));
      }
    }
    const std::size_t other_commands = arr(finding, "commands").size() - std::min(suspicious.size(), kMaxCommands);
    if (other_commands != 0) line(fmt::format("  - {} more command{} in the full report", other_commands, other_commands == 1 ? "" : "s"));
    std::vector<std::string> enriched;
    for (const Json* entity : detail::enrichment_for(report, finding)) {
      std::string item = md_text(str(*entity, "type", "entity")) + " " + md_text(str(*entity, "value")) + " (" +
                         md_text(str(*entity, "status", "?"));
      if (auto ioc = opt_str(*entity, "ioc_match"); ioc && !ioc->empty()) item += ", **IoC match** " + md_text(*ioc);
      enriched.push_back(item + ")");
    }
    if (!enriched.empty()) line("  - enrichment: " + detail::join(enriched, ", "));
  }

  const Json& entities = arr(obj(report, "enrichment"), "entities");
  if (!entities.empty()) {
    line();
    line("**Enrichment:**");
    for (const Json& entity : entities) {
      std::string text = "- " + md_text(str(entity, "type", "entity")) + " " + md_text(str(entity, "value")) + ": " +
                         md_text(str(entity, "status", "?"));
      if (auto ioc = opt_str(entity, "ioc_match"); ioc && !ioc->empty()) text += ", **IoC match** " + md_text(*ioc);
      if (auto summary = opt_str(entity, "summary"); summary && !summary->empty()) {
        text += ", " + md_text(trim_text(*summary, kEntitySummaryChars));
      }
      if (auto error = opt_str(entity, "error"); error && !error->empty()) text += ", error: " + md_text(trim_text(*error, kEntitySummaryChars));
      line(text);
    }
  }
  const Json& paths = arr(report, "paths");
  if (!paths.empty()) {
    line();
    line("**Paths:**");
    for (const Json& path : paths) {
      std::vector<std::string> hosts;
      for (const auto& host : strings(path, "hosts")) hosts.push_back(md_text(host));
      line("- " + detail::join(hosts, " → ") + " (" + escaped_list(strings(path, "finding_ids")) + ")");
    }
  }

  line();
  line("**Follow-on actions:**");
  const Json& follow_ons = arr(report, "follow_ons");
  if (follow_ons.empty()) line("- none");
  for (const Json& item : follow_ons) {
    std::string text = "- " + md_code_span(str(item, "action", "(unnamed action)")) + ": " + md_text(str(item, "reason"));
    const auto targets = strings(item, "targets");
    if (!targets.empty()) text += " (" + escaped_list(targets) + ")";
    line(text);
  }
  line();
  line(fingerprint_marker(fingerprint));
  return out;
}

}  // namespace lh::skill::report
