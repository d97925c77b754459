#include "siem/shared_string_pool.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace lh::siem {

std::vector<SharedStringPool::Id> SharedStringPool::intern_all_plain(const StringPool& other) {
  std::vector<Id> remap(other.size(), 0);
  const std::vector<StringPool::PlainEntry> entries = other.plain_entries();
  // Grouped by shard (a counting sort keeps each group in table order).
  std::array<std::size_t, kShards + 1> starts{};
  for (const auto entry : entries) ++starts[shard_of(StringPool::entry_hash(entry)) + 1];
  for (std::size_t shard = 0; shard < kShards; ++shard) starts[shard + 1] += starts[shard];
  std::vector<StringPool::PlainEntry> grouped(entries.size());
  {
    std::array<std::size_t, kShards> next{};
    for (std::size_t shard = 0; shard < kShards; ++shard) next[shard] = starts[shard];
    for (const auto entry : entries) grouped[next[shard_of(StringPool::entry_hash(entry))]++] = entry;
  }
  std::vector<Id> local(entries.size());
  // Threads start at different shards, so two merging at once rarely wait for the same lock.
  const std::uint32_t first = next_first_shard_.fetch_add(kShards / 2, std::memory_order_relaxed);
  for (std::size_t k = 0; k < kShards; ++k) {
    const auto shard = static_cast<Id>((first + k) % kShards);
    const std::size_t begin = starts[shard];
    const std::size_t count = starts[shard + 1] - begin;
    if (count == 0) continue;
    Shard& target = shards_[shard];
    std::lock_guard lock(target.mutex);
    if (target.pool.size() + count > kMaxPerShard) {
      throw std::length_error(fmt::format("store: more than {} distinct strings in one of {} shards", kMaxPerShard, kShards));
    }
    target.pool.intern_entries(other, grouped.data() + begin, count, local.data() + begin);
  }
  for (std::size_t i = 0; i < grouped.size(); ++i) {
    remap[StringPool::entry_id(grouped[i])] = shared_id(local[i], shard_of(StringPool::entry_hash(grouped[i])));
  }
  return remap;
}

SharedStringPool::Id SharedStringPool::make_composite(const std::vector<Id>& lines) {
  std::lock_guard lock(composite_mutex_);
  return composites_.add(lines) | StringPool::kCompositeBit;
}

std::optional<SharedStringPool::Id> SharedStringPool::find(std::string_view text) const {
  if (text.empty()) return Id{0};
  const Id shard = shard_of(StringPool::hash_of(text));
  const auto local = shards_[shard].pool.find(text);
  if (!local) return std::nullopt;
  return shared_id(*local, shard);
}

std::string_view SharedStringPool::get_while_loading(Id id) const {
  const Shard& shard = shards_[id & kShardMask];
  std::lock_guard lock(shard.mutex);
  return shard.pool.get(id >> kShardBits);
}

void SharedStringPool::append_to(Id id, std::string& out) const {
  if (!StringPool::is_composite(id)) {
    out.append(get(id));
    return;
  }
  for (const Id line : composites_.lines(id & ~StringPool::kCompositeBit)) out.append(get(line));
}

std::size_t SharedStringPool::size() const {
  // Every shard holds the empty string as its id 0; the store has it once.
  std::size_t total = 1;
  for (const Shard& shard : shards_) total += shard.pool.size() - 1;
  return total;
}

std::vector<std::pair<std::string, std::size_t>> SharedStringPool::memory_breakdown() const {
  std::vector<std::pair<std::string, std::size_t>> parts;
  auto add = [&parts](const std::string& name, std::size_t bytes) {
    auto it = std::find_if(parts.begin(), parts.end(), [&name](const auto& part) { return part.first == name; });
    if (it == parts.end()) {
      parts.emplace_back(name, bytes);
    } else {
      it->second += bytes;
    }
  };
  for (const Shard& shard : shards_) {
    for (const auto& part : shard.pool.memory_breakdown()) add(part.first, part.second);
  }
  add("composites", composites_.memory_bytes());
  return parts;
}

}  // namespace lh::siem
