#include <doctest/doctest.h>

#include <map>

#include <fmt/format.h>

#include "siem/clock_correction.hpp"
#include "siem/text_util.hpp"
#include "siem/time_parse.hpp"

using namespace lh::siem;

TEST_CASE("HTML unescaping of shipper text") {
  CHECK(html_unescape("&lt;Anonymous Pipe&gt;") == "<Anonymous Pipe>");
  CHECK(html_unescape("cmd /c whoami 1&gt; out 2&gt;&amp;1") == "cmd /c whoami 1> out 2>&1");
  CHECK(html_unescape("&quot;a&quot; &#39;b&#39; &#x41;") == "\"a\" 'b' A");
  CHECK(html_unescape("AT&T & &bogus; &") == "AT&T & &bogus; &");
  CHECK(has_html_entity("1&gt;"));
  CHECK_FALSE(has_html_entity("a & b"));
}

TEST_CASE("short host names for comparisons") {
  CHECK(short_hostname("WORKSTATION5.theshire.local") == "workstation5");
  CHECK(short_hostname("WORKSTATION5") == "workstation5");
  CHECK(short_hostname("\\\\MORDORDC.theshire.local.") == "mordordc");
  CHECK(short_hostname("172.18.39.5") == "172.18.39.5");
  CHECK(short_hostname("fe80::1") == "fe80::1");
}

TEST_CASE("integers in decimal and hex") {
  CHECK(parse_integer("445") == 445);
  CHECK(parse_integer("0x3e7") == 999);
  CHECK(parse_integer("-1") == -1);
  CHECK_FALSE(parse_integer("-").has_value());
  CHECK_FALSE(parse_integer("12a").has_value());
}

TEST_CASE("UTF-8 validation") {
  CHECK(is_valid_utf8("h\xC3\xA9llo"));
  CHECK_FALSE(is_valid_utf8("bad \xC3 byte"));
  CHECK(sanitize_utf8("bad \xFF") == "bad \xEF\xBF\xBD");
}

TEST_CASE("timestamp spellings") {
  const auto z = parse_timestamp("2020-12-19T06:59:28.410Z");
  REQUIRE(z);
  CHECK(z->has_zone);
  CHECK(format_rfc3339(z->micros) == "2020-12-19T06:59:28.410Z");
  const auto local = parse_timestamp("2020-10-19 03:30:42.058");
  REQUIRE(local);
  CHECK_FALSE(local->has_zone);
  CHECK(format_rfc3339(local->micros) == "2020-10-19T03:30:42.058Z");
  CHECK(format_rfc3339(parse_timestamp("2020-09-20 12:16:06")->micros) == "2020-09-20T12:16:06Z");
  CHECK(format_rfc3339(parse_timestamp("2020-09-20T16:16:06.4701234Z")->micros) == "2020-09-20T16:16:06.470123Z");
  CHECK(format_rfc3339(parse_timestamp("2020-09-20T12:16:06-04:00")->micros) == "2020-09-20T16:16:06Z");
  CHECK_FALSE(parse_timestamp("yesterday").has_value());
  CHECK_FALSE(parse_timestamp("2020-13-01 00:00:00").has_value());
  CHECK_FALSE(parse_timestamp("2020-09-20 12:16:06 junk").has_value());
}

TEST_CASE("a timestamp with a non-digit in any position of its full form is rejected") {
  const std::string valid = "2020-09-20T12:16:06.123Z";
  REQUIRE(parse_timestamp(valid));
  CHECK(format_rfc3339(parse_timestamp("1999-12-31 23:59:59")->micros) == "1999-12-31T23:59:59Z");
  CHECK(format_rfc3339(parse_timestamp("2020-09-20T12:16")->micros) == "2020-09-20T12:16:00Z");
  for (const std::size_t position : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    for (const char replacement : {'/', ':', 'a', ' '}) {
      std::string broken = valid;
      broken[position] = replacement;
      INFO(broken);
      CHECK_FALSE(parse_timestamp(broken).has_value());
    }
  }
  CHECK_FALSE(parse_timestamp("2020-09-20T24:00:00Z").has_value());
  CHECK_FALSE(parse_timestamp("2020-09-20T12:60:00Z").has_value());
  CHECK_FALSE(parse_timestamp("2020-00-20T12:00:00Z").has_value());
  CHECK_FALSE(parse_timestamp("2020-09-32T12:00:00Z").has_value());
}

