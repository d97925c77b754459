#pragma once
// Writes one event as a flat JSON object on one line, keys in the order given, the way the OTRF shipper
// lays out Windows events (EventData fields as top-level keys, numbers as strings except EventID).
#include <cstdint>
#include <string>
#include <string_view>

#include "siem/demo/clock.hpp"

namespace lh::siem::demo {

class FlatEvent {
 public:
  explicit FlatEvent(std::string& out) : out_(out) { out_.push_back('{'); }
  FlatEvent(const FlatEvent&) = delete;
  FlatEvent& operator=(const FlatEvent&) = delete;
  ~FlatEvent() { out_.append("}\n"); }

  FlatEvent& str(std::string_view key, std::string_view value);
  FlatEvent& integer(std::string_view key, std::int64_t value);  // a bare JSON number
  FlatEvent& dec(std::string_view key, std::uint64_t value);     // "1234"
  FlatEvent& hex(std::string_view key, std::uint64_t value);     // "0x4d2"
  FlatEvent& iso(std::string_view key, Millis t);                // "2024-03-04T10:15:02.123Z"
  FlatEvent& sysmon(std::string_view key, Millis t);             // "2024-03-04 10:15:02.123"

 private:
  void key(std::string_view k);
  std::string& out_;
  bool first_ = true;
};

void append_json_escaped(std::string& out, std::string_view value);
std::string to_hex(std::uint64_t value);  // "0x4d2"

}  // namespace lh::siem::demo
