// render_markdown: the full hunt report for a SOC hunter and a case reviewer.
#include <algorithm>
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

// Table cells are trimmed so one long upstream answer cannot make a table unreadable; the report JSON
// keeps the full text.
constexpr std::size_t kResearchAnswerChars = 240;
constexpr std::size_t kEnrichmentSummaryChars = 240;
constexpr std::size_t kEvidenceSummaryChars = 400;
constexpr std::size_t kTimelineSummaryChars = 300;
constexpr std::string_view kNone = "none";
constexpr std::string_view kEmptyCell = "—";

// A table cell: escaped text, or a dash when there is nothing to say.
std::string cell(const std::string& text) { return text.empty() ? std::string(kEmptyCell) : md_text(text); }

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + c + " |";
  return out + "\n";
}

std::string table_head(const std::vector<std::string>& headings) {
  std::string out = row(headings) + "|";
  for (std::size_t i = 0; i < headings.size(); ++i) out += " --- |";
  return out + "\n";
}

std::string hits_text(const Json& query) {
  const auto hits = opt_int(query, "hits");
  if (!hits) return "?";
  return std::to_string(*hits) + (detail::flag(query, "more_data_available") ? "+" : "");
}

class MarkdownWriter {
 public:
  explicit MarkdownWriter(const Json& report) : report_(report) {}

  std::string render() {
    title();
    overview();
    section("Summary");
    paragraph_or_none(str(report_, "summary"));
    section("Hypothesis");
    paragraph_or_none(str(report_, "hypothesis"));
    scope();
    techniques();
    queries();
    negative_results();
    findings();
    movement_graph();
    paths();
    fan_out();
    timeline();
    enrichment();
    related_cases();
    follow_ons();
    documentation();
    steps();
    return std::move(out_);
  }

 private:
  void line(const std::string& text = "") { out_ += text + "\n"; }

  void section(const std::string& heading) {
    line();
    line("## " + heading);
    line();
  }

  void none() { line(std::string(kNone)); }

  void paragraph_or_none(const std::string& text) {
    const std::string escaped = md_paragraph(text);
    if (escaped.empty()) {
      none();
    } else {
      line(escaped);
    }
  }

  void title() {
    const std::string status = str(report_, "status");
    const std::string id = md_text(str(report_, "hunt_id", "(no id)"));
    if (status == "complete") {
      line("# Lateral-movement hunt " + id + ": complete");
      return;
    }
    const std::string word = detail::status_word(report_);
    line("# " + word + ": lateral-movement hunt " + id);
    line();
    if (status == "cancelled") {
      line("> **CANCELLED: the hunt was stopped before it finished. What is below is what ran; steps that "
           "did not run found nothing because they did not look.**");
    } else if (status == "incomplete") {
      line("> **INCOMPLETE: some steps or queries failed, so this report may miss activity. Do not read a "
           "missing finding as a negative result.**");
    } else {
      line("> **STATUS " + md_text(word) + ": this report does not say whether the hunt finished.**");
    }
    line(">");
    const auto problems = detail::problems(report_);
    if (problems.empty()) line("> - no failed step or query was recorded");
    for (const auto& problem : problems) line("> - " + md_text(problem));
  }

  void overview() {
    line();
    std::string times = "- Started " + cell(str(report_, "started_at")) + ", finished " + cell(str(report_, "finished_at"));
    if (const auto ms = opt_int(report_, "duration_ms")) times += " (" + detail::format_duration(*ms) + ")";
    line(times);
    if (const auto calls = opt_int(report_, "upstream_calls")) line("- Upstream calls: " + std::to_string(*calls));
    const std::string case_id = str(report_, "hunt_case_id");
    line("- Case: " + (case_id.empty() ? std::string(kNone) : md_code_span(case_id)));
    // Not in every report: the workflow's documentation key, shown so a reviewer can match case comments.
    if (const std::string fingerprint = str(report_, "hunt_fingerprint"); !fingerprint.empty()) {
      line("- Fingerprint: " + md_code_span(fingerprint));
    }
    line(fmt::format("- Findings: {}, paths: {}, queries: {}, negative results: {}", arr(report_, "findings").size(),
                     arr(report_, "paths").size(), arr(report_, "queries").size(),
                     arr(report_, "negative_results").size()));
  }

