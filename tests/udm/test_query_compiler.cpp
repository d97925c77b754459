#include "udm/query_compiler.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace lh::udm;

namespace {

Event psexec_launch() {
    Event e(1600596672123000);
    e.set("metadata.event_type", "PROCESS_LAUNCH")
        .set("metadata.product_event_type", "1")
        .set("principal.hostname", "WS01.corp.local")
        .set("principal.ip", "10.0.0.5")
        .set("principal.ip", "fe80::1")
        .set("principal.process.file.full_path", "C:\\Windows\\System32\\services.exe")
        .set("target.process.file.full_path", "C:\\Windows\\PSEXESVC.exe")
        .set("target.process.command_line", "C:\\Windows\\PSEXESVC.exe -accepteula")
        .set("target.port", 445)
        .set("target.labels[\"TargetLogonId\"]", "0x1A2B")
        .set("additional.fields[\"Initiated\"]", "false")
        .set("security_result.action", "ALLOW")
        .set("security_result.action", "QUARANTINE")
        .set("extensions.auth.mechanism", "NETWORK");
    return e;
}

bool matches(std::string_view query, const EventView& e, const ReferenceListLookup& lists = {}) {
    return compile_query(query, lists).matches(e);
}

}  // namespace

TEST_CASE("string equality is whole-value and case-sensitive unless nocase") {
    const Event e = psexec_launch();
    CHECK(matches(R"(principal.hostname = "WS01.corp.local")", e));
    CHECK_FALSE(matches(R"(principal.hostname = "ws01.corp.local")", e));
    CHECK(matches(R"(principal.hostname = "ws01.CORP.local" nocase)", e));
    CHECK_FALSE(matches(R"(principal.hostname = "WS01")", e));
    CHECK(matches(R"(principal.hostname != "WS02")", e));
    CHECK_FALSE(matches(R"(principal.hostname != "ws01.corp.local" nocase)", e));
    CHECK(matches(R"(target.process.file.full_path = "C:\\Windows\\PSEXESVC.exe")", e));
}

TEST_CASE("regex is RE2 substring, anchors and nocase honoured") {
    const Event e = psexec_launch();
    CHECK(matches("target.process.command_line = /accepteula/", e));
    CHECK_FALSE(matches("target.process.command_line = /ACCEPTEULA/", e));
    CHECK(matches("target.process.command_line = /ACCEPTEULA/ nocase", e));
    CHECK_FALSE(matches("target.process.command_line = /^accepteula/", e));
    CHECK(matches(R"(target.process.file.full_path = /\\psexesvc\.exe$/ nocase)", e));
    CHECK(matches(R"(target.process.file.full_path = /^C:\\Windows\\/)", e));
    CHECK(matches("target.process.command_line != /mimikatz/", e));
    CHECK_FALSE(matches("target.process.command_line != /psexesvc/ nocase", e));
    CHECK(matches(R"(principal.process.file.full_path = /\\(services|svchost)\.exe$/ nocase)", e));
}

TEST_CASE("repeated fields match any element, also for !=") {
    const Event e = psexec_launch();
    CHECK(matches(R"(principal.ip = "10.0.0.5")", e));
    CHECK(matches(R"(principal.ip = "fe80::1")", e));
    CHECK_FALSE(matches(R"(principal.ip = "10.0.0.6")", e));
    // Chronicle: != on a repeated field holds when ANY element differs.
    CHECK(matches(R"(principal.ip != "10.0.0.5")", e));
    CHECK_FALSE(matches(R"(NOT principal.ip = "10.0.0.5")", e));
    CHECK(matches(R"(principal.ip = /^fe80:/)", e));
    CHECK(matches(R"(security_result.action = "QUARANTINE")", e));
    CHECK(matches(R"(security_result.action != "ALLOW")", e));
    Event single;
    single.set("principal.ip", "10.0.0.5");
    CHECK_FALSE(matches(R"(principal.ip != "10.0.0.5")", single));
}

