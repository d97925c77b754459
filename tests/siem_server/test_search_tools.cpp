// search_udm, search_security_events, reference lists in queries, tools/list schemas.
#include <doctest/doctest.h>

#include <algorithm>

#include "tests/siem_server/fixture.hpp"

using namespace lh::siem;
using namespace lh::siem::test;

namespace {
const Json kAllTime = {{"start_time", "2020-01-01T00:00:00Z"}, {"end_time", "2021-01-01T00:00:00Z"}};

Json with_window(Json arguments) {
  arguments.update(kAllTime);
  return arguments;
}
}  // namespace

TEST_CASE("tools/list: upstream names, Python-style schemas, honest annotations") {
  ToolFixture fixture;
  const auto tools = fixture.client->list_tools();
  std::map<std::string, Json> by_name;
  for (const auto& tool : tools) by_name[tool["name"].get<std::string>()] = tool;
  for (const char* name : {"search_udm", "search_security_events", "lookup_entity", "get_ioc_matches", "get_threat_intel",
                           "get_security_alerts", "list_cases", "get_case_full_details", "post_case_comment",
                           "search_entity", "change_case_priority", "create_reference_list", "get_reference_list"}) {
    CAPTURE(name);
    REQUIRE(by_name.count(name) == 1);
    CHECK(by_name[name].contains("title"));
    CHECK(by_name[name]["annotations"]["openWorldHint"] == false);
  }
  const Json& search = by_name["search_udm"];
  CHECK(search["inputSchema"]["required"] == Json::array({"query"}));
  CHECK(search["inputSchema"]["properties"]["hours_back"] == Json{{"default", 24}, {"title", "Hours Back"}, {"type", "integer"}});
  CHECK(search["inputSchema"]["properties"]["max_events"] ==
        Json{{"anyOf", {{{"type", "integer"}}, {{"type", "null"}}}}, {"default", nullptr}, {"title", "Max Events"}});
  CHECK(search["inputSchema"]["properties"]["project_id"] == Json{{"default", nullptr}, {"title", "Project Id"}, {"type", "string"}});
  CHECK(search["inputSchema"]["title"] == "search_udmArguments");
  CHECK(search["outputSchema"]["type"] == "object");
  CHECK(search["annotations"]["readOnlyHint"] == true);
  CHECK(by_name["lookup_entity"]["inputSchema"]["properties"]["region"]["anyOf"][1] == Json{{"type", "null"}});
  CHECK(by_name["get_security_alerts"]["inputSchema"]["properties"]["status_filter"]["default"] ==
        "feedback_summary.status != \"CLOSED\"");
  CHECK(by_name["change_case_priority"]["inputSchema"]["properties"]["case_priority"]["enum"].size() == 6);
  for (const char* writer : {"post_case_comment", "create_reference_list", "change_case_priority"}) {
    CAPTURE(writer);
    CHECK(by_name[writer]["annotations"]["readOnlyHint"] == false);
  }
  CHECK(by_name["list_cases"]["annotations"]["readOnlyHint"] == true);
  CHECK_FALSE(by_name["get_case_full_details"].contains("outputSchema"));
}

TEST_CASE("search_udm: upstream result shape, newest first, pretty JSON text equal to structuredContent") {
  ToolFixture fixture;
  const auto raw = fixture.call("search_udm", with_window({{"query", "principal.hostname = \"srv01.acme.local\""}}));
  CHECK_FALSE(raw.is_error);
  REQUIRE(raw.content.size() == 1);
  const std::string text = raw.content[0]["text"].get<std::string>();
  CHECK(text.rfind("{\n  \"events\": [", 0) == 0);  // indented by 2 like FastMCP
  const Json result = fixture.call_json("search_udm", with_window({{"query", "principal.hostname = \"srv01.acme.local\""}}));
  CHECK(event_names(result) == std::vector<std::string>{"1", "1", "7045", "4624"});
  CHECK(result["total_events"] == 4);
  CHECK(result["more_data_available"] == false);
  const Json& first = result["events"][0];
  CHECK(first["name"].get<std::string>().find("/events/") != std::string::npos);
  CHECK(first["udm"]["metadata"]["eventTimestamp"] == "2020-09-20T10:00:03Z");
  CHECK(first["udm"]["target"]["process"]["commandLine"] == "cmd.exe /c whoami");
}

TEST_CASE("search_udm: max_events caps the result and sets more_data_available - total_events is the count returned") {
  ToolFixture fixture;
  const Json result = fixture.call_json("search_udm", with_window({{"query", "principal.hostname = /acme/"}, {"max_events", 2}}));
  CHECK(result["total_events"] == 2);
  CHECK(result["events"].size() == 2);
  CHECK(result["more_data_available"] == true);
}

