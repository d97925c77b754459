#include "siem/time_parse.hpp"

#include <fmt/format.h>

namespace lh::siem {
namespace {

// Howard Hinnant's civil-calendar arithmetic (days since 1970-01-01 for a proleptic Gregorian date).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2);
}

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

// Two digits at a fixed position, or -1 (a fast path for the full "YYYY-MM-DDTHH:MM:SS" form every shipper
// writes: loading parses two or three timestamps per event).
int two_digits_at(std::string_view text, std::size_t pos) {
  const unsigned tens = static_cast<unsigned char>(text[pos]) - unsigned{'0'};
  const unsigned ones = static_cast<unsigned char>(text[pos + 1]) - unsigned{'0'};
  return tens < 10 && ones < 10 ? static_cast<int>(tens * 10 + ones) : -1;
}

}  // namespace

std::optional<ParsedTime> parse_timestamp(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const bool full_form = text.size() >= 19 && text[4] == '-' && text[7] == '-' &&
                         (text[10] == 'T' || text[10] == ' ' || text[10] == 't') && text[13] == ':' && text[16] == ':';
  const int century = full_form ? two_digits_at(text, 0) : -1;
  const int year_of_century = full_form ? two_digits_at(text, 2) : -1;
  if (full_form && century >= 0 && year_of_century >= 0) {
    year = century * 100 + year_of_century;
    month = two_digits_at(text, 5);
    day = two_digits_at(text, 8);
    hour = two_digits_at(text, 11);
    minute = two_digits_at(text, 14);
    second = two_digits_at(text, 17);
    if (month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
    pos = 19;
  } else {
    if (!read_digits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-') return std::nullopt;
    if (!read_digits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-') return std::nullopt;
    if (!read_digits(text, pos, 2, day)) return std::nullopt;
    if (pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ' && text[pos] != 't')) return std::nullopt;
    ++pos;
    if (!read_digits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':') return std::nullopt;
    if (!read_digits(text, pos, 2, minute)) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!read_digits(text, pos, 2, second)) return std::nullopt;
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::int64_t fraction_micros = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) fraction_micros = fraction_micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) fraction_micros *= 10;
  }
  ParsedTime result;
  std::int64_t offset_seconds = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' || text[pos] == 'z') {
      result.has_zone = true;
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      const int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      int offset_hours = 0, offset_minutes = 0;
      if (!read_digits(text, pos, 2, offset_hours)) return std::nullopt;
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (pos < text.size() && !read_digits(text, pos, 2, offset_minutes)) return std::nullopt;
      offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60);
      result.has_zone = true;
    }
  }
  if (pos != text.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  result.micros = seconds * 1'000'000 + fraction_micros;
  return result;
}

std::string format_rfc3339(std::int64_t micros) {
  std::int64_t seconds = micros / 1'000'000;
  std::int64_t fraction = micros % 1'000'000;
  if (fraction < 0) {
    fraction += 1'000'000;
    --seconds;
  }
  std::int64_t days = seconds / 86400;
  std::int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, year, month, day);
  const auto hh = second_of_day / 3600, mm = (second_of_day / 60) % 60, ss = second_of_day % 60;
  if (fraction == 0) return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", year, month, day, hh, mm, ss);
  if (fraction % 1000 == 0) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, month, day, hh, mm, ss, fraction / 1000);
  }
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", year, month, day, hh, mm, ss, fraction);
}

}  // namespace lh::siem
