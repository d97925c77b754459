#include "udm/edit_distance.hpp"

#include <algorithm>
#include <vector>

namespace lh::udm {

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
    // The distance is at least the difference in length.
    const std::size_t length_gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
    if (length_gap >= limit) return length_gap;
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        std::size_t row_min = row[0];
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
            row_min = std::min(row_min, row[j]);
        }
        // Every later row is at least this row's minimum.
        if (row_min >= limit) return row_min;
    }
    return row[b.size()];
}

}  // namespace lh::udm
