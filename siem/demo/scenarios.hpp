#pragma once
// Planned activity: the attack chains, a local PsExec, legitimate administration from the named admin hosts
// and software deployment pushes. Returns the answer key describing exactly what was emitted.
#include <cstdint>

#include "siem/demo/answer_key.hpp"
#include "siem/demo/enterprise.hpp"
#include "siem/demo/event_sink.hpp"

namespace lh::siem::demo {

struct GeneratorConfig {
  std::uint64_t seed = 1;
  int scale = 1;
  Millis start = 0;  // midnight UTC of the first day
  int days = 2;
};

// Plans one day at a time so that long runs never hold more than a day of planned events.
class ScenarioPlanner {
 public:
  ScenarioPlanner(const Enterprise& e, const GeneratorConfig& cfg);
  // Emits day `day` (0-based) of planned activity into `sink` and records it in the key. All of a day's
  // planned events fall after 07:00 of that day.
  void plan_day(int day, EventSink& sink);
  const AnswerKey& key() const { return key_; }
  AnswerKey take_key() { return std::move(key_); }

 private:
  const Enterprise& e_;
  GeneratorConfig cfg_;
  AnswerKey key_;
};

// All days at once (tests and small runs).
AnswerKey plan_scenarios(const Enterprise& e, const GeneratorConfig& cfg, EventSink& sink);

}  // namespace lh::siem::demo
