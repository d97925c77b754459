#include <doctest/doctest.h>

#include <zip.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <random>
#include <tuple>

#include "siem/event_store.hpp"
#include "siem/input_evtx.hpp"
#include "siem/input_json.hpp"
#include "tests/siem/helpers.hpp"

using namespace lh;
using namespace lh::siem;
using lh::siem::test::TempDir;

namespace {

class CollectingSink final : public RecordSink {
 public:
  std::vector<std::pair<std::size_t, std::string>> events;  // line, EventID
  std::vector<std::string> udm;
  std::vector<std::string> errors;
  void on_flat_event(const FlatEvent& event, std::size_t line) override {
    events.emplace_back(line, std::string(event.value_or_empty("EventID")));
  }
  void on_udm_json(std::string_view json, std::size_t) override { udm.emplace_back(json); }
  void on_bad_record(std::size_t line, std::string_view message) override {
    errors.push_back(fmt::format("{}: {}", line, message));
  }
};

void parse_text(const std::string& text, CollectingSink& sink) {
  simdjson::padded_string buffer(text);
  parse_json_unit(buffer, sink);
}

void write_zip(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  REQUIRE(archive != nullptr);
  for (const auto& [name, content] : entries) {
    zip_source_t* source = zip_source_buffer(archive, content.data(), content.size(), 0);
    REQUIRE(source != nullptr);
    REQUIRE(zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE) >= 0);
  }
  REQUIRE(zip_close(archive) == 0);
}

const std::string kGood1 = R"({"EventID":4624,"Channel":"Security","Hostname":"H1","TimeCreated":"2020-01-01T00:00:01Z","TargetLogonId":"0x1"})";
const std::string kGood2 = R"({"EventID":4658,"Channel":"security","Hostname":"H1","TimeCreated":"2020-01-01T00:00:02Z"})";

}  // namespace

TEST_CASE("JSON lines: blank lines, CRLF and a bad line reported by line number") {
  CollectingSink sink;
  parse_text(kGood1 + "\r\n\r\n  \n{broken\n" + kGood2 + "\r\n[1,2]\n", sink);
  REQUIRE(sink.events.size() == 2);
  CHECK(sink.events[0] == std::pair<std::size_t, std::string>{1, "4624"});
  CHECK(sink.events[1] == std::pair<std::size_t, std::string>{5, "4658"});
  REQUIRE(sink.errors.size() == 2);
  CHECK(sink.errors[0].rfind("4: invalid JSON", 0) == 0);
  CHECK(sink.errors[1] == "6: record is not a JSON object");
}

TEST_CASE("one JSON document: array of events, single object, saved search result") {
  {
    CollectingSink sink;
    parse_text("[\n" + kGood1 + ",\n" + kGood2 + "\n]\n", sink);
    CHECK(sink.events.size() == 2);
    CHECK(sink.errors.empty());
  }
  {
    CollectingSink sink;
    parse_text("{\n  \"EventID\": 1,\n  \"Channel\": \"Microsoft-Windows-Sysmon/Operational\"\n}\n", sink);
    REQUIRE(sink.events.size() == 1);
    CHECK(sink.events[0].second == "1");
  }
  {
    CollectingSink sink;
    parse_text(R"({"events":[{"name":"x/events/1","udm":{"metadata":{"eventType":"PROCESS_LAUNCH","eventTimestamp":"2020-01-01T00:00:00Z"}}}]})", sink);
    CHECK(sink.events.empty());
    CHECK(sink.udm.size() == 1);
  }
  {
    CollectingSink sink;
    parse_text("[1, {\"EventID\": 2}", sink);  // truncated array
    CHECK(sink.events.empty());
    REQUIRE(sink.errors.size() == 1);
    CHECK(sink.errors[0].rfind("1: invalid JSON document", 0) == 0);
  }
}

