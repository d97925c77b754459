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

AnswerKey plan_scenarios(const Enterprise& e, const GeneratorConfig& cfg, EventSink& sink);

}  // namespace lh::siem::demo
