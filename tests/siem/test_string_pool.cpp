// The string pool's reuse after clear() and the short-string cache in front of it.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "siem/intern_cache.hpp"
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
