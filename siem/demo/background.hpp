#pragma once
// Ordinary activity of one host during one time window: user sessions and applications, file-share and
// domain-controller traffic, scheduled maintenance, service starts, local software installs, server work.
#include "siem/demo/enterprise.hpp"
#include "siem/demo/event_sink.hpp"
#include "siem/demo/scenarios.hpp"

namespace lh::siem::demo {

void background_activity(const Enterprise& e, const GeneratorConfig& cfg, const Host& host, Millis window_start,
                         Millis window_end, EventSink& sink);

}  // namespace lh::siem::demo
