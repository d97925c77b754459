#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sample_reports.hpp"
#include "skill/report/report.hpp"
#include "text_lines.hpp"

using lh::skill::report::render_markdown;
using namespace lh::skill::report::test;
using nlohmann::json;

TEST_CASE("the hand-built reports are valid against hunt_report.json") {
  CHECK(schema_violations(full_report()) == std::vector<std::string>{});
  CHECK(schema_violations(minimal_report()) == std::vector<std::string>{});
  CHECK(schema_violations(incomplete_report()) == std::vector<std::string>{});
  CHECK(schema_violations(hostile_report()) == std::vector<std::string>{});
  // The validator does catch a broken report, so the checks above mean something.
  json broken = full_report();
  broken["findings"][0].erase("reasons");
  CHECK_FALSE(schema_violations(broken).empty());
}

TEST_CASE("a complete report: title, overview, summary, hypothesis, scope") {
  const std::string md = render_markdown(full_report());
  const auto lines = lines_of(md);
  REQUIRE_FALSE(lines.empty());
  CHECK(lines[0] == "# Lateral-movement hunt hunt-20240305-1: complete");
  CHECK(md.find("INCOMPLETE") == std::string::npos);
  CHECK(has_line(md, "- Started 2024-03-05T12:00:00.000Z, finished 2024-03-05T12:00:04.250Z (4.2 s)"));
  CHECK(has_line(md, "- Upstream calls: 11"));
  CHECK(has_line(md, "- Case: `CASE-17`"));
  CHECK(has_line(md, "- Findings: 3, paths: 1, queries: 3, negative results: 1"));
  CHECK(md.find("- Fingerprint:") == std::string::npos);
  json with_fingerprint = full_report();
  with_fingerprint["hunt_fingerprint"] = "0123456789abcdef";
  CHECK(has_line(render_markdown(with_fingerprint), "- Fingerprint: `0123456789abcdef`"));
  CHECK(section(md, "## Summary") ==
        std::vector<std::string>{"2 techniques hunted over 72 h: 3 findings, one path ADMIN-JUMP01 → WKS07 → FILESRV01."});
  CHECK(section(md, "## Hypothesis") ==
        std::vector<std::string>{"An intruder on WKS07 moves to the file server with PsExec"});
  CHECK(section(md, "## Scope") ==
        std::vector<std::string>{
            "- Time frame: last 72 h (2024-03-02T12:00:00.000Z to 2024-03-05T12:00:00.000Z)",
            "- Scope query: `principal.hostname = \"FILESRV01\" OR target.hostname = \"FILESRV01\"`",
            "- Techniques: psexec, wmi",
            "- ATT&CK: T1021.002, T1569.002, T1047",
            "- Admin hosts: ADMIN-JUMP01",
            "- Upstreams:",
            "  - secops-local (stdio; roles siem, cases; secops-local 0.1.0; connected)",
        });
}

TEST_CASE("techniques, queries and negative results") {
  const std::string md = render_markdown(full_report());
  CHECK(section(md, "## Techniques") ==
        std::vector<std::string>{
            "| Technique | Name | ATT&CK | Hits | Findings | Research |",
            "| --- | --- | --- | --- | --- | --- |",
            "| psexec | PsExec service execution | T1021.002, T1569.002 | 3 | 2 | ok (secops-local/get\\_threat\\_intel): "
            "Adversaries may use Valid Accounts to interact with a remote network share using SMB. |",
            "| wmi | WMI remote process | T1047 | 0 | 0 | failed: error get\\_threat\\_intel: no intel server configured |",
        });
  const auto queries = section(md, "## Queries");
  REQUIRE(queries.size() >= 6);
  CHECK(queries[0] == "3 queries: 2 with hits, 0 failed or cancelled. Hits ending in + hit the result limit.");
  CHECK(queries[1] == "| Query | Purpose | Technique | Side | Title | Hits | Status |");
  CHECK(queries[3] == "| q1 | hunt | psexec | target | PSEXESVC service installed | 3 | ok (120 ms) |");
  CHECK(queries[4] == "| q2 | hunt | wmi | target | WmiPrvSE spawning a shell | 0 | ok (95 ms) |");
  CHECK(queries[5] == "| ctx1.logons.FILESRV01.0x5ea84f0f | correlation | — | — | Network logons on FILESRV01 | 1000+ | ok |");
  // The UDM of every query, verbatim in a fenced block inside the details element.
  CHECK(has_line(md, "<details><summary>UDM of every query</summary>"));
  CHECK(has_line(md, "**q1** PSEXESVC service installed (3 hits)"));
  CHECK(md.find("```udm\nmetadata.product_event_type = \"7045\" AND target.process.file.full_path = /psexesvc/ nocase\n```\n") !=
        std::string::npos);
  CHECK(has_line(md, "</details>"));
  CHECK(section(md, "## Negative results") ==
        std::vector<std::string>{
            "These hunt queries ran successfully and matched nothing in the time frame:",
            "- no hits: WmiPrvSE spawning a shell (q2, wmi): `metadata.event_type = \"PROCESS_LAUNCH\" AND "
            "principal.process.file.full_path = /wmiprvse\\.exe$/ nocase`",
        });
}