  void scope() {
    section("Scope");
    const Json& scope = obj(report_, "scope");
    const Json& frame = obj(scope, "time_frame");
    std::string frame_text;
    if (const auto hours = detail::opt_number(frame, "hours_back")) frame_text = fmt::format("last {:g} h", *hours);
    const std::string start = str(frame, "start_time");
    const std::string end = str(frame, "end_time");
    if (!start.empty() || !end.empty()) {
      const std::string range = md_text(start.empty() ? "…" : start) + " to " + md_text(end.empty() ? "now" : end);
      frame_text = frame_text.empty() ? range : frame_text + " (" + range + ")";
    }
    line("- Time frame: " + (frame_text.empty() ? std::string(kNone) : frame_text));
    const std::string scope_query = str(scope, "target_scope_query");
    line("- Scope query: " + (scope_query.empty() ? std::string("none (every host)") : md_code_span(scope_query)));
    const auto ids = strings(scope, "technique_ids");
    std::vector<std::string> escaped_ids;
    for (const auto& id : ids) escaped_ids.push_back(md_text(id));
    line("- Techniques: " + (ids.empty() ? std::string(kNone) : detail::join(escaped_ids, ", ")));
    std::vector<std::string> attack;
    for (const Json& technique : arr(report_, "techniques")) {
      for (const auto& id : strings(technique, "attack_ids")) {
        if (std::find(attack.begin(), attack.end(), id) == attack.end()) attack.push_back(id);
      }
    }
    std::vector<std::string> escaped_attack;
    for (const auto& id : attack) escaped_attack.push_back(md_text(id));
    line("- ATT&CK: " + (attack.empty() ? std::string(kNone) : detail::join(escaped_attack, ", ")));
    const auto admin = strings(scope, "admin_hosts");
    std::vector<std::string> escaped_admin;
    for (const auto& host : admin) escaped_admin.push_back(md_text(host));
    line("- Admin hosts: " + (admin.empty() ? std::string(kNone) : detail::join(escaped_admin, ", ")));
    const Json& upstreams = arr(report_, "upstreams");
    if (upstreams.empty()) {
      line("- Upstreams: none recorded");
      return;
    }
    line("- Upstreams:");
    for (const Json& upstream : upstreams) {
      std::string text = "  - " + md_text(str(upstream, "name", "(unnamed)"));
      std::vector<std::string> details;
      if (auto transport = opt_str(upstream, "transport")) details.push_back(md_text(*transport));
      const auto roles = strings(upstream, "roles");
      if (!roles.empty()) details.push_back("roles " + md_text(detail::join(roles, ", ")));
      if (auto info = opt_str(upstream, "server_info"); info && !info->empty()) details.push_back(md_text(*info));
      if (upstream.is_object() && upstream.contains("connected")) {
        details.push_back(detail::flag(upstream, "connected") ? "connected" : "**not connected**");
      }
      if (!details.empty()) text += " (" + detail::join(details, "; ") + ")";
      if (auto error = opt_str(upstream, "error"); error && !error->empty()) text += ": **error** " + md_text(*error);
      line(text);
    }
  }

  void techniques() {
    section("Techniques");
    const Json& techniques = arr(report_, "techniques");
    if (techniques.empty()) return none();
    out_ += table_head({"Technique", "Name", "ATT&CK", "Hits", "Findings", "Research"});
    for (const Json& technique : techniques) {
      const Json& research = obj(technique, "research");
      std::string research_text;
      if (!research.empty()) {
        research_text = md_text(str(research, "status", "unknown"));
        if (auto source = opt_str(research, "source"); source && !source->empty()) research_text += " (" + md_text(*source) + ")";
        if (auto answer = opt_str(research, "answer"); answer && !answer->empty()) {
          research_text += ": " + md_text(trim_text(*answer, kResearchAnswerChars));
        }
        if (auto error = opt_str(research, "error"); error && !error->empty()) research_text += ": error " + md_text(*error);
      }
      const auto hits = opt_int(technique, "hits");
      const auto findings = opt_int(technique, "findings");
      out_ += row({cell(str(technique, "id")), cell(str(technique, "name")),
                   cell(detail::join(strings(technique, "attack_ids"), ", ")),
                   hits ? std::to_string(*hits) : std::string(kEmptyCell),
                   findings ? std::to_string(*findings) : std::string(kEmptyCell),
                   research_text.empty() ? std::string("not researched") : research_text});
    }
  }

