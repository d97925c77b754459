#include "udm/query_parser.hpp"
#include "udm/query_printer.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

using namespace lh::udm;

namespace {

std::string error_of(std::string_view query) {
    try {
        parse_query(query);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "parsed";
}

Condition only_condition(const QueryNode& node) {
    REQUIRE(node.kind == QueryNode::Kind::Condition);
    return node.condition;
}

}  // namespace

TEST_CASE("each comparison operator") {
    const std::vector<std::pair<std::string, CompareOp>> cases{
        {"target.port = 445", CompareOp::Eq},  {"target.port != 445", CompareOp::Ne},
        {"target.port < 445", CompareOp::Lt},  {"target.port <= 445", CompareOp::Le},
        {"target.port > 445", CompareOp::Gt},  {"target.port >= 445", CompareOp::Ge},
        {"target.port>=445", CompareOp::Ge},
    };
    // Named references, not structured bindings: clang 14 cannot capture those in CAPTURE's lambda.
    for (const auto& entry : cases) {
        const auto& text = entry.first;
        const auto& op = entry.second;
        CAPTURE(text);
        const auto q = parse_query(text);
        const auto& c = only_condition(q);
        CHECK(c.field == field(Noun::Target, NounField::Port));
        CHECK(c.op == op);
        CHECK(c.kind == LiteralKind::Integer);
        CHECK(c.number == 445);
        CHECK(c.column == 1);
    }
    CHECK(only_condition(parse_query("target.port > -1")).number == -1);
}

TEST_CASE("string literals decode their escapes") {
    const auto q = parse_query(R"(target.process.file.full_path = "C:\\Windows\\x \"q\" \n\t\r")");
    const auto& c = only_condition(q);
    CHECK(c.kind == LiteralKind::String);
    CHECK(c.text == "C:\\Windows\\x \"q\" \n\t\r");
    CHECK(c.value_column == 33);
    CHECK_FALSE(c.nocase);
    CHECK(only_condition(parse_query(R"(principal.hostname = "WS01" nocase)")).nocase);
    CHECK(only_condition(parse_query(R"(principal.hostname = "WS01" NOCASE)")).nocase);
    CHECK(only_condition(parse_query(R"(principal.hostname = "")")).text.empty());
    CHECK(only_condition(parse_query("principal.hostname = \"h\xc3\xa9llo\"")).text == "h\xc3\xa9llo");
}

TEST_CASE("regex literals: slash escapes decoded, RE2 escapes kept, nocase") {
    const auto& c = only_condition(parse_query(R"(target.file.full_path = /C:\/Windows\/.*\.exe$/ nocase)"));
    CHECK(c.kind == LiteralKind::Regex);
    CHECK(c.text == R"(C:/Windows/.*\.exe$)");
    CHECK(c.nocase);
    const auto& d = only_condition(parse_query(R"(target.file.full_path != /\\\/x/)"));
    CHECK(d.op == CompareOp::Ne);
    CHECK(d.text == R"(\\/x)");
}

TEST_CASE("enum, bool-free catalogue and timestamps") {
    const auto& e = only_condition(parse_query(R"(metadata.event_type = "PROCESS_LAUNCH")"));
    CHECK(e.kind == LiteralKind::Enum);
    CHECK(e.number == ordinal(EventType::PROCESS_LAUNCH));
    const auto& m = only_condition(parse_query(R"(extensions.auth.mechanism != "REMOTE_INTERACTIVE")"));
    CHECK(m.op == CompareOp::Ne);
    CHECK(m.number == ordinal(AuthMechanism::REMOTE_INTERACTIVE));
    const auto& t = only_condition(parse_query(R"(metadata.event_timestamp >= "2020-09-20T10:11:12Z")"));
    CHECK(t.kind == LiteralKind::String);
    CHECK(t.number == 1600596672000000);
    const auto& s = only_condition(parse_query("metadata.event_timestamp < 1600596672"));
    CHECK(s.kind == LiteralKind::Integer);
}

TEST_CASE("map fields take a quoted key") {
    const auto& l = only_condition(parse_query(R"(target.labels["TargetLogonId"] = "0x3e7")"));
    CHECK(l.field == field(Noun::Target, NounField::Labels));
    CHECK(l.key == "TargetLogonId");
    const auto& a = only_condition(parse_query(R"(additional.fields["Initiated"] = /^f/ nocase)"));
    CHECK(a.field == fields::additional_fields);
    CHECK(a.key == "Initiated");
    CHECK(a.kind == LiteralKind::Regex);
    const auto& k = only_condition(parse_query(R"(principal.labels["a \"b\" \\c"] = "x")"));
    CHECK(k.key == "a \"b\" \\c");
}

TEST_CASE("reference lists") {
    const auto& c = only_condition(parse_query("principal.hostname in %admin_hosts"));
    CHECK(c.op == CompareOp::InList);
    CHECK(c.kind == LiteralKind::ListRef);
    CHECK(c.text == "admin_hosts");
    CHECK(c.value_column == 23);
    CHECK(only_condition(parse_query("principal.hostname IN %admins nocase")).nocase);
    CHECK(only_condition(parse_query("target.port in %ports")).kind == LiteralKind::ListRef);
}

TEST_CASE("boolean structure: precedence NOT > AND > OR, implicit AND, flattening") {
    const auto q = parse_query(R"(principal.hostname = "a" OR target.hostname = "b" AND NOT target.port = 1)");
    REQUIRE(q.kind == QueryNode::Kind::Or);
    REQUIRE(q.children.size() == 2);
    CHECK(q.children[0].kind == QueryNode::Kind::Condition);
    REQUIRE(q.children[1].kind == QueryNode::Kind::And);
    CHECK(q.children[1].children[1].kind == QueryNode::Kind::Not);

    const auto implicit = parse_query(R"(principal.hostname = "a" target.hostname = "b" target.port = 3)");
    REQUIRE(implicit.kind == QueryNode::Kind::And);
    CHECK(implicit.children.size() == 3);
    CHECK(implicit == parse_query(R"(principal.hostname = "a" AND target.hostname = "b" AND target.port = 3)"));
    CHECK(implicit == parse_query(R"((principal.hostname = "a" AND target.hostname = "b") AND target.port = 3)"));

    const auto grouped = parse_query(R"((principal.hostname = "a" OR target.hostname = "b") target.port = 3)");
    REQUIRE(grouped.kind == QueryNode::Kind::And);
    CHECK(grouped.children[0].kind == QueryNode::Kind::Or);

    CHECK(parse_query(R"(not principal.hostname = "a" and target.port = 1 or target.port = 2)") ==
          parse_query(R"(((NOT principal.hostname = "a") AND target.port = 1) OR target.port = 2)"));
    const auto double_not = parse_query(R"(NOT NOT principal.hostname = "a")");
    CHECK(double_not.kind == QueryNode::Kind::Not);
    CHECK(double_not.children[0].kind == QueryNode::Kind::Not);
    CHECK(parse_query(R"(((principal.hostname = "a")))").kind == QueryNode::Kind::Condition);
    const auto nested = parse_query(R"(NOT (principal.hostname = "a" OR principal.hostname = "b"))");
    CHECK(nested.children[0].kind == QueryNode::Kind::Or);
}

TEST_CASE("malformed queries: exact column and message") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"(metadata.event_type = "PROCESS_LAUNCH" AND target.process.command_line CONTAINS "psexec")",
         "col 72: UDM search has no CONTAINS; write field = /value/ nocase"},
        {R"(target.process.file.full_path IN ("cmd.exe", "powershell.exe"))",
         "col 31: UDM search has no IN (...) list; write field = /^(a|b)$/ nocase or use an OR group"},
        {R"(target.proces.command_line = "x")",
         R"(col 1: unknown field "target.proces.command_line" (did you mean "target.process.command_line"?))"},
        {R"(target.process.commandLine = "x")",
         R"(col 1: unknown field "target.process.commandLine" (did you mean "target.process.command_line"?))"},
        {R"(foo = "x")", R"(col 1: unknown field "foo")"},
        {"metadata.event_type = /PROCESS/", "col 23: regex is not allowed on enum field metadata.event_type"},
        {R"(principal.hostname = "a" AND principal.hostname = "abc)", "col 51: unterminated string"},
        {"a = ", R"(col 1: unknown field "a")"},
        {"principal.hostname =", R"(col 21: expected a value after "=")"},
        {"target.port != ", R"(col 16: expected a value after "!=")"},
        {R"(principal.hostname = AND target.port = 1)", R"(col 22: expected a value after "=")"},
        {R"(metadata.event_type = "process_launch")",
         R"(col 23: "process_launch" is not a valid event type value (did you mean "PROCESS_LAUNCH"?))"},
        {R"(extensions.auth.mechanism = "NETWRK")",
         R"(col 29: "NETWRK" is not a valid auth mechanism value (did you mean "NETWORK"?))"},
        {R"(metadata.event_type = "XYZZY_FOO_BAR")",
         R"(col 23: "XYZZY_FOO_BAR" is not a valid event type value for metadata.event_type)"},
        {R"(target.port = "445")", "col 15: target.port is an integer field; write the number without quotes"},
        {"target.hostname = 445", R"(col 19: target.hostname is a string field; quote the value: "445")"},
        {"metadata.event_type = 2", R"(col 23: metadata.event_type is an enum field; write a quoted event type value such as "PROCESS_UNCATEGORIZED")"},
        {R"(principal.hostname == "a")", "col 20: UDM search has no ==; write ="},
        {R"(principal.hostname = "a" && target.hostname = "b")", R"(col 26: unexpected "&"; write AND)"},
        {R"(principal.hostname = "a" || target.hostname = "b")", R"(col 26: unexpected "|"; write OR)"},
        {R"(principal.hostname = "a" ! target.hostname = "b")", R"(col 26: unexpected "!"; write NOT or !=)"},
        {R"(principal.hostname <> "a")", "col 20: UDM search has no <>; write !="},
        {R"((principal.hostname = "a")", R"x(col 26: expected ")" to close the "(" at col 1, got the end of the query)x"},
        {R"(principal.hostname = "a"))", R"x(col 25: unmatched ")")x"},
        {R"(principal.hostname = "a" AND)", "col 29: expected a condition after AND"},
        {R"(AND principal.hostname = "a")", "col 1: expected a condition before AND"},
        {"NOT", "col 4: expected a condition after NOT"},
        {R"(principal.hostname = "a" OR OR target.hostname = "b")", "col 29: expected a condition after OR"},
        {R"(principal.hostname "a")",
         R"(col 20: expected an operator (= != < <= > >=) after principal.hostname, got the string "a")"},
        {R"(principal.labels = "x")", R"(col 1: principal.labels is a map; write principal.labels["key"])"},
        {R"(principal.hostname["k"] = "x")", R"(col 1: principal.hostname is not a map field and takes no ["key"])"},
        {R"(principal.labels["k" = "x")", R"(col 22: expected "]" after the key)"},
        {R"(principal.labels[k] = "x")", R"(col 18: expected a quoted key inside [...], e.g. principal.labels["key"])"},
        {"target.port = 44a", R"(col 15: unquoted value 44a; write "44a")"},
        {R"(principal.hostname > "a")", "col 20: principal.hostname is a string field; > needs an integer field"},
        {"target.port = /44/", "col 15: regex is not allowed on integer field target.port"},
        {"principal.hostname = /abc", "col 22: unterminated regex"},
        {"principal.hostname = /(/", "col 22: invalid regex /(/: missing ): ("},
        {"principal.hostname = //", "col 22: empty regex //"},
        {R"(principal.hostname = "C:\Windows")", R"(col 25: unknown escape \W in a string; write \\ for a backslash)"},
        {"principal.hostname = 'abc'", R"(col 22: strings use double quotes: write "...")"},
        {"principal.hostname = abc", R"(col 22: unquoted value abc; write "abc")"},
        {"metadata.event_type = PROCESS_LAUNCH", R"(col 23: unquoted value PROCESS_LAUNCH; write "PROCESS_LAUNCH")"},
        {"principal.ip = 10.0.0.5", R"(col 16: unquoted value 10.0.0.5; write "10.0.0.5")"},
        {"target.port = 445 nocase", "col 19: nocase only follows a string or a regex"},
        {R"(metadata.event_type = "PROCESS_LAUNCH" nocase)",
         "col 40: nocase is not allowed on enum field metadata.event_type; enum values are upper case"},
        {R"(principal.hostname = "a" nocase nocase)", "col 33: nocase must directly follow a string or regex value"},
        {"principal.hostname in %", "col 23: expected a reference list name after %"},
        {R"(principal.hostname in "x")", R"(col 23: expected a reference list (%name) after in, got the string "x")"},
        {"metadata.event_type in %types",
         "col 21: reference lists only apply to string and integer fields; metadata.event_type is enum"},
        {"target.port = 99999999999999999999999", "col 15: integer 99999999999999999999999 is out of range"},
        {"()", "col 2: empty parentheses"},
        {"", "col 1: empty query"},
        {"   ", "col 4: empty query"},
        {R"("abc")", R"(col 1: expected a field path, got the string "abc"; a condition is field = value)"},
        {R"(principal.hostname LIKE "%a%")", "col 20: UDM search has no LIKE; write field = /regex/ nocase"},
        {R"(principal.hostname = "a" NOT)", "col 29: expected a condition after NOT"},
        {R"(metadata.event_type < "PROCESS_LAUNCH")", "col 21: enum field metadata.event_type only takes = and !="},
        {"principal.hostname < /a/", "col 20: a regex takes = or !=, not <"},
        {R"(principal.hostname = /a/ <)", R"(col 26: unexpected "<"; expected AND, OR or another condition)"},
        {R"(principal.hostname = "a\")", "col 22: unterminated string"},
        {"principal.hostname = \"a\nb\"", R"(col 24: line break inside a string; write \n)"},
        {R"(metadata.event_timestamp > "2020-01-01")",
         R"(col 28: "2020-01-01" is not an RFC 3339 time such as "2020-09-20T10:11:12Z")"},
        {"target.port = true", "col 15: target.port is an integer field, not a bool field"},
        {"principal.hostname = \"\xc3\xa9\" AND \xc3\xbcnknown = \"x\"", "col 30: unexpected character '\xc3\xbc'"},
        {R"(principal.hostname = "a" , target.port = 1)", R"(col 26: unexpected ","; expected AND, OR or another condition)"},
        {R"(net.ip_in_range(principal.ip, "10.0.0.0/8"))",
         R"(col 1: unknown function net.ip_in_range; the supported function is net.ip_in_range_cidr(field, "10.0.0.0/8"))"},
        {R"(principal.hostname ("a"))", R"(col 20: expected an operator (= != < <= > >=) after principal.hostname, got "(")"},
        {R"(net.ip_in_range_cidr(principal.ip "10.0.0.0/8"))",
         R"(col 35: expected "," after principal.ip, got the string "10.0.0.0/8")"},
        {R"(net.ip_in_range_cidr(principal.ip, "10.0.0.0/33"))",
         R"(col 36: "10.0.0.0/33" is not a CIDR range such as "10.0.0.0/8")"},
        {R"(net.ip_in_range_cidr(target.port, "10.0.0.0/8"))",
         "col 22: net.ip_in_range_cidr needs a string field holding IP addresses; target.port is integer"},
        {R"(net.ip_in_range_cidr(principal.ip, 10))",
         "col 36: expected a quoted CIDR range such as \"10.0.0.0/8\", got the number 10"},
        {R"(net.ip_in_range_cidr(principal.ip, "10.0.0.0/8")", R"x(col 48: expected ")" to close net.ip_in_range_cidr(, got the end of the query)x"},
    };
    CHECK(cases.size() >= 40);
    for (const auto& entry : cases) {
        const auto& query = entry.first;
        const auto& expected = entry.second;
        CAPTURE(query);
        CHECK(error_of(query) == expected);
    }
}