TEST_CASE("strings are HTML-unescaped and nested objects flattened") {
  CollectingSink sink;
  struct Capture final : RecordSink {
    std::vector<std::pair<std::string, std::string>> fields;
    void on_flat_event(const FlatEvent& event, std::size_t) override {
      for (const auto& f : event.fields()) fields.emplace_back(f.key, f.value);
    }
    void on_udm_json(std::string_view, std::size_t) override {}
    void on_bad_record(std::size_t, std::string_view) override {}
  } capture;
  simdjson::padded_string buffer(std::string(
      R"({"CommandLine":"cmd /c whoami 1&gt; x 2&gt;&amp;1","EventID":1,"winlog":{"task":"t"},"tags":["a","b"],"n":null,"b":true})"));
  parse_json_unit(buffer, capture);
  using P = std::pair<std::string, std::string>;
  CHECK(capture.fields == std::vector<P>{{"CommandLine", "cmd /c whoami 1> x 2>&1"}, {"EventID", "1"},
                                         {"winlog.task", "t"}, {"tags", R"(["a","b"])"}, {"b", "true"}});
}

TEST_CASE("ingest reports bad lines as file:line, counts them, keeps going") {
  TempDir dir;
  const auto file = dir.write("events.jsonl", kGood1 + "\nnot json\n" + kGood2 + "\n\xFF\xFE garbage\n");
  EventStore store;
  const auto report = store.load({file});
  CHECK(store.size() == 2);
  const auto& counts = report.per_unit.at(file.string());
  CHECK(counts.read == 4);
  CHECK(counts.mapped == 1);
  CHECK(counts.generic == 1);
  CHECK(counts.skipped == 2);
  REQUIRE(report.errors.size() == 2);
  CHECK(report.errors[0].rfind(file.string() + ":2: invalid JSON", 0) == 0);
  CHECK(report.errors[1].rfind(file.string() + ":4: invalid JSON", 0) == 0);
  const auto json = report.to_json();
  CHECK(json["totals"]["skipped"] == 2);
  CHECK(json["units"][file.string()]["mapped"] == 1);
  CHECK(json["error_count"] == 2);
  CHECK(json["totals"]["untimed"] == 0);
}

TEST_CASE("events without any readable time are kept and counted") {
  TempDir dir;
  const auto file = dir.write("untimed.jsonl", R"({"EventID": 4658, "Channel": "Security", "TimeCreated": "garbage"})" "\n" + kGood1 + "\n");
  EventStore store;
  const auto report = store.load({file});
  CHECK(store.size() == 2);
  CHECK(report.totals().untimed == 1);
  CHECK(report.totals().skipped == 0);
  CHECK(*store.oldest_us() == 0);
}

TEST_CASE("zip archives: entries read one by one, errors name archive!entry:line") {
  TempDir dir;
  const auto archive = dir.path() / "logs.zip";
  write_zip(archive, {{"a/first.json", kGood1 + "\n" + kGood2 + "\n"},
                      {"second.jsonl", kGood2 + "\n{\"EventID\": \n"},
                      {"notes.txt", "ignored"}});
  EventStore store;
  const auto report = store.load({dir.path()});
  CHECK(store.size() == 3);
  CHECK(report.per_unit.size() == 2);
  CHECK(report.per_unit.at(archive.string() + "!a/first.json").read == 2);
  CHECK(report.per_unit.at(archive.string() + "!second.jsonl").skipped == 1);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].rfind(archive.string() + "!second.jsonl:2: invalid JSON", 0) == 0);
}

