// Bad inputs for lateral-hunt's seven tools. Schema violations are refused by the MCP core before a
// tool runs ("Invalid arguments for tool T: <JSON path>: <rule>"); what the schema cannot see is refused
// by the tool with "skill.workflow.invalid_argument: <argument>: <problem> (fix: ...)".
#include <fmt/format.h>

#include "tests/bad_input/catalogue.hpp"

namespace lh::test {
namespace {

constexpr const char* kInvalid = "skill.workflow.invalid_argument";
// The classic breakout: close the literal, widen the search to every process launch.
constexpr const char* kBreakout = "x\" OR metadata.event_type = \"PROCESS_LAUNCH";

std::string schema_error(const std::string& tool) { return "Invalid arguments for tool " + tool + ": "; }

Expect refused_by_schema(const std::string& tool, const std::string& path, const std::string& rule) {
  return tool_error({schema_error(tool), path + ": " + rule});
}

Expect refused_by_tool(const std::string& argument, std::vector<std::string> more = {}) {
  std::vector<std::string> text = {fmt::format("{}: {}", kInvalid, argument)};
  text.insert(text.end(), more.begin(), more.end());
  return tool_error(std::move(text));
}

std::string megabyte(char fill = 'A') { return std::string(std::size_t{1} << 20, fill); }

// A tools/call line with `value` (raw bytes, not escaped) spliced in as a JSON string.
std::string call_with_raw_string(const std::string& tool, const std::string& before, const std::string& value,
                                 const std::string& after) {
  return R"({"jsonrpc":"2.0","id":{ID},"method":"tools/call","params":{"name":")" + tool + R"(","arguments":{)" +
         before + "\"" + value + "\"" + after + "}}}";
}

// Every built query is the technique's own query in parentheses AND the scope in parentheses: the
// scope narrowed each query and changed nothing else.
std::function<std::string(const Json&)> scope_stays_one_condition(const std::string& scope) {
  return [scope](const Json& result) -> std::string {
    const Json& queries = result["structuredContent"]["queries"];
    if (!queries.is_array() || queries.empty()) return "no queries in structuredContent";
    const std::string suffix = ") AND (" + scope + ")";
    for (const auto& query : queries) {
      const std::string udm = query.value("udm", "");
      if (udm.size() <= suffix.size() || udm.front() != '(' ||
          udm.compare(udm.size() - suffix.size(), suffix.size(), suffix) != 0) {
        return "query does not end with the parenthesised scope: " + udm;
      }
      // The technique's part keeps balanced parentheses of its own (quotes and regexes skipped).
      int depth = 0;
      bool in_string = false, in_regex = false;
      const std::string head = udm.substr(1, udm.size() - suffix.size() - 1);
      for (std::size_t i = 0; i < head.size(); ++i) {
        const char c = head[i];
        if ((in_string || in_regex) && c == '\\') {
          ++i;
        } else if (in_string) {
          in_string = c != '"';
        } else if (in_regex) {
          in_regex = c != '/';
        } else if (c == '"') {
          in_string = true;
        } else if (c == '/') {
          in_regex = true;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')' && --depth < 0) {
          return "the scope closed the query's parentheses: " + udm;
        }
      }
      if (depth != 0) return "unbalanced query: " + udm;
    }
    return {};
  };
}

// enrich_entities looked the value up as one value: the same string back, found nowhere.
std::function<std::string(const Json&)> looked_up_literally(const std::string& value) {
  return [value](const Json& result) -> std::string {
    const Json& entities = result["structuredContent"]["entities"];
    if (!entities.is_array() || entities.size() != 1) return "wanted one entity: " + result.dump().substr(0, 400);
    if (entities[0].value("value", "") != value) return "the value changed: " + entities[0].dump();
    if (entities[0].value("status", "") != "not_found") return "a literal value matched something: " + entities[0].dump();
    return {};
  };
}

}  // namespace

std::vector<Row> lateral_hunt_rows() {
  std::vector<Row> rows;
  auto add = [&rows](Row row) { rows.push_back(std::move(row)); };
  using C = Category;
  const std::string lmh = "lateral_movement_hunt", bhq = "build_hunt_queries", smb = "correlate_smb",
                    research = "research_techniques", enrich = "enrich_entities", related = "find_related_cases",
                    document = "document_hunt";

  // ---- wrong types
  add({"time_frame_hours as a string", C::wrong_type, lmh, {{"time_frame_hours", "72"}},
       {}, refused_by_schema(lmh, "arguments.time_frame_hours", "must be number, got string")});
  add({"document as a string", C::wrong_type, lmh, {{"document", "yes"}},
       {}, refused_by_schema(lmh, "arguments.document", "must be boolean, got string")});
  add({"techniques as a string, not a list", C::wrong_type, bhq, {{"techniques", "psexec"}},
       {}, refused_by_schema(bhq, "arguments.techniques", "must be array, got string")});
  add({"source as a number", C::wrong_type, smb, {{"source", 10}, {"target", "10.0.0.1"}},
       {}, refused_by_schema(smb, "arguments.source", "must be string, got integer")});
  add({"ports as strings", C::wrong_type, smb, {{"source", "10.0.0.1"}, {"target", "10.0.0.2"}, {"ports", {"445"}}},
       {}, refused_by_schema(smb, "arguments.ports[0]", "must be integer, got string")});
  add({"technique id as a boolean", C::wrong_type, research, {{"techniques", {true}}},
       {}, refused_by_schema(research, "arguments.techniques[0]", "must be string, got boolean")});
  add({"entity as a number", C::wrong_type, enrich, {{"entities", {42}}},
       {}, refused_by_schema(enrich, "arguments.entities[0]", "must match exactly one schema in oneOf")});
  add({"max_cases as a fraction", C::wrong_type, related, {{"entities", {"WKS-017"}}, {"max_cases", 1.5}},
       {}, refused_by_schema(related, "arguments.max_cases", "must be integer, got number")});
  add({"report_id as a list", C::wrong_type, document, {{"report_id", {"x"}}, {"case_id", "1"}},
       {}, refused_by_schema(document, "arguments.report_id", "must be string, got array")});

  // ---- out-of-range numbers
  add({"negative hours", C::out_of_range, lmh, {{"time_frame_hours", -1}},
       {}, refused_by_schema(lmh, "arguments.time_frame_hours", "must be > 0")});
  add({"more hours than a year", C::out_of_range, lmh, {{"time_frame_hours", 8761}},
       {}, refused_by_schema(lmh, "arguments.time_frame_hours", "must be <= 8760")});
  add({"max_events_per_query 0", C::out_of_range, lmh, {{"max_events_per_query", 0}},
       {}, refused_by_schema(lmh, "arguments.max_events_per_query", "must be >= 1")});
  add({"max_events_per_query huge", C::out_of_range, lmh, {{"max_events_per_query", 1000000000000LL}},
       {}, refused_by_schema(lmh, "arguments.max_events_per_query", "must be <= 10000")});
  add({"fan_out_hosts 1", C::out_of_range, lmh, {{"fan_out_hosts", 1}},
       {}, refused_by_schema(lmh, "arguments.fan_out_hosts", "must be >= 2")});
  add({"hours 0", C::out_of_range, bhq, {{"time_frame_hours", 0}},
       {}, refused_by_schema(bhq, "arguments.time_frame_hours", "must be > 0")});
  add({"window 0 s and port 70000", C::out_of_range, smb,
       {{"source", "10.0.0.1"}, {"target", "10.0.0.2"}, {"window_seconds", 0}, {"ports", {70000}}},
       {}, tool_error({schema_error(smb), "arguments.ports[0]: must be <= 65535", "arguments.window_seconds: must be >= 1"})});
  add({"enrichment hours beyond a year", C::out_of_range, enrich, {{"entities", {"WKS-017"}}, {"hours_back", 9000}},
       {}, refused_by_schema(enrich, "arguments.hours_back", "must be <= 8760")});
  add({"max_cases 0", C::out_of_range, related, {{"entities", {"WKS-017"}}, {"max_cases", 0}},
       {}, refused_by_schema(related, "arguments.max_cases", "must be >= 1")});
  add({"end_time before start_time", C::out_of_range, bhq,
       {{"start_time", "2024-03-05T12:00:00Z"}, {"end_time", "2024-03-05T10:00:00Z"}},
       {}, refused_by_tool("start_time/end_time", {"is before start_time"})});
  add({"start_time not RFC 3339", C::out_of_range, lmh, {{"start_time", "yesterday"}},
       {}, refused_by_tool("start_time", {"\"yesterday\" is not"})});

  // ---- huge strings (each refused by its length rule, without echoing the value)
  add({"1 MB source host name", C::huge, smb, {{"source", megabyte()}, {"target", "10.0.0.1"}},
       {}, refused_by_schema(smb, "arguments.source", "must be at most 255 characters long")});
  add({"1 MB scope", C::huge, bhq, {{"target_scope_query", "principal.hostname = \"" + megabyte() + "\""}},
       {}, refused_by_schema(bhq, "arguments.target_scope_query", "must be at most 4000 characters long")});
  add({"1 MB hypothesis", C::huge, lmh, {{"hunt_hypothesis", megabyte()}},
       {}, refused_by_schema(lmh, "arguments.hunt_hypothesis", "must be at most 4000 characters long")});
  add({"1 MB entity", C::huge, enrich, {{"entities", {megabyte()}}},
       {}, refused_by_schema(enrich, "arguments.entities[0]", "must match exactly one schema in oneOf")});
  add({"5000 technique ids", C::huge, research,
       {{"techniques", [] {
          Json ids = Json::array();
          for (int i = 0; i < 5000; ++i) ids.push_back(fmt::format("T{}", i));
          return ids;
        }()}},
       {}, refused_by_schema(research, "arguments.techniques", "must contain at most 50 items, got 5000")});
  add({"HTTP body over the 4 MiB limit", C::huge, lmh, {{"hunt_hypothesis", std::string(5u << 20, 'A')}},
       {}, http_status(413), Only::http});

  // ---- invalid UTF-8 and escaped lone surrogates: the message is not JSON
  add({"raw 0xFF byte in a host name", C::invalid_utf8, "", {},
       call_with_raw_string(smb, "", "WKS\xff" "017", R"(,"target":"10.0.0.1")"), rpc_error(-32700, {"Parse error"})});
  add({"overlong encoding of '/'", C::invalid_utf8, "", {},
       call_with_raw_string(bhq, R"("target_scope_query":)", "principal.hostname = \xc0\xaf", ""), rpc_error(-32700, {"Parse error"})});
  add({"truncated 3-byte sequence", C::invalid_utf8, "", {},
       call_with_raw_string(enrich, R"("entities":[)", "ACME\\\\\xe2\x82", "]"), rpc_error(-32700, {"Parse error"})});
  add({"escaped lone high surrogate", C::invalid_utf8, "", {},
       call_with_raw_string(smb, R"("source":"10.0.0.1","target":)", "\\ud800", ""), rpc_error(-32700, {"Parse error"})});
  add({"escaped lone low surrogate", C::invalid_utf8, "", {},
       call_with_raw_string(research, R"("techniques":[)", "\\udc00psexec", "]"), rpc_error(-32700, {"Parse error"})});

  // ---- malformed scope queries: the argument and the column are named
  add({"scope ends after the operator", C::malformed_query, bhq, {{"target_scope_query", "principal.hostname = "}},
       {}, refused_by_tool("target_scope_query", {"col 22"})});
  add({"scope with an unknown field", C::malformed_query, bhq, {{"target_scope_query", "principal.hostnam = \"A\""}},
       {}, refused_by_tool("target_scope_query", {"col 1", "principal.hostnam"})});
  add({"scope with an unterminated string", C::malformed_query, lmh, {{"target_scope_query", "target.hostname = \"FILESRV01"}},
       {}, refused_by_tool("target_scope_query", {"col 19"})});
  add({"scope closing the query's parenthesis", C::malformed_query, lmh,
       {{"target_scope_query", "principal.hostname = \"A\") OR (metadata.event_type = \"PROCESS_LAUNCH\""}},
       {}, refused_by_tool("target_scope_query", {"col 25"})});
  add({"scope with a bad regex", C::malformed_query, bhq, {{"target_scope_query", "principal.hostname = /(/"}},
       {}, refused_by_tool("target_scope_query", {"col 22"})});

  // ---- injection: refused, or kept one value
  add({"breakout in source", C::injection, smb, {{"source", kBreakout}, {"target", "10.0.0.1"}},
       {}, refused_by_tool("source", {"is not a plain IP address or host name"})});
  add({"regex in target", C::injection, smb, {{"source", "10.0.0.1"}, {"target", "/.*/"}},
       {}, refused_by_tool("target", {"\"/.*/\" is not a plain IP address or host name"})});
  add({"newline in source IP", C::injection, smb, {{"source", "10.0.0.1\nOR target.port = 445"}, {"target", "10.0.0.2"}},
       {}, refused_by_tool("source", {"is not a plain IP address or host name"})});
  add({"backslash user as target", C::injection, smb, {{"source", "10.0.0.1"}, {"target", "ACME\\admin"}},
       {}, refused_by_tool("target", {"is not a plain IP address or host name"})});
  add({"broad but valid scope stays one condition", C::injection, bhq,
       {{"target_scope_query", "principal.hostname = \"A\" OR metadata.event_type = \"PROCESS_LAUNCH\""},
        {"techniques", {"psexec", "wmi"}}},
       {}, tool_result({"UDM queries"},
                       scope_stays_one_condition("principal.hostname = \"A\" OR metadata.event_type = \"PROCESS_LAUNCH\""))});
  add({"breakout as a host entity", C::injection, enrich, {{"entities", {{{"value", kBreakout}, {"type", "host"}}}}},
       {}, tool_result({}, looked_up_literally(kBreakout))});
  add({"regex as a hash entity", C::injection, enrich, {{"entities", {{{"value", "/.*/"}, {"type", "hash"}}}}},
       {}, tool_result({}, looked_up_literally("/.*/"))});
  add({"regex as a user", C::injection, enrich, {{"entities", {{{"value", "ACME\\.*"}, {"type", "user"}}}}},
       {}, tool_result({}, looked_up_literally("ACME\\.*"))});
  add({"wildcard entity matches no case", C::injection, related, {{"entities", {".*"}}},
       {}, tool_result({"0 related case(s)"})});
  add({"newline in an admin host", C::injection, lmh, {{"admin_hosts", {"ADMIN\nOR"}}},
       {}, refused_by_tool("admin_hosts[0]", {"must be a host name"})});
  add({"control character in the case id", C::injection, lmh, {{"hunt_case_id", "1\n2"}},
       {}, refused_by_tool("hunt_case_id", {"control characters"})});
  add({"breakout in a technique id", C::injection, research, {{"techniques", {"T1021.002\" OR \"1\"=\"1"}}},
       {}, refused_by_tool("techniques", {"unknown technique techniques[0]"})});
  add({"path in report_id", C::injection, document, {{"report_id", "../../etc/passwd"}, {"case_id", "1"}},
       {}, refused_by_schema(document, "arguments.report_id", "must match pattern")});

  // ---- unknown techniques
  add({"typo in a technique id", C::unknown_technique, bhq, {{"techniques", {"psexecc"}}},
       {}, refused_by_schema(bhq, "arguments.techniques[0]", "must be one of")});
  add({"unknown ATT&CK id in a hunt", C::unknown_technique, lmh, {{"techniques", {"T9999"}}},
       {}, refused_by_schema(lmh, "arguments.techniques[0]", "must be one of")});
  add({"ATT&CK id with a letter O for a zero", C::unknown_technique, research, {{"techniques", {"T1O21.002"}}},
       {}, refused_by_tool("techniques", {"unknown technique techniques[0] \"T1O21.002\""})});
  // A well-formed ATT&CK id outside the catalogue is researched as asked; the answer says nothing is known.
  add({"well-formed but unknown ATT&CK id", C::unknown_technique, research, {{"techniques", {"T9999.999"}}},
       {}, tool_result({"## T9999.999", "No bundled intelligence for \"MITRE T9999.999"})});

  // ---- nonexistent ids
  add({"no such report", C::nonexistent_id, document, {{"report_id", "does-not-exist"}, {"case_id", "1"}},
       {}, refused_by_tool("report_id", {"no stored report \"does-not-exist\""})});
  add({"no such case", C::nonexistent_id, document, {{"report_id", "{REPORT}"}, {"case_id", "999999"}},
       {}, tool_error({"document_hunt: posting report", "on case 999999 failed", "999999 not found"}), Only::both, true});
  add({"case id that is not a number", C::nonexistent_id, document, {{"report_id", "{REPORT}"}, {"case_id", "1 OR 1=1"}},
       {}, tool_error({"document_hunt: posting report", "\"1 OR 1=1\" is not a case id"}), Only::both, true});

  // ---- missing required fields
  add({"target missing", C::missing_field, smb, {{"source", "10.0.0.1"}},
       {}, refused_by_schema(smb, "arguments", "missing required property \"target\"")});
  add({"no arguments at all", C::missing_field, document, Json::object(),
       {}, tool_error({schema_error(document), "missing required property \"case_id\"", "missing required property \"report_id\""})});
  add({"entities missing", C::missing_field, enrich, {{"hours_back", 24}},
       {}, refused_by_schema(enrich, "arguments", "missing required property \"entities\"")});

  // ---- unknown extra fields
  add({"misspelt time_frame_hours", C::unknown_field, lmh, {{"time_frame_hour", 24}},
       {}, refused_by_schema(lmh, "arguments.time_frame_hour", "unexpected property")});
  add({"port instead of ports", C::unknown_field, smb, {{"source", "10.0.0.1"}, {"target", "10.0.0.2"}, {"port", 445}},
       {}, refused_by_schema(smb, "arguments.port", "unexpected property")});
  add({"extra key in an entity object", C::unknown_field, enrich, {{"entities", {{{"value", "WKS-017"}, {"kind", "host"}}}}},
       {}, refused_by_schema(enrich, "arguments.entities[0]", "must match exactly one schema in oneOf")});

  // ---- empty strings
  add({"empty source", C::empty_string, smb, {{"source", ""}, {"target", "10.0.0.1"}},
       {}, refused_by_schema(smb, "arguments.source", "must be at least 1 character long")});
  add({"empty entity", C::empty_string, related, {{"entities", {""}}},
       {}, refused_by_schema(related, "arguments.entities[0]", "must be at least 1 character long")});
  add({"no techniques", C::empty_string, research, {{"techniques", Json::array()}},
       {}, refused_by_schema(research, "arguments.techniques", "must contain at least 1 item, got 0")});
  add({"document on an empty case id", C::empty_string, lmh, {{"document", true}, {"hunt_case_id", ""}},
       {}, refused_by_tool("document", {"needs hunt_case_id"})});
  add({"blank admin host", C::empty_string, lmh, {{"admin_hosts", {"   "}}},
       {}, refused_by_tool("admin_hosts[0]", {"must be a host name"})});

  // ---- null
  add({"null hours", C::null_value, lmh, {{"time_frame_hours", nullptr}},
       {}, refused_by_schema(lmh, "arguments.time_frame_hours", "must be number, got null")});
  add({"null source", C::null_value, smb, {{"source", nullptr}, {"target", "10.0.0.1"}},
       {}, refused_by_schema(smb, "arguments.source", "must be string, got null")});
  add({"null entity list", C::null_value, related, {{"entities", nullptr}},
       {}, refused_by_schema(related, "arguments.entities", "must be array, got null")});
  add({"null arguments (treated as none)", C::null_value, "", {},
       R"({"jsonrpc":"2.0","id":{ID},"method":"tools/call","params":{"name":"correlate_smb","arguments":null}})",
       tool_error({schema_error(smb), "missing required property \"source\""})});

  // ---- protocol: the message around the arguments
  add({"arguments as a list", C::protocol, "", {},
       R"({"jsonrpc":"2.0","id":{ID},"method":"tools/call","params":{"name":"build_hunt_queries","arguments":[]}})",
       rpc_error(-32602, {"\"arguments\" must be an object"})});
  add({"unknown tool", C::protocol, "", {},
       R"({"jsonrpc":"2.0","id":{ID},"method":"tools/call","params":{"name":"drop_all_cases","arguments":{}}})",
       rpc_error(-32602, {"unknown tool \"drop_all_cases\""})});
  add({"not JSON at all", C::protocol, "", {}, "lateral_movement_hunt please", rpc_error(-32700, {"Parse error"})});
  add({"deeply nested arguments", C::protocol, "", {},
       R"({"jsonrpc":"2.0","id":{ID},"method":"tools/call","params":{"name":"build_hunt_queries","arguments":{"techniques":)" +
           std::string(100000, '[') + std::string(100000, ']') + "}}}",
       tool_error({schema_error(bhq), "arguments.techniques"})});
  add({"no such report resource", C::protocol, "", {},
       R"({"jsonrpc":"2.0","id":{ID},"method":"resources/read","params":{"uri":"hunt://reports/does-not-exist"}})",
       rpc_error(-32002, {"no stored hunt report"})});
  return rows;
}

}  // namespace lh::test