TEST_CASE("findings table and each finding's details") {
  const std::string md = render_markdown(full_report());
  const auto findings = section(md, "## Findings");
  REQUIRE(findings.size() > 5);
  CHECK(findings[0] == "| ID | Severity | Confidence | Kind | Technique | Source → Target | Account | First seen |");
  CHECK(findings[2] ==
        "| F1 | low | high | lateral\\_movement | PsExec service execution \\[psexec\\] (T1021.002, T1569.002) | "
        "ADMIN-JUMP01 (10.0.0.5) → WKS07 (10.0.1.7) | ACME\\\\svc\\_deploy | 2024-03-05T09:10:00.000Z |");
  CHECK(findings[3] ==
        "| F2 | **high** | high | lateral\\_movement | PsExec service execution \\[psexec\\] (T1021.002, T1569.002) | "
        "WKS07 (10.0.1.7) → FILESRV01 (10.0.2.10) | ACME\\\\bob | 2024-03-05T10:58:14.708Z |");
  CHECK(findings[4] ==
        "| F3 | info | medium | local\\_execution | psexec (T1569.002) | FILESRV01 → FILESRV01 | — | "
        "2024-03-05T11:30:00.000Z |");

  CHECK(has_line(md, "### F2: high lateral\\_movement, WKS07 (10.0.1.7) → FILESRV01 (10.0.2.10)"));
  CHECK(has_line(md, "- Source: WKS07 (10.0.1.7), resolved by reporting\\_host, class unexpected"));
  CHECK(has_line(md, "- Target: FILESRV01 (10.0.2.10)"));
  CHECK(has_line(md, "- Account: ACME\\\\bob (logon id 0x5ea84f0f, logon type 3, NTLM)"));
  CHECK(has_line(md, "- Seen: 2024-03-05T10:58:14.708Z to 2024-03-05T10:59:01.000Z"));
  CHECK(has_line(md, "- WKS07 is a workstation, not an admin host"));
  CHECK(has_line(md, "- score 85/100 at 2024-03-05T10:58:20.000Z; patterns: encoded\\_command; ATT&CK: T1059.001"));
  CHECK(md.find("```text\npowershell.exe -enc SQBFAFgA\n```\n\nDecoded PowerShell:\n\n```powershell\nIEX (New-Object "
                "Net.WebClient)\n```\n") != std::string::npos);
  CHECK(has_line(md, "| Time | Host | Event ID | Type | Role | Summary | Query |"));
  CHECK(has_line(md, "| 2024-03-05T10:58:14.708Z | FILESRV01 | 4624 | USER\\_LOGIN | logon | Network logon of "
                     "ACME\\\\bob from 10.0.1.7 | ctx1.logons.FILESRV01.0x5ea84f0f |"));
  // F1 ran no command.
  const auto f1_start = md.find("### F1:");
  const auto f2_start = md.find("### F2:");
  REQUIRE(f1_start != std::string::npos);
  REQUIRE(f2_start != std::string::npos);
  CHECK(md.substr(f1_start, f2_start - f1_start).find("**Commands**\n\nnone\n") != std::string::npos);
}

