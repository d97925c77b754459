#pragma once
// A slot of a small direct-mapped cache for a string: mixes its length and its first, middle and last eight
// bytes, so it costs the same for any length and strings of up to 24 bytes are mixed whole. Names that differ in one inner character (WKS-11846 and WKS-11847 in the same domain)
// must land apart: a table of recent host names or values thrashes when a family of them shares a slot.
// Entries are checked by a full comparison anyway, so this only has to spread, not to be strong.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace lh::siem {

inline std::uint64_t quick_word(const char* at) {
  std::uint64_t word = 0;
  std::memcpy(&word, at, 8);
  return word;
}

template <unsigned Bits>
std::size_t quick_slot(std::string_view text) {
  static_assert(Bits > 0 && Bits < 64);
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  const char* data = text.data();
  const std::size_t size = text.size();
  std::uint64_t mixed = size * 0x165667B19E3779F9ull;
  auto absorb = [&mixed](std::uint64_t word) {
    mixed = (mixed ^ word) * kMul;
    mixed ^= mixed >> 29;
  };
  if (size <= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, data, size);
    absorb(word);
  } else if (size <= 16) {
    absorb(quick_word(data));
    absorb(quick_word(data + size - 8));
  } else {
    absorb(quick_word(data));
    absorb(quick_word(data + size / 2 - 4));
    absorb(quick_word(data + size - 8));
  }
  return static_cast<std::size_t>((mixed * kMul) >> (64 - Bits));
}

}  // namespace lh::siem
