// The correlation builders take values from events and users. Whatever a value holds, the query keeps the
// shape the builder intends: same conditions, fields, operators and literal kinds; only literal texts change.
#include <doctest/doctest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "skill/techniques/catalogue.hpp"
#include "skill/techniques/correlation_queries.hpp"
#include "udm/query_compiler.hpp"
#include "udm/query_parser.hpp"

using namespace lh::skill::techniques;
using lh::udm::QueryNode;

namespace {

// The tree without literal texts.
std::string shape(const QueryNode& node) {
  switch (node.kind) {
    case QueryNode::Kind::Condition: {
      const auto& c = node.condition;
      return "C(" + std::to_string(c.field) + "[" + c.key + "]" + std::to_string(static_cast<int>(c.op)) + "," +
             std::to_string(static_cast<int>(c.kind)) + (c.nocase ? ",i" : "") + ")";
    }
    case QueryNode::Kind::Not: return "NOT(" + shape(node.children.at(0)) + ")";
    case QueryNode::Kind::And:
    case QueryNode::Kind::Or: {
      std::string out = node.kind == QueryNode::Kind::And ? "AND(" : "OR(";
      for (const auto& child : node.children) out += shape(child) + ";";
      return out + ")";
    }
  }
  return {};
}

std::string shape_of(const std::string& query) { return shape(lh::udm::parse_query(query)); }

const std::vector<std::string>& hostile_values() {
  static const std::vector<std::string> values = {
      R"(x" OR metadata.event_type = "PROCESS_LAUNCH)",
      R"(x\" OR principal.ip = \"1)",
      R"(a\)",
      R"(\)",
      R"(")",
      R"(/ OR principal.hostname = /.*)",
      R"(x) OR (principal.ip = "1")",
      R"(ws1" nocase OR target.ip = "10.0.0.1)",
      R"(0x3e7"] = "x" OR target.labels["TargetLogonId)",
      R"(.*)",
      R"(^$|.*)",
      R"(%known_services)",
      R"(a]b[c)",
      R"(WORKSTATION6.theshire.local)",
      R"(é-ünïcode)",
      "tab\there",
      "line\nbreak",
      R"(\x{41})",
      R"(10.0.0.1/8)",
      R"(' OR 1=1 --)",
  };
  return values;
}

// Builds with a benign value and with each hostile one in the same slot; every build either throws
// std::invalid_argument or parses to the benign build's shape.
void check_slot(const std::string& slot, const std::function<std::string(const std::string&)>& build) {
  const std::string benign = build("benign");
  const std::string expected = shape_of(benign);
  for (const auto& value : hostile_values()) {
    INFO(slot << " <- " << value);
    std::string query;
    try {
      query = build(value);
    } catch (const std::invalid_argument&) {
      continue;
    }
    INFO("query: " << query);
    REQUIRE_NOTHROW(lh::udm::parse_query(query));
    CHECK(shape_of(query) == expected);
  }
}

}  // namespace

TEST_CASE("every builder parameter keeps the query's shape against hostile values") {
  const std::vector<int> smb{445};
  const PortProfile& rpc = catalogue().find("wmi")->port_profile;
  check_slot("network_to_host.target_ip", [&](const std::string& v) { return network_to_host(v, "10.0.0.5", smb); });
  check_slot("network_to_host.source_ip", [&](const std::string& v) { return network_to_host("10.0.0.6", v, smb); });
  check_slot("network_to_host(profile).target_ip", [&](const std::string& v) { return network_to_host(v, "10.0.0.5", rpc); });
  check_slot("network_to_host(profile).source_ip", [&](const std::string& v) { return network_to_host("10.0.0.6", v, rpc); });
  check_slot("logon_session.host", [](const std::string& v) { return logon_session(v, "0x2074186"); });
  check_slot("logon_session.logon_id", [](const std::string& v) { return logon_session("WORKSTATION6", v); });
  check_slot("network_logons.host", [](const std::string& v) { return network_logons(v, "10.0.0.5", 50123); });
  check_slot("network_logons.source_ip", [](const std::string& v) { return network_logons("WORKSTATION6", v, 50123); });
  check_slot("service_installs_in_logon.host", [](const std::string& v) { return service_installs_in_logon(v, "0x1"); });
  check_slot("service_installs_in_logon.logon_id", [](const std::string& v) { return service_installs_in_logon("h", v); });
  check_slot("process_by_parent.host", [](const std::string& v) { return process_by_parent(v, R"(\\services\.exe$)"); });
  check_slot("process_by_parent.parent_regex", [](const std::string& v) { return process_by_parent("h", v); });
  check_slot("process_by_parent_image.host", [](const std::string& v) { return process_by_parent_image(v, "services.exe"); });
  check_slot("process_by_parent_image.parent_image", [](const std::string& v) { return process_by_parent_image("h", v); });
  check_slot("share_access_from.host", [](const std::string& v) { return share_access_from(v, "10.0.0.5"); });
  check_slot("share_access_from.source_ip", [](const std::string& v) { return share_access_from("h", v); });
  check_slot("client_commands_naming.source_host", [](const std::string& v) { return client_commands_naming(v, "WS6"); });
  check_slot("client_commands_naming.target_host", [](const std::string& v) { return client_commands_naming("WS5", v); });
  check_slot("host_condition", [](const std::string& v) { return host_condition(v); });
}