TEST_CASE("search_udm: hours_back counts back from the newest event - start/end override it") {
  ToolFixture fixture;
  // Newest event 10:00:04; one hour back covers all five.
  CHECK(fixture.call_json("search_udm", {{"query", "metadata.event_type != \"EVENTTYPE_UNSPECIFIED\""}, {"hours_back", 1}})["total_events"] == 5);
  const Json narrow = fixture.call_json("search_udm", {{"query", "metadata.product_event_type = /./"},
                                                       {"start_time", "2020-09-20T10:00:01Z"},
                                                       {"end_time", "2020-09-20T10:00:02Z"}});
  CHECK(event_names(narrow) == std::vector<std::string>{"1", "7045"});
}

TEST_CASE("search_udm: query errors are isError=false payloads naming the column") {
  ToolFixture fixture;
  const auto raw = fixture.call("search_udm", with_window({{"query", "metadata.event_type = \"PROCES_LAUNCH\""}}));
  CHECK_FALSE(raw.is_error);
  const Json result = Json::parse(raw.content[0]["text"].get<std::string>());
  REQUIRE(result.contains("error"));
  CHECK(result["events"] == Json::array());
  const std::string error = result["error"];
  CHECK(error.find("col 23") != std::string::npos);
  CHECK(error.find("invalid UDM query") != std::string::npos);

  const Json contains = fixture.call_json("search_udm", with_window({{"query", "target.hostname CONTAINS \"x\""}}));
  CHECK(contains["error"].get<std::string>().find("col ") != std::string::npos);
  const Json empty = fixture.call_json("search_udm", {{"query", "  "}});
  CHECK(empty["error"].get<std::string>().find("query is empty") != std::string::npos);
  const Json bad_time = fixture.call_json("search_udm", {{"query", "target.port = 445"}, {"start_time", "yesterday"}});
  CHECK(bad_time["error"].get<std::string>().find("start_time") != std::string::npos);
}

TEST_CASE("input validation: wrong argument types are isError results naming the path") {
  ToolFixture fixture;
  const auto wrong_type = fixture.call("search_udm", {{"query", "target.port = 445"}, {"hours_back", "24"}});
  CHECK(wrong_type.is_error);
  CHECK(wrong_type.joined_text().find("hours_back") != std::string::npos);
  const auto missing = fixture.call("search_udm", Json::object());
  CHECK(missing.is_error);
  CHECK(missing.joined_text().find("query") != std::string::npos);
  const auto priority = fixture.call("change_case_priority", {{"case_id", "1"}, {"case_priority", "Urgent"}});
  CHECK(priority.is_error);
  CHECK(priority.joined_text().find("case_priority") != std::string::npos);
  // Tenant arguments are accepted and ignored.
  CHECK(fixture.call_json("search_udm", with_window({{"query", "target.port = 445"}, {"project_id", "p"}, {"customer_id", "c"},
                                                      {"region", "us"}}))["total_events"] == 1);
}

TEST_CASE("search_udm resolves `in %list` against reference lists created with the tool") {
  ToolFixture fixture;
  const Json missing = fixture.call_json("search_udm", with_window({{"query", "principal.hostname in %admin_hosts"}}));
  REQUIRE(missing.contains("error"));
  CHECK(missing["error"].get<std::string>().find("col ") != std::string::npos);
  CHECK(missing["error"].get<std::string>().find("admin_hosts") != std::string::npos);

  const std::string created = fixture.call_text(
      "create_reference_list", {{"name", "admin_hosts"}, {"description", "jump hosts"}, {"entries", {"WS07.ACME.LOCAL", "other"}}});
  CHECK(created.rfind("Successfully created reference list: admin_hosts\n", 0) == 0);
  CHECK(created.find("Syntax Type: STRING") != std::string::npos);
  CHECK(created.find("Entries: 2") != std::string::npos);

  CHECK(fixture.call_json("search_udm", with_window({{"query", "principal.hostname in %admin_hosts"}}))["total_events"] == 0);
  const Json nocase = fixture.call_json("search_udm", with_window({{"query", "principal.hostname in %admin_hosts nocase"}}));
  CHECK(event_names(nocase) == std::vector<std::string>{"3"});

  fixture.call_text("create_reference_list", {{"name", "lateral_tools"}, {"description", "regexes"},
                                              {"entries", {"\\\\psexesvc\\.exe$", "// a comment line"}}, {"syntax_type", "REGEX"}});
  const Json regex = fixture.call_json(
      "search_udm", with_window({{"query", "target.process.file.full_path in regex %lateral_tools nocase"}}));
  CHECK(event_names(regex) == std::vector<std::string>{"1", "7045"});

  fixture.call_text("create_reference_list",
                    {{"name", "lab_net"}, {"description", "cidr"}, {"entries", {"10.0.0.0/29"}}, {"syntax_type", "CIDR"}});
  const Json cidr = fixture.call_json("search_udm", with_window({{"query", "principal.ip in cidr %lab_net"}}));
  CHECK(event_names(cidr) == std::vector<std::string>{"3", "4624"});

  const std::string bad = fixture.call_text(
      "create_reference_list", {{"name", "broken"}, {"description", "x"}, {"entries", {"(unclosed"}}, {"syntax_type", "REGEX"}});
  CHECK(bad.rfind("Error creating reference list broken: ", 0) == 0);
  const std::string bad_syntax = fixture.call_text(
      "create_reference_list", {{"name", "x1"}, {"description", "x"}, {"entries", {"a"}}, {"syntax_type", "LIST"}});
  CHECK(bad_syntax.find("not one of STRING, CIDR, REGEX") != std::string::npos);
  const std::string bad_name = fixture.call_text("create_reference_list", {{"name", "no-dash"}, {"description", "x"}, {"entries", {"a"}}});
  CHECK(bad_name.rfind("Error creating reference list no-dash: ", 0) == 0);
}

