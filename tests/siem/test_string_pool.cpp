// The string pool's reuse after clear() and the short-string cache in front of it.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "siem/intern_cache.hpp"
#include "siem/shared_string_pool.hpp"
#include "siem/string_pool.hpp"

using lh::siem::InternCache;
using lh::siem::StringPool;

namespace {

// Strings that share lengths, first and last bytes (so the cache's slots collide), short and long ones,
// and a multi-line text long enough to become a composite.
std::vector<std::string> sample_strings() {
  std::vector<std::string> out;
  for (int i = 0; i < 3000; ++i) {
    out.push_back("key" + std::to_string(i % 97));
    out.push_back("{7f14b2b5-4b94-65dd-" + std::to_string(i) + "-000000000700}");
    out.push_back("C:\\Windows\\System32\\" + std::to_string(i % 13) + ".exe");
    out.push_back("a" + std::string(static_cast<std::size_t>(i % 70), 'x') + "z");
    out.push_back(std::to_string(i % 5));
  }
  out.push_back("line one of a long text that is long enough\nline two of a long text that is long enough\n"
                "line three of a long text that is long enough\nline four of a long text that is long enough\n");
  out.push_back("");
  return out;
}

}  // namespace

TEST_CASE("the intern cache gives exactly the pool's ids") {
  const auto strings = sample_strings();
  StringPool direct;
  StringPool cached_pool;
  InternCache cache;
  for (int round = 0; round < 2; ++round) {
    for (const auto& text : strings) {
      for (const bool composite : {true, false}) {
        const auto expected = direct.intern(text, composite);
        const auto got = cache.intern(cached_pool, text, composite);
        REQUIRE(got == expected);
      }
    }
  }
  CHECK(cached_pool.size() == direct.size());
  CHECK(cached_pool.composite_count() == direct.composite_count());
  for (StringPool::Id id = 0; id < direct.size(); ++id) CHECK(cached_pool.get(id) == direct.get(id));
}

TEST_CASE("a cleared pool (and its cleared cache) starts afresh and reuses nothing stale") {
  const auto strings = sample_strings();
  StringPool pool;
  InternCache cache;
  for (const auto& text : strings) cache.intern(pool, text);
  CHECK(pool.size() > 1000);
  pool.clear();
  cache.clear();
  CHECK(pool.size() == 1);
  CHECK(pool.get(0).empty());
  CHECK_FALSE(pool.find("key1").has_value());
  CHECK(pool.find("") == StringPool::Id{0});
  // Refilled in a different order: ids follow the new order and every string reads back.
  StringPool fresh;
  for (auto it = strings.rbegin(); it != strings.rend(); ++it) {
    const auto id = cache.intern(pool, *it);
    REQUIRE(id == fresh.intern(*it));
    if (!StringPool::is_composite(id)) REQUIRE(pool.get(id) == *it);
  }
  CHECK(pool.size() == fresh.size());
  std::string text;
  for (StringPool::Id id = 0; id < fresh.composite_count(); ++id) {
    text.clear();
    pool.append_to(id | StringPool::kCompositeBit, text);
    std::string expected;
    fresh.append_to(id | StringPool::kCompositeBit, expected);
    CHECK(text == expected);
  }
}

TEST_CASE("the intern cache tells apart strings that differ in one byte at any position of any length") {
  // The cache compares a short string by its first and last words and its length: every byte must count.
  StringPool direct;
  StringPool cached_pool;
  InternCache cache;
  for (std::size_t length = 1; length <= InternCache::kMaxCachedBytes + 2; ++length) {
    const std::string base(length, 'm');
    for (int round = 0; round < 2; ++round) {
      for (std::size_t position = 0; position < length; ++position) {
        for (const char replacement : {'n', '\0', '\xff'}) {
          std::string variant = base;
          variant[position] = replacement;
          INFO("length " << length << " position " << position);
          const auto expected = direct.intern(variant, false);
          REQUIRE(cache.intern(cached_pool, variant, false) == expected);
          REQUIRE(cache.intern(cached_pool, base, false) == direct.intern(base, false));
        }
      }
    }
  }
  CHECK(cached_pool.size() == direct.size());
}