TEST_CASE("a parent regex reaches RE2 unchanged including its slashes") {
  for (const std::string regex : {R"(\\services\.exe$)", R"(a/ OR principal.hostname = /b)", R"(^c:\\windows\\(system32|syswow64)\\wbem/x)",
                                  R"(x\/y)"}) {
    INFO(regex);
    const auto ast = lh::udm::parse_query(process_by_parent("h", regex));
    REQUIRE(ast.kind == QueryNode::Kind::And);
    const auto& last = ast.children.back().condition;
    CHECK(last.kind == lh::udm::LiteralKind::Regex);
    std::string expected = regex;
    for (auto at = expected.find("\\/"); at != std::string::npos; at = expected.find("\\/")) expected.erase(at, 1);
    CHECK(last.text == expected);
  }
  CHECK_THROWS_WITH_AS(process_by_parent("h", "(unclosed"), doctest::Contains("skill.techniques.query: parent regex /(unclosed/ is not RE2"),
                       std::invalid_argument);
  CHECK_THROWS_AS(process_by_parent("h", "trailing\\"), std::invalid_argument);
}

TEST_CASE("builder queries match literally") {
  // A host name full of regex metacharacters matches only itself (short or with a domain suffix).
  const auto query = lh::udm::compile_query(logon_session("ws1.*", "0x3E7"));
  lh::udm::Event hit;
  hit.set("principal.hostname", "ws1.*").set("target.labels[\"TargetLogonId\"]", "0x3e7");
  lh::udm::Event also_hit;
  also_hit.set("principal.hostname", "WS1.corp.local").set("principal.labels[\"SubjectLogonId\"]", "0x3e7");
  lh::udm::Event miss;
  miss.set("principal.hostname", "ws1x").set("target.labels[\"TargetLogonId\"]", "0x3e7");
  lh::udm::Event other_session;
  other_session.set("principal.hostname", "ws1").set("target.labels[\"TargetLogonId\"]", "0x3e8");
  // "ws1.*" is read as host "ws1" in domain "*": the short name is what is compared.
  CHECK(query.matches(hit));
  CHECK(query.matches(also_hit));
  CHECK_FALSE(query.matches(miss));
  CHECK_FALSE(query.matches(other_session));
}

TEST_CASE("builder output") {
  CHECK(network_to_host("172.18.39.6", "172.18.39.5", std::vector<int>{445}) ==
        R"(metadata.event_type = "NETWORK_CONNECTION" AND target.ip = "172.18.39.6" AND principal.ip = "172.18.39.5" AND (target.port = 445))");
  CHECK(network_to_host("172.18.39.6", "172.18.39.5", catalogue().find("wmi")->port_profile) ==
        R"(metadata.event_type = "NETWORK_CONNECTION" AND target.ip = "172.18.39.6" AND principal.ip = "172.18.39.5" AND )"
        R"((target.port = 135 OR (target.port >= 49152 AND target.port <= 65535)))");
  CHECK(host_condition("WORKSTATION6.theshire.local") == R"(principal.hostname = /^WORKSTATION6(\.|$)/ nocase)");
  CHECK(host_condition("172.18.39.6") == R"(principal.hostname = /^172\.18\.39\.6(\.|$)/ nocase)");
  CHECK(network_logons("WORKSTATION6", "172.18.39.5", 50123).find("principal.port = 50123") != std::string::npos);
  CHECK_THROWS_AS(network_to_host("a", "b", std::vector<int>{70000}), std::invalid_argument);
  CHECK_THROWS_AS(network_to_host("a", "b", std::vector<int>{}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(logon_session("h", " "), "skill.techniques.query: logon id must not be empty", std::invalid_argument);
  CHECK_THROWS_AS(network_logons("h", "10.0.0.1", -1), std::invalid_argument);
}