TEST_CASE("garbage inputs never crash") {
  TempDir dir;
  // A truncated zip.
  const auto good_zip = dir.path() / "good.zip";
  std::string big;
  for (int i = 0; i < 2000; ++i) big += kGood1 + "\n";
  write_zip(good_zip, {{"big.json", big}});
  std::string zip_bytes;
  {
    std::FILE* f = std::fopen(good_zip.c_str(), "rb");
    char chunk[4096];
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) zip_bytes.append(chunk, n);
    std::fclose(f);
  }
  const auto truncated = dir.write("truncated.zip", zip_bytes.substr(0, zip_bytes.size() / 2));
  // Binary junk named .json, and junk named .evtx and .zip.
  std::mt19937 random(42);
  std::string junk(64 * 1024, '\0');
  for (auto& c : junk) c = static_cast<char>(random());
  const auto junk_json = dir.write("junk.json", junk);
  const auto junk_evtx = dir.write("junk.evtx", junk);
  const auto junk_zip = dir.write("junk.zip", junk);
  // Invalid UTF-8 inside a string, and a huge (24 MB) but valid line.
  const auto bad_utf8 = dir.write("utf8.jsonl", "{\"EventID\": 1, \"Image\": \"C:\\\\\xC3\\\\x.exe\"}\n" + kGood1 + "\n");
  const auto huge = dir.write("huge.jsonl", "{\"EventID\": 4104, \"Channel\": \"Microsoft-Windows-PowerShell/Operational\", "
                                            "\"ScriptBlockText\": \"" + std::string(24 * 1024 * 1024, 'A') + "\"}\n" + kGood2 + "\n");
  const auto empty = dir.write("empty.json", "");
  const auto missing = dir.path() / "missing.json";

  EventStore store;
  LoadOptions options;
  options.max_errors = 100000;  // the junk file alone yields hundreds of bad lines
  const auto report = store.load({truncated, junk_json, junk_evtx, junk_zip, bad_utf8, huge, empty, missing}, options);
  CHECK(report.errors.size() == report.error_count);
  CHECK(report.error_count >= 5);
  auto has_error = [&](const std::string& prefix) {
    for (const auto& e : report.errors) {
      if (e.rfind(prefix, 0) == 0) return true;
    }
    return false;
  };
  CHECK(has_error(truncated.string()));
  CHECK(has_error(junk_json.string() + ":"));
  CHECK(has_error(junk_evtx.string() + ": cannot open EVTX file"));
  CHECK(has_error(junk_zip.string() + ": cannot open zip archive"));
  CHECK(has_error(bad_utf8.string() + ":1: invalid JSON"));
  CHECK(has_error(missing.string() + ": cannot read input"));
  CHECK(report.per_unit.at(bad_utf8.string()).skipped == 1);
  CHECK(report.per_unit.at(huge.string()).read == 2);
  CHECK(report.per_unit.at(huge.string()).skipped == 0);
  CHECK(report.per_unit.at(empty.string()).read == 0);
}

TEST_CASE("EVTX record XML maps to the flat OTRF layout") {
  const std::string xml = R"(<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/>
    <EventID>4624</EventID>
    <Level>0</Level>
    <TimeCreated SystemTime="2020-09-22T18:53:30.1234567Z"/>
    <EventRecordID>933021</EventRecordID>
    <Execution ProcessID="760" ThreadID="7276"/>
    <Channel>Security</Channel>
    <Computer>WORKSTATION6.theshire.local</Computer>
    <Security/>
  </System>
  <EventData>
    <Data Name="TargetUserName">pgustavo</Data>
    <Data Name="TargetLogonId">0x4e13b2e</Data>
    <Data Name="IpAddress">172.18.39.5</Data>
    <Data Name="ProcessName">-</Data>
    <Data Name="Empty"/>
    <Data Name="Cmd">a &amp;&amp; b &lt;c&gt;</Data>
  </EventData>
</Event>)";
  FlatEvent event;
  REQUIRE(flatten_event_xml(xml, event));
  CHECK(event.value_or_empty("EventID") == "4624");
  CHECK(event.value_or_empty("Channel") == "Security");
  CHECK(event.value_or_empty("Hostname") == "WORKSTATION6.theshire.local");
  CHECK(event.value_or_empty("SourceName") == "Microsoft-Windows-Security-Auditing");
  CHECK(event.value_or_empty("TimeCreated") == "2020-09-22T18:53:30.1234567Z");
  CHECK(event.value_or_empty("RecordNumber") == "933021");
  CHECK(event.value_or_empty("ExecutionProcessID") == "760");
  CHECK(event.value_or_empty("TargetUserName") == "pgustavo");
  CHECK(event.value_or_empty("TargetLogonId") == "0x4e13b2e");
  CHECK(event.value_or_empty("IpAddress") == "172.18.39.5");
  CHECK(event.find("Empty") != nullptr);
  CHECK(event.value_or_empty("Cmd") == "a && b <c>");

  const std::string user_data = R"(<Event><System><EventID>1102</EventID><Channel>Security</Channel></System>
  <UserData><LogFileCleared xmlns="x"><SubjectUserName>admin</SubjectUserName><SubjectLogonId>0x1</SubjectLogonId></LogFileCleared></UserData></Event>)";
  FlatEvent cleared;
  REQUIRE(flatten_event_xml(user_data, cleared));
  CHECK(cleared.value_or_empty("SubjectUserName") == "admin");
  CHECK(cleared.value_or_empty("SubjectLogonId") == "0x1");
  FlatEvent none;
  CHECK_FALSE(flatten_event_xml("<NotAnEvent/>", none));
}

