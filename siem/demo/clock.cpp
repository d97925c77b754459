#include "siem/demo/clock.hpp"

#include <array>

namespace lh::siem::demo {
namespace {

struct Civil {
  int year;
  unsigned month;
  unsigned day;
};

// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days algorithm).
constexpr Civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}

constexpr std::int64_t days_from_civil(int y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void put2(char* p, unsigned v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

void append_time(std::string& out, Millis t, char separator, bool zulu) {
  std::int64_t days = t / kDay;
  Millis in_day = t % kDay;
  if (in_day < 0) {
    in_day += kDay;
    --days;
  }
  const Civil c = civil_from_days(days);
  const auto ms = static_cast<unsigned>(in_day % 1000);
  const auto sec = static_cast<unsigned>(in_day / 1000);
  std::array<char, 24> buf{};
  const auto year = static_cast<unsigned>(c.year);
  buf[0] = static_cast<char>('0' + year / 1000 % 10);
  buf[1] = static_cast<char>('0' + year / 100 % 10);
  buf[2] = static_cast<char>('0' + year / 10 % 10);
  buf[3] = static_cast<char>('0' + year % 10);
  buf[4] = '-';
  put2(&buf[5], c.month);
  buf[7] = '-';
  put2(&buf[8], c.day);
  buf[10] = separator;
  put2(&buf[11], sec / 3600);
  buf[13] = ':';
  put2(&buf[14], sec / 60 % 60);
  buf[16] = ':';
  put2(&buf[17], sec % 60);
  buf[19] = '.';
  buf[20] = static_cast<char>('0' + ms / 100);
  put2(&buf[21], ms % 100);
  std::size_t len = 23;
  if (zulu) buf[len++] = 'Z';
  out.append(buf.data(), len);
}

bool digits(std::string_view text, std::size_t pos, std::size_t count, unsigned& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

}  // namespace

void append_iso_time(std::string& out, Millis t) { append_time(out, t, 'T', true); }
void append_sysmon_time(std::string& out, Millis t) { append_time(out, t, ' ', false); }

std::string iso_time(Millis t) {
  std::string s;
  append_iso_time(s, t);
  return s;
}

std::string sysmon_time(Millis t) {
  std::string s;
  append_sysmon_time(s, t);
  return s;
}

std::optional<Millis> parse_time(std::string_view text) {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (!digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, mo) || text[7] != '-' ||
      !digits(text, 8, 2, d))
    return std::nullopt;
  std::size_t pos = 10;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    if (!digits(text, pos + 1, 2, h) || pos + 3 >= text.size() || text[pos + 3] != ':' || !digits(text, pos + 4, 2, mi))
      return std::nullopt;
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!digits(text, pos + 1, 2, s)) return std::nullopt;
      pos += 3;
      if (pos < text.size() && text[pos] == '.') {
        if (!digits(text, pos + 1, 3, ms)) return std::nullopt;
        pos += 4;
      }
    }
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) return std::nullopt;
  static constexpr std::array<unsigned, 12> month_days{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] || h > 23 || mi > 59 || s > 59) return std::nullopt;
  const std::int64_t days = days_from_civil(static_cast<int>(y), mo, d);
  return days * kDay + static_cast<Millis>(h) * kHour + static_cast<Millis>(mi) * kMinute +
         static_cast<Millis>(s) * kSecond + ms;
}

int weekday(Millis t) {
  std::int64_t days = t / kDay;
  if (t % kDay < 0) --days;
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  return static_cast<int>(((days % 7) + 7 + 3) % 7);
}

}  // namespace lh::siem::demo