TEST_CASE("ParseError exposes column and message separately") {
    try {
        parse_query("target.port = /4/");
        FAIL("expected a ParseError");
    } catch (const ParseError& e) {
        CHECK(e.column() == 15);
        CHECK(e.message() == "regex is not allowed on integer field target.port");
        CHECK(std::string(e.what()) == "col 15: regex is not allowed on integer field target.port");
    }
}

TEST_CASE("canonical printer round trips") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"(principal.hostname="a")", R"(principal.hostname = "a")"},
        {R"(principal.hostname = "a" target.hostname = "b")", R"(principal.hostname = "a" AND target.hostname = "b")"},
        {R"(not principal.hostname = "a" and target.port >= 49152 or target.port <= -1)",
         R"(NOT principal.hostname = "a" AND target.port >= 49152 OR target.port <= -1)"},
        {R"((a.b = 1))", ""},
        {R"(principal.hostname = "a" AND (target.hostname = "b" OR target.hostname = "c") AND NOT (principal.ip = "1" AND principal.ip = "2"))",
         R"(principal.hostname = "a" AND (target.hostname = "b" OR target.hostname = "c") AND NOT (principal.ip = "1" AND principal.ip = "2"))"},
        {R"(NOT (principal.ip = "1" OR principal.ip = "2"))", R"(NOT (principal.ip = "1" OR principal.ip = "2"))"},
        {R"((principal.ip = "1" OR principal.ip = "2") OR principal.ip = "3")",
         R"(principal.ip = "1" OR principal.ip = "2" OR principal.ip = "3")"},
        {R"(target.process.file.full_path = /\\(cmd|powershell|pwsh)\.exe$/ NOCASE)",
         R"(target.process.file.full_path = /\\(cmd|powershell|pwsh)\.exe$/ nocase)"},
        {R"(target.file.full_path = /C:\/Windows\/x\\/)", R"(target.file.full_path = /C:\/Windows\/x\\/)"},
        {R"(target.file.full_path = "C:\\Windows\\\"q\"\n\t")", R"(target.file.full_path = "C:\\Windows\\\"q\"\n\t")"},
        {R"(principal.labels["Sub\"ject"] = "0x3e7" additional.fields["Initiated"] = "false" nocase)",
         R"(principal.labels["Sub\"ject"] = "0x3e7" AND additional.fields["Initiated"] = "false" nocase)"},
        {"principal.hostname in %admins NOCASE", "principal.hostname in %admins nocase"},
        {"principal.hostname IN REGEX %tools target.ip in cidr %nets", "principal.hostname in regex %tools AND target.ip in cidr %nets"},
        {R"(NOT net.ip_in_range_cidr( principal.ip ,"10.0.0.0/8" ) target.port = 445)",
         R"(NOT net.ip_in_range_cidr(principal.ip, "10.0.0.0/8") AND target.port = 445)"},
        {R"(metadata.event_type = "USER_LOGIN" extensions.auth.mechanism = "NETWORK" security_result.action != "BLOCK")",
         R"(metadata.event_type = "USER_LOGIN" AND extensions.auth.mechanism = "NETWORK" AND security_result.action != "BLOCK")"},
        {R"(metadata.event_timestamp > "2020-09-20T10:11:12.5+02:00" metadata.event_timestamp < 1600000000)",
         R"(metadata.event_timestamp > "2020-09-20T10:11:12.5+02:00" AND metadata.event_timestamp < 1600000000)"},
        {R"(NOT NOT principal.hostname = "a")", R"(NOT NOT principal.hostname = "a")"},
        {R"(NOT (principal.hostname = "a" principal.ip = "b") OR NOT target.port = 3)",
         R"(NOT (principal.hostname = "a" AND principal.ip = "b") OR NOT target.port = 3)"},
    };
    for (const auto& entry : cases) {
        const auto& query = entry.first;
        const auto& expected = entry.second;
        if (expected.empty()) continue;
        CAPTURE(query);
        const QueryNode ast = parse_query(query);
        const std::string printed = to_query_text(ast);
        CHECK(printed == expected);
        const QueryNode reparsed = parse_query(printed);
        CHECK(reparsed == ast);
        CHECK(to_query_text(reparsed) == printed);
    }
}

