#include "udm/event.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <random>

using namespace lh::udm;
using nlohmann::json;

namespace {
std::vector<std::string> strings_of(const EventView& e, FieldId f) {
    std::vector<std::string> out;
    e.for_each_value(f, [&](const Value& v) {
        out.emplace_back(v.text);
        return true;
    });
    return out;
}
}  // namespace

TEST_CASE("RFC 3339 timestamps") {
    CHECK(parse_rfc3339_us("1970-01-01T00:00:00Z") == 0);
    CHECK(parse_rfc3339_us("2020-09-20T10:11:12.123Z") == 1600596672123000);
    CHECK(parse_rfc3339_us("2020-09-20T12:11:12.123+02:00") == 1600596672123000);
    CHECK(parse_rfc3339_us("2020-09-20T10:11:12.123456789Z") == 1600596672123456);
    CHECK_FALSE(parse_rfc3339_us("2020-09-20 10:11"));
    CHECK_FALSE(parse_rfc3339_us("2020-13-20T10:11:12Z"));
    CHECK_FALSE(parse_rfc3339_us("2020-09-20T10:11:12"));
    CHECK(format_rfc3339(1600596672123000) == "2020-09-20T10:11:12.123Z");
    CHECK(format_rfc3339(1600596672000000) == "2020-09-20T10:11:12Z");
    CHECK(format_rfc3339(1600596672123456) == "2020-09-20T10:11:12.123456Z");
    CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999999Z");
}

TEST_CASE("building an event and reading it through the view") {
    Event e(1600596672123000);
    e.set("metadata.event_type", "PROCESS_LAUNCH")
        .set("metadata.product_event_type", "1")
        .set("principal.hostname", "ws01")
        .set("principal.ip", "10.0.0.5")
        .set("principal.ip", "fe80::1")
        .set("target.port", 445)
        .set("principal.labels[\"SubjectLogonId\"]", "0x3e7")
        .set("additional.fields[\"Initiated\"]", "false");
    CHECK(strings_of(e, fields::principal_ip) == std::vector<std::string>{"10.0.0.5", "fe80::1"});
    CHECK(e.first_string(fields::principal_hostname) == "ws01");
    std::int64_t port = 0;
    e.for_each_value(field(Noun::Target, NounField::Port), [&](const Value& v) {
        port = v.number;
        return true;
    });
    CHECK(port == 445);
    std::string label;
    e.for_each_map_value(field(Noun::Principal, NounField::Labels), "SubjectLogonId", [&](const Value& v) {
        label = std::string(v.text);
        return true;
    });
    CHECK(label == "0x3e7");
    bool found_other = false;
    e.for_each_map_value(fields::additional_fields, "Other", [&](const Value&) { return found_other = true; });
    CHECK_FALSE(found_other);

    CHECK_THROWS_AS(e.set("target.port", "445"), std::invalid_argument);
    CHECK_THROWS_AS(e.set("metadata.event_type", "NOT_A_TYPE"), std::invalid_argument);
    CHECK_THROWS_AS(e.set("target.proces.pid", "1"), std::invalid_argument);
    CHECK_THROWS_AS(e.set("principal.labels", "x"), std::invalid_argument);
    CHECK_THROWS_AS(e.add_string(fields::event_type, "x"), std::invalid_argument);
}

TEST_CASE("result JSON out uses Chronicle's spelling") {
    Event e(1600596672123000);
    e.set("metadata.event_type", "NETWORK_CONNECTION")
        .set("metadata.product_event_type", "3")
        .set("principal.ip", "10.0.0.5")
        .set("principal.process.pid", "4242")
        .set("principal.process.file.full_path", "C:\\Windows\\System32\\cmd.exe")
        .set("target.port", 445)
        .set("target.labels[\"TargetLogonId\"]", "0x1234")
        .set("additional.fields[\"Initiated\"]", "true")
        .set("security_result.action", "ALLOW")
        .set("extensions.auth.mechanism", "NETWORK");
    const json out = e.to_json();
    CHECK(out["metadata"]["eventTimestamp"] == "2020-09-20T10:11:12.123Z");
    CHECK(out["metadata"]["eventType"] == "NETWORK_CONNECTION");
    CHECK(out["metadata"]["productEventType"] == "3");
    CHECK(out["principal"]["ip"] == json::array({"10.0.0.5"}));
    CHECK(out["principal"]["process"]["pid"] == "4242");
    CHECK(out["principal"]["process"]["file"]["fullPath"] == "C:\\Windows\\System32\\cmd.exe");
    CHECK(out["target"]["port"] == 445);
    CHECK(out["target"]["labels"] == json::parse(R"([{"key":"TargetLogonId","value":"0x1234"}])"));
    CHECK(out["additional"]["fields"]["Initiated"] == "true");
    CHECK(out["securityResult"] == json::parse(R"([{"action":["ALLOW"]}])"));
    CHECK(out["extensions"]["auth"]["mechanism"] == json::array({"NETWORK"}));

    // And back: the result spelling reads into an equal event.
    CHECK(Event::from_json(out).to_json() == out);
    CHECK(Event::from_json(out).value_count() == e.value_count());
}

