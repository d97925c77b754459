#pragma once
// The hash of the loader's string tables (the store's strings, the clock corrector's host names): eight bytes
// at a time and inline, where the library's string hash is a call per string with a byte-wise tail, and
// loading hashes millions of strings, most under 40 bytes. The final mix spreads every input bit over the
// result.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace lh::siem {

namespace text_hash_detail {

inline std::uint64_t load_word(const char* at) {
  std::uint64_t word = 0;
  std::memcpy(&word, at, sizeof word);
  return word;
}

inline std::uint64_t mix_word(std::uint64_t hash, std::uint64_t word) {
  constexpr std::uint64_t kOdd1 = 0x9E3779B97F4A7C15ull;
  constexpr std::uint64_t kOdd2 = 0xC2B2AE3D27D4EB4Full;
  hash ^= word * kOdd2;
  return ((hash << 31) | (hash >> 33)) * kOdd1;
}

}  // namespace text_hash_detail

inline std::uint64_t hash_text(std::string_view text) {
  using text_hash_detail::load_word;
  using text_hash_detail::mix_word;
  const char* at = text.data();
  const std::size_t size = text.size();
  std::uint64_t hash = (size + 1) * 0xD6E8FEB86659FD93ull;
  if (size >= 8) {
    const char* const last = at + size - 8;
    for (; at < last; at += 8) hash = mix_word(hash, load_word(at));
    hash = mix_word(hash, load_word(last));  // the last eight bytes, overlapping the previous word
  } else if (size >= 4) {
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    std::memcpy(&head, at, 4);
    std::memcpy(&tail, at + size - 4, 4);
    hash = mix_word(hash, head | (std::uint64_t{tail} << 32));
  } else if (size > 0) {
    const auto byte = [at](std::size_t index) { return std::uint64_t{static_cast<unsigned char>(at[index])}; };
    hash = mix_word(hash, byte(0) | (byte(size / 2) << 8) | (byte(size - 1) << 16));
  }
  hash ^= hash >> 33;
  hash *= 0xFF51AFD7ED558CCDull;
  hash ^= hash >> 33;
  hash *= 0xC4CEB9FE1A85EC53ull;
  hash ^= hash >> 33;
  return hash;
}

}  // namespace lh::siem
