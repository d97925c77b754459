#include "skill/workflow/progress.hpp"

#include <algorithm>

#include "mcp/log.hpp"

namespace lh::skill::workflow::detail {

void Progress::add_total(double units) {
  std::lock_guard lock(mutex_);
  total_ += units;
}

void Progress::advance(const std::string& message, double units) {
  std::lock_guard lock(mutex_);
  done_ += units;
  total_ = std::max(total_, done_);
  if (!sink_) return;
  try {
    sink_(message, done_, total_);
  } catch (const std::exception& error) {
    // Progress is a courtesy to the caller; a broken sink must not end the hunt (or a worker thread).
    mcp::log::warn("workflow", "progress sink failed on \"{}\": {}", message, error.what());
  } catch (...) {
    mcp::log::warn("workflow", "progress sink failed on \"{}\"", message);
  }
}

}  // namespace lh::skill::workflow::detail
