#pragma once
// A map from integer keys to small values that loading looks up millions of times but fills with a few
// thousand keys (clock offsets per host and time source, hosts per store string id): open addressing over
// flat arrays, so a lookup is a multiply, a slot or two and no node, and the table stays in the cache.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lh::siem {

template <class Value>
class IntegerMap {
 public:
  static constexpr std::uint64_t kNoKey = UINT64_MAX;  // the one key that cannot be stored

  // The value stored for `key`, or else `make()`'s, which is stored. `make` must not use this map.
  template <class Make>
  Value get(std::uint64_t key, Make&& make) {
    if ((count_ + 1) * 2 > keys_.size()) grow();
    std::size_t slot = slot_of(key);
    while (keys_[slot] != key) {
      if (keys_[slot] == kNoKey) {
        const Value value = make();
        keys_[slot] = key;
        values_[slot] = value;
        ++count_;
        return value;
      }
      slot = (slot + 1) & (keys_.size() - 1);
    }
    return values_[slot];
  }

 private:
  [[nodiscard]] std::size_t slot_of(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & (keys_.size() - 1);
  }
  void grow() {
    std::vector<std::uint64_t> old_keys(keys_.empty() ? 1024 : keys_.size() * 2, kNoKey);
    std::vector<Value> old_values(old_keys.size());
    old_keys.swap(keys_);
    old_values.swap(values_);
    for (std::size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] == kNoKey) continue;
      std::size_t slot = slot_of(old_keys[i]);
      while (keys_[slot] != kNoKey) slot = (slot + 1) & (keys_.size() - 1);
      keys_[slot] = old_keys[i];
      values_[slot] = old_values[i];
    }
  }

  std::vector<std::uint64_t> keys_;
  std::vector<Value> values_;
  std::size_t count_ = 0;
};

}  // namespace lh::siem
