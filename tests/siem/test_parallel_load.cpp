#include <doctest/doctest.h>

#include <string>

#include "siem/event_store.hpp"
#include "siem/input_source.hpp"
#include "siem/time_parse.hpp"
#include "tests/siem/helpers.hpp"

using namespace lh;
using namespace lh::siem;
using lh::siem::test::TempDir;

namespace {

constexpr std::int64_t kSecond = 1'000'000;

std::string iso(std::int64_t micros, bool zone) {
  std::string text = udm::format_rfc3339(micros);  // "...Z"
  if (!zone && !text.empty() && text.back() == 'Z') text.pop_back();
  return text;
}

// A JSON-lines file that exercises everything a split load must reproduce: a byte-order mark, CRLF and
// blank lines, bad lines (reported by line), events of equal time on both sides of a part boundary, and
// shipper clocks corrected from more Sysmon samples than a host keeps (the first 512 decide: 5 h here, while
// the later samples say 2 h).
std::string make_log() {
  const std::int64_t base = parse_timestamp("2024-03-04T00:00:00Z")->micros;
  std::string out = "\xEF\xBB\xBF";
  for (int i = 0; i < 9000; ++i) {
    const std::int64_t t = base + (i / 3) * kSecond;  // three events per second
    const std::int64_t shipper_skew = (i < 5000 ? 5 : 2) * 3600 * kSecond;
    const std::string host = fmt::format("WKS-{}.acme.local", i % 4);
    std::string line;
    if (i % 5 < 2) {
      line = fmt::format(
          R"({{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"{}","UtcTime":"{}","@timestamp":"{}","Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd /c echo {}","ProcessGuid":"{{{:08x}-0000}}","ParentImage":"C:\\Windows\\System32\\services.exe"}})",
          host, iso(t, false), iso(t - shipper_skew, true), i, i);
    } else if (i % 5 == 2) {
      line = fmt::format(
          R"({{"EventID":4624,"Channel":"Security","Hostname":"{}","@timestamp":"{}","LogonType":"3","IpAddress":"10.0.0.{}","TargetLogonId":"0x{:x}","TargetUserName":"user{}"}})",
          host, iso(t - shipper_skew, true), i % 250, i, i % 7);
    } else if (i % 5 == 3) {
      line = fmt::format(R"({{"EventID":7036,"Channel":"System","Hostname":"{}","TimeCreated":"{}","param1":"svc{}"}})",
                         host, iso(t, true), i % 11);
    } else {
      line = fmt::format(R"({{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"{}","UtcTime":"{}","DestinationPort":"445","Initiated":"false"}})",
                         host, iso(t, false));
    }
    if (i % 97 == 13) line = "{\"EventID\": 4688, broken";
    if (i % 211 == 7) line = "[1, 2]";
    out += line;
    out += i % 3 == 0 ? "\r\n" : "\n";
    if (i % 89 == 0) out += "\n   \n";
  }
  out += R"({"EventID":4624,"Channel":"Security","Hostname":"LAST","@timestamp":"2024-03-04T00:00:00Z"})";  // no newline
  return out;
}

struct Loaded {
  IngestReport report;
  std::vector<std::string> events;  // id, source and result JSON of every event in store order
  std::vector<std::string> searches;  // search_udm results of index-pinned queries
};

// Queries each pinned to a posting list (event type, product event type, hosts, users, IPs, command lines,
// enums), so that the indexes finish() built are compared, not only the stored events.
const std::vector<std::string>& indexed_queries() {
  static const std::vector<std::string> queries = {
      R"(metadata.event_type = "PROCESS_LAUNCH")",
      R"(metadata.product_event_type = "4624")",
      R"(principal.hostname = "WKS-1.acme.local")",
      R"(target.user.userid = "user3")",
      R"(principal.ip = "10.0.0.17" OR target.ip = "10.0.0.17" OR src.ip = "10.0.0.17")",
      R"(target.process.command_line = /echo 12/)",
      R"(principal.process.file.full_path = /services/ nocase)",
      R"(network.direction = "INBOUND")",
      R"(extensions.auth.mechanism = "NETWORK")",
      R"(additional.fields["param1"] = "svc3")"};
  return queries;
}

Loaded load(const std::filesystem::path& file, unsigned threads, std::uint64_t part_bytes) {
  EventStore store;
  // One thread: finish() also indexes on one thread, so the reference is the sequential build.
  store.set_search_threads(threads);
  LoadOptions options;
  options.threads = threads;
  options.part_bytes = part_bytes;
  options.max_errors = 500;
  Loaded out;
  out.report = store.load({file}, options);
  for (std::uint32_t i = 0; i < store.size(); ++i) {
    out.events.push_back(fmt::format("{} {} {}", store.event_id(i), store.event_source(i), store.event_json(i).dump()));
  }
  for (const auto& query : indexed_queries()) {
    SearchRequest request;
    request.query = query;
    request.hours_back = 24 * 365;
    request.max_events = EventStore::kMaxEvents;
    out.searches.push_back(store.search_udm(request).dump());
  }
  return out;
}

}  // namespace

