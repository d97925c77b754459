#pragma once
// A small direct-mapped cache in front of StringPool::intern for short strings. Loading interns some fifty
// strings per event, and most of them (field names, constant metadata, hosts, images) were interned a few
// events earlier: the cache finds those with a cheap hash of the length and the first and last eight bytes
// and one comparison, instead of a full hash and a probe of the pool's table. A miss, or a colliding
// string, simply goes to the pool, so the ids are always the pool's.
//
// Entries point into the pool's arena: call clear() whenever the pool is cleared or replaced.
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "siem/quick_slot.hpp"
#include "siem/string_pool.hpp"

namespace lh::siem {

class InternCache {
 public:
  // Strings longer than this go straight to the pool (they rarely repeat, and composites start far above).
  static constexpr std::size_t kMaxCachedBytes = 64;
  static_assert(kMaxCachedBytes < StringPool::kCompositeMinBytes);

  // Same id as pool.intern(text, allow_composite).
  StringPool::Id intern(StringPool& pool, std::string_view text, bool allow_composite = true) {
    if (text.empty() || text.size() > kMaxCachedBytes) return pool.intern(text, allow_composite);
    Entry& entry = entries_[slot_of(text)];
    if (entry.size == text.size() && std::memcmp(entry.data, text.data(), text.size()) == 0) return entry.id;
    const StringPool::Id id = pool.intern(text, false);  // short strings are never composites
    entry = Entry{pool.get(id).data(), static_cast<std::uint32_t>(text.size()), id};
    return id;
  }
  void clear() { entries_.fill(Entry{}); }

 private:
  static constexpr unsigned kSlotBits = 10;
  struct Entry {
    const char* data = nullptr;
    std::uint32_t size = 0;  // 0: empty (the empty string is never cached)
    StringPool::Id id = 0;
  };
  static std::size_t slot_of(std::string_view text) { return quick_slot<kSlotBits>(text); }
  std::array<Entry, std::size_t{1} << kSlotBits> entries_{};
};

}  // namespace lh::siem
