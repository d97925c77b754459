#pragma once
// Levenshtein distance, for "did you mean" suggestions on field paths and enum values.

#include <cstddef>
#include <string_view>

namespace lh::udm {

std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace lh::udm
