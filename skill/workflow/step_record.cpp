#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

nlohmann::json StepRecord::to_json() const {
  return nlohmann::json{{"name", name},
                        {"status", status},
                        {"error", error ? nlohmann::json(*error) : nlohmann::json(nullptr)},
                        {"duration_ms", duration.count()},
                        {"calls", calls}};
}

std::string combine_status(std::size_t ok, std::size_t failed, bool cancelled) {
  if (cancelled) return "cancelled";
  if (failed == 0) return "ok";
  return ok == 0 ? "failed" : "partial";
}

}  // namespace lh::skill::workflow::detail