TEST_CASE("missing fields compare as their default value") {
    const Event e = psexec_launch();
    CHECK(matches(R"(target.hostname = "")", e));
    CHECK(matches(R"(target.hostname != "x")", e));
    CHECK_FALSE(matches(R"(target.hostname = "x")", e));
    CHECK(matches("principal.port = 0", e));
    CHECK_FALSE(matches("principal.port > 0", e));
    CHECK(matches(R"(network.direction != "INBOUND")", e));
    CHECK(matches(R"(network.direction = "UNKNOWN_DIRECTION")", e));
    CHECK_FALSE(matches("target.hostname = /./", e));
    CHECK(matches("target.hostname != /./", e));
}

TEST_CASE("integers compare numerically") {
    const Event e = psexec_launch();
    CHECK(matches("target.port = 445", e));
    CHECK(matches("target.port != 446", e));
    CHECK(matches("target.port >= 445", e));
    CHECK(matches("target.port <= 445", e));
    CHECK(matches("target.port > 139", e));
    CHECK_FALSE(matches("target.port < 445", e));
    CHECK_FALSE(matches("target.port >= 49152", e));
}

TEST_CASE("enums compare by value") {
    const Event e = psexec_launch();
    CHECK(matches(R"(metadata.event_type = "PROCESS_LAUNCH")", e));
    CHECK_FALSE(matches(R"(metadata.event_type = "NETWORK_CONNECTION")", e));
    CHECK(matches(R"(metadata.event_type != "NETWORK_CONNECTION")", e));
    CHECK(matches(R"(extensions.auth.mechanism = "NETWORK")", e));
    CHECK_FALSE(matches(R"(extensions.auth.mechanism = "REMOTE_INTERACTIVE")", e));
}

TEST_CASE("labels and additional fields by key") {
    const Event e = psexec_launch();
    CHECK(matches(R"(target.labels["TargetLogonId"] = "0x1A2B")", e));
    CHECK(matches(R"(target.labels["TargetLogonId"] = "0x1a2b" nocase)", e));
    CHECK_FALSE(matches(R"(target.labels["SubjectLogonId"] = "0x1A2B")", e));
    CHECK_FALSE(matches(R"(principal.labels["TargetLogonId"] = "0x1A2B")", e));
    CHECK(matches(R"(target.labels["Other"] = "")", e));
    CHECK(matches(R"(additional.fields["Initiated"] = "false")", e));
    CHECK(matches(R"(additional.fields["Initiated"] = /^F/ nocase)", e));
    CHECK_FALSE(matches(R"(additional.fields["Initiated"] = "true")", e));
}

TEST_CASE("timestamps") {
    const Event e = psexec_launch();  // 2020-09-20T10:11:12.123Z
    CHECK(matches(R"(metadata.event_timestamp > "2020-09-20T10:11:12Z")", e));
    CHECK(matches(R"(metadata.event_timestamp < "2020-09-20T10:11:12.124Z")", e));
    CHECK(matches(R"(metadata.event_timestamp = "2020-09-20T12:11:12.123+02:00")", e));
    CHECK(matches("metadata.event_timestamp >= 1600596672", e));
    CHECK_FALSE(matches("metadata.event_timestamp < 1600596672", e));
}

TEST_CASE("boolean structure evaluates with precedence") {
    const Event e = psexec_launch();
    CHECK(matches(R"(metadata.event_type = "PROCESS_LAUNCH" target.port = 445)", e));
    CHECK_FALSE(matches(R"(metadata.event_type = "PROCESS_LAUNCH" target.port = 139)", e));
    CHECK(matches(R"(target.port = 139 OR target.port = 445)", e));
    // NOT > AND > OR: (NOT a) AND b OR c
    CHECK(matches(R"(NOT target.port = 445 AND target.port = 1 OR principal.hostname = "WS01.corp.local")", e));
    CHECK_FALSE(matches(R"(NOT (target.port = 445 OR principal.hostname = "x"))", e));
    CHECK(matches(R"(NOT NOT target.port = 445)", e));
}

