#pragma once
// Streams the whole demo data set, time-ordered, one hour of background at a time merged with the planned
// scenarios, so memory stays bounded at any scale.
#include <cstdint>
#include <cstdio>

#include "siem/demo/answer_key.hpp"
#include "siem/demo/scenarios.hpp"

namespace lh::siem::demo {

struct GenerationStats {
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
};

// Writes JSON lines to `out` and returns what was written; `key` receives the answer key.
GenerationStats generate(const GeneratorConfig& cfg, std::FILE* out, AnswerKey& key);

// The default first day of the data: Monday 2024-03-04 00:00:00 UTC.
inline constexpr Millis kDefaultStart = 1709510400000;

}  // namespace lh::siem::demo
