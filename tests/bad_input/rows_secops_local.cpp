// Bad inputs for secops-local's tools. Schema violations are refused by the MCP core ("Invalid arguments
// for tool T: <JSON path>: <rule>"); the rest answer in the upstream tools' own shapes: dict tools with an
// {"error": "..."} payload, text tools with their "Error ..." / "not found" sentences.
#include <fmt/format.h>

#include "tests/bad_input/catalogue.hpp"

namespace lh::test {
namespace {

constexpr const char* kBreakout = "x\" OR metadata.event_type = \"PROCESS_LAUNCH";

Expect refused_by_schema(const std::string& tool, const std::string& path, const std::string& rule) {
  return tool_error({"Invalid arguments for tool " + tool + ": ", path + ": " + rule});
}

std::string megabyte(char fill = 'A') { return std::string(std::size_t{1} << 20, fill); }

std::string call_with_raw_string(const std::string& tool, const std::string& before, const std::string& value,
                                 const std::string& after) {
  return R"({"jsonrpc":"2.0","id":{ID},"method":"tools/call","params":{"name":")" + tool + R"(","arguments":{)" +
         before + "\"" + value + "\"" + after + "}}}";
}

// The structured search result, or the reason there is none.
const Json* structured(const Json& result, std::string& problem) {
  if (!result.contains("structuredContent") || !result["structuredContent"].is_object()) {
    problem = "no structuredContent";
    return nullptr;
  }
  return &result["structuredContent"];
}

// A search that ran and found nothing: the value stayed one literal instead of widening the search.
std::function<std::string(const Json&)> searched_and_found_nothing() {
  return [](const Json& result) -> std::string {
    std::string problem;
    const Json* content = structured(result, problem);
    if (!content) return problem;
    if (content->contains("error")) return "the search failed: " + (*content)["error"].dump();
    if (!(*content)["events"].empty()) {
      return fmt::format("the search matched {} events: the value changed the query", (*content)["events"].size());
    }
    return {};
  };
}

// search_udm's error payload names the column.
std::function<std::string(const Json&)> search_error_at(int column) {
  return [column](const Json& result) -> std::string {
    std::string problem;
    const Json* content = structured(result, problem);
    if (!content) return problem;
    const std::string error = content->value("error", "");
    const std::string wanted = fmt::format("search_udm: invalid UDM query: col {}:", column);
    if (error.rfind(wanted, 0) != 0) return fmt::format("wanted an error starting \"{}\", got {}", wanted, content->dump());
    if (!(*content)["events"].empty()) return "events came back with the error";
    return {};
  };
}

}  // namespace

std::vector<Row> secops_local_rows() {
  std::vector<Row> rows;
  auto add = [&rows](Row row) { rows.push_back(std::move(row)); };
  using C = Category;

  // ---- wrong types
  add({"query as a number", C::wrong_type, "search_udm", {{"query", 5}},
       {}, refused_by_schema("search_udm", "arguments.query", "must be string, got integer")});
  add({"hours_back as a string", C::wrong_type, "search_udm", {{"query", "metadata.event_type = \"USER_LOGIN\""}, {"hours_back", "24"}},
       {}, refused_by_schema("search_udm", "arguments.hours_back", "must be integer, got string")});
  add({"entity value as a list", C::wrong_type, "lookup_entity", {{"entity_value", {"WKS-017"}}},
       {}, refused_by_schema("lookup_entity", "arguments.entity_value", "must be string, got array")});
  add({"case id as a number", C::wrong_type, "get_case_full_details", {{"case_id", 5}},
       {}, refused_by_schema("get_case_full_details", "arguments.case_id", "must be string, got integer")});
  add({"page token as a number", C::wrong_type, "list_cases", {{"next_page_token", 123}},
       {}, refused_by_schema("list_cases", "arguments.next_page_token", "must match at least one schema in anyOf")});
  add({"entries as a string", C::wrong_type, "create_reference_list", {{"name", "hosts"}, {"description", "d"}, {"entries", "a"}},
       {}, refused_by_schema("create_reference_list", "arguments.entries", "must be array, got string")});
  add({"is_suspicious as a string", C::wrong_type, "search_entity", {{"is_suspicious", "yes"}},
       {}, refused_by_schema("search_entity", "arguments.is_suspicious", "must match at least one schema in anyOf")});
  add({"max_alerts as a string", C::wrong_type, "get_security_alerts", {{"max_alerts", "ten"}},
       {}, refused_by_schema("get_security_alerts", "arguments.max_alerts", "must be integer, got string")});
  add({"include_entries as a number", C::wrong_type, "get_reference_list", {{"name", "x"}, {"include_entries", 1}},
       {}, refused_by_schema("get_reference_list", "arguments.include_entries", "must be boolean, got integer")});

  // ---- out-of-range numbers
  add({"negative hours_back", C::out_of_range, "search_udm", {{"query", "metadata.event_type = \"USER_LOGIN\""}, {"hours_back", -5}},
       {}, tool_result({"hours_back must be"})});
  add({"hours_back beyond any clock", C::out_of_range, "search_udm",
       {{"query", "metadata.event_type = \"USER_LOGIN\""}, {"hours_back", 4000000000000000LL}},
       {}, tool_result({"hours_back must be"})});
  add({"max_events 0", C::out_of_range, "search_udm", {{"query", "metadata.event_type = \"USER_LOGIN\""}, {"max_events", 0}},
       {}, tool_result({"search_udm: max_events must be at least 1, got 0"})});
  add({"max_events 0 (natural-language search)", C::out_of_range, "search_security_events",
       {{"text", "metadata.event_type = \"USER_LOGIN\""}, {"max_events", 0}},
       {}, tool_result({"search_security_events: max_events must be at least 1, got 0"})});
  add({"hours_back 0 for IoC matches", C::out_of_range, "get_ioc_matches", {{"hours_back", 0}},
       {}, tool_result({"Error retrieving IoC matches: hours_back must be 1-878400, got 0"})});
  add({"negative max_alerts", C::out_of_range, "get_security_alerts", {{"max_alerts", -1}},
       {}, tool_result({"Error retrieving security alerts: max_alerts must be at least 1, got -1"})});
  add({"alert hours beyond any clock", C::out_of_range, "get_security_alerts", {{"hours_back", 4000000000000000LL}},
       {}, tool_result({"hours_back must be"})});
  add({"negative lookup hours", C::out_of_range, "lookup_entity", {{"entity_value", "WKS-017"}, {"hours_back", -1}},
       {}, tool_result({"hours_back must be"})});
  add({"hours_back as a fraction", C::out_of_range, "search_security_events", {{"text", "metadata.event_type = \"USER_LOGIN\""}, {"hours_back", 1.5}},
       {}, refused_by_schema("search_security_events", "arguments.hours_back", "must be integer, got number")});

  // ---- huge strings
  add({"1 MB entity value", C::huge, "lookup_entity", {{"entity_value", megabyte()}},
       {}, tool_result({"Error looking up entity: entity_value is 1048576 bytes long, more than 4096"})});
  add({"1 MB literal in a query", C::huge, "search_udm", {{"query", "principal.hostname = \"" + megabyte() + "\""}},
       {}, tool_result({}, searched_and_found_nothing())});
  add({"100000 nested parentheses", C::huge, "search_udm",
       {{"query", std::string(100000, '(') + "principal.hostname = \"A\"" + std::string(100000, ')')}},
       {}, tool_result({"search_udm: invalid UDM query"})});
  add({"1 MB comment on a missing case", C::huge, "post_case_comment", {{"case_id", "999999"}, {"comment", megabyte()}},
       {}, tool_result({"case 999999 not found"})});
  add({"HTTP body over the 4 MiB limit", C::huge, "get_threat_intel", {{"query", std::string(5u << 20, 'A')}},
       {}, http_status(413), Only::http});

  // ---- invalid UTF-8
  add({"raw 0xFF byte in a query", C::invalid_utf8, "", {},
       call_with_raw_string("search_udm", R"("query":)", "principal.hostname = \"\xff\"", ""), rpc_error(-32700, {"Parse error"})});
  add({"raw continuation byte alone", C::invalid_utf8, "", {},
       call_with_raw_string("lookup_entity", R"("entity_value":)", "WKS\x80", ""), rpc_error(-32700, {"Parse error"})});
  add({"escaped lone surrogate in a comment", C::invalid_utf8, "", {},
       call_with_raw_string("post_case_comment", R"("case_id":"1","comment":)", "\\udbff", ""), rpc_error(-32700, {"Parse error"})});
  add({"escaped NUL in a host name stays a value", C::invalid_utf8, "search_udm",
       {{"query", std::string("principal.hostname = \"WKS") + '\0' + "\""}},
       {}, tool_result({"search_udm: invalid UDM query"})});

  // ---- malformed UDM queries: the column is named
  add({"query ends after the operator", C::malformed_query, "search_udm", {{"query", "metadata.event_type = "}},
       {}, tool_result({"expected a value after"}, search_error_at(23))});
  add({"unknown field", C::malformed_query, "search_udm", {{"query", "principal.hostnme = \"A\""}},
       {}, tool_result({"principal.hostnme"}, search_error_at(1))});
  add({"unterminated string", C::malformed_query, "search_udm", {{"query", "principal.hostname = \"abc"}},
       {}, tool_result({}, search_error_at(22))});
  add({"bad regex", C::malformed_query, "search_udm", {{"query", "principal.hostname = /(/"}},
       {}, tool_result({}, search_error_at(22))});
  add({"dangling AND", C::malformed_query, "search_udm", {{"query", "principal.hostname = \"A\" AND"}},
       {}, tool_result({}, search_error_at(29))});
  add({"natural language instead of UDM", C::malformed_query, "search_security_events", {{"text", "show me psexec"}},
       {}, tool_result({"Use search_udm with a UDM query"})});
  add({"bad regex entry in a REGEX list", C::malformed_query, "create_reference_list",
       {{"name", "bad_patterns"}, {"description", "d"}, {"entries", {"("}}, {"syntax_type", "REGEX"}},
       {}, tool_result({"Error creating reference list bad_patterns"})});
  add({"status filter with an OR", C::malformed_query, "get_security_alerts", {{"status_filter", "status = \"OPEN\" OR 1=1"}},
       {}, tool_result({"unsupported status_filter"})});
  add({"unknown reference list", C::malformed_query, "search_udm", {{"query", "principal.hostname in %no_such_list"}},
       {}, tool_result({"no_such_list"}, search_error_at(23))});

  // ---- injection: refused, or kept one value
  add({"breakout as an entity", C::injection, "lookup_entity", {{"entity_value", kBreakout}},
       {}, tool_result({"No information found for entity"})});
  add({"regex as an entity", C::injection, "lookup_entity", {{"entity_value", "/.*/"}},
       {}, tool_result({"No information found for entity: /.*/"})});
  add({"breakout after a logon id", C::injection, "lookup_entity", {{"entity_value", "0x3e7\" OR principal.user.userid = /.*/"}},
       {}, tool_result({"No information found for entity"})});
  add({"wildcard as an entity", C::injection, "lookup_entity", {{"entity_value", "*"}},
       {}, tool_result({"No information found for entity: *"})});
  add({"escaped quote stays inside the literal", C::injection, "search_udm",
       {{"query", "principal.hostname = \"x\\\" OR metadata.event_type = \\\"PROCESS_LAUNCH\""}},
       {}, tool_result({}, searched_and_found_nothing())});
  add({"regex as a search term", C::injection, "search_entity", {{"term", ".*"}},
       {}, tool_result({"\"totalRecordsCount\": 0"})});
  add({"breakout as a list name", C::injection, "get_reference_list", {{"name", "x\" OR \"1\"=\"1"}},
       {}, tool_result({"was not found"})});
  add({"SQL in a list name", C::injection, "create_reference_list",
       {{"name", "a; DROP TABLE reference_lists"}, {"description", "d"}, {"entries", {"a"}}},
       {}, tool_result({"Error creating reference list", "the name must start with a letter"})});
  add({"SQL in a case id", C::injection, "get_case_full_details", {{"case_id", "1 OR 1=1"}},
       {}, tool_result({"case_id \\\"1 OR 1=1\\\" is not a case id"})});
  add({"SQL in a comment's case id", C::injection, "post_case_comment", {{"case_id", "1; DROP TABLE cases"}, {"comment", "x"}},
       {}, tool_result({"is not a case id"})});
  add({"quote in a hash", C::injection, "get_file_report", {{"hash", "' OR '1'='1"}},
       {}, tool_error({"get_file_report: hash:", "is not an MD5, SHA-1 or SHA-256 hex digest"})});
  add({"breakout in a domain", C::injection, "get_domain_report", {{"domain", "evil.com\" OR \"1\"=\"1"}},
       {}, tool_error({"get_domain_report: domain:"})});
  add({"newline after an IP", C::injection, "get_ip_address_report", {{"ip_address", "10.0.0.1\nOR 1=1"}},
       {}, tool_error({"get_ip_address_report: ip_address:", "is not an IPv4 or IPv6 address"})});
  add({"backslashes in a threat-intel question", C::injection, "get_threat_intel", {{"query", "\\\\\" OR \\n /.*/"}},
       {}, tool_result({})});

  // ---- nonexistent ids
  add({"no such case", C::nonexistent_id, "get_case_full_details", {{"case_id", "999999"}},
       {}, tool_result({"999999"})});
  add({"comment on no such case", C::nonexistent_id, "post_case_comment", {{"case_id", "999999"}, {"comment", "x"}},
       {}, tool_result({"case 999999 not found"})});
  add({"priority of no such case", C::nonexistent_id, "change_case_priority", {{"case_id", "999999"}, {"case_priority", "PriorityHigh"}},
       {}, tool_result({"case 999999 not found"})});
  add({"no such reference list", C::nonexistent_id, "get_reference_list", {{"name", "no_such_list"}},
       {}, tool_result({"Reference list \"no_such_list\" was not found."})});
  add({"forged page token", C::nonexistent_id, "list_cases", {{"next_page_token", "bogus"}},
       {}, tool_result({"\"error\""})});

  // ---- missing required fields
  add({"query missing", C::missing_field, "search_udm", Json::object(),
       {}, refused_by_schema("search_udm", "arguments", "missing required property \"query\"")});
  add({"comment missing", C::missing_field, "post_case_comment", {{"case_id", "1"}},
       {}, refused_by_schema("post_case_comment", "arguments", "missing required property \"comment\"")});
  add({"question missing", C::missing_field, "get_threat_intel", Json::object(),
       {}, refused_by_schema("get_threat_intel", "arguments", "missing required property \"query\"")});
  add({"hash missing", C::missing_field, "get_file_report", {{"sha256", "00"}},
       {}, refused_by_schema("get_file_report", "arguments", "missing required property \"hash\"")});

  // ---- unknown extra fields
  add({"misspelt max_events", C::unknown_field, "search_udm", {{"query", "metadata.event_type = \"USER_LOGIN\""}, {"max_event", 5}},
       {}, refused_by_schema("search_udm", "arguments.max_event", "unexpected property (search_udm takes ")});
  add({"hours instead of hours_back", C::unknown_field, "lookup_entity", {{"entity_value", "WKS-017"}, {"hours", 5}},
       {}, refused_by_schema("lookup_entity", "arguments.hours", "unexpected property")});
  add({"priority instead of case_priority", C::unknown_field, "change_case_priority",
       {{"case_id", "1"}, {"case_priority", "PriorityHigh"}, {"priority", "PriorityLow"}},
       {}, refused_by_schema("change_case_priority", "arguments.priority", "unexpected property")});

  // ---- empty strings
  add({"empty query", C::empty_string, "search_udm", {{"query", ""}},
       {}, tool_result({"search_udm: query is empty"})});
  add({"empty entity", C::empty_string, "lookup_entity", {{"entity_value", ""}},
       {}, tool_result({"entity_value"})});
  add({"empty question", C::empty_string, "get_threat_intel", {{"query", ""}},
       {}, tool_result({"Error getting threat intelligence: query is empty"})});
  add({"empty case id", C::empty_string, "get_case_full_details", {{"case_id", ""}},
       {}, tool_result({"case_id \\\"\\\" is not a case id"})});
  add({"empty list name", C::empty_string, "create_reference_list", {{"name", ""}, {"description", ""}, {"entries", Json::array()}},
       {}, tool_result({"Error creating reference list", "the name must start with a letter"})});
  add({"empty hash", C::empty_string, "get_file_report", {{"hash", ""}},
       {}, tool_error({"get_file_report: hash: must be a non-empty string"})});

  // ---- null
  add({"null query", C::null_value, "search_udm", {{"query", nullptr}},
       {}, refused_by_schema("search_udm", "arguments.query", "must be string, got null")});
  add({"null priority", C::null_value, "change_case_priority", {{"case_id", "1"}, {"case_priority", nullptr}},
       {}, refused_by_schema("change_case_priority", "arguments.case_priority", "must be string, got null")});
  add({"null entries", C::null_value, "create_reference_list", {{"name", "n"}, {"description", "d"}, {"entries", nullptr}},
       {}, refused_by_schema("create_reference_list", "arguments.entries", "must be array, got null")});
  add({"null tenant where a string is declared", C::null_value, "search_security_events",
       {{"text", "metadata.event_type = \"USER_LOGIN\""}, {"region", nullptr}},
       {}, refused_by_schema("search_security_events", "arguments.region", "must be string, got null")});

  // ---- protocol
  add({"batch of one", C::protocol, "", {}, R"([{"jsonrpc":"2.0","id":{ID},"method":"ping"}])", rpc_error(-32600)});
  add({"method that is not a string", C::protocol, "", {}, R"({"jsonrpc":"2.0","id":{ID},"method":5})", rpc_error(-32600)});
  add({"id without a method", C::protocol, "", {}, R"({"jsonrpc":"2.0","id":{ID}})", rpc_error(-32600)});
  add({"unknown method", C::protocol, "", {}, R"({"jsonrpc":"2.0","id":{ID},"method":"cases/delete_all"})", rpc_error(-32601)});
  return rows;
}

}  // namespace lh::test
