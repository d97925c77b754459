#include <doctest/doctest.h>

#include <random>

#include "siem/event_store.hpp"
#include "siem/time_parse.hpp"
#include "udm/query_parser.hpp"
#include "udm/quote.hpp"
#include "tests/siem/helpers.hpp"

using namespace lh;
using namespace lh::siem;

namespace {

constexpr std::int64_t kSecond = 1'000'000;
const std::int64_t kBase = parse_timestamp("2020-09-20T16:00:00Z")->micros;

udm::Event make_event(std::int64_t time, const char* type, const char* host, const char* ip, int port) {
  udm::Event e(time);
  e.set("metadata.event_type", type);
  e.set("metadata.product_event_type", type[0] == 'P' ? "1" : "3");
  e.set("principal.hostname", host);
  e.set("principal.ip", ip);
  e.set("target.port", port);
  e.set("additional.fields[\"Initiated\"]", port % 2 ? "true" : "false");
  return e;
}

std::vector<std::int64_t> times_of(const EventStore& store, const SearchResult& result) {
  std::vector<std::int64_t> out;
  for (auto index : result.events) out.push_back(store.view(index)->timestamp_us());
  return out;
}

}  // namespace

TEST_CASE("time window, newest first, max_events and more_data_available") {
  EventStore store;
  for (int i = 0; i < 10; ++i) {
    store.add_event(make_event(kBase + i * 60 * kSecond, "PROCESS_LAUNCH", "WORKSTATION5.theshire.local", "172.18.39.5", 445));
  }
  store.finish();
  REQUIRE(store.size() == 10);
  CHECK(store.now_us() == kBase + 9 * 60 * kSecond);  // defaults to the newest event

  // Inclusive window [minute 2, minute 5].
  const TimeRange window{kBase + 2 * 60 * kSecond, kBase + 5 * 60 * kSecond};
  auto all = store.search({}, udm::IndexHints{}, window, 100);
  CHECK(times_of(store, all) == std::vector<std::int64_t>{kBase + 300 * kSecond, kBase + 240 * kSecond,
                                                          kBase + 180 * kSecond, kBase + 120 * kSecond});
  CHECK_FALSE(all.more_data_available);

  auto limited = store.search({}, udm::IndexHints{}, window, 3);
  CHECK(limited.events.size() == 3);
  CHECK(limited.more_data_available);
  auto exact = store.search({}, udm::IndexHints{}, window, 4);
  CHECK(exact.events.size() == 4);
  CHECK_FALSE(exact.more_data_available);

  // hours_back against the data clock, then against a set clock.
  auto range = store.time_range(1.0 / 60 * 3, std::nullopt, std::nullopt);  // last 3 minutes
  CHECK(store.search({}, udm::IndexHints{}, range, 100).events.size() == 4);
  store.set_now_us(kBase + 60 * kSecond);
  range = store.time_range(24, std::nullopt, std::nullopt);
  CHECK(store.search({}, udm::IndexHints{}, range, 100).events.size() == 2);
  range = store.time_range(24, kBase + 8 * 60 * kSecond, std::nullopt);  // start after now: nothing
  CHECK(store.search({}, udm::IndexHints{}, range, 100).events.empty());
  range = store.time_range(24, std::nullopt, kBase + 9 * 60 * kSecond);
  CHECK(store.search({}, udm::IndexHints{}, range, 100).events.size() == 10);
}