TEST_CASE("graph, paths, fan-out, timeline, enrichment, cases, follow-ons, documentation, steps") {
  const std::string md = render_markdown(full_report());
  const auto graph = section(md, "## Movement graph");
  REQUIRE(graph.size() >= 3);
  CHECK(graph.front() == "```mermaid");
  CHECK(graph[1] == "flowchart LR");
  CHECK(graph.back() == "```");
  CHECK(section(md, "## Paths") ==
        std::vector<std::string>{"- ADMIN-JUMP01 → WKS07 → FILESRV01 (findings F1, F2; psexec; 2024-03-05T09:10:00.000Z "
                                 "to 2024-03-05T10:59:01.000Z)"});
  CHECK(section(md, "## Fan-out") ==
        std::vector<std::string>{"- WKS07 reached 3 hosts within 30 min: FILESRV01, DC01, SQL02 (severity high; findings "
                                 "F2; 2024-03-05T10:58:14.708Z to 2024-03-05T11:20:00.000Z)"});
  CHECK(section(md, "## Timeline") ==
        std::vector<std::string>{
            "| Time | Host | Finding | Event |",
            "| --- | --- | --- | --- |",
            "| 2024-03-05T09:10:00.000Z | WKS07 | F1 | Service PSEXESVC installed |",
            "| 2024-03-05T10:58:14.708Z | FILESRV01 | F2 | Network logon of ACME\\\\bob |",
        });
  CHECK(section(md, "## Enrichment") ==
        std::vector<std::string>{
            "Status: ok",
            "| Entity | Type | Status | Source | Summary | IoC match |",
            "| --- | --- | --- | --- | --- | --- |",
            "| WKS07 | host | found | secops-local/lookup\\_entity | first seen 2023-01-01, 12 alerts | — |",
            "| bob | user | found | secops-local/lookup\\_entity | Bob, finance | — |",
            "| 10.0.1.7 | ip | not\\_found | secops-local/lookup\\_entity | — | known C2 relay |",
        });
  CHECK(section(md, "## Related cases") ==
        std::vector<std::string>{
            "| Case | Title | Status | Priority | Matched entities |",
            "| --- | --- | --- | --- | --- |",
            "| CASE-9 | Phishing on WKS07 | OPENED | PRIORITY\\_HIGH | WKS07 |",
        });
  CHECK(section(md, "## Follow-on actions") ==
        std::vector<std::string>{
            "- `case_event_timeline_and_process_analysis`: PowerShell ran on FILESRV01 (targets: FILESRV01)",
            "- `compromised_user_account_response`: ACME\\\\bob carried the movement (targets: ACME\\\\bob)",
        });
  CHECK(section(md, "## Documentation") == std::vector<std::string>{"posted on case `CASE-17`"});
  const auto steps = section(md, "## Steps");
  REQUIRE(steps.size() == 9);
  CHECK(steps[0] == "| Step | Status | Calls | Duration | Error |");
  CHECK(steps[2] == "| validate | ok | — | 1 ms | — |");
  CHECK(steps[3] == "| research | **partial** | 3 | 300 ms | wmi: no intel server configured |");
}

TEST_CASE("long upstream text is trimmed in table cells, kept whole in the JSON") {
  json report = full_report();
  report["enrichment"]["entities"][0]["summary"] = std::string(1000, 'e');
  report["findings"][1]["evidence"][0]["summary"] = std::string(1000, 'v');
  report["timeline"][0]["summary"] = std::string(1000, 't');
  const std::string md = render_markdown(report);
  CHECK(has_line(md, "| WKS07 | host | found | secops-local/lookup\\_entity | " + std::string(240, 'e') + "\xE2\x80\xA6 | — |"));
  CHECK(md.find(std::string(400, 'v') + "\xE2\x80\xA6 |") != std::string::npos);
  CHECK(md.find(std::string(401, 'v')) == std::string::npos);
  CHECK(has_line(md, "| 2024-03-05T09:10:00.000Z | WKS07 | F1 | " + std::string(300, 't') + "\xE2\x80\xA6 |"));
}

TEST_CASE("sections come in the documented order") {
  const std::string md = render_markdown(full_report());
  const std::vector<std::string> order{"## Summary", "## Hypothesis", "## Scope", "## Techniques", "## Queries",
                                       "## Negative results", "## Findings", "## Movement graph", "## Paths",
                                       "## Fan-out", "## Timeline", "## Enrichment", "## Related cases",
                                       "## Follow-on actions", "## Documentation", "## Steps"};
  std::size_t previous = 0;
  for (const auto& heading : order) {
    const auto at = md.find("\n" + heading + "\n");
    INFO(heading);
    REQUIRE(at != std::string::npos);
    CHECK(at > previous);
    previous = at;
  }
}

