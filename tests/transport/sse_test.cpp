#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "transport/sse.hpp"

using lh::transport::format_sse_event;
using lh::transport::SseError;
using lh::transport::SseEvent;
using lh::transport::SseParser;

namespace {

std::vector<SseEvent> parse_in_chunks(const std::string& stream, std::size_t chunk_size) {
  std::vector<SseEvent> events;
  SseParser parser([&](SseEvent event) { events.push_back(std::move(event)); });
  for (std::size_t i = 0; i < stream.size(); i += chunk_size) parser.feed(std::string_view(stream).substr(i, chunk_size));
  return events;
}

std::vector<SseEvent> parse(const std::string& stream) { return parse_in_chunks(stream, stream.size() + 1); }

}  // namespace

TEST_CASE("sse: a single event with id, type and data") {
  auto events = parse("id: 7\nevent: update\ndata: {\"a\":1}\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].id == "7");
  CHECK(events[0].type == "update");
  CHECK(events[0].data == "{\"a\":1}");
}

TEST_CASE("sse: multi-line data is joined with newlines and the type defaults to message") {
  auto events = parse("data: first\ndata: second\ndata:third\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == "message");
  CHECK(events[0].data == "first\nsecond\nthird");
}

TEST_CASE("sse: CRLF, CR and LF line endings, and CRLF split across chunks") {
  const std::string stream = "data: a\r\n\r\ndata: b\r\rdata: c\n\n";
  for (std::size_t chunk : {1u, 2u, 3u, 5u, 100u}) {
    auto events = parse_in_chunks(stream, chunk);
    REQUIRE(events.size() == 3);
    CHECK(events[0].data == "a");
    CHECK(events[1].data == "b");
    CHECK(events[2].data == "c");
  }
}

TEST_CASE("sse: byte-by-byte feeding gives the same events as one chunk") {
  const std::string stream =
      ": comment\nretry: 1500\nid: 1\ndata: {\"jsonrpc\":\"2.0\"}\n\nevent: x\ndata: y\n\nid: 2\ndata:\n\n";
  auto whole = parse(stream);
  auto bytes = parse_in_chunks(stream, 1);
  REQUIRE(whole.size() == bytes.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    CHECK(whole[i].data == bytes[i].data);
    CHECK(whole[i].id == bytes[i].id);
    CHECK(whole[i].type == bytes[i].type);
  }
}

TEST_CASE("sse: comments, unknown fields and a field without colon are ignored") {
  auto events = parse(": keepalive\nfoo: bar\ndata\n\n:another\ndata: x\n\n");
  // "data" without a colon is the data field with an empty value: it dispatches empty data.
  REQUIRE(events.size() == 2);
  CHECK(events[0].data.empty());
  CHECK(events[1].data == "x");
}

TEST_CASE("sse: an event without data is not dispatched, but its id is remembered") {
  std::vector<SseEvent> events;
  SseParser parser([&](SseEvent event) { events.push_back(std::move(event)); });
  parser.feed("id: prime-0\n\n");
  CHECK(events.empty());
  CHECK(parser.last_event_id() == "prime-0");
  parser.feed("data: next\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].id == "prime-0");  // the last id persists across events
}

TEST_CASE("sse: the priming event (id with empty data) dispatches empty data") {
  auto events = parse(format_sse_event("", "1-0"));
  REQUIRE(events.size() == 1);
  CHECK(events[0].data.empty());
  CHECK(events[0].id == "1-0");
}

TEST_CASE("sse: retry accepts digits only, an id containing NUL is ignored") {
  std::vector<SseEvent> events;
  SseParser parser([&](SseEvent event) { events.push_back(std::move(event)); });
  parser.feed("retry: 2500\n\nretry: 12x\n\n");
  REQUIRE(parser.retry_ms().has_value());
  CHECK(*parser.retry_ms() == 2500);
  parser.feed(std::string("id: a\0b\ndata: z\n\n", 18));
  REQUIRE(events.size() == 1);
  CHECK(events[0].id.empty());
}

TEST_CASE("sse: only one leading space is removed from a value") {
  auto events = parse("data:  two spaces\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == " two spaces");
}

TEST_CASE("sse: a leading UTF-8 BOM is skipped, also when split") {
  const std::string stream = "\xEF\xBB\xBF" "data: bom\n\n";
  for (std::size_t chunk : {1u, 2u, 4u, 64u}) {
    auto events = parse_in_chunks(stream, chunk);
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "bom");
  }
}

TEST_CASE("sse: an unterminated event at the end is not dispatched") {
  auto events = parse("data: done\n\ndata: partial\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "done");
}

TEST_CASE("sse: an oversized line or event throws SseError instead of growing without bound") {
  SseParser parser([](SseEvent) {}, 16);
  CHECK_THROWS_AS(parser.feed(std::string(40, 'x')), SseError);
  SseParser events_parser([](SseEvent) {}, 16);
  CHECK_THROWS_AS(events_parser.feed("data: 0123456789\ndata: 0123456789\n"), SseError);
}

TEST_CASE("sse: format_sse_event writes id, type and one data line per line") {
  CHECK(format_sse_event("{\"a\":1}", "3-1") == "id: 3-1\ndata: {\"a\":1}\n\n");
  CHECK(format_sse_event("x\ny", "", "message") == "event: message\ndata: x\ndata: y\n\n");
  CHECK(format_sse_event("", "9") == "id: 9\ndata: \n\n");
  auto events = parse(format_sse_event("line1\nline2", "5", "custom"));
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "line1\nline2");
  CHECK(events[0].type == "custom");
}
