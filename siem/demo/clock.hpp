#pragma once
// Millisecond UTC timestamps and the two text forms the recorded events use.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lh::siem::demo {

using Millis = std::int64_t;  // milliseconds since 1970-01-01T00:00:00Z

inline constexpr Millis kSecond = 1000;
inline constexpr Millis kMinute = 60 * kSecond;
inline constexpr Millis kHour = 60 * kMinute;
inline constexpr Millis kDay = 24 * kHour;

// "2024-03-04T10:15:02.123Z" (TimeCreated / @timestamp).
void append_iso_time(std::string& out, Millis t);
// "2024-03-04 10:15:02.123" (Sysmon UtcTime / CreationUtcTime).
void append_sysmon_time(std::string& out, Millis t);
std::string iso_time(Millis t);
std::string sysmon_time(Millis t);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.mmm]][Z]" (a space may replace the T); UTC only.
std::optional<Millis> parse_time(std::string_view text);

// 0 = Monday ... 6 = Sunday.
int weekday(Millis t);

}  // namespace lh::siem::demo