TEST_CASE("an incomplete report says so at the top, with the failed step and query") {
  const std::string md = render_markdown(incomplete_report());
  const auto lines = lines_of(md);
  REQUIRE(lines.size() > 6);
  CHECK(lines[0] == "# INCOMPLETE: lateral-movement hunt hunt-20240305-1");
  CHECK(lines[2] == "> **INCOMPLETE: some steps or queries failed, so this report may miss activity. Do not read a "
                    "missing finding as a negative result.**");
  CHECK(lines[3] == ">");
  CHECK(lines[4] == "> - step research partial: wmi: no intel server configured");
  CHECK(lines[5] == "> - step enrichment failed: lookup\\_entity: upstream secops-local closed its stdout");
  CHECK(lines[6] == "> - query q2 (WmiPrvSE spawning a shell) failed: secops-local: search\\_udm timed out after 30 s");
  CHECK(has_line(md, "| enrichment | **failed** | 3 | 200 ms | lookup\\_entity: upstream secops-local closed its stdout |"));
  CHECK(has_line(md, "| q2 | hunt | wmi | target | WmiPrvSE spawning a shell | 0 | **failed**: secops-local: "
                     "search\\_udm timed out after 30 s (95 ms) |"));
  CHECK(section(md, "## Enrichment") == std::vector<std::string>{"Status: failed", "none"});
}

TEST_CASE("a cancelled report says so at the top") {
  json report = minimal_report();
  report["status"] = "cancelled";
  report["steps"] = json::array({{{"name", "validate"}, {"status", "ok"}},
                                 {{"name", "hunt_queries"}, {"status", "cancelled"}, {"error", "cancelled by the client"}},
                                 {{"name", "correlation"}, {"status", "skipped"}}});
  REQUIRE(schema_violations(report) == std::vector<std::string>{});
  const auto lines = lines_of(render_markdown(report));
  REQUIRE(lines.size() > 4);
  CHECK(lines[0] == "# CANCELLED: lateral-movement hunt hunt-min");
  CHECK(lines[2].rfind("> **CANCELLED: the hunt was stopped before it finished.", 0) == 0);
  CHECK(lines[4] == "> - step hunt\\_queries cancelled: cancelled by the client");
}

TEST_CASE("a minimal report renders every section as none") {
  const std::string md = render_markdown(minimal_report());
  CHECK(lines_of(md)[0] == "# Lateral-movement hunt hunt-min: complete");
  for (const char* heading : {"## Summary", "## Hypothesis", "## Techniques", "## Queries", "## Negative results",
                              "## Findings", "## Movement graph", "## Paths", "## Fan-out", "## Timeline",
                              "## Enrichment", "## Related cases", "## Follow-on actions", "## Documentation",
                              "## Steps"}) {
    INFO(heading);
    CHECK(section(md, heading) == std::vector<std::string>{"none"});
  }
  CHECK(section(md, "## Scope") == std::vector<std::string>{"- Time frame: none", "- Scope query: none (every host)",
                                                              "- Techniques: none", "- ATT&CK: none",
                                                              "- Admin hosts: none", "- Upstreams: none recorded"});
}

TEST_CASE("reports with missing keys or wrong types still render") {
  CHECK_NOTHROW(render_markdown(json::object()));
  CHECK_NOTHROW(render_markdown(json::array()));
  CHECK_NOTHROW(render_markdown(json(nullptr)));
  CHECK_NOTHROW(render_markdown(json("text")));
  json odd = full_report();
  odd["findings"].push_back(42);
  odd["findings"].push_back({{"id", "F9"}, {"source", "not an object"}, {"evidence", {1, "x", nullptr}}});
  odd["findings"][0]["reasons"] = "a string, not a list";
  odd["queries"][0]["hits"] = "many";
  odd["movement_graph"]["edges"].push_back({{"from", "X"}});
  odd["movement_graph"]["nodes"].push_back(json::array());
  odd["scope"] = nullptr;
  odd["steps"][0] = "validate";
  std::string md;
  CHECK_NOTHROW(md = render_markdown(odd));
  CHECK(md.find("## Steps") != std::string::npos);
  CHECK(has_line(md, "### F9: unknown finding, unknown → unknown"));
  CHECK(lines_of(render_markdown(json::object()))[0] == "# UNKNOWN: lateral-movement hunt (no id)");
}