TEST_CASE("clock offsets round to quarter hours") {
  constexpr std::int64_t s = 1'000'000;
  CHECK(rounded_median_offset({5 * 3600 * s - 2 * s, 5 * 3600 * s + 1 * s, 5 * 3600 * s}) == 5 * 3600 * s);
  CHECK(rounded_median_offset({-3 * s, -2 * s, -1 * s}) == 0);
  CHECK(rounded_median_offset({-4 * 3600 * s + 500000}) == -4 * 3600 * s);
  CHECK(rounded_median_offset({}) == 0);

  // A host's Security events borrow the offset learned from its Sysmon events.
  ClockCorrector corrector;
  NormaliseOutcome sysmon;
  sysmon.utc_time_us = 1000 * s + 5 * 3600 * s;
  sysmon.time_created_us = 1000 * s;
  corrector.observe("WORKSTATION6.theshire.local", sysmon);
  CHECK(corrector.offset_us("workstation6", TimeSource::time_created) == 5 * 3600 * s);
  CHECK(corrector.offset_us("OTHERHOST", TimeSource::time_created) == 5 * 3600 * s);  // unit-wide fallback
  CHECK(corrector.offset_us("workstation6", TimeSource::at_timestamp) == 0);
  CHECK(corrector.offset_us("workstation6", TimeSource::sysmon_utc) == 0);
}

TEST_CASE("clock offsets per host hold across many hosts, a move and an append") {
  constexpr std::int64_t s = 1'000'000;
  constexpr std::int64_t hour = 3600 * s;
  // 3000 hosts (more than the corrector's table of recent names, with names that share length and ends),
  // each skewed by (i % 5) hours; both spellings of a host (FQDN and short) share its samples.
  auto host = [](int i, bool fqdn) { return fmt::format("WKS-{:04}{}", i, fqdn ? ".acme.local" : ""); };
  auto observe_all = [&](ClockCorrector& corrector, int first, int last) {
    for (int round = 0; round < 2; ++round) {
      for (int i = first; i < last; ++i) {
        NormaliseOutcome sysmon;
        sysmon.utc_time_us = 1000 * s + (i % 5) * hour;
        sysmon.at_timestamp_us = 1000 * s;
        corrector.observe(host(i, round == 0), sysmon);
      }
    }
  };
  ClockCorrector early;
  observe_all(early, 0, 1500);
  ClockCorrector moved(std::move(early));
  observe_all(moved, 0, 1500);  // after the move, through the moved corrector's own table
  ClockCorrector later;
  observe_all(later, 1500, 3000);
  moved.append(later);
  early = ClockCorrector();  // the moved-from corrector is usable again
  observe_all(early, 0, 10);
  for (int i = 0; i < 3000; i += 7) {
    CAPTURE(i);
    REQUIRE(moved.offset_us(host(i, true), TimeSource::at_timestamp) == (i % 5) * hour);
    REQUIRE(moved.offset_us(host(i, false), TimeSource::at_timestamp) == (i % 5) * hour);
  }
  CHECK(early.offset_us(host(3, true), TimeSource::at_timestamp) == 3 * hour);
  CHECK(moved.offset_us("NEVER-SEEN", TimeSource::time_created) == 0);
}

