#pragma once
// The event store's strings: a StringPool split into shards by hash, each behind its own lock, so the loading
// threads merge their slices' strings at the same time (one store-wide lock held them up one after the other
// for about a third of the load). A plain id names its shard in its low bits; composites (sequences of plain
// ids, see StringPool) are kept here, across shards.
//
// Interning and making composites are safe from any thread. Reading (get, append_to, find) is for a store
// no thread is loading into, except get_while_loading().
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "siem/string_pool.hpp"

namespace lh::siem {

class SharedStringPool {
 public:
  using Id = StringPool::Id;
  static constexpr unsigned kShardBits = 4;
  static constexpr std::size_t kShards = std::size_t{1} << kShardBits;
  static constexpr Id kShardMask = static_cast<Id>(kShards - 1);
  // Plain ids per shard: the id keeps kShardBits for the shard and the composite bit.
  static constexpr std::size_t kMaxPerShard = std::size_t{1} << (31 - kShardBits);

  SharedStringPool() = default;
  SharedStringPool(const SharedStringPool&) = delete;
  SharedStringPool& operator=(const SharedStringPool&) = delete;

  // Interns every plain string of `other` and returns other id → id here (see StringPool::intern_all_plain).
  // Throws std::length_error when a shard is full.
  [[nodiscard]] std::vector<Id> intern_all_plain(const StringPool& other);
  // A composite of already-interned plain ids.
  Id make_composite(const std::vector<Id>& lines);
  // Id of a plain `text` when interned (composites are never found).
  [[nodiscard]] std::optional<Id> find(std::string_view text) const;
  // Plain ids only.
  [[nodiscard]] std::string_view get(Id id) const { return shards_[id & kShardMask].pool.get(id >> kShardBits); }
  // The same while other threads may be interning (the text itself never moves once interned).
  [[nodiscard]] std::string_view get_while_loading(Id id) const;
  // Any id.
  void append_to(Id id, std::string& out) const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t composite_count() const { return composites_.size(); }
  [[nodiscard]] std::vector<std::pair<std::string, std::size_t>> memory_breakdown() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    StringPool pool;
  };
  static Id shard_of(std::uint32_t hash) { return hash >> (32 - kShardBits); }
  static Id shared_id(Id local, Id shard) { return (local << kShardBits) | shard; }

  std::array<Shard, kShards> shards_;
  std::mutex composite_mutex_;
  CompositeTable composites_;
  std::atomic<std::uint32_t> next_first_shard_{0};
};

}  // namespace lh::siem
