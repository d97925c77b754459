#include "udm/query_compiler.hpp"
#include "udm/query_parser.hpp"
#include "udm/query_printer.hpp"
#include "udm/quote.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <random>

using namespace lh::udm;

namespace {

// Same tree shape and fields; only literal texts may differ.
bool same_shape(const QueryNode& a, const QueryNode& b) {
    if (a.kind != b.kind || a.children.size() != b.children.size()) return false;
    if (a.kind == QueryNode::Kind::Condition) {
        const auto& x = a.condition;
        const auto& y = b.condition;
        if (x.field != y.field || x.op != y.op || x.kind != y.kind || x.nocase != y.nocase || x.key != y.key) return false;
    }
    for (std::size_t i = 0; i < a.children.size(); ++i) {
        if (!same_shape(a.children[i], b.children[i])) return false;
    }
    return true;
}

std::vector<std::string> hostile_values() {
    std::vector<std::string> values{
        "",
        "\"",
        "\\",
        "\\\\",
        "\\\"",
        "/",
        "\\/",
        "a/b/c",
        ") OR (",
        "\" OR principal.hostname = \"",
        "x\" OR principal.hostname = /.*/ OR principal.hostname = \"",
        "\") OR NOT (target.port = 1",
        "/ OR principal.hostname = /.",
        "line1\nline2",
        "tab\there",
        "cr\rlf\n",
        "C:\\Windows\\System32\\cmd.exe",
        "%COMSPEC% /Q /c echo ^> \\\\127.0.0.1\\C$\\__output 2^>^&1",
        "cmd.exe /Q /c whoami 1> \\\\127.0.0.1\\ADMIN$\\__1600000000.5 2>&1",
        ".*",
        "^$",
        "a|b",
        "(a)",
        "[a-z]+",
        "{1,2}",
        "$HOME",
        "100% sure",
        "%list",
        "nocase",
        "AND",
        "a AND b",
        "NOT",
        "x\" nocase",
        "-",
        "a-b",
        "?*+.",
        "\\Q\\E",
        "\\x41",
        "\\p{L}",
        "\xc3\xa9t\xc3\xa9",                      // été
        "\xe2\x80\xae" "evil",                    // right-to-left override
        "\xf0\x9f\x92\xa5 boom",                  // emoji
        "\xe4\xb8\xad\xe6\x96\x87",               // 中文
        "WS01.CORP.LOCAL",
        "  spaces  ",
        "\"\"\"",
        "\\\\\\\"",
        "//",
        "/*",
        "*/",
        "'single'",
        "#",
        "&&",
        "||",
        "!=",
        "==",
        "<>",
        "[\"k\"]",
        "labels[\"a\"]",
    };
    // Random mixes of the dangerous characters.
    std::mt19937 rng(12345);
    const std::string alphabet = "\"\\/()|.*+?[]{}^$-%! ANDORTnocase\n\t\xc3\xa9=<>";
    std::uniform_int_distribution<std::size_t> length(1, 24);
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    for (int i = 0; i < 400; ++i) {
        std::string v;
        const auto n = length(rng);
        for (std::size_t j = 0; j < n; ++j) v += alphabet[pick(rng)];
        // Avoid cutting the two-byte é in half: values must stay valid UTF-8 for RE2.
        std::string clean;
        for (std::size_t j = 0; j < v.size(); ++j) {
            if (v[j] == '\xc3') {
                clean += "\xc3\xa9";
                if (j + 1 < v.size() && v[j + 1] == '\xa9') ++j;
            } else if (v[j] != '\xa9') {
                clean += v[j];
            }
        }
        values.push_back(clean);
    }
    return values;
}

}  // namespace

