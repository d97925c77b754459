#pragma once
// Interned strings: one append-only arena plus an open-addressing hash table for deduplication.
// Id 0 is the empty string. Views returned by get() stay valid for the pool's lifetime.
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace lh::siem {

class StringPool {
 public:
  using Id = std::uint32_t;

  StringPool();
  Id intern(std::string_view text);
  // Id of `text` when already interned.
  [[nodiscard]] std::optional<Id> find(std::string_view text) const;
  [[nodiscard]] std::string_view get(Id id) const { return views_[id]; }
  [[nodiscard]] std::size_t size() const { return views_.size(); }
  [[nodiscard]] std::size_t arena_bytes() const { return arena_bytes_; }
  // Approximate heap footprint (arena + tables).
  [[nodiscard]] std::size_t memory_bytes() const;

 private:
  static constexpr std::size_t kChunkBytes = 1u << 20;
  static constexpr Id kEmptySlot = UINT32_MAX;

  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t chunk_used_ = kChunkBytes;
  std::size_t arena_bytes_ = 0;
  std::vector<std::string_view> views_;
  std::vector<Id> slots_;  // hash table of ids; size is a power of two

  std::string_view copy_into_arena(std::string_view text);
  void grow();
  [[nodiscard]] std::size_t slot_for(std::string_view text, std::size_t hash) const;
};

}  // namespace lh::siem
