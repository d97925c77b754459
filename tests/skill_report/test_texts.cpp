#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sample_reports.hpp"
#include "skill/report/report.hpp"
#include "text_lines.hpp"

using namespace lh::skill::report;
using namespace lh::skill::report::test;
using nlohmann::json;

TEST_CASE("case comment: the seed's documentation items, compact, ending with the fingerprint marker") {
  const std::string comment = render_case_comment(full_report(), "lh-fp-0123abcd");
  const auto lines = lines_of(comment);
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.front() == "**Lateral-movement hunt hunt-20240305-1: COMPLETE**, 3 findings, 3 queries");
  CHECK(lines.back() == "hunt-fingerprint: lh-fp-0123abcd");
  CHECK(fingerprint_marker("lh-fp-0123abcd") == "hunt-fingerprint: lh-fp-0123abcd");
  CHECK(has_line(comment, "**Hypothesis:** An intruder on WKS07 moves to the file server with PsExec"));
  CHECK(has_line(comment, "**Time frame:** last 72 h, 2024-03-02T12:00:00.000Z to 2024-03-05T12:00:00.000Z"));
  CHECK(has_line(comment, "- PsExec service execution \\[psexec\\] (T1021.002, T1569.002): 3 hits"));
  CHECK(has_line(comment, "- WMI remote process \\[wmi\\] (T1047): 0 hits"));
  CHECK(has_line(comment, "- q1: 3 hits `metadata.product_event_type = \"7045\" AND "
                          "target.process.file.full_path = /psexesvc/ nocase`"));
  // Context searches are counted, not listed (a hunt can make hundreds).
  CHECK(has_line(comment, "- 1 correlation and baseline searches: 1 with hits, 0 failed or cancelled"));
  CHECK(comment.find("ctx1.logons") == std::string::npos);
  CHECK(has_line(comment, "**Negative results (ran, no hits):**"));
  CHECK(has_line(comment, "- no hits: WmiPrvSE spawning a shell (q2)"));
  CHECK(has_line(comment, "- F2 high/high PsExec service execution \\[psexec\\] (T1021.002, T1569.002): WKS07 "
                          "(10.0.1.7) → FILESRV01 (10.0.2.10) as ACME\\\\bob at 2024-03-05T10:58:14.708Z"));
  CHECK(has_line(comment, "  - command (score 85): `powershell.exe -enc SQBFAFgA`"));
  CHECK(has_line(comment, "    - decoded: `IEX (New-Object Net.WebClient)`"));
  // Enrichment named under the finding (host, user without the domain, IP), then once per entity.
  CHECK(has_line(comment, "  - enrichment: host WKS07 (found), user bob (found), ip 10.0.1.7 (not\\_found, **IoC match** "
                          "known C2 relay)"));
  CHECK(has_line(comment, "- user bob: found, Bob, finance"));
  CHECK(has_line(comment, "- ip 10.0.1.7: not\\_found, **IoC match** known C2 relay"));
  // Details only for medium and worse: F1 (low, admin host) is one line.
  CHECK(has_line(comment, "- F1 low/high PsExec service execution \\[psexec\\] (T1021.002, T1569.002): ADMIN-JUMP01 "
                          "(10.0.0.5) → WKS07 (10.0.1.7) as ACME\\\\svc\\_deploy at 2024-03-05T09:10:00.000Z"));
  CHECK(comment.find("PSEXESVC installed on WKS07") == std::string::npos);
  // Zero-hit hunt queries are counted here and named under negative results.
  CHECK(has_line(comment, "- 1 more hunt query ran with no hits (listed under negative results)"));
  CHECK(comment.find("- q2:") == std::string::npos);
  CHECK(has_line(comment, "- ADMIN-JUMP01 → WKS07 → FILESRV01 (F1, F2)"));
  CHECK(has_line(comment, "- `compromised_user_account_response`: ACME\\\\bob carried the movement (ACME\\\\bob)"));
  // Items appear in the seed's order.
  const auto at = [&](const std::string& text) { return comment.find(text); };
  CHECK(at("**Hypothesis:**") < at("**Techniques hunted:**"));
  CHECK(at("**Techniques hunted:**") < at("**Queries and results:**"));
  CHECK(at("**Queries and results:**") < at("**Negative results (ran, no hits):**"));
  CHECK(at("**Negative results (ran, no hits):**") < at("**Findings:**"));
  CHECK(at("**Findings:**") < at("**Follow-on actions:**"));
}

TEST_CASE("case comment: at most three suspicious commands per finding, highest score first") {
  json report = full_report();
  auto& commands = report["findings"][1]["commands"];
  commands = json::array();
  for (int score : {10, 45, 90, 60, 0, 70}) {
    commands.push_back({{"command_line", "cmd" + std::to_string(score)}, {"score", score}});
  }
  REQUIRE(schema_violations(report) == std::vector<std::string>{});
  const std::string comment = render_case_comment(report, "fp");
  const auto at = [&](const std::string& text) { return comment.find(text); };
  CHECK(at("  - command (score 90): `cmd90`") < at("  - command (score 70): `cmd70`"));
  CHECK(at("  - command (score 70): `cmd70`") < at("  - command (score 60): `cmd60`"));
  CHECK(at("`cmd45`") == std::string::npos);
  CHECK(at("`cmd10`") == std::string::npos);
  CHECK(has_line(comment, "  - 3 more commands in the full report"));
}