TEST_CASE("quote_string and quote_regex_literal") {
    CHECK(quote_string("abc") == "\"abc\"");
    CHECK(quote_string("C:\\x \"q\"") == R"("C:\\x \"q\"")");
    CHECK(quote_string("a\nb\tc\rd") == R"("a\nb\tc\rd")");
    CHECK_THROWS_AS(quote_string(std::string("a\0b", 3)), std::invalid_argument);
    CHECK_THROWS_AS(quote_string("\x1b[0m"), std::invalid_argument);
    CHECK(quote_regex_literal("a.b/c") == R"(a\.b\/c)");
    CHECK(quote_regex_literal("(x|y)*") == R"(\(x\|y\)\*)");
    CHECK(quote_regex_literal("\x01") == R"(\x{01})");
    CHECK(quote_regex_literal("\xc3\xa9") == "\xc3\xa9");
    CHECK_THROWS_AS(quote_regex_literal("\xc3"), std::invalid_argument);
    CHECK_THROWS_AS(quote_regex_literal("a\xff"), std::invalid_argument);
    CHECK_THROWS_AS(quote_regex_literal("\xed\xa0\x80"), std::invalid_argument);  // surrogate
    CHECK_THROWS_AS(any_of("principal.hostname", {"ok", "\xc0\xaf"}), std::invalid_argument);  // overlong "/"
    CHECK(field_equals("principal.hostname", "ws\"01") == R"(principal.hostname = "ws\"01")");
    CHECK(field_equals("principal.hostname", "ws01", true) == R"(principal.hostname = "ws01" nocase)");
    CHECK(any_of("target.process.file.full_path", {"C:\\a.exe", "b|c"}) ==
          R"(target.process.file.full_path = /^(C:\\a\.exe|b\|c)$/ nocase)");
    CHECK_THROWS_AS(any_of("target.hostname", {}), std::invalid_argument);
    CHECK_THROWS_AS(field_equals("target.proces.pid", "1"), std::invalid_argument);
    CHECK_THROWS_AS(field_equals("target.port", "1"), std::invalid_argument);
    CHECK_THROWS_AS(field_equals("metadata.event_type", "PROCESS_LAUNCH"), std::invalid_argument);
    CHECK(map_field_equals("additional.fields", "Initi\"ated", "false") == R"(additional.fields["Initi\"ated"] = "false")");
    CHECK_THROWS_AS(map_field_equals("target.hostname", "k", "v"), std::invalid_argument);
}

TEST_CASE("combine_with_scope parses both sides") {
    CHECK(combine_with_scope(R"(target.port = 445)", R"(principal.hostname = "a" OR principal.hostname = "b")") ==
          R"((target.port = 445) AND (principal.hostname = "a" OR principal.hostname = "b"))");
    const auto combined = parse_query(combine_with_scope("target.port = 445 OR target.port = 139", R"(principal.hostname = "a")"));
    REQUIRE(combined.kind == QueryNode::Kind::And);
    CHECK(combined.children[0].kind == QueryNode::Kind::Or);
    CHECK(combine_with_scope("target.port = 445", "  ") == "target.port = 445");
    try {
        combine_with_scope("target.port = 445", R"(principal.hostname = "a" OR)");
        FAIL("expected a ParseError");
    } catch (const ParseError& e) {
        CHECK(e.column() == 28);
        CHECK(std::string(e.what()) == "col 28: in the scope: expected a condition after OR");
    }
    try {
        combine_with_scope("target.port = ", R"(principal.hostname = "a")");
        FAIL("expected a ParseError");
    } catch (const ParseError& e) {
        CHECK(std::string(e.what()) == R"(col 15: expected a value after "=")");
    }
    // A scope trying to escape its parentheses does not parse on its own.
    CHECK_THROWS_AS(combine_with_scope("target.port = 445", R"(principal.hostname = "a") OR (target.port = 1)"),
                    ParseError);
}

