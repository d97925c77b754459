// One entry of the report's "steps": what a step did, how long it took, how many upstream calls it made.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace lh::skill::workflow::detail {

struct StepRecord {
  explicit StepRecord(std::string step_name = {}, std::string step_status = "ok")
      : name(std::move(step_name)), status(std::move(step_status)) {}

  std::string name;
  std::string status;  // ok, partial, failed, skipped, cancelled
  std::optional<std::string> error;
  std::chrono::milliseconds duration{0};
  int calls = 0;

  bool failed_or_partial() const { return status == "failed" || status == "partial"; }
  nlohmann::json to_json() const;
};

// Measures a step from construction; finish() fills the record's duration.
class StepClock {
 public:
  StepClock() : start_(std::chrono::steady_clock::now()) {}
  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Upstream calls made by one step (retries included), counted from several threads.
struct CallCounter {
  std::atomic<int> calls{0};
};

// A step's status from how its parts ended: all ok -> ok; none ok -> failed; else partial.
// `cancelled` wins over everything.
std::string combine_status(std::size_t ok, std::size_t failed, bool cancelled);

}  // namespace lh::skill::workflow::detail