TEST_CASE("reference lists resolve at compile time") {
    const std::map<std::string, std::vector<std::string>, std::less<>> lists{
        {"admin_hosts", {"// jump hosts", "", "JUMP01", "ws01.corp.local "}},
        {"smb_ports", {"139", "445"}},
        {"bad_ports", {"445", "smb"}},
    };
    const ReferenceListLookup lookup = [&](std::string_view name) -> std::optional<std::vector<std::string>> {
        const auto it = lists.find(name);
        if (it == lists.end()) return std::nullopt;
        return it->second;
    };
    const Event e = psexec_launch();
    CHECK_FALSE(matches("principal.hostname in %admin_hosts", e, lookup));
    CHECK(matches("principal.hostname in %admin_hosts nocase", e, lookup));
    CHECK(matches("NOT principal.hostname in %admin_hosts", e, lookup));
    CHECK(matches("target.port in %smb_ports", e, lookup));
    CHECK_FALSE(matches("principal.port in %smb_ports", e, lookup));

    auto error_of = [&](std::string_view q, const ReferenceListLookup& l) -> std::string {
        try {
            compile_query(q, l);
        } catch (const ParseError& err) {
            return err.what();
        }
        return "compiled";
    };
    CHECK(error_of(R"(principal.ip = "1" OR principal.hostname in %jump_hosts)", lookup) ==
          R"(col 45: reference list "jump_hosts" does not exist)");
    CHECK(error_of("principal.hostname in %admin_hosts", {}) == R"(col 23: reference list "admin_hosts" does not exist)");
    CHECK(error_of("target.port in %bad_ports", lookup) ==
          R"(col 16: reference list "bad_ports" entry "smb" is not an integer (target.port is an integer field))");
}

TEST_CASE("regex and cidr reference lists") {
    const std::map<std::string, std::vector<std::string>, std::less<>> lists{
        {"tools", {"// remote execution tools", R"(\\psexe(c|svc)\.exe$)", "wmic"}},
        {"admin_nets", {"10.0.0.0/24", "fd00::/8", "192.168.1.7"}},
        {"bad_regex", {"("}},
        {"bad_net", {"10.0.0.0/33"}},
    };
    const ReferenceListLookup lookup = [&](std::string_view name) -> std::optional<std::vector<std::string>> {
        const auto it = lists.find(name);
        if (it == lists.end()) return std::nullopt;
        return it->second;
    };
    const Event e = psexec_launch();  // principal.ip 10.0.0.5 and fe80::1
    CHECK(matches("target.process.file.full_path in regex %tools nocase", e, lookup));
    CHECK_FALSE(matches("principal.process.file.full_path in regex %tools", e, lookup));
    CHECK_FALSE(matches("target.process.file.full_path in regex %tools", e, lookup));  // PSEXESVC is upper case
    CHECK(matches("principal.ip in cidr %admin_nets", e, lookup));
    Event remote;
    remote.set("principal.ip", "::ffff:192.168.1.7");
    CHECK(matches("principal.ip in cidr %admin_nets", remote, lookup));
    remote = Event().set("principal.ip", "fd12:3456::1%4");
    CHECK(matches("principal.ip in cidr %admin_nets", remote, lookup));
    remote = Event().set("principal.ip", "10.0.1.5").set("principal.ip", "not an ip");
    CHECK_FALSE(matches("principal.ip in cidr %admin_nets", remote, lookup));
    CHECK_FALSE(matches("principal.ip in cidr %admin_nets", Event(), lookup));

    auto error_of = [&](std::string_view q) -> std::string {
        try {
            compile_query(q, lookup);
        } catch (const ParseError& err) {
            return err.what();
        }
        return "compiled";
    };
    CHECK(error_of("principal.hostname in regex %bad_regex") ==
          R"(col 29: reference list "bad_regex" entry /(/ is not a valid regex: missing ): ()");
    CHECK(error_of("principal.ip in cidr %bad_net") == R"(col 22: reference list "bad_net" entry "10.0.0.0/33" is not a CIDR range)");
    CHECK(error_of("principal.ip in cidr %admin_nets nocase") == "col 34: nocase does not apply to in cidr %list");
    CHECK(error_of("target.port in cidr %admin_nets") == "col 16: in cidr %list needs a string field; target.port is integer");
    CHECK(compile_query("principal.ip in cidr %admin_nets", lookup).hints().pins.empty());
    CHECK(compile_query("principal.ip IN CIDR %admin_nets", lookup).canonical_text() == "principal.ip in cidr %admin_nets");
    CHECK(compile_query("principal.hostname in regex %tools nocase", lookup).canonical_text() ==
          "principal.hostname in regex %tools nocase");
}