  void queries() {
    section("Queries");
    const Json& queries = arr(report_, "queries");
    if (queries.empty()) return none();
    std::size_t with_hits = 0, failed = 0;
    for (const Json& query : queries) {
      if (opt_int(query, "hits").value_or(0) > 0) ++with_hits;
      const std::string status = str(query, "status");
      if (status == "failed" || status == "cancelled") ++failed;
    }
    line(fmt::format("{} queries: {} with hits, {} failed or cancelled. Hits ending in + hit the result limit.",
                     queries.size(), with_hits, failed));
    line();
    out_ += table_head({"Query", "Purpose", "Technique", "Side", "Title", "Hits", "Status"});
    for (const Json& query : queries) {
      const std::string status = str(query, "status", "unknown");
      std::string status_text = (status == "ok") ? "ok" : "**" + md_text(status) + "**";
      if (auto error = opt_str(query, "error"); error && !error->empty()) status_text += ": " + md_text(*error);
      if (const auto ms = opt_int(query, "duration_ms")) status_text += " (" + detail::format_duration(*ms) + ")";
      out_ += row({cell(str(query, "id")), cell(str(query, "purpose")), cell(str(query, "technique_id")),
                   cell(str(query, "side")), cell(str(query, "title")), hits_text(query), status_text});
    }
    line();
    line("<details><summary>UDM of every query</summary>");
    line();
    for (const Json& query : queries) {
      line("**" + md_text(str(query, "id", "(no id)")) + "** " + md_text(str(query, "title")) + " (" +
           hits_text(query) + " hits)");
      line();
      out_ += md_code_block(str(query, "udm"), "udm");
      line();
    }
    line("</details>");
  }

  void negative_results() {
    section("Negative results");
    const Json& negatives = arr(report_, "negative_results");
    if (negatives.empty()) return none();
    line("These hunt queries ran successfully and matched nothing in the time frame:");
    line();
    for (const Json& negative : negatives) {
      std::string text = "- no hits: " + md_text(str(negative, "title", "(untitled)")) + " (" +
                         md_text(str(negative, "query_id", "no id"));
      if (auto technique = opt_str(negative, "technique_id"); technique && !technique->empty()) {
        text += ", " + md_text(*technique);
      }
      text += "): " + md_code_span(str(negative, "udm"));
      line(text);
    }
  }

  void findings() {
    section("Findings");
    const Json& findings = arr(report_, "findings");
    if (findings.empty()) return none();
    out_ += table_head({"ID", "Severity", "Confidence", "Kind", "Technique", "Source → Target", "Account", "First seen"});
    for (const Json& finding : findings) {
      const std::string movement = md_text(detail::endpoint_text(obj(finding, "source"))) + " → " +
                                   md_text(detail::endpoint_text(obj(finding, "target")));
      const std::string severity = str(finding, "severity");
      const bool severe = detail::severity_rank(severity) >= detail::severity_rank("high");
      out_ += row({cell(str(finding, "id")), severe ? "**" + md_text(severity) + "**" : cell(severity),
                   cell(str(finding, "confidence")), cell(str(finding, "kind")), md_text(detail::technique_text(finding)),
                   movement, cell(str(finding, "account")), cell(str(finding, "first_seen"))});
    }
    for (const Json& finding : findings) finding_details(finding);
  }

