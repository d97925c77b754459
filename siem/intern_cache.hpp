#pragma once
// A small direct-mapped cache in front of StringPool::intern for short strings. Loading interns some forty
// strings per event, and most of them (field names, constant metadata, hosts, images) were interned a few
// events earlier: the cache finds those with a cheap hash and one comparison, instead of a full hash and a
// probe of the pool's table. A miss, or a colliding string, simply goes to the pool, so the ids are always the
// pool's.
//
// Each entry keeps the string's first and last eight bytes (overlapping for shorter strings) beside its
// length: with the length they are the whole string up to 16 bytes, so most lookups compare two words and
// never read the pool's arena; longer strings compare their middle bytes as well.
//
// Entries point into the pool's arena: call clear() whenever the pool is cleared or replaced.
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "siem/string_pool.hpp"

namespace lh::siem {

class InternCache {
 public:
  // Strings longer than this go straight to the pool (they rarely repeat, and composites start far above).
  static constexpr std::size_t kMaxCachedBytes = 64;
  static_assert(kMaxCachedBytes < StringPool::kCompositeMinBytes);

  // Same id as pool.intern(text, allow_composite). The hit is inline at every call site; the rest is not.
  [[gnu::always_inline]] StringPool::Id intern(StringPool& pool, std::string_view text, bool allow_composite = true) {
    const std::size_t size = text.size();
    if (size == 0 || size > kMaxCachedBytes) [[unlikely]] return pool.intern(text, allow_composite);
    const Words words = words_of(text.data(), size);
    Entry& entry = entries_[slot_of(words, text.data(), size)];
    if (entry.size == size && entry.head == words.head && entry.tail == words.tail &&
        (size <= 16 || std::memcmp(entry.data + 8, text.data() + 8, size - 16) == 0)) [[likely]] {
      return entry.id;
    }
    return miss(pool, text, words, entry);
  }
  void clear() { entries_.fill(Entry{}); }
  // The slot `text` is cached in (exposed for tests).
  [[nodiscard]] static std::size_t slot_of(std::string_view text) {
    return slot_of(words_of(text.data(), text.size()), text.data(), text.size());
  }

 private:
  static constexpr unsigned kSlotBits = 12;  // 4096 entries, 128 KB: a slice meets some 16 k distinct strings
  struct Words {
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
  };
  struct Entry {
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    const char* data = nullptr;
    std::uint32_t size = 0;  // 0: empty (the empty string is never cached)
    StringPool::Id id = 0;
  };

  [[gnu::noinline]] static StringPool::Id miss(StringPool& pool, std::string_view text, const Words& words, Entry& entry) {
    const StringPool::Id id = pool.intern(text, false);  // short strings are never composites
    entry = Entry{words.head, words.tail, pool.get(id).data(), static_cast<std::uint32_t>(text.size()), id};
    return id;
  }
  static std::uint64_t load8(const char* at) {
    std::uint64_t word = 0;
    std::memcpy(&word, at, 8);
    return word;
  }
  static std::uint32_t load4(const char* at) {
    std::uint32_t word = 0;
    std::memcpy(&word, at, 4);
    return word;
  }
  // With the length, these identify a string of up to 16 bytes exactly (no byte outside it is read).
  static Words words_of(const char* data, std::size_t size) {
    if (size >= 8) return Words{load8(data), load8(data + size - 8)};
    if (size >= 4) return Words{load4(data) | (std::uint64_t{load4(data + size - 4)} << 32), 0};
    const auto byte = [data](std::size_t at) { return std::uint64_t{static_cast<unsigned char>(data[at])}; };
    return Words{byte(0) | (byte(size / 2) << 8) | (byte(size - 1) << 16), 0};
  }
  // Mixes the middle of longer strings too: host names of one family (WKS-11846.acme.local and
  // WKS-11847.acme.local) share their first and last eight bytes and must not share a slot.
  static std::size_t slot_of(const Words& words, const char* data, std::size_t size) {
    constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
    std::uint64_t mixed = (words.head * kMul) ^ (words.tail + size) * 0xC2B2AE3D27D4EB4Full;
    if (size > 16) mixed ^= load8(data + size / 2 - 4) * 0x165667B19E3779F9ull;
    mixed ^= mixed >> 29;
    return static_cast<std::size_t>((mixed * kMul) >> (64 - kSlotBits));
  }
  std::array<Entry, std::size_t{1} << kSlotBits> entries_{};
};

}  // namespace lh::siem