TEST_CASE("native snake_case UDM and search-result wrappers read") {
    const auto native = json::parse(R"({
      "metadata": {"event_timestamp": "2020-09-20T10:11:12Z", "event_type": "USER_LOGIN", "product_event_type": "4624",
                   "unknown_thing": {"deep": 1}},
      "target": {"user": {"userid": "alice"}, "labels": {"TargetLogonId": "0xabc"}, "port": "49152"},
      "principal": {"ip": "10.1.1.1", "process": {"pid": 88, "parent_process": {"command_line": "services.exe"}}},
      "security_result": [{"action": ["ALLOW"], "summary": "ok"}, {"action": "BLOCK"}],
      "extensions": {"auth": {"mechanism": ["NETWORK"], "type": "MACHINE"}},
      "additional": {"Initiated": {"stringValue": "false"}, "Count": 3}
    })");
    const auto wrapped = json{{"name", "projects/x/events/1"}, {"udm", native}};
    for (const auto& doc : {native, wrapped}) {
        const Event e = Event::from_json(doc);
        CHECK(e.timestamp_us() == 1600596672000000);
        CHECK(e.first_string(field(Noun::Target, NounField::UserUserid)) == "alice");
        CHECK(e.first_string(field(Noun::Principal, NounField::ProcessPid)) == "88");
        CHECK(e.first_string(field(Noun::Principal, NounField::ProcessParentCommandLine)) == "services.exe");
        CHECK(e.first_string(field(TopField::SecurityResultSummary)) == "ok");
        int actions = 0;
        e.for_each_value(field(TopField::SecurityResultAction), [&](const Value&) { return ++actions, true; });
        CHECK(actions == 2);
        std::string initiated, count;
        e.for_each_map_value(fields::additional_fields, "Initiated", [&](const Value& v) { return initiated = v.text, true; });
        e.for_each_map_value(fields::additional_fields, "Count", [&](const Value& v) { return count = v.text, true; });
        CHECK(initiated == "false");
        CHECK(count == "3");
        std::int64_t port = 0;
        e.for_each_value(field(Noun::Target, NounField::Port), [&](const Value& v) { return port = v.number, true; });
        CHECK(port == 49152);
    }
}

TEST_CASE("wrong JSON types are reported with their path") {
    auto error_of = [](const char* text) -> std::string {
        try {
            Event::from_json(json::parse(text));
        } catch (const UdmJsonError& e) {
            return e.what();
        }
        return "no error";
    };
    CHECK(error_of(R"({"target": {"port": "abc"}})") == "udm.json: target.port: expected an integer, got string \"abc\"");
    CHECK(error_of(R"({"target": {"port": true}})") == "udm.json: target.port: expected an integer, got boolean");
    CHECK(error_of(R"({"principal": {"hostname": ["a"]}})") ==
          "udm.json: principal.hostname: expected a single string, got an array");
    CHECK(error_of(R"({"principal": {"ip": [1.5]}})") == "udm.json: principal.ip[0]: expected a string, got number");
    CHECK(error_of(R"({"metadata": {"eventType": "LAUNCH"}})") ==
          "udm.json: metadata.eventType: \"LAUNCH\" is not a known event type value");
    CHECK(error_of(R"({"metadata": {"eventTimestamp": "yesterday"}})") ==
          "udm.json: metadata.eventTimestamp: \"yesterday\" is not an RFC 3339 timestamp");
    CHECK(error_of(R"({"udm": {"target": {"labels": [{"key": 1}]}}})") ==
          "udm.json: target.labels[0].key: expected a string key");
    CHECK(error_of(R"([1,2])") == "udm.json: (root): expected a UDM object, got array");
    CHECK(error_of(R"({"target": {"port": 18446744073709551615}})") ==
          "udm.json: target.port: integer 18446744073709551615 is out of range");
    CHECK(error_of(R"({"target": {"port": "99999999999999999999"}})") ==
          "udm.json: target.port: expected an integer, got string \"99999999999999999999\"");
}

