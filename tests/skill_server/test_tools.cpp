// tools/list, build_hunt_queries, argument errors, injection through the scope, and the prompt: all
// answered without touching an upstream.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "skill/techniques/build_queries.hpp"
#include "tests/skill_server/support.hpp"
#include "udm/query_parser.hpp"

using lh::test::Json;

namespace {

std::map<std::string, Json> tools_by_name(lh::mcp::Client& client) {
  std::map<std::string, Json> tools;
  for (auto& tool : client.list_tools()) tools[tool.at("name").get<std::string>()] = tool;
  return tools;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

void check_scope_contained(lh::mcp::Client& client, const std::string& scope);

TEST_CASE("tools/list shows the seven hunt tools with schemas, titles and honest annotations") {
  lh::test::TempPath reports("tools-list.db");
  lh::test::InProcessServer fixture(reports.path());
  const auto tools = tools_by_name(*fixture.client);
  const std::set<std::string> expected = {"lateral_movement_hunt", "correlate_smb",      "build_hunt_queries",
                                          "research_techniques",   "enrich_entities",    "find_related_cases",
                                          "document_hunt"};
  std::set<std::string> names;
  for (const auto& [name, tool] : tools) names.insert(name);
  CHECK(names == expected);
  // Named references, not structured bindings: clang 14 cannot capture those in CAPTURE's lambda.
  for (const auto& entry : tools) {
    const auto& name = entry.first;
    const auto& tool = entry.second;
    CAPTURE(name);
    CHECK(tool.at("inputSchema").at("type") == "object");
    CHECK(tool.at("outputSchema").at("type") == "object");
    CHECK(tool.at("title").is_string());
    CHECK(tool.at("annotations").at("title").is_string());
    CHECK(tool.at("annotations").at("destructiveHint") == false);
    CHECK(tool.at("annotations").at("idempotentHint") == true);
  }
  for (const char* read_only : {"correlate_smb", "build_hunt_queries", "research_techniques", "enrich_entities",
                                "find_related_cases"}) {
    CAPTURE(read_only);
    CHECK(tools.at(read_only).at("annotations").at("readOnlyHint") == true);
  }
  // Both may post a case comment (lateral_movement_hunt only with document=true).
  CHECK(tools.at("document_hunt").at("annotations").at("readOnlyHint") == false);
  CHECK(tools.at("lateral_movement_hunt").at("annotations").at("readOnlyHint") == false);
  CHECK(tools.at("build_hunt_queries").at("annotations").at("openWorldHint") == false);
  CHECK(tools.at("lateral_movement_hunt").at("annotations").at("openWorldHint") == true);
  CHECK(tools.at("lateral_movement_hunt").at("outputSchema").at("required").size() > 10);
  const auto& hunt_properties = tools.at("lateral_movement_hunt").at("inputSchema").at("properties");
  for (const char* argument : {"time_frame_hours", "target_scope_query", "hunt_hypothesis", "hunt_case_id",
                               "techniques", "document", "admin_hosts", "window_seconds", "max_events_per_query"}) {
    CAPTURE(argument);
    CHECK(hunt_properties.contains(argument));
  }
  CHECK(hunt_properties.at("time_frame_hours").at("default") == 72);
  CHECK(hunt_properties.at("techniques").at("items").at("enum").size() > 3);
}

TEST_CASE("build_hunt_queries returns the catalogue's queries, each valid UDM") {
  lh::test::TempPath reports("queries.db");
  lh::test::InProcessServer fixture(reports.path());
  const auto result = fixture.client->call_tool("build_hunt_queries", Json::object());
  REQUIRE_FALSE(result.is_error);
  REQUIRE(result.structured_content);
  const auto expected = lh::skill::techniques::build_queries({});
  const auto& queries = result.structured_content->at("queries");
  REQUIRE(queries.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(expected[i].query_id);
    CHECK(queries[i].at("query_id") == expected[i].query_id);
    CHECK(queries[i].at("udm") == expected[i].udm);
    CHECK_NOTHROW(lh::udm::parse_query(queries[i].at("udm").get<std::string>()));
  }
  CHECK(contains(result.joined_text(), expected.front().udm));

  const auto seeds = fixture.client->call_tool("build_hunt_queries", {{"include_seed_corrections", true},
                                                                      {"techniques", {"psexec"}}});
  REQUIRE_FALSE(seeds.is_error);
  CHECK(seeds.structured_content->at("seed_corrections").size() == 5);
  for (const auto& query : seeds.structured_content->at("queries")) CHECK(query.at("technique_id") == "psexec");
}

TEST_CASE("an invalid scope is an isError result naming target_scope_query and the column") {
  lh::test::TempPath reports("bad-scope.db");
  lh::test::InProcessServer fixture(reports.path());
  for (const char* tool : {"build_hunt_queries", "lateral_movement_hunt"}) {
    CAPTURE(tool);
    const auto result = fixture.client->call_tool(tool, {{"target_scope_query", "principal.hostnme = \"DC01\""}});
    CHECK(result.is_error);
    const auto text = result.joined_text();
    CHECK(contains(text, "target_scope_query: col 1"));
    CHECK(contains(text, "fix"));
  }
  const auto unknown = fixture.client->call_tool("build_hunt_queries", {{"techniques", {"teleport"}}});
  CHECK(unknown.is_error);
  CHECK(contains(unknown.joined_text(), "techniques"));
  const auto document_without_case = fixture.client->call_tool("lateral_movement_hunt", {{"document", true}});
  CHECK(document_without_case.is_error);
  CHECK(contains(document_without_case.joined_text(), "document: true needs hunt_case_id"));
  const auto no_report = fixture.client->call_tool("document_hunt", {{"report_id", "nope"}, {"case_id", "42"}});
  CHECK(no_report.is_error);
  CHECK(contains(no_report.joined_text(), "report_id: no stored report \"nope\""));
}

// Either the scope is rejected naming target_scope_query, or every built query is an AND one of whose
// children is exactly the scope on its own: nothing in the scope can reach the catalogue query.
void check_scope_contained(lh::mcp::Client& client, const std::string& scope) {
  CAPTURE(scope);
  const auto result = client.call_tool("build_hunt_queries", {{"target_scope_query", scope}});
  if (result.is_error) {
    CHECK(contains(result.joined_text(), "target_scope_query"));
    return;
  }
  const auto scope_tree = lh::udm::parse_query(scope);
  for (const auto& query : result.structured_content->at("queries")) {
    CAPTURE(query.at("udm").get<std::string>());
    const auto tree = lh::udm::parse_query(query.at("udm").get<std::string>());
    REQUIRE(tree.kind == lh::udm::QueryNode::Kind::And);
    CHECK(std::find(tree.children.begin(), tree.children.end(), scope_tree) != tree.children.end());
  }
}

TEST_CASE("a scope cannot break out of its parentheses") {
  lh::test::TempPath reports("injection.db");
  lh::test::InProcessServer fixture(reports.path());
  // Closing the scope's parenthesis to OR in a condition of its own is rejected before any query exists.
  for (const char* injection : {R"(x") OR (metadata.event_type = "PROCESS_LAUNCH")",
                                R"(principal.hostname = "x") OR (metadata.event_type = "PROCESS_LAUNCH")"}) {
    const auto result = fixture.client->call_tool("lateral_movement_hunt", {{"target_scope_query", injection}});
    CHECK(result.is_error);
    CHECK(contains(result.joined_text(), "target_scope_query"));
    check_scope_contained(*fixture.client, injection);
  }
  check_scope_contained(*fixture.client, R"(principal.hostname = "x" // ) OR (metadata.event_type = "PROCESS_LAUNCH")");
  check_scope_contained(*fixture.client, "principal.hostname = \"x\"\n) OR (metadata.event_type = \"PROCESS_LAUNCH\"");
  // A valid scope with OR stays one conjunct of every query.
  const std::string scope = R"(principal.hostname = "A" OR metadata.event_type = "PROCESS_LAUNCH")";
  const auto result = fixture.client->call_tool("build_hunt_queries", {{"target_scope_query", scope}});
  REQUIRE_FALSE(result.is_error);
  check_scope_contained(*fixture.client, scope);
}

TEST_CASE("the prompt carries the corrected workflow") {
  lh::test::TempPath reports("prompt.db");
  lh::test::InProcessServer fixture(reports.path());
  const auto listed = fixture.client->request("prompts/list");
  REQUIRE(listed.at("prompts").size() == 1);
  CHECK(listed.at("prompts")[0].at("name") == "lateral_movement_hunt");
  CHECK(listed.at("prompts")[0].at("arguments").size() == 4);

  const auto prompt = fixture.client->request(
      "prompts/get", {{"name", "lateral_movement_hunt"},
                      {"arguments", {{"time_frame_hours", "24"}, {"target_scope_query", "principal.hostname = \"FS01\""},
                                     {"hunt_hypothesis", "PsExec from a workstation"}, {"hunt_case_id", "77"}}}});
  REQUIRE(prompt.at("messages").size() == 1);
  const std::string text = prompt.at("messages")[0].at("content").at("text");
  CHECK(contains(text, "search_udm"));
  CHECK(contains(text, "NEGATIVE RESULT"));
  CHECK(contains(text, "winrm"));
  CHECK(contains(text, "5985"));
  CHECK(contains(text, "PsExec from a workstation"));
  CHECK(contains(text, "case 77"));
  CHECK(contains(text, "AND (principal.hostname = \"FS01\")"));

  CHECK_THROWS_AS(fixture.client->request("prompts/get", {{"name", "lateral_movement_hunt"},
                                                          {"arguments", {{"target_scope_query", "nope ="}}}}),
                  lh::mcp::McpError);
}