TEST_CASE("a JSON-lines file loaded in parts on two threads gives the store of a single-threaded load") {
  TempDir dir;
  const auto file = dir.write("big.jsonl", make_log());
  const InputUnit unit{file.string(), file, false, 0, UnitFormat::json};
  const auto starts = split_json_lines(unit, 8192);
  REQUIRE(starts.size() > 50);  // the test really splits
  CHECK(starts.front() == 0);

  const Loaded reference = load(file, 1, 0);
  REQUIRE(reference.events.size() > 8000);
  CHECK(reference.report.totals().skipped > 100);
  CHECK(reference.report.errors.size() > 100);
  for (const std::uint64_t part_bytes : {std::uint64_t{8192}, std::uint64_t{65536}}) {
    CAPTURE(part_bytes);
    const Loaded split = load(file, 2, part_bytes);
    CHECK(split.report.to_json() == reference.report.to_json());
    REQUIRE(split.events.size() == reference.events.size());
    std::size_t differing = 0;
    for (std::size_t i = 0; i < split.events.size(); ++i) {
      if (split.events[i] != reference.events[i] && differing++ < 3) {
        CHECK(split.events[i] == reference.events[i]);
      }
    }
    CHECK(differing == 0);
    REQUIRE(split.searches.size() == reference.searches.size());
    for (std::size_t q = 0; q < split.searches.size(); ++q) {
      CAPTURE(indexed_queries()[q]);
      CHECK(split.searches[q].find("\"error\"") == std::string::npos);
      CHECK(split.searches[q].size() > 100);  // the query matches something
      CHECK(split.searches[q] == reference.searches[q]);
    }
  }
  // Bad lines keep the file's line numbers: line 1 is the first event (after the byte-order mark), two blank
  // lines follow it, so record 7 is line 10.
  CHECK(reference.report.errors.front() == fmt::format("{}:10: record is not a JSON object", file.string()));
}

TEST_CASE("one JSON document and small files are not split") {
  TempDir dir;
  std::string array = "[\n";
  for (int i = 0; i < 2000; ++i) {
    array += fmt::format(R"({{"EventID":4624,"Channel":"Security","Hostname":"H{}","TimeCreated":"2020-01-01T00:00:01Z"}})", i);
    array += i + 1 < 2000 ? ",\n" : "\n]\n";
  }
  const auto document = dir.write("array.json", array);
  CHECK(split_json_lines(InputUnit{document.string(), document, false, 0, UnitFormat::json}, 4096).empty());
  const auto small = dir.write("small.jsonl", R"({"EventID":1})" "\n");
  CHECK(split_json_lines(InputUnit{small.string(), small, false, 0, UnitFormat::json}, 4096).empty());
  EventStore store;
  LoadOptions options;
  options.part_bytes = 4096;
  const auto report = store.load({document}, options);
  CHECK(report.error_count == 0);
  CHECK(store.size() == 2000);
}

TEST_CASE("on a store indexed on two threads, every indexed query finds what a scan of every event finds") {
  TempDir dir;
  const auto file = dir.write("big.jsonl", make_log());
  EventStore store;
  store.set_search_threads(2);
  LoadOptions options;
  options.threads = 2;
  options.part_bytes = 8192;
  store.load({file}, options);
  REQUIRE(store.size() >= 4096);  // EventStore::kParallelIndexMin: finish() took its two-thread path
  std::vector<std::string> queries = indexed_queries();
  // Conditions answered from the presence masks (a field or a key present) rather than a posting list.
  queries.push_back(R"(additional.fields["Initiated"] = "false")");
  queries.push_back(R"(additional.fields["TargetLogonId"] = /0x1f/ AND principal.hostname = /WKS-2/)");
  queries.push_back(R"(target.port = 445 AND NOT metadata.event_type = "PROCESS_LAUNCH")");
  queries.push_back(R"(target.process.file.full_path = /cmd\.exe$/ nocase AND additional.fields["Initiated"] != "true")");
  for (const auto& text : queries) {
    CAPTURE(text);
    const auto query = udm::compile_query(text);
    const auto indexed = store.search(query, TimeRange{}, EventStore::kMaxEvents);
    const auto scanned = store.search([&](const udm::EventView& e) { return query.matches(e); }, udm::IndexHints{},
                                      TimeRange{}, EventStore::kMaxEvents);
    CHECK_FALSE(scanned.events.empty());
    CHECK(indexed.events == scanned.events);
  }
}

TEST_CASE("a split ends on quarter-size parts, and a first line longer than the first look still splits") {
  TempDir dir;
  constexpr std::uint64_t kPart = 256 * 1024;
  // The first line alone (100 KB) is longer than the 64 KB split_json_lines reads first to tell JSON lines
  // from one document.
  std::string text = R"({"EventID":1,"Message":")" + std::string(100 * 1024, 'x') + "\"}\n";
  for (int i = 0; text.size() < 10 * kPart; ++i) {
    text += fmt::format(R"({{"EventID":4624,"Channel":"Security","Hostname":"H{}"}})", i) + "\n";
  }
  const auto file = dir.write("tail.jsonl", text);
  const auto starts = split_json_lines(InputUnit{file.string(), file, false, 0, UnitFormat::json}, kPart);
  REQUIRE(starts.size() > 5);
  CHECK(starts.front() == 0);
  // Parts in file order: full ones (a line at most past kPart), then at least four quarter ones that cover
  // no more than the last 2 * kPart bytes.
  std::vector<std::uint64_t> lengths;
  for (std::size_t k = 1; k < starts.size(); ++k) {
    CHECK(text[starts[k] - 1] == '\n');
    lengths.push_back(starts[k] - starts[k - 1]);
  }
  lengths.push_back(text.size() - starts.back());
  std::size_t first_quarter = lengths.size();
  while (first_quarter > 0 && lengths[first_quarter - 1] < kPart / 4 + 100) --first_quarter;
  CHECK(lengths.size() - first_quarter >= 4);
  CHECK(text.size() - starts[first_quarter] <= 2 * kPart);
  for (std::size_t k = 0; k < first_quarter; ++k) {
    CAPTURE(k);
    CHECK(lengths[k] > kPart - 100);  // each part starts at the first line after its target
    CHECK(lengths[k] < kPart + 100 * 1024 + 100);  // the long first line may run past the first target
  }
}