TEST_CASE("the store's sharded pool gives one id per string when several threads merge at once") {
  // Four threads each merge slices of overlapping strings (every string is in two threads' slices, many in
  // all four); a string must end with one id, readable back, and findable.
  constexpr int kThreads = 4;
  constexpr int kSlices = 30;
  constexpr int kPerSlice = 2000;
  auto text_of = [](int n) {
    return n % 3 == 0 ? "common-" + std::to_string(n % 500) : "{guid-" + std::to_string(n) + "-0700}";
  };
  lh::siem::SharedStringPool shared;
  std::vector<std::vector<std::pair<std::string, StringPool::Id>>> seen(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&shared, &seen, &text_of, t] {
        for (int slice = 0; slice < kSlices; ++slice) {
          StringPool unit;
          std::vector<std::pair<std::string, StringPool::Id>> local;
          for (int i = 0; i < kPerSlice; ++i) {
            const std::string text = text_of(((t / 2) * kSlices + slice) * kPerSlice + i);
            local.emplace_back(text, unit.intern(text, false));
          }
          const auto remap = shared.intern_all_plain(unit);
          for (const auto& entry : local) seen[static_cast<std::size_t>(t)].emplace_back(entry.first, remap[entry.second]);
        }
      });
    }
  }
  std::map<std::string, StringPool::Id> id_of;
  std::set<StringPool::Id> ids;
  for (const auto& per_thread : seen) {
    for (const auto& entry : per_thread) {
      const auto inserted = id_of.emplace(entry.first, entry.second);
      REQUIRE(inserted.first->second == entry.second);  // the same string always got the same id
      ids.insert(entry.second);
    }
  }
  CHECK(ids.size() == id_of.size());  // different strings never share an id
  CHECK(shared.size() == id_of.size() + 1);  // and the empty string
  for (const auto& entry : id_of) {
    REQUIRE(shared.get(entry.second) == entry.first);
    REQUIRE(shared.find(entry.first) == entry.second);
  }
  CHECK_FALSE(shared.find("never interned").has_value());
  CHECK(shared.find("") == StringPool::Id{0});
  CHECK(shared.get(0).empty());
  const auto composite = shared.make_composite({id_of.begin()->second, id_of.rbegin()->second});
  std::string joined;
  shared.append_to(composite, joined);
  CHECK(joined == id_of.begin()->first + id_of.rbegin()->first);
}

TEST_CASE("intern cache slots tell apart names that differ only inside") {
  // A family of host names of one length in one domain: first and last eight bytes are the same for ten
  // of them at a time, which once put them all in one slot.
  std::set<std::size_t> slots;
  for (int n = 11840; n < 11850; ++n) slots.insert(InternCache::slot_of("WKS-" + std::to_string(n) + ".acme.local"));
  CHECK(slots.size() >= 8);
  std::set<std::size_t> short_slots;
  for (const char* text : {"a", "b", "ab", "ba", "abc", "abcd", "abce"}) short_slots.insert(InternCache::slot_of(text));
  CHECK(short_slots.size() >= 6);
}

TEST_CASE("the pool's hash spreads near-identical strings over shards and slots") {
  // Every one-byte change at every position of every length from 1 to 40 changes the hash.
  for (std::size_t size = 1; size <= 40; ++size) {
    const std::string base(size, 'k');
    const std::uint32_t base_hash = StringPool::hash_of(base);
    for (std::size_t at = 0; at < size; ++at) {
      std::string changed = base;
      changed[at] = 'j';
      CAPTURE(size);
      CAPTURE(at);
      CHECK(StringPool::hash_of(changed) != base_hash);
    }
    CHECK(StringPool::hash_of(base + '\0') != base_hash);  // the length counts too
  }
  // Host names, GUIDs and ports of one family: the top four bits (the store's shard) and the low twelve (a
  // slot) each stay within a fifth of an even share.
  std::vector<std::string> texts;
  for (int i = 0; i < 16000; ++i) {
    texts.push_back("WKS-" + std::to_string(10000 + i) + ".acme.local");
    texts.push_back("{122904aa-d468-65e0-" + std::to_string(1000 + i % 9000) + "-0000000007" + std::to_string(i % 10) + "0}");
    texts.push_back(std::to_string(49152 + i));
  }
  std::vector<std::size_t> by_shard(16, 0);
  std::vector<std::size_t> by_slot(4096, 0);
  for (const auto& text : texts) {
    const std::uint32_t hash = StringPool::hash_of(text);
    ++by_shard[hash >> 28];
    ++by_slot[hash & 4095];
  }
  const double shard_share = static_cast<double>(texts.size()) / 16;
  for (const std::size_t count : by_shard) CHECK(std::abs(static_cast<double>(count) - shard_share) < shard_share / 5);
  const double slot_share = static_cast<double>(texts.size()) / 4096;  // about 12
  std::size_t crowded = 0;
  for (const std::size_t count : by_slot) crowded += static_cast<double>(count) > 2 * slot_share ? 1 : 0;
  CHECK(crowded < 40);  // a uniform hash puts about 5 of 4096 slots above twice the share
}
