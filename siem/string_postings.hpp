#pragma once
// The posting lists of one indexed string field (host names, addresses, users, images, command lines), in
// three flat arrays: the distinct value ids in ascending order, where each value's events start, and every
// event index. Most values of a field like the command line occur once or twice, so a hash map with a
// vector per value spent far more on nodes and small allocations than on the indexes themselves, and
// building it cost one scattered insertion per value.
//
// Built once from (value, event) pairs collected in event order: a stable radix sort on the value keeps each
// value's events ascending, as a posting list must be.
#include <cstddef>
#include <cstdint>

#include "siem/string_pool.hpp"

namespace lh::siem {

// A read-only view of one ascending posting list.
struct PostingSpan {
  const std::uint32_t* first = nullptr;
  const std::uint32_t* last = nullptr;
  [[nodiscard]] const std::uint32_t* begin() const { return first; }
  [[nodiscard]] const std::uint32_t* end() const { return last; }
  [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(last - first); }
  [[nodiscard]] bool empty() const { return first == last; }
  std::uint32_t operator[](std::size_t index) const { return first[index]; }
};

class StringPostings {
 public:
  using Pair = std::uint64_t;  // value id in the high half, event index in the low half
  static Pair make_pair(std::uint32_t value, std::uint32_t event) { return (Pair{value} << 32) | event; }

  // The radix sort's second buffer, kept by a caller that builds several lists one after the other, so that
  // its pages are faulted in once rather than once per list.
  class Scratch {
   public:
    Pair* get(std::size_t count) {
      if (count > capacity_) {
        buffer_ = PageArray<Pair>(count);  // fresh pages: written by the first pass before anything reads them
        capacity_ = count;
      }
      return buffer_.get();
    }

   private:
    PageArray<Pair> buffer_;
    std::size_t capacity_ = 0;
  };

  // Replaces the lists with those of `pairs` (collected with events ascending; an event may repeat a value,
  // it is listed once). Empties `pairs` and frees its memory.
  void build(PageVector<Pair>& pairs, Scratch& scratch);
  void build(PageVector<Pair>& pairs) {
    Scratch scratch;
    build(pairs, scratch);
  }
  void clear();

  [[nodiscard]] std::size_t size() const { return values_.size(); }  // distinct values
  [[nodiscard]] std::uint32_t value_at(std::size_t index) const { return values_[index]; }
  [[nodiscard]] PostingSpan list_at(std::size_t index) const {
    return {events_.data() + starts_[index], events_.data() + starts_[index + 1]};
  }
  // The events holding `value`; empty when none does.
  [[nodiscard]] PostingSpan find(std::uint32_t value) const;
  [[nodiscard]] std::size_t memory_bytes() const;

 private:
  PageVector<std::uint32_t> values_;
  PageVector<std::uint32_t> starts_;  // size() + 1 entries
  PageVector<std::uint32_t> events_;
};

}  // namespace lh::siem