TEST_CASE("index-hinted searches return exactly the full-scan result") {
  const char* types[] = {"PROCESS_LAUNCH", "NETWORK_CONNECTION", "USER_LOGIN"};
  const char* hosts[] = {"WORKSTATION5.theshire.local", "WORKSTATION6.theshire.local", "MORDORDC.theshire.local"};
  const char* ips[] = {"172.18.39.5", "172.18.39.6", "172.18.38.5"};
  std::mt19937 random(7);
  EventStore store;
  for (int i = 0; i < 5000; ++i) {
    store.add_event(make_event(kBase + static_cast<std::int64_t>(random() % 3600) * kSecond, types[random() % 3],
                               hosts[random() % 3], ips[random() % 3], static_cast<int>(random() % 4) * 1000 + 445));
  }
  store.finish();
  const TimeRange range{kBase + 600 * kSecond, kBase + 3000 * kSecond};
  const char* queries[] = {
      R"(metadata.event_type = "NETWORK_CONNECTION" principal.hostname = "WORKSTATION6.theshire.local" target.port = 445)",
      R"((metadata.event_type = "NETWORK_CONNECTION" OR metadata.event_type = "USER_LOGIN") AND principal.ip = "172.18.39.5")",
      R"(principal.hostname = "workstation5.THESHIRE.local" nocase AND additional.fields["Initiated"] = "true")",
      R"(metadata.product_event_type = "3" AND NOT principal.ip = "172.18.38.5")",
      R"(principal.hostname = "NOPE")",
      R"(principal.hostname = /workstation[56]/ nocase AND target.port = 1445)",
      R"(principal.ip != "172.18.39.5" AND metadata.event_type = "USER_LOGIN")",
      R"(additional.fields["Initiated"] = /^t/ AND principal.ip = /\.6$/)",
      R"(principal.hostname = /zzz/)",
      R"(NOT principal.hostname = "MORDORDC.theshire.local")",
  };
  for (const char* text : queries) {
    CAPTURE(text);
    const auto query = udm::compile_query(text);
    const auto matches = [&](const udm::EventView& e) { return query.matches(e); };
    for (std::size_t max_events : {std::size_t{5}, std::size_t{50}, std::size_t{100000}}) {
      const auto scan = store.search(matches, udm::IndexHints{}, range, max_events);
      const auto hinted = store.search(query, range, max_events);
      CHECK(hinted.events == scan.events);
      CHECK(hinted.more_data_available == scan.more_data_available);
      CHECK(hinted.candidates_examined <= scan.candidates_examined);
      const bool narrowable = std::string_view(text).rfind("NOT", 0) != 0;
      if (max_events == 100000 && narrowable) CHECK(hinted.candidates_examined < scan.candidates_examined);
    }
  }
  // A pinned value that no event has gives no candidates at all.
  CHECK(store.search(udm::compile_query(R"(principal.hostname = "NOPE")"), range, 10).candidates_examined == 0);
}

TEST_CASE("nocase index pins fold the Kelvin sign and long s like the query does") {
  EventStore store;
  // A stored host spelt with U+212A KELVIN SIGN for the K and U+017F LATIN SMALL LETTER LONG S for one s:
  // RE2's case-insensitive match equates it with "kass-pc", so the index must not lose it.
  store.add_event(make_event(kBase, "USER_LOGIN", "\xe2\x84\xaa" "A\xc5\xbf" "S-PC", "172.18.39.5", 445));
  store.add_event(make_event(kBase + kSecond, "USER_LOGIN", "OTHER-PC", "172.18.39.6", 445));
  store.finish();
  const TimeRange range{kBase - kSecond, kBase + 10 * kSecond};
  const auto query = udm::compile_query(R"(principal.hostname = /^kass-pc$/ nocase)");
  const auto matches = [&](const udm::EventView& e) { return query.matches(e); };
  const auto scan = store.search(matches, udm::IndexHints{}, range, 10);
  const auto hinted = store.search(query, range, 10);
  CHECK(scan.events.size() == 1);
  CHECK(hinted.events == scan.events);
}

TEST_CASE("long scans split between threads return the sequential result") {
  EventStore store;
  const char* hosts[] = {"WORKSTATION5", "WORKSTATION6", "MORDORDC"};
  for (int i = 0; i < 70000; ++i) {
    store.add_event(make_event(kBase + i * kSecond, i % 7 ? "PROCESS_LAUNCH" : "NETWORK_CONNECTION", hosts[i % 3],
                               "172.18.39.5", i % 11 ? 80 : 445));
  }
  store.finish();
  const auto query = udm::compile_query(R"(additional.fields["Initiated"] = "true" AND target.port = 445)");
  for (std::size_t max_events : {std::size_t{1}, std::size_t{700}, std::size_t{100000}}) {
    store.set_search_threads(1);
    const auto sequential = store.search(query, TimeRange{}, max_events);
    store.set_search_threads(2);
    const auto parallel = store.search(query, TimeRange{}, max_events);
    CHECK(parallel.events == sequential.events);
    CHECK(parallel.more_data_available == sequential.more_data_available);
    CHECK_FALSE(sequential.events.empty());
  }
}