TEST_CASE("log-derived values cannot break the layout or inject Markdown or HTML") {
  const std::string md = render_markdown(hostile_report());
  // Outside fenced code blocks (where text is shown literally) no tag survives.
  const std::string prose = outside_code_blocks(md);
  CHECK(prose.find("<script>") == std::string::npos);
  CHECK(prose.find("<img") == std::string::npos);
  CHECK(prose.find("<b>") == std::string::npos);
  CHECK(prose.find("&lt;script&gt;") != std::string::npos);
  CHECK(prose.find("# injected heading") == std::string::npos);
  // Every table row has as many cell separators as its header.
  std::size_t header_pipes = 0;
  bool in_table = false;
  for (const auto& line : lines_of(md)) {
    const bool row = !line.empty() && line.front() == '|';
    if (row && !in_table) header_pipes = unescaped_pipes(line);
    if (row) {
      INFO(line);
      CHECK(unescaped_pipes(line) == header_pipes);
    }
    in_table = row;
  }
  // A heading or list marker at the start of a value stays text.
  CHECK(section(md, "## Hypothesis") ==
        std::vector<std::string>{"\\# not a heading &lt;script&gt;alert(1)&lt;/script&gt;"});
  CHECK(section(md, "## Summary") == std::vector<std::string>{"\\- not a list # nor a heading \\| nor a cell"});
  // Newlines in an evidence summary stay inside its cell.
  CHECK(has_line(md, "| 2024-03-05T10:58:14.708Z | FILESRV01 | 4624 | USER\\_LOGIN | logon | line one line two \\| "
                     "cell &lt;img src=x onerror=alert(1)&gt; \\`tick\\` \\[link\\](http://x) | "
                     "ctx1.logons.FILESRV01.0x5ea84f0f |"));
  // A command with a fence of its own gets a longer fence, so the injected heading stays code.
  CHECK(md.find("````text\ncmd /c echo a|b\n```\n# injected heading\n<script>x</script>\n````\n") != std::string::npos);
  CHECK(md.find("`````powershell\n````\nWrite-Host '| x |'\n`````\n") != std::string::npos);
  CHECK(has_line(md, "- Account: ACME\\\\eve\\|\\`rm\\`&lt;b&gt; (logon id 0x5ea84f0f, logon type 3, NTLM)"));
  CHECK(has_line(md, "- ADMIN-JUMP01 → A\"\\]\\;B--&gt;C\\[x → FILESRV01 (findings F1, F2; psexec; "
                     "2024-03-05T09:10:00.000Z to 2024-03-05T10:59:01.000Z)") == false);
  CHECK(has_line(md, "- ADMIN-JUMP01 → A\"\\];B--&gt;C\\[x → FILESRV01 (findings F1, F2; psexec; "
                     "2024-03-05T09:10:00.000Z to 2024-03-05T10:59:01.000Z)"));
  // The Mermaid block holds no raw quote, bracket or semicolon from the host name.
  const auto graph = section(md, "## Movement graph");
  for (const auto& line : graph) CHECK(line.find("B-->C") == std::string::npos);
}

TEST_CASE("invalid UTF-8 and control characters are cleaned") {
  json report = minimal_report();
  report["summary"] = std::string("bad \xC3\x28 byte\x1b[31m red \xE2\x80\xAE rtl");
  const std::string md = render_markdown(report);
  CHECK(section(md, "## Summary") == std::vector<std::string>{"bad \xEF\xBF\xBD( byte \\[31m red   rtl"});
}

namespace {

void collect_pointers(const json& value, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  out.push_back(at);
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) collect_pointers(item, at / key, out);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) collect_pointers(value[i], at / i, out);
  }
}

}  // namespace

TEST_CASE("every value of a report replaced by another type, or removed, still renders everywhere") {
  const json original = full_report();
  std::vector<json::json_pointer> pointers;
  collect_pointers(original, json::json_pointer(), pointers);
  REQUIRE(pointers.size() > 200);
  const std::vector<json> replacements{nullptr, 42, -1, 1.5, "x", true, json::array(), json::object(), json::array({1, "a"})};
  std::size_t renders = 0;
  for (const auto& pointer : pointers) {
    if (pointer.empty()) continue;
    std::vector<json> variants;
    for (const auto& replacement : replacements) {
      json changed = original;
      changed[pointer] = replacement;
      variants.push_back(std::move(changed));
    }
    json removed = original;
    removed[pointer.parent_pointer()].is_object() ? (void)removed[pointer.parent_pointer()].erase(pointer.back())
                                                  : (void)removed[pointer.parent_pointer()].erase(std::stoul(pointer.back()));
    variants.push_back(std::move(removed));
    for (const auto& variant : variants) {
      INFO(pointer.to_string());
      CHECK_NOTHROW(lh::skill::report::render_markdown(variant));
      CHECK_NOTHROW(lh::skill::report::render_case_comment(variant, "fp"));
      CHECK_NOTHROW(lh::skill::report::render_summary_text(variant));
      ++renders;
    }
  }
  CHECK(renders > 2000);
}
