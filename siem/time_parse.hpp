#pragma once
// Parsing of the timestamp spellings found in Windows event exports.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lh::siem {

struct ParsedTime {
  std::int64_t micros = 0;  // microseconds since the Unix epoch, as if the text were UTC
  bool has_zone = false;    // the text carried "Z" or a numeric offset (already applied to `micros`)
};

// Accepts "2020-12-19T06:59:28.410Z", "2020-10-19 03:30:42.058", "2020-09-20 12:16:06",
// "2020-09-20T16:16:06.4701234Z", "...+02:00", "...-0500". Fractions beyond microseconds are truncated.
std::optional<ParsedTime> parse_timestamp(std::string_view text);

// RFC 3339 UTC with microseconds trimmed to what is non-zero: "2020-09-20T16:16:06.470Z".
std::string format_rfc3339(std::int64_t micros);

}  // namespace lh::siem