TEST_CASE("case comment: incomplete hunts say so; a minimal report says none; the marker stays one line") {
  const std::string incomplete = render_case_comment(incomplete_report(), "fp");
  CHECK(has_line(incomplete, "**INCOMPLETE: the results below may miss activity.**"));
  CHECK(has_line(incomplete, "- step enrichment failed: lookup\\_entity: upstream secops-local closed its stdout"));
  CHECK(has_line(incomplete, "- q2: **failed** (secops-local: search\\_udm timed out after 30 s) "
                             "`metadata.event_type = \"PROCESS_LAUNCH\" AND principal.process.file.full_path = "
                             "/wmiprvse\\.exe$/ nocase`"));
  json failed_context = incomplete_report();
  failed_context["queries"][2]["status"] = "failed";
  failed_context["queries"][2]["error"] = "timeout";
  const std::string with_failed_context = render_case_comment(failed_context, "fp");
  CHECK(has_line(with_failed_context, "- 1 correlation and baseline searches: 0 with hits, 1 failed or cancelled"));
  CHECK(has_line(with_failed_context, "  - ctx1.logons.FILESRV01.0x5ea84f0f: **failed** (timeout)"));
  const std::string minimal = render_case_comment(minimal_report(), "fp\nx");
  CHECK(lines_of(minimal).back() == "hunt-fingerprint: fp x");
  CHECK(has_line(minimal, "**Hypothesis:** none given"));
  CHECK(has_line(minimal, "**Scope:** every host"));
  CHECK(has_line(minimal, "**Findings:**"));
  CHECK_NOTHROW(render_case_comment(json::object(), "fp"));
  CHECK_NOTHROW(render_case_comment(json(42), "fp"));
}

TEST_CASE("case comment: hostile values stay text") {
  const std::string comment = render_case_comment(hostile_report(), "fp");
  // The command is one code span (literal text, fence longer than its own backticks); nothing else holds a tag.
  const std::string command_line = "  - command (score 85): ````cmd /c echo a|b ``` # injected heading <script>x</script>````";
  CHECK(has_line(comment, command_line));
  for (const auto& line : lines_of(comment)) {
    if (line == command_line) continue;
    INFO(line);
    CHECK(line.find('<') == std::string::npos);
  }
  CHECK(has_line(comment, "- F2 high/high PsExec service execution \\[psexec\\] (T1021.002, T1569.002): A\"\\];B--&gt;C\\[x "
                          "(10.0.1.7) → FILESRV01 (10.0.2.10) as ACME\\\\eve\\|\\`rm\\`&lt;b&gt; at 2024-03-05T10:58:14.708Z"));
  CHECK(lines_of(comment).back() == "hunt-fingerprint: fp");
}

TEST_CASE("summary text: status, counts, one line per finding, paths, problems") {
  CHECK(render_summary_text(incomplete_report()) ==
        "Lateral-movement hunt hunt-20240305-1: INCOMPLETE (3 problems, listed below)\n"
        "Hypothesis: An intruder on WKS07 moves to the file server with PsExec\n"
        "2 hunt queries (1 with hits, 1 without); 1 correlation search; 1 failed or cancelled; 3 findings (1 high, 1 low, "
        "1 info); 1 path; 11 upstream calls\n"
        "Findings:\n"
        "  F1 low/high lateral_movement PsExec service execution [psexec] (T1021.002, T1569.002): ADMIN-JUMP01 "
        "(10.0.0.5) -> WKS07 (10.0.1.7) as ACME\\svc_deploy at 2024-03-05T09:10:00.000Z\n"
        "  F2 high/high lateral_movement PsExec service execution [psexec] (T1021.002, T1569.002): WKS07 (10.0.1.7) -> "
        "FILESRV01 (10.0.2.10) as ACME\\bob at 2024-03-05T10:58:14.708Z\n"
        "  F3 info/medium local_execution psexec (T1569.002): FILESRV01 -> FILESRV01 at 2024-03-05T11:30:00.000Z\n"
        "Paths:\n"
        "  ADMIN-JUMP01 -> WKS07 -> FILESRV01 (F1, F2)\n"
        "Fan-out:\n"
        "  WKS07 -> 3 hosts: FILESRV01, DC01, SQL02\n"
        "Problems:\n"
        "  step research partial: wmi: no intel server configured\n"
        "  step enrichment failed: lookup_entity: upstream secops-local closed its stdout\n"
        "  query q2 (WmiPrvSE spawning a shell) failed: secops-local: search_udm timed out after 30 s\n"
        "Documentation: posted (case CASE-17)\n");
  CHECK(render_summary_text(minimal_report()) ==
        "Lateral-movement hunt hunt-min: COMPLETE\n"
        "0 hunt queries (0 with hits, 0 without); 0 correlation searches; 0 failed or cancelled; 0 findings; 0 paths; "
        "0 upstream calls\n");
  const std::string hostile = render_summary_text(hostile_report());
  for (const auto& line : lines_of(hostile)) CHECK(line.find("injected") == std::string::npos);
  CHECK(hostile.find("A\"];B-->C[x") != std::string::npos);
}

// Not a check: prints the sample renderings for reading (run with --no-skip -tc="print*").
TEST_CASE("print the sample renderings" * doctest::skip()) {
  const char* which = std::getenv("LH_SAMPLE");
  const std::string name = which != nullptr ? which : "full";
  const json report = name == "minimal" ? minimal_report() : name == "incomplete" ? incomplete_report()
                      : name == "hostile" ? hostile_report() : full_report();
  std::printf("%s\n=====\n%s\n=====\n%s", render_markdown(report).c_str(),
              render_case_comment(report, "lh-fp-0123abcd").c_str(), render_summary_text(report).c_str());
}
