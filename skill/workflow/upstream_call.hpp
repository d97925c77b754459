// The workflow's calls through the gateway: counted per step, with failures turned into text the
// report can carry, and search_udm's arguments and answer shape in one place.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/techniques/build_queries.hpp"
#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

// Gateway::call, counting the attempts into `counter`. Throws what the gateway throws.
gateway::CallResult call_upstream(gateway::Gateway& gateway, CallCounter& counter, std::string_view capability,
                                  nlohmann::json arguments, const std::stop_token& cancel, bool read_only = true);

// True when `error` ended a call because the hunt was cancelled.
bool is_cancellation(const std::exception& error, const std::stop_token& cancel);

// search_udm's arguments for a time frame: start_time/end_time when given (hours_back kept as the
// fallback), else hours_back rounded up to whole hours, as the tool takes an integer.
nlohmann::json search_arguments(std::string_view udm, const techniques::TimeFrame& time_frame, std::size_t max_events);

struct SearchOutcome {
  std::string status = "skipped";  // ok, failed, cancelled, skipped (never started)
  std::vector<nlohmann::json> events;
  std::size_t hits = 0;
  bool more_data_available = false;
  std::optional<std::string> error;
  std::chrono::milliseconds duration{0};
  std::string source;  // server/tool
};

// One search_udm call; never throws (a failure is an outcome with status failed or cancelled).
SearchOutcome search_udm(gateway::Gateway& gateway, CallCounter& counter, std::string_view udm,
                         const techniques::TimeFrame& time_frame, std::size_t max_events,
                         const std::stop_token& cancel);

// The events of a search_udm answer: {"events": [...]}, search_security_events' {"events": {"events":
// [...]}}, or a bare array.
std::vector<nlohmann::json> events_of(const nlohmann::json& payload);

// Text of a tool answer: the payload's text, else its JSON.
std::string text_of(const gateway::CallResult& result);

// `text` cut to at most `limit` bytes at a line or word end, with " [...]" when cut.
std::string trim_text(std::string_view text, std::size_t limit);

}  // namespace lh::skill::workflow::detail
