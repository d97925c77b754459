#pragma once
// A small, fully specified PRNG so that a given seed yields byte-identical demo data on every platform
// (std:: distributions are implementation-defined, so none are used anywhere in the generator).
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace lh::siem::demo {

inline constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Derives an independent stream key from a seed and a list of labels, so that each host, window and
// scenario draws from its own stream and generation order never changes the output.
inline constexpr std::uint64_t mix_key(std::uint64_t seed, std::initializer_list<std::uint64_t> parts) noexcept {
  std::uint64_t state = seed;
  std::uint64_t key = splitmix64(state);
  for (std::uint64_t p : parts) {
    state ^= p + 0x632be59bd9b4e019ULL + (key << 6) + (key >> 2);
    key = splitmix64(state);
  }
  return key;
}

inline constexpr std::uint64_t label(std::string_view text) noexcept {  // FNV-1a, for naming streams
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

// xoshiro256** seeded through splitmix64.
// Callers draw at most once per expression (a braced initialiser list aside, which is evaluated left to
// right): the order of function arguments and of the operands of + is unspecified in C++, and GCC and
// clang pick differently, so two draws in one call would make the data depend on the compiler.
class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) noexcept {
    for (auto& word : s_) word = splitmix64(seed);
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, bound) by rejection of the biased low range; bound 0 yields 0.
  constexpr std::uint64_t below(std::uint64_t bound) noexcept {
    if (bound == 0) return 0;
    const std::uint64_t threshold = (0 - bound) % bound;
    std::uint64_t r = next();
    while (r < threshold) r = next();
    return r % bound;
  }

  // Uniform in [lo, hi] inclusive.
  constexpr std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  // True with probability percent/100.
  constexpr bool percent(unsigned percent) noexcept { return below(100) < percent; }

  template <class T>
  constexpr const T& pick(std::span<const T> items) noexcept {
    return items[static_cast<std::size_t>(below(items.size()))];
  }
  template <class T, std::size_t N>
  constexpr const T& pick(const T (&items)[N]) noexcept {
    return items[static_cast<std::size_t>(below(N))];
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

}  // namespace lh::siem::demo