TEST_CASE("long multi-line texts survive the line-interned storage") {
  std::string message = "An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-0-0\r\n";
  for (int i = 0; i < 20; ++i) message += fmt::format("\tLine {}:\t\tvalue {}\r\n", i % 5, i);
  message += "no newline at the end";
  EventStore store;
  udm::Event e(kBase);
  e.set("metadata.event_type", "USER_LOGIN");
  e.set("metadata.description", message);
  e.set("additional.fields[\"TaskContent\"]", message + "\n");
  store.add_event(e);
  store.add_event(e);
  store.finish();
  const auto result = store.search({}, udm::IndexHints{}, TimeRange{}, 10);
  REQUIRE(result.events.size() == 2);
  const auto view = store.view(result.events[0]);
  CHECK(lh::siem::test::one(*view, "metadata.description") == message);
  CHECK(lh::siem::test::one(*view, "additional.fields", "TaskContent") == message + "\n");
  SearchRequest request;
  request.query = R"(metadata.description = /value 19\r\nno newline/)";
  CHECK(store.search_udm(request)["total_events"] == 2);
  // Exact comparison with the whole text (stored as lines) still matches.
  request.query = "metadata.description = " + udm::quote_string(message);
  CHECK(store.search_udm(request)["total_events"] == 2);
  request.query = R"(additional.fields["TaskContent"] = "not stored anywhere")";
  CHECK(store.search_udm(request)["total_events"] == 0);
}

TEST_CASE("search_udm: the tool's result and error shapes") {
  EventStore store;
  for (int i = 0; i < 5; ++i) {
    store.add_event(make_event(kBase + i * kSecond, "NETWORK_CONNECTION", "WORKSTATION6", "172.18.39.5", 445));
  }
  store.finish();
  SearchRequest request;
  request.query = R"(metadata.event_type = "NETWORK_CONNECTION" AND target.port = 445)";
  request.max_events = 3;
  auto json = store.search_udm(request);
  CHECK(json["total_events"] == 3);
  CHECK(json["more_data_available"] == true);
  request.start_time = "2020-09-20T16:00:03Z";
  request.max_events.reset();
  json = store.search_udm(request);
  CHECK(json["total_events"] == 2);
  request.query = R"(target.process.command_line CONTAINS "x")";
  json = store.search_udm(request);
  CHECK(json["events"].empty());
  CHECK(json["error"].get<std::string>().rfind("search_udm: invalid UDM query: col ", 0) == 0);
  request.query = R"(metadata.event_type = "NETWORK_CONNECTION")";
  request.start_time = "yesterday";
  json = store.search_udm(request);
  CHECK(json["error"] == "search_udm: start_time \"yesterday\" is not an RFC 3339 time");
}

TEST_CASE("results come back as Chronicle result JSON") {
  EventStore store;
  store.add_event(make_event(kBase, "NETWORK_CONNECTION", "WORKSTATION6", "172.18.39.5", 445), "unit.json", 7);
  store.finish();
  const auto result = store.search({}, udm::IndexHints{}, TimeRange{}, 10);
  const auto json = store.result_json(result);
  CHECK(json["total_events"] == 1);
  CHECK(json["more_data_available"] == false);
  const auto& event = json["events"][0];
  CHECK(event["name"].get<std::string>().find("/events/") != std::string::npos);
  CHECK(event["udm"]["metadata"]["eventType"] == "NETWORK_CONNECTION");
  CHECK(event["udm"]["metadata"]["eventTimestamp"] == "2020-09-20T16:00:00Z");
  CHECK(event["udm"]["principal"]["ip"][0] == "172.18.39.5");
  CHECK(event["udm"]["target"]["port"] == 445);
  CHECK(store.event_source(result.events[0]) == "unit.json:7");
  CHECK(store.event_id(result.events[0]).size() == 16);
}

TEST_CASE("required fields of a query") {
  using lh::siem::FieldRequirement;
  const auto port = *udm::find_field("target.port");
  const auto command = *udm::find_field("target.process.command_line");
  auto required = [](const char* text) { return required_fields(udm::parse_query(text)); };
  CHECK(required(R"(target.port = 445)") == std::vector<FieldRequirement>{{port, ""}});
  CHECK(required(R"(target.port != 445)").empty());  // a missing port (0) differs from 445
  CHECK(required(R"(target.process.command_line = /x/ AND additional.fields["Initiated"] = "true")") ==
        std::vector<FieldRequirement>{{udm::fields::additional_fields, "Initiated"}, {command, ""}});
  CHECK(required(R"(target.port = 445 OR target.port = 135)") == std::vector<FieldRequirement>{{port, ""}});
  CHECK(required(R"(target.port = 445 OR target.process.command_line = /x/)").empty());
  CHECK(required(R"(NOT target.port = 445)").empty());
  CHECK(required(R"(target.process.command_line = /.*/)").empty());  // matches "" too
}