TEST_CASE("lenient reading skips malformed members and reports them") {
    const auto doc = json::parse(R"({"udm": {
      "metadata": {"eventTimestamp": "2020-09-20T10:11:12Z", "eventType": "SOME_FUTURE_TYPE", "productEventType": "4624"},
      "target": {"port": "abc", "hostname": "dc01", "ip": ["10.0.0.1", {"x": 1}, "10.0.0.2"]},
      "additional": 5
    }})");
    CHECK_THROWS_AS(Event::from_json(doc), UdmJsonError);
    std::vector<std::string> warnings;
    const Event e = Event::from_json(doc, UdmJsonOptions{true, &warnings});
    CHECK(e.timestamp_us() == 1600596672000000);
    CHECK(e.first_string(fields::product_event_type) == "4624");
    CHECK(e.first_string(fields::target_hostname) == "dc01");
    bool has_event_type = false;
    e.for_each_value(fields::event_type, [&](const Value&) { return has_event_type = true, false; });
    CHECK_FALSE(has_event_type);
    CHECK(warnings == std::vector<std::string>{
                          "udm.json: additional: expected an object, got number",
                          "udm.json: metadata.eventType: \"SOME_FUTURE_TYPE\" is not a known event type value",
                          "udm.json: target.ip[1]: expected a string, got object",
                          "udm.json: target.port: expected an integer, got string \"abc\"",
                      });
    // The bad array element is skipped, its neighbours kept.
    std::vector<std::string> ips;
    e.for_each_value(fields::target_ip, [&](const Value& v) { return ips.emplace_back(v.text), true; });
    CHECK(ips == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
}

TEST_CASE("deeply nested unknown members are skipped, not a stack overflow") {
    std::string text = R"({"principal": {"hostname": "ws01"}, "extra": )";
    for (int i = 0; i < 2000; ++i) text += R"({"a": )";
    text += "1";
    for (int i = 0; i < 2000; ++i) text += "}";
    text += "}";
    const Event e = Event::from_json(json::parse(text));
    CHECK(e.first_string(fields::principal_hostname) == "ws01");
    CHECK(e.value_count() == 1);
}

TEST_CASE("copy_event and add_value carry every kind of value") {
    Event source(42);
    source.add_value(fields::principal_hostname, Value::string("ws01"));
    source.add_value(field(Noun::Target, NounField::Port), Value::integer(445));
    source.add_value(fields::event_type, Value::enumeration(ordinal(EventType::USER_LOGIN)));
    source.add_value(field(Noun::Target, NounField::Labels), Value::string("0x1", "TargetLogonId"));
    source.add_enum(field(TopField::SecurityResultAction), SecurityAction::BLOCK);
    Event copy;
    copy_event(source, copy);
    CHECK(copy == source);
    CHECK(copy.timestamp_us() == 42);
    CHECK(copy.to_json() == source.to_json());
    CHECK(copy.to_json()["target"]["labels"][0]["key"] == "TargetLogonId");
    CHECK_THROWS_AS(copy.add_enum(fields::event_type, EnumOrdinal{60000}), std::invalid_argument);
    CHECK_THROWS_AS(copy.add_string(field_id_limit(), "x"), std::invalid_argument);
}

TEST_CASE("random documents over catalogue paths: read, or UdmJsonError naming a path") {
    std::mt19937 rng(2024);
    const auto all = all_fields();
    const std::vector<json> samples{
        "text", "PROCESS_LAUNCH", "NETWORK", "2020-09-20T10:11:12Z", 7, -1, 1.5, true, nullptr,
        json::array({"a", "b"}), json::array({1, "x"}), json::object({{"k", "v"}}),
        json::array({json::object({{"key", "k"}, {"value", "v"}})}), 18446744073709551615ull, "445", json::array(),
    };
    int read = 0;
    int rejected = 0;
    for (int i = 0; i < 2000; ++i) {
        json doc = json::object();
        const int members = 1 + static_cast<int>(rng() % 5);
        for (int m = 0; m < members; ++m) {
            const auto& info = all[rng() % all.size()];
            const std::string& spelling = (rng() % 2) ? info.path : info.json_path;
            json* node = &doc;
            std::size_t start = 0;
            while (true) {
                const auto dot = spelling.find('.', start);
                const std::string part = spelling.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
                if (dot == std::string::npos) {
                    if (node->is_object()) (*node)[part] = samples[rng() % samples.size()];
                    break;
                }
                if (!node->is_object()) break;
                node = &(*node)[part];
                if (node->is_null()) *node = json::object();
                start = dot + 1;
            }
        }
        CAPTURE(doc.dump());
        try {
            const Event e = Event::from_json(doc);
            ++read;
            CHECK(Event::from_json(e.to_json()).to_json() == e.to_json());
        } catch (const UdmJsonError& err) {
            ++rejected;
            CHECK(std::string(err.what()).rfind("udm.json: ", 0) == 0);
        }
        std::vector<std::string> warnings;
        CHECK_NOTHROW(Event::from_json(doc, UdmJsonOptions{true, &warnings}));
    }
    CHECK(read > 100);
    CHECK(rejected > 100);
}
