// What the step tools answer beyond the happy path: correlate_smb's refusal of values that are not
// addresses or host names and its resolution of host names, lateral_movement_hunt's text formats,
// document_hunt on a real case with the stored report updated, and the shipped parallelism.
#include <doctest/doctest.h>

#include "siem/case_store.hpp"
#include "skill/server/hunt_service.hpp"
#include "skill/workflow/hunt.hpp"
#include "tests/skill_server/support.hpp"

using lh::test::Json;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Json read_json_resource(lh::mcp::Client& client, const std::string& uri) {
  const auto read = client.request("resources/read", {{"uri", uri}});
  return Json::parse(read.at("contents")[0].at("text").get<std::string>());
}

}  // namespace

TEST_CASE("the shipped hunt parallelism sends the 54 hunt queries as one wave") {
  CHECK(lh::skill::workflow::HuntRequest{}.parallelism == 64);
  CHECK(lh::skill::server::HuntDefaults{}.parallelism == 64);
}

TEST_CASE("correlate_smb refuses a value that is not a plain IP or host name, naming the argument") {
  lh::test::TempPath reports("smb-reject.db");
  lh::test::InProcessServer fixture(reports.path());
  for (const char* argument : {"source", "target"}) {
    for (const char* hostile : {"10.20.0.18\") OR (x", "WKS-017 OR x", "10.20.0.18/24", "a..b", "-x"}) {
      CAPTURE(argument);
      CAPTURE(hostile);
      Json arguments = {{"source", "10.20.0.18"}, {"target", "10.10.0.20"}};
      arguments[argument] = hostile;
      const auto result = fixture.client->call_tool("correlate_smb", arguments);
      INFO(result.joined_text());
      CHECK(result.is_error);
      CHECK(contains(result.joined_text(), std::string("skill.workflow.invalid_argument: ") + argument + ": \"" + hostile +
                                               "\" is not a plain IP address or host name"));
      CHECK(contains(result.joined_text(), "IPv4 or IPv6 address"));
    }
  }
}

TEST_CASE("correlate_smb resolves host names from the host's own connections, then searches by address") {
  lh::test::TempPath reports("smb-resolve.db");
  lh::test::InProcessServer fixture(reports.path());
  const auto result = fixture.client->call_tool(
      "correlate_smb", {{"source", "WKS-017"}, {"target", "filesrv01.acme.local"}, {"time", "2024-03-05T10:58:14.690Z"}});
  INFO(result.joined_text());
  REQUIRE_FALSE(result.is_error);
  const Json& answer = *result.structured_content;
  const Json& source = answer.at("resolution").at("source");
  const Json& target = answer.at("resolution").at("target");
  CHECK(source.at("kind") == "host");
  CHECK(source.at("addresses").size() >= 1);
  CHECK(source.at("addresses")[0] == "10.20.0.18");
  CHECK(target.at("addresses")[0] == "10.10.0.20");
  CHECK(contains(source.at("how").get<std::string>(), "resolved from"));
  // The connection search is on addresses, not names.
  const std::string udm = answer.at("udm");
  CHECK(contains(udm, "principal.ip = \"10.20.0.18\""));
  CHECK(contains(udm, "target.ip = \"10.10.0.20\""));
  CHECK_FALSE(contains(udm, "hostname"));
  CHECK_FALSE(answer.at("connections").empty());
  CHECK(contains(result.joined_text(), "WKS-017: resolved from"));

  // An address stays as given; a name with no connection of its own falls back to the name and says so.
  const auto unknown = fixture.client->call_tool("correlate_smb", {{"source", "NO-SUCH-HOST"}, {"target", "10.10.0.20"}});
  INFO(unknown.joined_text());
  REQUIRE_FALSE(unknown.is_error);
  const Json& resolution = unknown.structured_content->at("resolution");
  CHECK(resolution.at("target").at("kind") == "ip");
  CHECK(resolution.at("source").at("addresses").empty());
  CHECK(contains(resolution.at("source").at("how").get<std::string>(), "not resolved"));
  CHECK(unknown.structured_content->at("connections").empty());
}

TEST_CASE("document_hunt posts on a real case and the stored report then says posted") {
  lh::test::TempPath reports("document.db");
  lh::test::TempPath cases("cases.db");
  std::string case_id;
  {
    lh::siem::CaseStore store(cases.path());
    lh::siem::NewCase fields;
    fields.display_name = "Lateral movement hunt";
    fields.description = "Tracking case for the hunt";
    case_id = std::to_string(store.create_case(fields));
  }
  lh::test::InProcessServer fixture(reports.path(), LH_TEST_SECOPS_LOCAL, {"--cases", cases.path(), "--log-level", "warn"});
  Json arguments = lh::test::demo_hunt_arguments();
  arguments["research"] = false;
  arguments["text_format"] = "markdown";
  const auto hunt = fixture.client->call_tool("lateral_movement_hunt", arguments);
  INFO(hunt.joined_text().substr(0, 2000));
  REQUIRE_FALSE(hunt.is_error);
  CHECK(contains(hunt.joined_text(), "```mermaid"));  // text_format markdown: the whole report in the text
  const std::string id = hunt.structured_content->at("hunt_id");
  const std::string uri = "hunt://reports/" + id;
  CHECK(read_json_resource(*fixture.client, uri).at("documentation").at("status") == "not_requested");

  const auto posted = fixture.client->call_tool("document_hunt", {{"report_id", id}, {"case_id", case_id}});
  INFO(posted.joined_text());
  REQUIRE_FALSE(posted.is_error);
  CHECK(posted.structured_content->at("status") == "posted");
  const Json stored = read_json_resource(*fixture.client, uri);
  CHECK(stored.at("documentation").at("status") == "posted");
  CHECK(stored.at("documentation").at("case_id") == case_id);

  // The case really has the comment.
  const auto details = fixture.service->gateway().call("get_case_full_details", {{"case_id", case_id}});
  CHECK(details.value.at("case_comments").size() == 1);

  // A repeat posts nothing and leaves the stored "posted" as it was.
  const auto again = fixture.client->call_tool("document_hunt", {{"report_id", id}, {"case_id", case_id}});
  REQUIRE_FALSE(again.is_error);
  CHECK(again.structured_content->at("status") == "already_posted");
  CHECK(read_json_resource(*fixture.client, uri).at("documentation").at("status") == "posted");
  CHECK(fixture.service->gateway().call("get_case_full_details", {{"case_id", case_id}}).value.at("case_comments").size() == 1);
}