TEST_CASE("deep nesting is refused, not a stack overflow") {
    std::string deep(5000, '(');
    deep += "target.port = 1";
    deep += std::string(5000, ')');
    CHECK(error_of(deep) == "col 201: query nested deeper than 200 levels of parentheses and NOT");
    std::string nots;
    for (int i = 0; i < 300; ++i) nots += "NOT ";
    nots += "target.port = 1";
    CHECK(error_of(nots) == "col 801: query nested deeper than 200 levels of parentheses and NOT");
    std::string ok(150, '(');
    ok += "target.port = 1";
    ok += std::string(150, ')');
    CHECK(error_of(ok) == "parsed");
    std::string long_chain = "target.port = 0";
    for (int i = 1; i < 5000; ++i) long_chain += " OR target.port = " + std::to_string(i);
    const auto q = parse_query(long_chain);
    CHECK(q.children.size() == 5000);
}

TEST_CASE("random queries and mutations never crash: they parse and round-trip, or fail with a column in range") {
    const std::vector<std::string> conditions{
        R"(principal.hostname = "a")", "target.port >= 445", R"(metadata.event_type = "PROCESS_LAUNCH")",
        R"(principal.labels["k"] = "v" nocase)", R"(additional.fields["x"] != /a\/b/)", "target.port in %ports",
        R"(target.process.command_line = /\\cmd\.exe/ nocase)", R"(principal.ip != "10.0.0.1")",
    };
    const std::vector<std::string> noise{
        "=", "!=", "<", "\"", "/", "\\", "(", ")", "AND", "OR", "NOT", "nocase", "in", "%", ",", "[", "]",
        "CONTAINS", "\xc3\xa9", "==", "'", "445", "x",
    };
    std::uint32_t state = 7;
    auto next = [&state]() {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    std::function<std::string(int)> generate = [&](int depth) -> std::string {
        const auto choice = depth > 3 ? 0 : next() % 5;
        switch (choice) {
            case 1: return generate(depth + 1) + " AND " + generate(depth + 1);
            case 2: return generate(depth + 1) + " OR " + generate(depth + 1);
            case 3: return "NOT " + generate(depth + 1);
            case 4: return "(" + generate(depth + 1) + ") " + generate(depth + 1);
            default: return conditions[next() % conditions.size()];
        }
    };
    int parsed = 0;
    int failed = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string query = generate(0);
        if (next() % 2 == 0) {
            const auto at = next() % (query.size() + 1);
            if (next() % 2 == 0) {
                query.insert(at, noise[next() % noise.size()]);
            } else if (at < query.size()) {
                query.erase(at, 1 + next() % 3);
            }
        }
        CAPTURE(query);
        try {
            const auto ast = parse_query(query);
            ++parsed;
            CHECK(parse_query(to_query_text(ast)) == ast);
        } catch (const ParseError& e) {
            ++failed;
            CHECK(e.column() >= 1);
            CHECK(e.column() <= query.size() + 1);
        }
    }
    CHECK(parsed > 100);
    CHECK(failed > 100);
}