TEST_CASE("native UDM events and saved search results load into the store") {
  TempDir dir;
  const auto saved = dir.write("saved_search.json", R"({"events": [
    {"name": "projects/p/events/1", "udm": {"metadata": {"eventTimestamp": "2020-09-20T16:16:06.470Z",
      "eventType": "PROCESS_LAUNCH", "productEventType": "1"},
      "principal": {"hostname": "WORKSTATION6", "ip": ["172.18.39.6"]},
      "target": {"process": {"commandLine": "cmd.exe /Q /c whoami"}}}},
    {"name": "projects/p/events/2", "udm": {"metadata": {"eventTimestamp": "not a time", "eventType": "PROCESS_LAUNCH"}}}
  ]})");
  const auto native = dir.write("native.jsonl",
      R"({"metadata": {"event_timestamp": "2020-09-20T16:16:07Z", "event_type": "NETWORK_CONNECTION"}, "target": {"port": 445}})" "\n");
  EventStore store;
  const auto report = store.load({saved, native});
  CHECK(store.size() == 2);
  CHECK(report.per_unit.at(saved.string()).mapped == 1);
  CHECK(report.per_unit.at(saved.string()).skipped == 1);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].rfind(saved.string() + ":1: invalid UDM event", 0) == 0);
  SearchRequest request;
  request.query = R"(target.process.command_line = /whoami/ AND principal.ip = "172.18.39.6")";
  CHECK(store.search_udm(request)["total_events"] == 1);
  request.query = R"(target.port = 445)";
  CHECK(store.search_udm(request)["total_events"] == 1);
}

TEST_CASE("streaming keeps line numbers across chunk boundaries and long lines") {
  std::string text;
  std::vector<std::size_t> bad_lines;
  for (int i = 1; i <= 400; ++i) {
    if (i % 97 == 0) {
      text += "{oops\n";
      bad_lines.push_back(static_cast<std::size_t>(i));
    } else if (i % 50 == 0) {
      text += R"({"EventID": 4104, "ScriptBlockText": ")" + std::string(10000, 'x') + "\"}\r\n";
    } else if (i % 13 == 0) {
      text += "\n";
    } else {
      text += kGood1 + "\n";
    }
  }
  CollectingSink sink;
  std::size_t offset = 0;
  const bool ok = parse_json_stream(
      [&](char* into, std::size_t size) -> std::ptrdiff_t {
        const std::size_t n = std::min<std::size_t>({size, text.size() - offset, 777});  // short reads on purpose
        std::memcpy(into, text.data() + offset, n);
        offset += n;
        return static_cast<std::ptrdiff_t>(n);
      },
      sink, 4096);
  CHECK(ok);
  REQUIRE(sink.errors.size() == bad_lines.size());
  for (std::size_t i = 0; i < bad_lines.size(); ++i) CHECK(sink.errors[i].rfind(fmt::format("{}: ", bad_lines[i]), 0) == 0);
  std::size_t expected = 0;
  for (int i = 1; i <= 400; ++i) expected += (i % 97 != 0 && (i % 50 == 0 || i % 13 != 0)) ? 1 : 0;
  CHECK(sink.events.size() == expected);
  CHECK(sink.events.back().first == 400);
  // A failing reader is reported.
  CollectingSink failing;
  CHECK_FALSE(parse_json_stream([](char*, std::size_t) -> std::ptrdiff_t { return -1; }, failing));
}

