#include "skill/workflow/progress.hpp"

#include <algorithm>

namespace lh::skill::workflow::detail {

void Progress::add_total(double units) {
  std::lock_guard lock(mutex_);
  total_ += units;
}

void Progress::advance(const std::string& message, double units) {
  std::lock_guard lock(mutex_);
  done_ += units;
  total_ = std::max(total_, done_);
  if (sink_) sink_(message, done_, total_);
}

}  // namespace lh::skill::workflow::detail
