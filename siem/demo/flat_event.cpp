#include "siem/demo/flat_event.hpp"

#include <array>
#include <charconv>

namespace lh::siem::demo {

void append_json_escaped(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t run = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(value.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(value.data() + run, value.size() - run);
}

std::string to_hex(std::uint64_t value) {
  std::array<char, 20> buf{};
  buf[0] = '0';
  buf[1] = 'x';
  auto [end, ec] = std::to_chars(buf.data() + 2, buf.data() + buf.size(), value, 16);
  (void)ec;
  return std::string(buf.data(), end);
}

void FlatEvent::key(std::string_view k) {
  if (!first_) out_.push_back(',');
  first_ = false;
  out_.push_back('"');
  out_.append(k);  // keys are fixed Windows field names and never need escaping
  out_.append("\":");
}

FlatEvent& FlatEvent::str(std::string_view k, std::string_view value) {
  key(k);
  out_.push_back('"');
  append_json_escaped(out_, value);
  out_.push_back('"');
  return *this;
}

FlatEvent& FlatEvent::integer(std::string_view k, std::int64_t value) {
  key(k);
  std::array<char, 24> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  (void)ec;
  out_.append(buf.data(), end);
  return *this;
}

FlatEvent& FlatEvent::dec(std::string_view k, std::uint64_t value) {
  key(k);
  std::array<char, 24> buf{};
  buf[0] = '"';
  auto [end, ec] = std::to_chars(buf.data() + 1, buf.data() + buf.size() - 1, value);
  (void)ec;
  *end++ = '"';
  out_.append(buf.data(), end);
  return *this;
}

FlatEvent& FlatEvent::hex(std::string_view k, std::uint64_t value) {
  key(k);
  std::array<char, 24> buf{};
  buf[0] = '"';
  buf[1] = '0';
  buf[2] = 'x';
  auto [end, ec] = std::to_chars(buf.data() + 3, buf.data() + buf.size() - 1, value, 16);
  (void)ec;
  *end++ = '"';
  out_.append(buf.data(), end);
  return *this;
}

FlatEvent& FlatEvent::iso(std::string_view k, Millis t) {
  key(k);
  out_.push_back('"');
  append_iso_time(out_, t);
  out_.push_back('"');
  return *this;
}

FlatEvent& FlatEvent::sysmon(std::string_view k, Millis t) {
  key(k);
  out_.push_back('"');
  append_sysmon_time(out_, t);
  out_.push_back('"');
  return *this;
}

}  // namespace lh::siem::demo
