// render_summary_text: the short plain text an MCP client shows beside structuredContent.
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

std::string render_summary_text(const nlohmann::json& report) {
  using detail::arr;
  using detail::obj;
  using detail::str;
  using detail::strings;
  std::string out;
  const auto line = [&](const std::string& text) { out += clean_line(text) + "\n"; };

  std::string title = "Lateral-movement hunt " + str(report, "hunt_id", "(no id)") + ": " + detail::status_word(report);
  const auto problems = detail::problems(report);
  if (str(report, "status") != "complete" && !problems.empty()) title += " (" + std::to_string(problems.size()) + " problems, listed below)";
  line(title);
  if (auto hypothesis = detail::opt_str(report, "hypothesis"); hypothesis && !hypothesis->empty()) {
    line("Hypothesis: " + trim_text(*hypothesis, 200));
  }

  std::size_t hunt_queries = 0, with_hits = 0, failed = 0;
  const auto& queries = arr(report, "queries");
  for (const auto& query : queries) {
    const std::string status = str(query, "status");
    if (status == "failed" || status == "cancelled") ++failed;
    if (str(query, "purpose") != "hunt") continue;
    ++hunt_queries;
    if (detail::opt_int(query, "hits").value_or(0) > 0) ++with_hits;
  }
  const auto& findings = arr(report, "findings");
  std::vector<std::string> by_severity;
  for (const char* severity : {"critical", "high", "medium", "low", "info"}) {
    std::size_t n = 0;
    for (const auto& finding : findings) n += str(finding, "severity") == severity ? 1 : 0;
    if (n != 0) by_severity.push_back(std::to_string(n) + " " + severity);
  }
  const auto plural = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::string counts = fmt::format("{} ({} with hits, {} without); {}; {} failed or cancelled; {}",
                                   plural(hunt_queries, "hunt query", "hunt queries"), with_hits,
                                   arr(report, "negative_results").size(),
                                   plural(queries.size() - hunt_queries, "correlation search", "correlation searches"),
                                   failed, plural(findings.size(), "finding", "findings"));
  if (!by_severity.empty()) counts += " (" + detail::join(by_severity, ", ") + ")";
  counts += "; " + plural(arr(report, "paths").size(), "path", "paths") + "; " +
            plural(static_cast<std::size_t>(std::max<std::int64_t>(0, detail::opt_int(report, "upstream_calls").value_or(0))),
                   "upstream call", "upstream calls");
  line(counts);

  if (!findings.empty()) line("Findings:");
  for (const auto& finding : findings) {
    std::string text = "  " + str(finding, "id", "?") + " " + str(finding, "severity", "?") + "/" +
                       str(finding, "confidence", "?") + " " + str(finding, "kind", "finding") + " " +
                       detail::technique_text(finding) + ": " + detail::endpoint_text(obj(finding, "source")) + " -> " +
                       detail::endpoint_text(obj(finding, "target"));
    if (auto account = detail::opt_str(finding, "account"); account && !account->empty()) text += " as " + *account;
    text += " at " + str(finding, "first_seen", "?");
    line(trim_text(text, 400));
  }
  const auto& paths = arr(report, "paths");
  if (!paths.empty()) line("Paths:");
  for (const auto& path : paths) {
    line("  " + detail::join(strings(path, "hosts"), " -> ") + " (" + detail::join(strings(path, "finding_ids"), ", ") + ")");
  }
  const auto& fan_out = arr(report, "fan_out");
  if (!fan_out.empty()) line("Fan-out:");
  for (const auto& item : fan_out) {
    line("  " + str(item, "source", "?") + " -> " + std::to_string(strings(item, "targets").size()) + " hosts: " +
         detail::join(strings(item, "targets"), ", "));
  }
  if (!problems.empty()) line("Problems:");
  for (const auto& problem : problems) line("  " + trim_text(problem, 300));
  const auto& documentation = obj(report, "documentation");
  if (auto status = detail::opt_str(documentation, "status")) {
    std::string text = "Documentation: " + *status;
    if (auto case_id = detail::opt_str(documentation, "case_id"); case_id && !case_id->empty()) text += " (case " + *case_id + ")";
    if (auto error = detail::opt_str(documentation, "error"); error && !error->empty()) text += ": " + *error;
    line(text);
  }
  return out;
}

}  // namespace lh::skill::report
