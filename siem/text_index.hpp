#pragma once
// A map from text to a small number, for the few thousand host names one input part meets: open
// addressing over (hash, entry) slots with the keys in one vector, so a lookup is a hash, a slot or two
// and one comparison. A node-based map spent most of the clock correction's time chasing nodes that had
// fallen out of the cache; the keys share one buffer, so adding one allocates nothing most of the time.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "siem/text_hash.hpp"

namespace lh::siem {

class TextIndex {
 public:
  [[nodiscard]] static std::uint64_t hash_of(std::string_view text) { return hash_text(text); }

  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view key) const { return find(key, hash_of(key)); }
  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view key, std::uint64_t hash) const {
    if (slots_.empty()) return std::nullopt;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
      const Slot& entry = slots_[slot];
      if (entry.entry == kEmpty) return std::nullopt;
      if (entry.hash == hash && key_at(entry.entry) == key) return values_[entry.entry];
    }
  }
  // Adds `key` (which must be absent) with `value`.
  void insert(std::string_view key, std::uint64_t hash, std::uint32_t value) {
    if ((values_.size() + 1) * 4 > slots_.size() * 3) grow();
    const std::size_t mask = slots_.size() - 1;
    std::size_t slot = hash & mask;
    while (slots_[slot].entry != kEmpty) slot = (slot + 1) & mask;
    slots_[slot] = Slot{hash, static_cast<std::uint32_t>(values_.size())};
    key_ends_.push_back(keys_.size() + key.size());
    keys_.append(key);
    values_.push_back(value);
  }
  [[nodiscard]] std::size_t size() const { return values_.size(); }
  // Every (key, value), in insertion order.
  template <class Visit>
  void for_each(Visit&& visit) const {
    for (std::size_t i = 0; i < values_.size(); ++i) visit(key_at(i), values_[i]);
  }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t entry = kEmpty;  // into key_ends_ and values_
  };
  [[nodiscard]] std::string_view key_at(std::size_t entry) const {
    const std::size_t begin = entry == 0 ? 0 : key_ends_[entry - 1];
    return std::string_view(keys_).substr(begin, key_ends_[entry] - begin);
  }
  void grow() {
    std::vector<Slot> old(slots_.empty() ? 64 : slots_.size() * 2);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& entry : old) {
      if (entry.entry == kEmpty) continue;
      std::size_t slot = entry.hash & mask;
      while (slots_[slot].entry != kEmpty) slot = (slot + 1) & mask;
      slots_[slot] = entry;
    }
  }
  std::vector<Slot> slots_;
  // The keys end to end in one buffer (no allocation per key): key i ends at key_ends_[i].
  std::string keys_;
  std::vector<std::size_t> key_ends_;
  std::vector<std::uint32_t> values_;
};

}  // namespace lh::siem
