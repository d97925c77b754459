// Progress of a whole hunt as one bar: every unit of work (a search, a research question, a step)
// adds to `total` when it becomes known and to `done` when it finishes. Steps run on several threads,
// so the sink is called under a lock: what it sees never goes backwards.
#pragma once

#include <mutex>
#include <string>

#include "skill/workflow/hunt.hpp"

namespace lh::skill::workflow::detail {

class Progress {
 public:
  explicit Progress(ProgressSink sink) : sink_(std::move(sink)) {}

  void add_total(double units);
  // done += units, then tells the sink.
  void advance(const std::string& message, double units = 1);

 private:
  std::mutex mutex_;
  ProgressSink sink_;
  double done_ = 0;
  double total_ = 0;
};

}  // namespace lh::skill::workflow::detail