namespace {

// What the DOM path makes of one JSON line: nullopt when it reports the line (malformed, not an object) or
// hands it over as native UDM; otherwise the flattened fields.
using FieldList = std::vector<std::tuple<std::string, std::string, bool>>;

std::optional<FieldList> dom_flatten(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(line);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  for (auto field : object) {
    if (field.key == "udm" || field.key == "metadata") {
      if (field.value.type() == simdjson::dom::element_type::OBJECT) return std::nullopt;
      break;
    }
  }
  FlatEvent event;
  REQUIRE(flatten_json_object(root, event));
  FieldList out;
  for (const auto& field : event.fields()) out.emplace_back(field.key, field.value, field.is_number);
  return out;
}

// The fast path over `line` followed by padding bytes that would complete a truncated line if they were
// read as part of it.
std::optional<FieldList> fast_flatten(JsonLineFlattener& flattener, const std::string& line, char padding) {
  std::vector<char> buffer(line.begin(), line.end());
  buffer.resize(line.size() + simdjson::SIMDJSON_PADDING, padding);
  FlatEvent event;
  if (!flattener.flatten(buffer.data(), line.size(), event)) return std::nullopt;
  FieldList out;
  for (const auto& field : event.fields()) out.emplace_back(field.key, field.value, field.is_number);
  return out;
}

std::string random_json_line(std::mt19937& random) {
  static const std::vector<std::string> keys = {"EventID", "Image", "CommandLine", "User", "a", "", "udm", "metadata",
                                                "Image", "Hostname", "k\\u0041", "k\\\"q", "Zé"};
  static const std::vector<std::string> values = {
      R"("plain")", R"("")", R"("C:\\Windows\\system32\\svchost.exe")", R"("say \"hi\"\n\t\/\b\f\r")",
      R"("x\u0041y")", R"("a\u0026amp;b")", R"("\ud83d\ude00")", R"("\ud83d")", R"("1&gt; x 2&gt;&amp;1")",
      "\"caf\xC3\xA9 \xE4\xB8\xAD\"", "\"bad \xC3 utf8\"", "\"bad \xFF\"", "\"ctl \x01 char\"", R"("bad \x escape")",
      "0", "-0", "12", "-5", "007", "1.5", "1e3", "-1.25E-2", "123456789012345678", "-123456789012345678",
      "1234567890123456789", "99999999999999999999", "-9214364837600034816", "9223372036854775807",
      "9223372036854775808", "18446744073709551615", "18446744073709551616", "-9223372036854775808",
      "-9223372036854775809", "123456789012345678901", "-", "4624", "true", "false", "null", "truex", "nul",
      R"({"task":"t","n":{"x":1}})", R"({})", R"([1,"x",{"y":null}])", R"([])", R"({"eventType":"X"})",
      R"(["mordorDataset"])", R"([ "a" , 1 ,true,null , false, -5 ])", "[\"caf\xC3\xA9\", \"/p/x\", \"DEL\x7F\"]",
      R"(["\u0041"])", R"(["a\\b"])", R"([1.5])", R"([[1]])", R"(["x",])", R"([1 2])", R"([-0])", "[ ]"};
  static const std::vector<std::string> spaces = {"", "", "", " ", "\t", "  ", "\r"};
  auto pick = [&](const std::vector<std::string>& from) { return from[random() % from.size()]; };
  std::string line = "{" + pick(spaces);
  const std::size_t count = random() % 8;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) line += pick(spaces) + "," + pick(spaces);
    line += "\"" + pick(keys) + "\"" + pick(spaces) + ":" + pick(spaces) + pick(values);
  }
  return line + pick(spaces) + "}";
}

std::string mutate(std::string line, std::mt19937& random) {
  static const std::string bytes = "{}[]\":,\\ ntfu0123456789-.eE&\x01\xC3\xFF";
  const std::size_t edits = 1 + random() % 3;
  for (std::size_t i = 0; i < edits && !line.empty(); ++i) {
    const std::size_t at = random() % line.size();
    switch (random() % 4) {
      case 0: line.erase(at, 1); break;
      case 1: line.insert(line.begin() + static_cast<std::ptrdiff_t>(at), bytes[random() % bytes.size()]); break;
      case 2: line[at] = bytes[random() % bytes.size()]; break;
      default: line.resize(at); break;
    }
  }
  return line;
}

}  // namespace

