#include <doctest/doctest.h>

#include "siem/case_store.hpp"
#include "tests/siem/helpers.hpp"

using namespace lh::siem;
using lh::siem::test::TempDir;

namespace {
NewCase make_case(std::string name) {
  NewCase c;
  c.display_name = std::move(name);
  return c;
}
ReferenceList make_list(std::string name, std::string description, std::vector<std::string> entries) {
  ReferenceList list;
  list.name = std::move(name);
  list.description = std::move(description);
  list.entries = std::move(entries);
  return list;
}
}  // namespace

TEST_CASE("cases, comments and reference lists persist across reopen") {
  TempDir dir;
  const auto path = dir.path() / "cases.sqlite";
  std::int64_t first = 0, second = 0;
  {
    CaseStore store(path);
    NewCase psexec = make_case("Suspicious PsExec on WORKSTATION6");
    psexec.priority = "PriorityHigh";
    psexec.entities = {"WORKSTATION6", "172.18.39.5"};
    first = store.create_case(psexec);
    second = store.create_case(make_case("Benign admin activity"));
    REQUIRE(store.post_case_comment(first, "Lateral movement from WORKSTATION5 confirmed").has_value());
    CHECK_FALSE(store.post_case_comment(9999, "nobody home").has_value());
    CHECK(store.add_case_alert(first, "PsExec service installed", "HIGH", {{"event", "7045"}}).has_value());
    CHECK(store.change_case_priority(second, "PriorityLow"));
    store.create_reference_list(make_list("admin_hosts", "jump servers", {"MORDORDC", "WEC"}));
  }
  CaseStore reopened(path);
  const auto details = reopened.get_case_full_details_json(first);
  CHECK(details["case_details:"]["displayName"] == "Suspicious PsExec on WORKSTATION6");
  CHECK(details["case_details:"]["priority"] == "PriorityHigh");
  CHECK(details["case_details:"]["entities"][1] == "172.18.39.5");
  REQUIRE(details["case_comments"].size() == 1);
  CHECK(details["case_comments"][0]["comment"] == "Lateral movement from WORKSTATION5 confirmed");
  CHECK(details["case_alerts"][0]["details"]["event"] == "7045");
  CHECK(reopened.get_case(second)->fields.priority == "PriorityLow");
  CHECK(reopened.get_case_full_details_json(424242).contains("error"));
  const auto list = reopened.get_reference_list("admin_hosts");
  REQUIRE(list);
  CHECK(list->entries == std::vector<std::string>{"MORDORDC", "WEC"});
  CHECK(CaseStore::to_json(*list)["entries"][0]["value"] == "MORDORDC");
  CHECK_FALSE(reopened.get_reference_list("nope").has_value());
  // Replacing a list keeps one list with the new entries.
  reopened.create_reference_list(make_list("admin_hosts", "", {"WEC"}));
  CHECK(reopened.get_reference_list("admin_hosts")->entries == std::vector<std::string>{"WEC"});
  CHECK(reopened.list_reference_lists().size() == 1);
}

TEST_CASE("list_cases pages newest first with a token") {
  CaseStore store(":memory:");
  for (int i = 1; i <= 5; ++i) store.create_case(make_case(fmt::format("case {}", i)));
  const auto page1 = store.list_cases({}, 2);
  REQUIRE(page1.cases.size() == 2);
  CHECK(page1.cases[0].fields.display_name == "case 5");
  CHECK_FALSE(page1.next_page_token.empty());
  const auto page2 = store.list_cases(page1.next_page_token, 2);
  CHECK(page2.cases[0].fields.display_name == "case 3");
  const auto page3 = store.list_cases(page2.next_page_token, 2);
  REQUIRE(page3.cases.size() == 1);
  CHECK(page3.cases[0].fields.display_name == "case 1");
  CHECK(page3.next_page_token.empty());
  const auto json = store.list_cases_json({}, 10);
  CHECK(json["cases"].size() == 5);
  CHECK_FALSE(json.contains("nextPageToken"));
  CHECK_THROWS_WITH_AS(store.list_cases("bogus"), "case_store: invalid page token \"bogus\"", CaseStoreError);
}
