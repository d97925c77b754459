#pragma once
// A slot of a small direct-mapped cache for a string: mixes its length and its first and last eight
// bytes only, so it costs the same for any length. Good enough to spread names and values over a table
// whose entries are checked by a full comparison anyway.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace lh::siem {

template <unsigned Bits>
std::size_t quick_slot(std::string_view text) {
  static_assert(Bits > 0 && Bits < 64);
  std::uint64_t head = 0;
  std::uint64_t tail = 0;
  if (text.size() >= 8) {
    std::memcpy(&head, text.data(), 8);
    std::memcpy(&tail, text.data() + text.size() - 8, 8);
  } else {
    std::memcpy(&head, text.data(), text.size());
  }
  const std::uint64_t mixed =
      (head * 0x9E3779B97F4A7C15ull) ^ (tail * 0xC2B2AE3D27D4EB4Full) ^ (text.size() * 0x165667B19E3779F9ull);
  return static_cast<std::size_t>(mixed >> (64 - Bits));
}

}  // namespace lh::siem
