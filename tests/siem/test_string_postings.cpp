// The string-field posting lists (sorted out of (value, event) pairs), the pool's batch interning that the
// store's merge uses, and the spread of the small caches' slot function.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "siem/string_pool.hpp"
#include "siem/string_postings.hpp"

using lh::siem::PageVector;
using lh::siem::PostingSpan;
using lh::siem::StringPool;
using lh::siem::StringPostings;

namespace {

std::vector<std::uint32_t> to_vector(PostingSpan span) { return {span.begin(), span.end()}; }

// Builds from pairs made in event order and checks every list against a plain map of sets.
void check_against_reference(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& value_event) {
  PageVector<StringPostings::Pair> pairs;
  std::map<std::uint32_t, std::vector<std::uint32_t>> expected;
  for (const auto& item : value_event) {
    pairs.push_back(StringPostings::make_pair(item.first, item.second));
    auto& list = expected[item.first];
    if (list.empty() || list.back() != item.second) list.push_back(item.second);
  }
  StringPostings postings;
  // Built with a scratch buffer that has served a bigger list before (as finish() reuses one).
  StringPostings::Scratch scratch;
  scratch.get(value_event.size() * 2 + 1);
  postings.build(pairs, scratch);
  CHECK(pairs.empty());
  CHECK(pairs.capacity() == 0);  // the pairs' memory is given back, not kept
  REQUIRE(postings.size() == expected.size());
  std::size_t index = 0;
  for (const auto& item : expected) {
    const std::uint32_t value = item.first;
    INFO("value " << value);
    CHECK(postings.value_at(index) == value);
    CHECK(to_vector(postings.list_at(index)) == item.second);
    CHECK(to_vector(postings.find(value)) == item.second);
    ++index;
  }
}

}  // namespace

TEST_CASE("string posting lists: each value's events ascending and listed once") {
  // Events in order; values repeat across events and within one event (a field holding a value twice).
  check_against_reference({{7, 0}, {3, 0}, {7, 1}, {7, 1}, {0, 2}, {3, 2}, {3, 2}, {9, 5}, {7, 5}, {0, 6}});
}

TEST_CASE("string posting lists: values that need every radix digit and none") {
  std::mt19937 random(42);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> value_event;
  std::uint32_t event = 0;
  for (int i = 0; i < 200000; ++i) {
    if (random() % 3 == 0) ++event;
    std::uint32_t value = random();
    if (i % 4 == 0) value %= 50;           // frequent small ids
    if (i % 7 == 0) value |= 0x80000000u;  // composite ids have the top bit set
    value_event.emplace_back(value, event);
  }
  check_against_reference(value_event);
  // Only value 0: no digit to sort on.
  check_against_reference({{0, 1}, {0, 2}, {0, 2}, {0, 9}});
}

TEST_CASE("string posting lists: an absent value finds an empty list and an empty build holds nothing") {
  PageVector<StringPostings::Pair> pairs{StringPostings::make_pair(5, 1), StringPostings::make_pair(11, 2)};
  StringPostings postings;
  postings.build(pairs);
  CHECK(postings.find(4).empty());
  CHECK(postings.find(6).empty());
  CHECK(postings.find(12).empty());
  CHECK(to_vector(postings.find(11)) == std::vector<std::uint32_t>{2});
  PageVector<StringPostings::Pair> none;
  postings.build(none);
  CHECK(postings.size() == 0);
  CHECK(postings.find(5).empty());
}

TEST_CASE("batch interning gives the ids one-by-one interning gives and grows the table as it goes") {
  StringPool store;
  StringPool one_by_one;
  std::mt19937 random(7);
  // Slices that repeat earlier strings and bring new ones, enough to make the store's table grow often.
  for (int slice = 0; slice < 40; ++slice) {
    StringPool unit;
    std::vector<std::string> texts;
    for (int i = 0; i < 3000; ++i) {
      texts.push_back("value-" + std::to_string(random() % (1000 + 2000 * static_cast<unsigned>(slice))));
    }
    for (const auto& text : texts) unit.intern(text, false);
    const auto remap = store.intern_all_plain(unit);
    REQUIRE(remap.size() == unit.size());
    for (StringPool::Id id = 1; id < unit.size(); ++id) {
      REQUIRE(store.get(remap[id]) == unit.get(id));
      one_by_one.intern(unit.get(id), false);
    }
  }
  CHECK(store.size() == one_by_one.size());
  for (StringPool::Id id = 1; id < store.size(); ++id) CHECK(store.find(store.get(id)) == id);
}