TEST_CASE("JSON-lines fast path: exactly the DOM path's fields, or declines") {
  JsonLineFlattener flattener;
  std::mt19937 random(7);
  std::size_t accepted = 0;
  std::size_t checked = 0;
  auto compare = [&](const std::string& line) {
    for (const char padding : {'}', '"', ' ', '\0'}) {
      const auto fast = fast_flatten(flattener, line, padding);
      ++checked;
      if (!fast) continue;
      ++accepted;
      const auto dom = dom_flatten(line);
      INFO("line: ", line);
      REQUIRE(dom.has_value());
      REQUIRE(*fast == *dom);
    }
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string line = random_json_line(random);
    compare(line);
    compare(mutate(line, random));
  }
  // The fast path does take the plain shapes (a real share of the generated lines), and not everything.
  CHECK(accepted > checked / 10);
  CHECK(accepted < checked);

  // Shapes it must take itself, with the values the DOM path gives.
  const std::string windows =
      R"({"EventID":4624,"Image":"C:\\Windows\\system32\\svchost.exe","Initiated":"true","n":null,"b":false,"Level":-5})";
  const auto fast = fast_flatten(flattener, windows, '}');
  REQUIRE(fast.has_value());
  using F = std::tuple<std::string, std::string, bool>;
  CHECK(*fast == FieldList{F{"EventID", "4624", true}, F{"Image", R"(C:\Windows\system32\svchost.exe)", false},
                           F{"Initiated", "true", false}, F{"b", "false", false}, F{"Level", "-5", true}});
  CHECK(fast_flatten(flattener, R"({ "a" : "x&amp;y" , "a":"2" })", '}') ==
        FieldList{F{"a", "x&y", false}, F{"a", "2", false}});
  CHECK(fast_flatten(flattener, "{}", '}') == FieldList{});
  CHECK(fast_flatten(flattener, R"({"Keywords":-9214364837600034816,"u":18446744073709551615})", '}') ==
        FieldList{F{"Keywords", "-9214364837600034816", true}, F{"u", "18446744073709551615", true}});
  CHECK(fast_flatten(flattener, R"({"tags":["mordorDataset"],"x":[ 1 , "y" ,true, null ],"e":[ ]})", ']') ==
        FieldList{F{"tags", R"(["mordorDataset"])", false}, F{"x", R"([1,"y",true,null])", false}, F{"e", "[]", false}});
  // Declined: left to the DOM path (errors, nesting, escapes in arrays, \u escapes, fractions, trailing bytes).
  for (const std::string declined : {R"({"a":1}})", R"({"a":1},{"b":2})", R"({"a":1} {"b":2})", R"({"a":{"b":1}})",
                                     R"({"a":[[1]]})", R"({"a":18446744073709551616})", R"({"a":-9223372036854775809})", R"({"a":["\n"]})", R"({"a":"\u0041"})", R"({"a":1.5})", R"({"a":-0})", R"({"a":01})",
                                     R"({"a":1)", R"({"a":"x})", R"({"a" 1})", R"({"a":truex})", "[1]", "\"s\"",
                                     "{\"a\":\"\x01\"}", "{\"a\":\"\xC3\"}", R"({"a":"\q"})", R"({"k\"":1})"}) {
    CAPTURE(declined);
    CHECK_FALSE(fast_flatten(flattener, declined, '}').has_value());
  }
}

TEST_CASE("JSON-lines parts report the newlines they read, also past bad and long lines") {
  std::string text = kGood1 + "\n\n{broken\r\n" + kGood2 + "\n" + R"({"EventID": 4104, "S": ")" + std::string(9000, 'x') +
                     "\"}\n" + kGood1;  // no newline after the last line
  std::size_t offset = 0;
  auto reader = [&](char* into, std::size_t size) -> std::ptrdiff_t {
    const std::size_t n = std::min<std::size_t>({size, text.size() - offset, 1000});
    std::memcpy(into, text.data() + offset, n);
    offset += n;
    return static_cast<std::ptrdiff_t>(n);
  };
  CollectingSink sink;
  std::uint64_t newlines = 0;
  CHECK(parse_json_lines_stream(reader, sink, true, 4096, &newlines));
  CHECK(newlines == 5);
  CHECK(sink.events.size() == 4);
  CHECK(sink.events.back().first == 6);
  REQUIRE(sink.errors.size() == 1);
  CHECK(sink.errors[0].rfind("3: invalid JSON", 0) == 0);

  // A read error after some lines: the newlines of every byte read still count.
  offset = 0;
  std::size_t calls = 0;
  auto failing = [&](char* into, std::size_t size) -> std::ptrdiff_t {
    if (++calls == 3) return -1;
    return reader(into, std::min<std::size_t>(size, 60));
  };
  CollectingSink partial;
  CHECK_FALSE(parse_json_lines_stream(failing, partial, true, 4096, &newlines));
  CHECK(newlines == static_cast<std::uint64_t>(std::count(text.begin(), text.begin() + 120, '\n')));
}