TEST_CASE("get_reference_list: upstream text, entries optional, not-found message") {
  ToolFixture fixture;
  fixture.call_text("create_reference_list", {{"name", "svc"}, {"description", "services"}, {"entries", {"PSEXESVC", "BTOBTO"}}});
  const std::string text = fixture.call_text("get_reference_list", {{"name", "svc"}});
  CHECK(text.rfind("Reference List: svc\n", 0) == 0);
  CHECK(text.find("Description: services\n") != std::string::npos);
  CHECK(text.find("Syntax Type: REFERENCE_LIST_SYNTAX_TYPE_PLAIN_TEXT_STRING\n") != std::string::npos);
  CHECK(text.find("Total entries: 2\n\nEntries:\n  1. PSEXESVC\n  2. BTOBTO\n") != std::string::npos);
  const std::string brief = fixture.call_text("get_reference_list", {{"name", "svc"}, {"include_entries", false}});
  CHECK(brief.find("Total entries: 2 (entries not displayed)") != std::string::npos);
  CHECK(fixture.call_text("get_reference_list", {{"name", "nope"}}) == "Reference list \"nope\" was not found.");
}

TEST_CASE("search_security_events: UDM text runs as is - natural language gets a clear error pointing to search_udm") {
  ToolFixture fixture;
  const Json udm = fixture.call_json("search_security_events", {{"text", "target.port = 445"}, {"hours_back", 1}});
  CHECK(udm["udm_query"] == "target.port = 445");
  CHECK(udm["events"]["total_events"] == 1);
  CHECK(udm["events"]["events"].size() == 1);

  const Json natural = fixture.call_json("search_security_events", {{"text", "show me psexec activity on srv01 yesterday"}});
  CHECK(natural["udm_query"].is_null());
  CHECK(natural["events"]["events"] == Json::array());
  CHECK(natural["events"]["total_events"] == 0);
  const std::string error = natural["events"]["error"];
  CHECK(error.find("Gemini") != std::string::npos);
  CHECK(error.find("search_udm") != std::string::npos);

  const Json missing_list = fixture.call_json("search_security_events", {{"text", "principal.hostname in %nope"}});
  CHECK(missing_list["udm_query"] == "principal.hostname in %nope");
  CHECK(missing_list["events"]["error"].get<std::string>().find("col ") != std::string::npos);
}

TEST_CASE("results larger than the size budget keep the newest events and set more_data_available") {
  ToolFixture fixture;
  fixture.backend->max_result_bytes = 1500;
  const Json all = fixture.call_json("search_udm", with_window({{"query", "principal.hostname = /acme/"}}));
  REQUIRE(all["events"].size() >= 1);
  CHECK(all["events"].size() < 5);
  CHECK(all["total_events"] == all["events"].size());
  CHECK(all["more_data_available"] == true);
  CHECK(all["events"][0]["udm"]["metadata"]["eventTimestamp"] == "2020-09-20T10:00:04Z");
  const auto raw = fixture.call("search_udm", with_window({{"query", "principal.hostname = /acme/"}}));
  CHECK(raw.content[0]["text"].get<std::string>().size() <= 1500);

  const Json nl = fixture.call_json("search_security_events", {{"text", "principal.hostname = /acme/"}});
  CHECK(nl["events"]["more_data_available"] == true);
  CHECK(nl["events"]["events"].size() < 5);

  fixture.backend->max_result_bytes = SiemBackend::kDefaultMaxResultBytes;
  CHECK(fixture.call_json("search_udm", with_window({{"query", "principal.hostname = /acme/"}}))["total_events"] == 5);
}