  void finding_details(const Json& finding) {
    line();
    line("### " + md_text(str(finding, "id", "(no id)")) + ": " + md_text(str(finding, "severity", "unknown")) + " " +
         md_text(str(finding, "kind", "finding")) + ", " + md_text(detail::endpoint_text(obj(finding, "source"))) +
         " → " + md_text(detail::endpoint_text(obj(finding, "target"))));
    line();
    line("- Technique: " + md_text(detail::technique_text(finding)));
    line("- Severity " + cell(str(finding, "severity")) + ", confidence " + cell(str(finding, "confidence")));
    for (const char* side : {"source", "target"}) {
      const Json& endpoint = obj(finding, side);
      std::string text = std::string("- ") + (side[0] == 's' ? "Source" : "Target") + ": " +
                         md_text(detail::endpoint_text(endpoint));
      if (auto how = opt_str(endpoint, "resolved_by"); how && !how->empty()) text += ", resolved by " + md_text(*how);
      if (side[0] == 's') {
        if (auto source_class = opt_str(finding, "source_class")) text += ", class " + md_text(*source_class);
      }
      line(text);
    }
    std::string account = "- Account: " + cell(str(finding, "account"));
    std::vector<std::string> session;
    if (auto logon_id = opt_str(finding, "logon_id"); logon_id && !logon_id->empty()) session.push_back("logon id " + md_text(*logon_id));
    if (auto type = opt_int(finding, "logon_type")) session.push_back("logon type " + std::to_string(*type));
    if (auto package = opt_str(finding, "auth_package"); package && !package->empty()) session.push_back(md_text(*package));
    if (!session.empty()) account += " (" + detail::join(session, ", ") + ")";
    line(account);
    line("- Seen: " + cell(str(finding, "first_seen")) + " to " + cell(str(finding, "last_seen")));
    const auto query_ids = strings(finding, "query_ids");
    if (!query_ids.empty()) {
      std::vector<std::string> escaped;
      for (const auto& id : query_ids) escaped.push_back(md_text(id));
      line("- Queries: " + detail::join(escaped, ", "));
    }

    line();
    line("**Reasons**");
    line();
    const auto reasons = strings(finding, "reasons");
    if (reasons.empty()) none();
    for (const auto& reason : reasons) line("- " + md_text(reason));

    line();
    line("**Commands**");
    line();
    const Json& commands = arr(finding, "commands");
    if (commands.empty()) none();
    for (const Json& command : commands) {
      std::string text = "- score " + (opt_int(command, "score") ? std::to_string(*opt_int(command, "score")) : std::string("?")) + "/100";
      if (auto at = opt_str(command, "timestamp"); at && !at->empty()) text += " at " + md_text(*at);
      const auto patterns = strings(command, "patterns");
      if (!patterns.empty()) text += "; patterns: " + md_text(detail::join(patterns, ", "));
      const auto attack = strings(command, "attack_ids");
      if (!attack.empty()) text += "; ATT&CK: " + md_text(detail::join(attack, ", "));
      line(text);
      line();
      out_ += md_code_block(str(command, "command_line"), "text");
      if (auto decoded = opt_str(command, "decoded"); decoded && !decoded->empty()) {
        line();
        line("Decoded PowerShell:");
        line();
        out_ += md_code_block(*decoded, "powershell");
      }
      line();
    }

    line();
    line("**Evidence**");
    line();
    const Json& evidence = arr(finding, "evidence");
    if (evidence.empty()) return none();
    out_ += table_head({"Time", "Host", "Event ID", "Type", "Role", "Summary", "Query"});
    for (const Json& item : evidence) {
      out_ += row({cell(str(item, "timestamp")), cell(str(item, "host")), cell(str(item, "product_event_type")),
                   cell(str(item, "event_type")), cell(str(item, "role")),
                   cell(trim_text(str(item, "summary"), kEvidenceSummaryChars)),
                   cell(str(item, "query_id"))});
    }
  }

  void movement_graph() {
    section("Movement graph");
    const Json& graph = obj(report_, "movement_graph");
    if (arr(graph, "nodes").empty() && arr(graph, "edges").empty()) return none();
    line("```mermaid");
    out_ += render_mermaid(graph);
    line("```");
  }

  void paths() {
    section("Paths");
    const Json& paths = arr(report_, "paths");
    if (paths.empty()) return none();
    for (const Json& path : paths) {
      std::vector<std::string> hosts;
      for (const auto& host : strings(path, "hosts")) hosts.push_back(md_text(host));
      std::string text = "- " + (hosts.empty() ? std::string("(no hosts)") : detail::join(hosts, " → "));
      std::vector<std::string> details;
      const auto finding_ids = strings(path, "finding_ids");
      if (!finding_ids.empty()) details.push_back("findings " + md_text(detail::join(finding_ids, ", ")));
      const auto techniques = strings(path, "technique_ids");
      if (!techniques.empty()) details.push_back(md_text(detail::join(techniques, ", ")));
      details.push_back(cell(str(path, "first_seen")) + " to " + cell(str(path, "last_seen")));
      line(text + " (" + detail::join(details, "; ") + ")");
    }
  }

  void fan_out() {
    section("Fan-out");
    const Json& fan_out = arr(report_, "fan_out");
    if (fan_out.empty()) return none();
    for (const Json& item : fan_out) {
      const auto targets = strings(item, "targets");
      std::vector<std::string> escaped;
      for (const auto& target : targets) escaped.push_back(md_text(target));
      std::string text = "- " + md_text(str(item, "source", "unknown")) + " reached " + std::to_string(targets.size()) +
                         (targets.size() == 1 ? " host" : " hosts");
      if (const auto minutes = detail::opt_number(item, "window_minutes")) text += fmt::format(" within {:g} min", *minutes);
      text += ": " + (escaped.empty() ? std::string(kNone) : detail::join(escaped, ", "));
      std::vector<std::string> details;
      if (auto severity = opt_str(item, "severity")) details.push_back("severity " + md_text(*severity));
      const auto finding_ids = strings(item, "finding_ids");
      if (!finding_ids.empty()) details.push_back("findings " + md_text(detail::join(finding_ids, ", ")));
      details.push_back(cell(str(item, "first_seen")) + " to " + cell(str(item, "last_seen")));
      line(text + " (" + detail::join(details, "; ") + ")");
    }
  }

