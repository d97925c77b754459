#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <string>

#include "skill/techniques/build_queries.hpp"
#include "udm/query_parser.hpp"

using namespace lh::skill::techniques;

namespace {

std::string invalid_argument_of(const std::vector<std::string>& ids, const TimeFrame& frame = {}) {
  try {
    build_queries(ids, {}, frame);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

struct ScopeFailure {
  std::size_t column = 0;
  std::string message;
};

ScopeFailure scope_failure(std::string_view scope) {
  try {
    build_queries({"psexec"}, scope);
  } catch (const lh::udm::ParseError& e) {
    return {e.column(), e.message()};
  }
  return {};
}

}  // namespace

TEST_CASE("an empty selection builds every catalogue query") {
  const auto built = build_queries({});
  std::size_t expected = 0;
  for (const auto& t : catalogue().techniques) expected += t.queries.size();
  CHECK(built.size() == expected);
  std::set<std::string> ids;
  for (const auto& b : built) {
    ids.insert(b.query_id);
    CHECK_NOTHROW(lh::udm::parse_query(b.udm));
    CHECK(b.time_frame.hours_back == 72);
  }
  CHECK(ids.size() == expected);
}

TEST_CASE("a selection builds only those techniques in catalogue order and once") {
  const auto built = build_queries({"winrm", "psexec", "winrm"});
  REQUIRE_FALSE(built.empty());
  CHECK(built.front().technique_id == "psexec");
  CHECK(built.back().technique_id == "winrm");
  CHECK(built.size() == catalogue().find("psexec")->queries.size() + catalogue().find("winrm")->queries.size());
  CHECK(built.front().udm == catalogue().find("psexec")->queries.front().udm);
  CHECK(built.front().severity == Severity::high);
  CHECK(built.front().side == Side::target);
}

TEST_CASE("unknown technique ids are named and the valid ones listed") {
  const std::string e = invalid_argument_of({"psexec", "mimikatz", "telnet"});
  CHECK(e.rfind("skill.techniques.unknown_technique: unknown techniques \"mimikatz\", \"telnet\"; valid ids: psexec, impacket_psexec, ", 0) == 0);
  CHECK(e.find(", rdp") != std::string::npos);
  CHECK(invalid_argument_of({"PsExec"}).rfind("skill.techniques.unknown_technique: unknown technique \"PsExec\"; valid ids: ", 0) == 0);
}

TEST_CASE("the scope is combined as (<query>) AND (<scope>)") {
  const std::string scope = R"(principal.hostname = /^ws\d+/ nocase OR principal.ip = "10.1.2.3")";
  const auto built = build_queries({"rdp"}, scope);
  REQUIRE(built.size() == catalogue().find("rdp")->queries.size());
  for (std::size_t i = 0; i < built.size(); ++i) {
    CHECK(built[i].udm == "(" + catalogue().find("rdp")->queries[i].udm + ") AND (" + scope + ")");
    // The scope's OR stays inside its parentheses: the combined query is an AND of the two.
    const auto ast = lh::udm::parse_query(built[i].udm);
    CHECK(ast.kind == lh::udm::QueryNode::Kind::And);
  }
  // A blank scope leaves the queries unchanged.
  CHECK(build_queries({"rdp"}, "  \n")[0].udm == catalogue().find("rdp")->queries[0].udm);
}

TEST_CASE("a bad scope is a ParseError with the column inside the scope and the fix") {
  auto f = scope_failure(R"(principal.hostname CONTAINS "ws")");
  CHECK(f.column == 20);
  CHECK(f.message == "in the scope: UDM search has no CONTAINS; write field = /value/ nocase");

  f = scope_failure(R"(principal.hostname = "a" AND target.ip IN ("10.0.0.1", "10.0.0.2"))");
  CHECK(f.column == 40);
  CHECK(f.message == "in the scope: UDM search has no IN (...) list; write field = /^(a|b)$/ nocase or use an OR group");

  f = scope_failure(R"(principal.hostnme = "a")");
  CHECK(f.column == 1);
  CHECK(f.message.rfind("in the scope: ", 0) == 0);
  CHECK(f.message.find("principal.hostname") != std::string::npos);  // the suggestion

  f = scope_failure(R"((principal.hostname = "a")");
  CHECK(f.column >= 1);
  CHECK(f.message.rfind("in the scope: ", 0) == 0);

  // An attempt to escape the parentheses is a parse error, not a wider query.
  f = scope_failure(R"(principal.hostname = "a") OR (metadata.event_type = "PROCESS_LAUNCH")");
  CHECK(f.column == 25);
  CHECK(f.message.rfind("in the scope: ", 0) == 0);

  CHECK_NOTHROW(validate_scope(""));
  CHECK_THROWS_AS(validate_scope("target.port = \"x\""), lh::udm::ParseError);
}

TEST_CASE("time frames") {
  TimeFrame frame;
  frame.hours_back = 24;
  frame.start_time = "2020-09-20T00:00:00Z";
  frame.end_time = "2020-09-21T00:00:00Z";
  const auto built = build_queries({"wmi"}, {}, frame);
  CHECK(built.front().time_frame.hours_back == 24);
  CHECK(built.front().time_frame.start_time == frame.start_time);

  TimeFrame bad;
  bad.hours_back = 0;
  CHECK(invalid_argument_of({}, bad) == "skill.techniques.time_frame: hours_back must be a positive number of hours, got 0");
  bad.hours_back = 1;
  bad.start_time = "yesterday";
  CHECK(invalid_argument_of({}, bad).rfind("skill.techniques.time_frame: start_time \"yesterday\" is not RFC 3339", 0) == 0);
  bad.start_time = "2020-09-21T00:00:00Z";
  bad.end_time = "2020-09-20T00:00:00Z";
  CHECK(invalid_argument_of({}, bad).rfind("skill.techniques.time_frame: end_time 2020-09-20T00:00:00Z is before start_time", 0) == 0);
}