TEST_CASE("a corrector fed in parts keeps the first samples per host and per unit exactly as one fed whole") {
  constexpr std::int64_t s = 1'000'000;
  constexpr std::int64_t hour = 3600 * s;
  // Host A (two spellings) first shows +5 h for 600 samples, then -3 h: only the first 512 of each list
  // count, so A stays at +5 h; a corrector that kept later samples would say -3 h. Host B shows +2 h
  // throughout; the unit's first 512 samples are A's and B's mixed. Host C appears only after the unit's
  // list is full and shows +7 h: its own list must still fill.
  struct Sample {
    std::string host;
    std::int64_t delta;
  };
  std::vector<Sample> samples;
  int a_samples = 0;
  for (int i = 0; i < 3000; ++i) {
    if (i >= 2000 && i % 4 == 0) {
      samples.push_back({"HOST-C", 7 * hour});
    } else if (i % 3 == 0) {
      samples.push_back({"HOST-B.acme.local", 2 * hour});
    } else {
      samples.push_back({i % 2 == 0 ? "host-a" : "HOST-A.acme.local", a_samples < 600 ? 5 * hour : -3 * hour});
      ++a_samples;
    }
  }
  auto observe_range = [&](ClockCorrector& corrector, std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i) {
      NormaliseOutcome sysmon;
      sysmon.utc_time_us = 1000 * s + samples[i].delta;
      sysmon.at_timestamp_us = 1000 * s;
      sysmon.time_created_us = 1000 * s - hour;
      corrector.observe(samples[i].host, sysmon);
    }
  };
  ClockCorrector whole;
  observe_range(whole, 0, samples.size());
  for (const std::size_t part : {std::size_t{1}, std::size_t{100}, std::size_t{511}, std::size_t{700}, std::size_t{2999}}) {
    CAPTURE(part);
    ClockCorrector joined;
    for (std::size_t first = 0; first < samples.size(); first += part) {
      ClockCorrector piece;
      observe_range(piece, first, std::min(samples.size(), first + part));
      joined.append(piece);
    }
    for (const char* host : {"host-a", "HOST-A.acme.local", "HOST-B", "host-c.acme.local", "nowhere"}) {
      CAPTURE(host);
      for (const TimeSource source : {TimeSource::at_timestamp, TimeSource::time_created}) {
        CHECK(joined.offset_us(host, source) == whole.offset_us(host, source));
      }
    }
  }
  // Parts that hold samples in lists already (asked for an offset before being appended) or that were joined
  // from parts themselves: the same offsets.
  for (const std::size_t part : {std::size_t{3}, std::size_t{250}, std::size_t{1100}}) {
    CAPTURE(part);
    ClockCorrector joined;
    for (std::size_t first = 0; first < samples.size(); first += part) {
      const std::size_t last = std::min(samples.size(), first + part);
      ClockCorrector piece;
      if ((first / part) % 3 == 0) {
        observe_range(piece, first, last);
        (void)piece.offset_us("host-b", TimeSource::at_timestamp);
      } else if ((first / part) % 3 == 1) {
        ClockCorrector front;
        ClockCorrector back;
        observe_range(front, first, (first + last) / 2);
        observe_range(back, (first + last) / 2, last);
        piece.append(front);
        piece.append(back);
      } else {
        observe_range(piece, first, last);
      }
      joined.append(piece);
    }
    for (const char* host : {"host-a", "HOST-A.acme.local", "HOST-B", "host-c.acme.local", "nowhere"}) {
      CAPTURE(host);
      for (const TimeSource source : {TimeSource::at_timestamp, TimeSource::time_created}) {
        CHECK(joined.offset_us(host, source) == whole.offset_us(host, source));
      }
    }
  }
  // Parts whose spellings carry keys (as the store's string ids do): the joined corrector finds hosts by key,
  // with the same offsets.
  std::map<std::string, std::uint32_t> keys;
  for (const auto& sample : samples) keys.emplace(sample.host, static_cast<std::uint32_t>(keys.size() * 16 + 3));
  ClockCorrector keyed;
  for (std::size_t first = 0; first < samples.size(); first += 211) {
    ClockCorrector piece;
    for (std::size_t i = first; i < std::min(samples.size(), first + 211); ++i) {
      NormaliseOutcome sysmon;
      sysmon.utc_time_us = 1000 * s + samples[i].delta;
      sysmon.at_timestamp_us = 1000 * s;
      sysmon.time_created_us = 1000 * s - hour;
      const std::uint32_t spelling = piece.spelling(samples[i].host);
      piece.set_spelling_key(spelling, keys.at(samples[i].host));
      piece.observe(spelling, sysmon);
    }
    keyed.append(piece);
  }
  for (const char* host : {"host-a", "HOST-A.acme.local", "HOST-B", "host-c.acme.local", "nowhere"}) {
    CAPTURE(host);
    for (const TimeSource source : {TimeSource::at_timestamp, TimeSource::time_created}) {
      CHECK(keyed.offset_us(host, source) == whole.offset_us(host, source));
    }
  }
  // Asked for an offset every 97 samples (each question settles what was recorded so far), and told the
  // hosts by the numbers spelling() gave before the first question: the same offsets.
  ClockCorrector asked;
  std::map<std::string, std::uint32_t> numbers;
  for (const auto& sample : samples) numbers.emplace(sample.host, asked.spelling(sample.host));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    NormaliseOutcome sysmon;
    sysmon.utc_time_us = 1000 * s + samples[i].delta;
    sysmon.at_timestamp_us = 1000 * s;
    sysmon.time_created_us = 1000 * s - hour;
    asked.observe(numbers.at(samples[i].host), sysmon);
    if (i % 97 == 0) CHECK(asked.offset_us("host-b", TimeSource::time_created) == 3 * hour);
  }
  for (const char* host : {"host-a", "HOST-A.acme.local", "HOST-B", "host-c.acme.local", "nowhere"}) {
    CAPTURE(host);
    for (const TimeSource source : {TimeSource::at_timestamp, TimeSource::time_created}) {
      CHECK(asked.offset_us(host, source) == whole.offset_us(host, source));
    }
  }
  CHECK(whole.offset_us("HOST-A", TimeSource::at_timestamp) == 5 * hour);
  CHECK(whole.offset_us("host-a.acme.local", TimeSource::time_created) == 6 * hour);
  CHECK(whole.offset_us("host-b", TimeSource::at_timestamp) == 2 * hour);
  CHECK(whole.offset_us("HOST-C.acme.local", TimeSource::at_timestamp) == 7 * hour);
  CHECK(whole.offset_us("nowhere", TimeSource::at_timestamp) == 5 * hour);  // the unit's first 512: mostly A
}
