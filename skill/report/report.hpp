// The hunt report as a hunter reads it (Markdown) and as it is kept (SQLite, served as hunt://reports/{id}).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lh::skill::report {

// Markdown from a hunt report (schemas/tools/hunt_report.json): title and status, hypothesis, scope,
// techniques and their research, every query with its result count, negative results, the findings
// table and each finding's reasons and evidence, a Mermaid graph of host-to-host movement, paths,
// fan-out, timeline, enrichment, related cases, follow-ons, steps (failed ones named). Every value
// from the logs is escaped for Markdown tables and Mermaid labels, so event text cannot break the layout.
std::string render_markdown(const nlohmann::json& report);

// A Mermaid flowchart (the ```mermaid block's body) of movement_graph: one node per host, one edge per
// source/target pair labelled with technique and first-seen time (HH:MM:SS UTC, preceded by MM-DD when
// the edges span more than one day); admin hosts styled apart, high and critical edges drawn red.
std::string render_mermaid(const nlohmann::json& movement_graph);

// The comment posted on a SOAR case: compact Markdown (status and failures, hypothesis, time frame and
// scope, techniques hunted, hunt queries with hits and their UDM, counts of the rest, negative results,
// one line per finding plus reasons, up to three suspicious commands and the enrichment of medium and
// worse ones, enriched entities, paths, follow-ons), ending with the line "hunt-fingerprint: <fingerprint>"
// so that a later run can see the hunt was already posted.
// The fingerprint is written as given, minus any line breaks; keep it to [A-Za-z0-9._:-].
std::string render_case_comment(const nlohmann::json& report, const std::string& fingerprint);

// The marker line render_case_comment ends with ("hunt-fingerprint: <fingerprint>"), to search comments for.
std::string fingerprint_marker(const std::string& fingerprint);

// The plain-text block a tool returns beside structuredContent: status, counts, one line per finding,
// paths, fan-out, failed steps. No Markdown; values are kept to one line each.
std::string render_summary_text(const nlohmann::json& report);

}  // namespace lh::skill::report
