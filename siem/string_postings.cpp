#include "siem/string_postings.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace lh::siem {

namespace {

constexpr unsigned kDigitBits = 11;
constexpr std::size_t kBuckets = std::size_t{1} << kDigitBits;

// Stable LSD radix sort of `items` by their high 32 bits, using `spare` (same size) as the other buffer.
// Returns whichever of the two holds the result. Only the digits the largest value needs are sorted.
StringPostings::Pair* sort_by_value(StringPostings::Pair* items, StringPostings::Pair* spare, std::size_t count) {
  std::uint32_t largest = 0;
  for (std::size_t i = 0; i < count; ++i) largest = std::max(largest, static_cast<std::uint32_t>(items[i] >> 32));
  for (unsigned shift = 0; shift < 32 && (largest >> shift) != 0; shift += kDigitBits) {
    std::array<std::size_t, kBuckets> next{};
    for (std::size_t i = 0; i < count; ++i) ++next[(items[i] >> (32 + shift)) & (kBuckets - 1)];
    std::size_t position = 0;
    for (auto& bucket : next) position += std::exchange(bucket, position);
    for (std::size_t i = 0; i < count; ++i) spare[next[(items[i] >> (32 + shift)) & (kBuckets - 1)]++] = items[i];
    std::swap(items, spare);
  }
  return items;
}

}  // namespace

void StringPostings::clear() {
  // Swapped with empty vectors: `v = {}` would assign an empty initializer list and keep the memory.
  PageVector<std::uint32_t>().swap(values_);
  PageVector<std::uint32_t>().swap(starts_);
  PageVector<std::uint32_t>().swap(events_);
}

void StringPostings::build(PageVector<Pair>& pairs, Scratch& scratch) {
  clear();
  const std::size_t count = pairs.size();
  if (count == 0) {
    PageVector<Pair>().swap(pairs);
    return;
  }
  const Pair* sorted = sort_by_value(pairs.data(), scratch.get(count), count);
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (i == 0 || (sorted[i] >> 32) != (sorted[i - 1] >> 32)) ++distinct;
  }
  values_.reserve(distinct);
  starts_.reserve(distinct + 1);
  events_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto value = static_cast<std::uint32_t>(sorted[i] >> 32);
    const auto event = static_cast<std::uint32_t>(sorted[i]);
    if (values_.empty() || values_.back() != value) {
      values_.push_back(value);
      starts_.push_back(static_cast<std::uint32_t>(events_.size()));
    } else if (events_.back() == event) {
      continue;  // the event holds this value twice in the field
    }
    events_.push_back(event);
  }
  starts_.push_back(static_cast<std::uint32_t>(events_.size()));
  PageVector<Pair>().swap(pairs);
}

PostingSpan StringPostings::find(std::uint32_t value) const {
  const auto it = std::lower_bound(values_.begin(), values_.end(), value);
  if (it == values_.end() || *it != value) return {};
  return list_at(static_cast<std::size_t>(it - values_.begin()));
}

std::size_t StringPostings::memory_bytes() const {
  return (values_.capacity() + starts_.capacity() + events_.capacity()) * sizeof(std::uint32_t);
}

}  // namespace lh::siem