  void timeline() {
    section("Timeline");
    const Json& timeline = arr(report_, "timeline");
    if (timeline.empty()) return none();
    out_ += table_head({"Time", "Host", "Finding", "Event"});
    for (const Json& item : timeline) {
      out_ += row({cell(str(item, "timestamp")), cell(str(item, "host")), cell(str(item, "finding_id")),
                   cell(trim_text(str(item, "summary"), kTimelineSummaryChars))});
    }
  }

  void enrichment() {
    section("Enrichment");
    const Json& enrichment = obj(report_, "enrichment");
    if (auto status = opt_str(enrichment, "status")) {
      line("Status: " + md_text(*status));
      line();
    }
    const Json& entities = arr(enrichment, "entities");
    if (entities.empty()) return none();
    out_ += table_head({"Entity", "Type", "Status", "Source", "Summary", "IoC match"});
    for (const Json& entity : entities) {
      std::string summary = trim_text(str(entity, "summary"), kEnrichmentSummaryChars);
      if (auto error = opt_str(entity, "error"); error && !error->empty()) {
        summary += (summary.empty() ? "error: " : "; error: ") + *error;
      }
      out_ += row({cell(str(entity, "value")), cell(str(entity, "type")), cell(str(entity, "status")),
                   cell(str(entity, "source")), cell(summary), cell(str(entity, "ioc_match"))});
    }
  }

  void related_cases() {
    section("Related cases");
    const Json& cases = arr(report_, "related_cases");
    if (cases.empty()) return none();
    out_ += table_head({"Case", "Title", "Status", "Priority", "Matched entities"});
    for (const Json& item : cases) {
      out_ += row({cell(str(item, "case_id")), cell(str(item, "title")), cell(str(item, "status")),
                   cell(str(item, "priority")), cell(detail::join(strings(item, "matched_entities"), ", "))});
    }
  }

  void follow_ons() {
    section("Follow-on actions");
    const Json& follow_ons = arr(report_, "follow_ons");
    if (follow_ons.empty()) return none();
    for (const Json& item : follow_ons) {
      std::string text = "- " + md_code_span(str(item, "action", "(unnamed action)")) + ": " +
                         md_text(str(item, "reason", "no reason given"));
      const auto targets = strings(item, "targets");
      if (!targets.empty()) text += " (targets: " + md_text(detail::join(targets, ", ")) + ")";
      line(text);
    }
  }

  void documentation() {
    section("Documentation");
    const Json& documentation = obj(report_, "documentation");
    if (documentation.empty()) return none();
    const std::string status = str(documentation, "status", "unknown");
    const std::string case_id = str(documentation, "case_id");
    const std::string on_case = case_id.empty() ? std::string() : " on case " + md_code_span(case_id);
    std::string text;
    if (status == "posted") {
      text = "posted" + on_case;
    } else if (status == "already_posted") {
      text = "already posted" + on_case + " by an earlier run; not posted again";
    } else if (status == "not_requested") {
      text = "not requested";
    } else {
      text = "**" + md_text(status) + "**" + on_case;
    }
    if (auto error = opt_str(documentation, "error"); error && !error->empty()) text += ": " + md_text(*error);
    line(text);
  }

  void steps() {
    section("Steps");
    const Json& steps = arr(report_, "steps");
    if (steps.empty()) return none();
    out_ += table_head({"Step", "Status", "Calls", "Duration", "Error"});
    for (const Json& step : steps) {
      const std::string status = str(step, "status", "unknown");
      const bool bad = status != "ok" && status != "skipped";
      const auto calls = opt_int(step, "calls");
      const auto ms = opt_int(step, "duration_ms");
      out_ += row({cell(str(step, "name")), bad ? "**" + md_text(status) + "**" : md_text(status),
                   calls ? std::to_string(*calls) : std::string(kEmptyCell),
                   ms ? detail::format_duration(*ms) : std::string(kEmptyCell), cell(str(step, "error"))});
    }
  }

  const Json& report_;
  std::string out_;
};

}  // namespace

std::string render_markdown(const nlohmann::json& report) { return MarkdownWriter(report).render(); }

}  // namespace lh::skill::report