TEST_CASE("net.ip_in_range_cidr") {
    const Event e = psexec_launch();  // principal.ip 10.0.0.5 and fe80::1
    CHECK(matches(R"(net.ip_in_range_cidr(principal.ip, "10.0.0.0/8"))", e));
    CHECK(matches(R"(net.ip_in_range_cidr(principal.ip, "fe80::/10"))", e));
    CHECK(matches(R"(net.ip_in_range_cidr(principal.ip, "10.0.0.5"))", e));
    CHECK_FALSE(matches(R"(net.ip_in_range_cidr(principal.ip, "10.0.1.0/24"))", e));
    CHECK_FALSE(matches(R"(net.ip_in_range_cidr(target.ip, "0.0.0.0/0"))", e));
    CHECK(matches(R"(NOT net.ip_in_range_cidr(target.ip, "0.0.0.0/0"))", e));
}

TEST_CASE("metadata.event_timestamp.seconds is the timestamp in seconds") {
    const Event e = psexec_launch();
    CHECK(matches("metadata.event_timestamp.seconds >= 1600596672", e));
    CHECK(compile_query("metadata.event_timestamp.seconds < 5").canonical_text() == "metadata.event_timestamp < 5");
}

TEST_CASE("index hints come from the AND spine") {
    auto hints_of = [](std::string_view q) { return compile_query(q).hints(); };

    const auto h = hints_of(R"(metadata.event_type = "PROCESS_LAUNCH" AND principal.hostname = "ws01" AND )"
                            R"((metadata.product_event_type = "1" OR metadata.product_event_type = "4688"))");
    REQUIRE(h.event_types());
    CHECK(*h.event_types() == std::vector<EnumOrdinal>{ordinal(EventType::PROCESS_LAUNCH)});
    REQUIRE(h.product_event_types());
    CHECK(h.product_event_types()->values == std::vector<std::string>{"1", "4688"});
    REQUIRE(h.strings_for(fields::principal_hostname));
    CHECK(h.strings_for(fields::principal_hostname)->values == std::vector<std::string>{"ws01"});
    CHECK_FALSE(h.strings_for(fields::principal_hostname)->nocase);

    const auto either = hints_of(R"((metadata.event_type = "USER_LOGIN" OR metadata.event_type = "SERVICE_CREATION") )"
                                 R"(principal.hostname = "WS01" nocase)");
    REQUIRE(either.event_types());
    CHECK(either.event_types()->size() == 2);
    CHECK(either.strings_for(fields::principal_hostname)->nocase);

    // Mixed-field OR: one pin with alternatives on two fields, usable as a union of two index lookups.
    const auto mixed = hints_of(R"(principal.hostname = "a" OR target.hostname = "a")");
    REQUIRE(mixed.pins.size() == 1);
    CHECK(mixed.pins[0].alternatives.size() == 2);
    CHECK_FALSE(mixed.strings_for(fields::principal_hostname));

    // Nothing under NOT, nothing from regexes, nothing when one OR branch is unconstrained.
    CHECK(hints_of(R"(NOT metadata.event_type = "PROCESS_LAUNCH")").pins.empty());
    CHECK(hints_of("principal.hostname = /ws01/").pins.empty());
    CHECK(hints_of(R"(metadata.event_type = "PROCESS_LAUNCH" OR target.port = 445)").pins.empty());
    CHECK(hints_of(R"(principal.hostname = "")").pins.empty());
    CHECK(hints_of(R"(metadata.event_type != "PROCESS_LAUNCH")").pins.empty());

    // any_of()'s shape pins its literal alternatives; other regexes pin nothing.
    const auto any = hints_of(R"(principal.hostname = /^(ws01\.corp|dc\-01)$/ nocase)");
    REQUIRE(any.strings_for(fields::principal_hostname));
    CHECK(any.strings_for(fields::principal_hostname)->values == std::vector<std::string>{"ws01.corp", "dc-01"});
    CHECK(any.strings_for(fields::principal_hostname)->nocase);
    CHECK(hints_of(R"(principal.hostname = /^ws01$/)").strings_for(fields::principal_hostname)->values ==
          std::vector<std::string>{"ws01"});
    for (const char* not_literal : {R"(/^a|b$/)", R"(/^(a|b)/)", R"(/(a|b)$/)", R"(/^(a.b)$/)", R"(/^(a|)$/)",
                                    R"(/^(\d)$/)", R"(/^(a)(b)$/)", R"(/^(?i)a$/)", "/^(\xc3\xa9)$/ nocase",
                                    "/^(\xc3\x89)$/ nocase"}) {
        CAPTURE(not_literal);
        CHECK(hints_of(std::string("principal.hostname = ") + not_literal).pins.empty());
    }
    CHECK(hints_of(R"(principal.hostname != /^(a|b)$/)").pins.empty());
    CHECK(hints_of("principal.hostname = /^(\xc3\xa9)$/").strings_for(fields::principal_hostname)->values ==
          std::vector<std::string>{"\xc3\xa9"});

    const auto listed = compile_query("principal.hostname in %h", [](std::string_view) {
                            return std::optional<std::vector<std::string>>({"a", "b"});
                        }).hints();
    REQUIRE(listed.strings_for(fields::principal_hostname));
    CHECK(listed.strings_for(fields::principal_hostname)->values.size() == 2);
}

