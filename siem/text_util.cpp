#include "siem/text_util.hpp"

#include <charconv>

namespace lh::siem {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool all_digits_and_dots(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
  }
  return true;
}

void append_utf8(std::uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// Decodes the entity starting at text[0] == '&'; returns the number of bytes consumed or 0.
std::size_t decode_entity(std::string_view text, std::string& out) {
  const auto semi = text.find(';', 1);
  if (semi == std::string_view::npos || semi > 10) return 0;
  const std::string_view name = text.substr(1, semi - 1);
  if (name == "lt") { out.push_back('<'); return semi + 1; }
  if (name == "gt") { out.push_back('>'); return semi + 1; }
  if (name == "amp") { out.push_back('&'); return semi + 1; }
  if (name == "quot") { out.push_back('"'); return semi + 1; }
  if (name == "apos") { out.push_back('\''); return semi + 1; }
  if (name.size() >= 2 && name[0] == '#') {
    std::uint32_t code = 0;
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const char* first = name.data() + (hex ? 2 : 1);
    const char* last = name.data() + name.size();
    auto [ptr, ec] = std::from_chars(first, last, code, hex ? 16 : 10);
    if (ec != std::errc{} || ptr != last || first == last || code == 0 || code > 0x10FFFF ||
        (code >= 0xD800 && code <= 0xDFFF)) {
      return 0;
    }
    append_utf8(code, out);
    return semi + 1;
  }
  return 0;
}

}  // namespace

bool has_html_entity(std::string_view text) {
  auto pos = text.find('&');
  while (pos != std::string_view::npos) {
    std::string scratch;
    if (decode_entity(text.substr(pos), scratch) != 0) return true;
    pos = text.find('&', pos + 1);
  }
  return false;
}

void append_html_unescaped(std::string_view text, std::string& out) {
  out.reserve(out.size() + text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto amp = text.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, amp - i));
    const std::size_t used = decode_entity(text.substr(amp), out);
    if (used == 0) {
      out.push_back('&');
      i = amp + 1;
    } else {
      i = amp + used;
    }
  }
}

std::string html_unescape(std::string_view text) {
  std::string out;
  append_html_unescaped(text, out);
  return out;
}

std::string short_hostname(std::string_view hostname) {
  while (!hostname.empty() && (hostname.front() == ' ' || hostname.front() == '\t')) hostname.remove_prefix(1);
  while (!hostname.empty() && (hostname.back() == ' ' || hostname.back() == '\t' || hostname.back() == '.')) {
    hostname.remove_suffix(1);
  }
  // UNC style "\\HOST" as found in 4648 TargetServerName or client commands.
  while (!hostname.empty() && (hostname.front() == '\\' || hostname.front() == '/')) hostname.remove_prefix(1);
  std::string out = to_lower_ascii(hostname);
  if (all_digits_and_dots(out) || out.find(':') != std::string::npos) return out;  // IPv4 / IPv6
  if (const auto dot = out.find('.'); dot != std::string::npos) out.resize(dot);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

namespace {
// Length of the valid UTF-8 sequence at text[i], or 0 when it is invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t code = 0;
  if ((c & 0xE0) == 0xC0) { length = 2; code = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { length = 3; code = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { length = 4; code = c & 0x07; }
  else return 0;
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if ((length == 2 && code < 0x80) || (length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
      code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return 0;
  }
  return length;
}
}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto length = utf8_sequence_length(text, i);
    if (length == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  if (value > static_cast<std::uint64_t>(INT64_MAX)) {
    if (base == 16 && !negative) return static_cast<std::int64_t>(value);  // 64-bit hex ids wrap
    return std::nullopt;
  }
  const auto signed_value = static_cast<std::int64_t>(value);
  return negative ? -signed_value : signed_value;
}

}  // namespace lh::siem