TEST_CASE("injection: hostile values keep the query's shape and match exactly themselves") {
    const auto benign_eq = parse_query(field_equals("principal.hostname", "benign"));
    const auto benign_eq_nocase = parse_query(field_equals("principal.hostname", "benign", true));
    const auto benign_any = parse_query(any_of("principal.hostname", {"benign", "other"}));
    const auto benign_scope = parse_query(
        combine_with_scope(R"(metadata.event_type = "PROCESS_LAUNCH")", field_equals("principal.hostname", "benign")));
    const auto values = hostile_values();
    CHECK(values.size() >= 400);
    std::size_t tested = 0;
    std::size_t pinned_count = 0;
    for (const auto& value : values) {
        CAPTURE(value);
        const bool has_control = value.find_first_of(std::string("\x01\x02\x1b", 3)) != std::string::npos;
        if (has_control) continue;
        Event exact;
        exact.set("metadata.event_type", "PROCESS_LAUNCH").set("principal.hostname", value);
        Event other;
        other.set("metadata.event_type", "PROCESS_LAUNCH").set("principal.hostname", value + "x");
        Event prefixed;
        prefixed.set("metadata.event_type", "PROCESS_LAUNCH").set("principal.hostname", "x" + value);
        Event unrelated;
        unrelated.set("metadata.event_type", "PROCESS_LAUNCH").set("principal.hostname", "benign");

        // Exact string literal.
        const std::string eq_text = field_equals("principal.hostname", value);
        const auto eq = parse_query(eq_text);
        CHECK(same_shape(eq, benign_eq));
        CHECK(eq.condition.text == value);
        CHECK(parse_query(to_query_text(eq)) == eq);
        const auto eq_compiled = compile_query(eq);
        CHECK(eq_compiled.matches(exact));
        CHECK_FALSE(eq_compiled.matches(other));
        CHECK_FALSE(eq_compiled.matches(prefixed));
        CHECK(eq_compiled.matches(unrelated) == (value == "benign"));

        // nocase literal.
        const auto eq_nocase = parse_query(field_equals("principal.hostname", value, true));
        CHECK(same_shape(eq_nocase, benign_eq_nocase));
        CHECK(compile_query(eq_nocase).matches(exact));
        CHECK_FALSE(compile_query(eq_nocase).matches(other));

        // Escaped regex alternation: whole-value match of the value (and the second alternative).
        const auto any = parse_query(any_of("principal.hostname", {value, "other"}));
        CHECK(same_shape(any, benign_any));
        CHECK(parse_query(to_query_text(any)) == any);
        const auto any_compiled = compile_query(any);
        CHECK(any_compiled.matches(exact));
        CHECK_FALSE(any_compiled.matches(other));
        CHECK_FALSE(any_compiled.matches(prefixed));
        // Index pins must never exclude a matching event.
        if (const auto pinned = any_compiled.hints().strings_for(fields::principal_hostname)) {
            CHECK(pinned->nocase);
            const auto lower = [](std::string t) {
                for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                return t;
            };
            bool covered = false;
            for (const auto& v : pinned->values) covered = covered || lower(v) == lower(value);
            CHECK(covered);
            ++pinned_count;
        }

        // The value as the scope of another query.
        const auto scoped = parse_query(combine_with_scope(R"(metadata.event_type = "PROCESS_LAUNCH")",
                                                           field_equals("principal.hostname", value)));
        CHECK(same_shape(scoped, benign_scope));
        CHECK(compile_query(scoped).matches(exact));
        CHECK_FALSE(compile_query(scoped).matches(other));

        // Labels keyed by the hostile value.
        const auto label = parse_query(map_field_equals("target.labels", value, value));
        REQUIRE(label.kind == QueryNode::Kind::Condition);
        CHECK(label.condition.key == value);
        CHECK(label.condition.text == value);
        Event labelled;
        labelled.add_label(Noun::Target, value, value);
        CHECK(compile_query(label).matches(labelled));
        if (!value.empty()) CHECK_FALSE(compile_query(label).matches(other));  // "" also matches a missing label
        ++tested;
    }
    CHECK(tested >= 400);
    CHECK(pinned_count > 50);
}