TEST_CASE("nocase pins stay sound under RE2's Unicode folding") {
    CHECK(fold_case_for_index("WS01.Corp") == "ws01.corp");
    CHECK(fold_case_for_index("\xe2\x84\xaa" "elvin \xc5\xbf" "vc \xc3\x89") == "kelvin svc \xc3\x89");
    const auto q = compile_query(R"(principal.hostname = /^(kelvin|host)$/ nocase)");
    Event tricky;
    tricky.set("principal.hostname", "\xe2\x84\xaa" "ELVIN");  // KELVIN SIGN + "ELVIN"
    REQUIRE(q.matches(tricky));  // RE2 folds the Kelvin sign to k
    const auto pinned = q.hints().strings_for(fields::principal_hostname);
    REQUIRE(pinned);
    bool covered = false;
    for (const auto& v : pinned->values) covered = covered || fold_case_for_index(v) == fold_case_for_index("\xe2\x84\xaa" "ELVIN");
    CHECK(covered);
}

TEST_CASE("compiled queries keep their canonical text") {
    const auto q = compile_query(R"(principal.hostname="a" target.port=1)");
    CHECK(q.canonical_text() == R"(principal.hostname = "a" AND target.port = 1)");
    const auto copy = q;
    CHECK(copy.matches(Event().set("principal.hostname", "a").set("target.port", 1)));
}
