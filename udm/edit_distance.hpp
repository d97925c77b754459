#pragma once
// Levenshtein distance, for "did you mean" suggestions on field paths and enum values.

#include <cstddef>
#include <limits>
#include <string_view>

namespace lh::udm {

// The distance when it is below `limit`; otherwise some value >= limit, found without finishing the
// table (suggestions only care about candidates closer than the best so far, and a long unknown name
// must not cost length x length work against every candidate).
std::size_t edit_distance(std::string_view a, std::string_view b,
                          std::size_t limit = std::numeric_limits<std::size_t>::max());

}  // namespace lh::udm
