#include <doctest/doctest.h>

#include <string>

#include "sample_reports.hpp"
#include "skill/report/report.hpp"
#include "text_lines.hpp"

using lh::skill::report::render_mermaid;
using namespace lh::skill::report::test;
using nlohmann::json;

TEST_CASE("mermaid: one node per host, one labelled edge per pair, admin class, severe edges styled") {
  CHECK(render_mermaid(full_report()["movement_graph"]) ==
        "flowchart LR\n"
        "  h_ADMIN_JUMP01[\"ADMIN-JUMP01<br/>10.0.0.5\"]\n"
        "  h_WKS07[\"WKS07<br/>10.0.1.7\"]\n"
        "  h_FILESRV01[\"FILESRV01<br/>10.0.2.10\"]\n"
        "  h_ADMIN_JUMP01 -->|\"psexec 09:10:00 UTC\"| h_WKS07\n"
        "  h_WKS07 -->|\"psexec 10:58:14 UTC\"| h_FILESRV01\n"
        "  classDef admin fill:#e8f0fe,stroke:#1a73e8,stroke-dasharray:4 2\n"
        "  class h_ADMIN_JUMP01 admin\n"
        "  linkStyle 1 stroke:#d93025,stroke-width:3px\n");
}

TEST_CASE("mermaid: edges of one pair merge (techniques, earliest time, worst severity); missing nodes added") {
  const json graph = R"json({
    "nodes": [],
    "edges": [
      {"from": "A", "to": "B", "technique_ids": ["wmi"], "finding_ids": ["F2"], "first_seen": "2024-03-05T10:00:05.000Z", "severity": "medium"},
      {"from": "A", "to": "B", "technique_ids": ["psexec", "wmi"], "finding_ids": ["F1"], "first_seen": "2024-03-05T09:59:59.000Z", "severity": "critical"},
      {"from": "B", "to": "A", "technique_ids": [], "finding_ids": [], "first_seen": "2024-03-05T11:00:00.000Z", "severity": "low"}
    ]})json"_json;
  CHECK(render_mermaid(graph) ==
        "flowchart LR\n"
        "  h_A[\"A\"]\n"
        "  h_B[\"B\"]\n"
        "  h_A -->|\"wmi, psexec 09:59:59 UTC\"| h_B\n"
        "  h_B -->|\"unknown technique 11:00:00 UTC\"| h_A\n"
        "  linkStyle 0 stroke:#d93025,stroke-width:3px\n");
}

TEST_CASE("mermaid: hostile host names become safe unique ids and escaped labels") {
  const std::string mermaid = render_mermaid(hostile_report()["movement_graph"]);
  CHECK(has_line(mermaid, "  h_A___B___C_x[\"A#quot;#93;#59;B--#gt;C#91;x<br/>10.0.1.7\"]"));
  CHECK(has_line(mermaid, "  h_ADMIN_JUMP01 -->|\"psexec 09:10:00 UTC\"| h_A___B___C_x"));
  CHECK(has_line(mermaid, "  h_WKS_01[\"WKS-01\"]"));
  CHECK(has_line(mermaid, "  h_WKS_01_2[\"WKS_01\"]"));
  CHECK(has_line(mermaid, "  h_WKS_01 -->|\"wmi#59;#35;x 11:00:00 UTC\"| h_WKS_01_2"));
  CHECK(has_line(mermaid, "  linkStyle 2 stroke:#d93025,stroke-width:3px"));
  for (const auto& line : lines_of(mermaid)) {
    INFO(line);
    CHECK(line.find('`') == std::string::npos);
    CHECK(line.find("B-->C") == std::string::npos);
  }
}

TEST_CASE("mermaid: every character a label could break on is an entity") {
  json graph = {{"nodes", json::array({{{"host", "x\"y[z]{w}(v)|u;t#s:r`q%p<o>n&m\nl"}}})}, {"edges", json::array()}};
  CHECK(render_mermaid(graph) ==
        "flowchart LR\n"
        "  h_x_y_z__w__v__u_t_s_r_q_p_o_n_m_l[\"x#quot;y#91;z#93;#123;w#125;#40;v#41;#124;u#59;t#35;s#58;r#96;q#37;p"
        "#lt;o#gt;n#amp;m l\"]\n");
}

TEST_CASE("mermaid: edges on more than one day carry the date") {
  json graph = full_report()["movement_graph"];
  graph["edges"][0]["first_seen"] = "2024-03-04T23:59:59.000Z";
  const std::string mermaid = render_mermaid(graph);
  CHECK(has_line(mermaid, "  h_ADMIN_JUMP01 -->|\"psexec 03-04 23:59:59 UTC\"| h_WKS07"));
  CHECK(has_line(mermaid, "  h_WKS07 -->|\"psexec 03-05 10:58:14 UTC\"| h_FILESRV01"));
}

TEST_CASE("mermaid: an empty host name gets a label and an id") {
  json graph = {{"nodes", json::array({{{"host", ""}}})}, {"edges", json::array()}};
  CHECK(render_mermaid(graph) == "flowchart LR\n  h_[\"(unknown host)\"]\n");
}

TEST_CASE("mermaid: an empty graph still draws") {
  CHECK(render_mermaid(json::object()) == "flowchart LR\n  none[\"no host-to-host movement found\"]\n");
  CHECK(render_mermaid(json("not a graph")) == "flowchart LR\n  none[\"no host-to-host movement found\"]\n");
}

TEST_CASE("mermaid: a source known only by its address says so instead of repeating it") {
  json graph = {{"nodes", json::array({{{"host", "10.10.1.50"}, {"ips", {"10.10.1.50"}}, {"unresolved", true}},
                                       {{"host", "DB01"}, {"ips", {"10.10.2.21"}}}})},
                {"edges", json::array({{{"from", "10.10.1.50"}, {"to", "DB01"}, {"technique_ids", {"rdp"}},
                                        {"finding_ids", {"F7"}}, {"first_seen", "2024-03-04T15:10:31.556Z"},
                                        {"severity", "medium"}}})}};
  const std::string out = render_mermaid(graph);
  CHECK(out.find("[\"10.10.1.50<br/>(unresolved address)\"]") != std::string::npos);
  CHECK(out.find("10.10.1.50<br/>10.10.1.50") == std::string::npos);
  CHECK(out.find("[\"DB01<br/>10.10.2.21\"]") != std::string::npos);
}
