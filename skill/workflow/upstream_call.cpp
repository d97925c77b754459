#include "skill/workflow/upstream_call.hpp"

#include <cmath>

namespace lh::skill::workflow::detail {

gateway::CallResult call_upstream(gateway::Gateway& gateway, CallCounter& counter, std::string_view capability,
                                  nlohmann::json arguments, const std::stop_token& cancel, bool read_only) {
  gateway::CallSettings settings;
  settings.read_only = read_only;
  settings.cancel = cancel;
  try {
    auto result = gateway.call(capability, std::move(arguments), settings);
    counter.calls += std::max(1, result.attempts);
    return result;
  } catch (const gateway::UpstreamError& error) {
    // A capability no server offers sent nothing upstream.
    if (error.kind() != gateway::UpstreamError::Kind::not_configured) ++counter.calls;
    throw;
  } catch (...) {
    ++counter.calls;
    throw;
  }
}

bool is_cancellation(const std::exception& error, const std::stop_token& cancel) {
  if (const auto* upstream = dynamic_cast<const gateway::UpstreamError*>(&error)) {
    if (upstream->kind() == gateway::UpstreamError::Kind::cancelled) return true;
  }
  return cancel.stop_requested();
}

nlohmann::json search_arguments(std::string_view udm, const techniques::TimeFrame& time_frame, std::size_t max_events) {
  const double hours = std::isfinite(time_frame.hours_back) ? std::ceil(time_frame.hours_back) : 72.0;
  nlohmann::json arguments{{"query", udm},
                           {"hours_back", static_cast<long long>(std::max(1.0, hours))},
                           {"max_events", max_events}};
  if (time_frame.start_time) arguments["start_time"] = *time_frame.start_time;
  if (time_frame.end_time) arguments["end_time"] = *time_frame.end_time;
  return arguments;
}

std::vector<nlohmann::json> events_of(const nlohmann::json& payload) {
  const nlohmann::json* events = &payload;
  if (payload.is_object()) {
    const auto found = payload.find("events");
    if (found == payload.end()) return {};
    events = &*found;
    if (events->is_object()) {
      const auto inner = events->find("events");
      if (inner == events->end()) return {};
      events = &*inner;
    }
  }
  if (!events->is_array()) return {};
  return std::vector<nlohmann::json>(events->begin(), events->end());
}

namespace {

bool more_data_of(const nlohmann::json& payload) {
  if (!payload.is_object()) return false;
  if (const auto found = payload.find("more_data_available"); found != payload.end() && found->is_boolean()) {
    return found->get<bool>();
  }
  if (const auto found = payload.find("moreDataAvailable"); found != payload.end() && found->is_boolean()) {
    return found->get<bool>();
  }
  if (const auto inner = payload.find("events"); inner != payload.end() && inner->is_object()) return more_data_of(*inner);
  return false;
}

}  // namespace

SearchOutcome search_udm(gateway::Gateway& gateway, CallCounter& counter, std::string_view udm,
                         const techniques::TimeFrame& time_frame, std::size_t max_events,
                         const std::stop_token& cancel) {
  SearchOutcome outcome;
  const StepClock clock;
  if (cancel.stop_requested()) {
    outcome.status = "cancelled";
    return outcome;
  }
  try {
    const auto result =
        call_upstream(gateway, counter, "search_udm", search_arguments(udm, time_frame, max_events), cancel);
    outcome.events = events_of(result.value);
    outcome.hits = outcome.events.size();
    outcome.more_data_available = more_data_of(result.value);
    outcome.source = result.server + "/" + result.tool;
    outcome.status = "ok";
  } catch (const std::exception& error) {
    outcome.status = is_cancellation(error, cancel) ? "cancelled" : "failed";
    outcome.error = error.what();
  }
  outcome.duration = clock.elapsed();
  return outcome;
}

std::string text_of(const gateway::CallResult& result) {
  if (!result.text.empty()) return result.text;
  if (result.value.is_string()) return result.value.get<std::string>();
  if (result.value.is_object() && result.value.contains("text") && result.value["text"].is_string()) {
    return result.value["text"].get<std::string>();
  }
  return result.value.dump(2);
}

std::string trim_text(std::string_view text, std::size_t limit) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  if (text.size() <= limit) return std::string(text);
  std::size_t cut = limit;
  // Never split a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  const auto line_end = text.rfind('\n', cut);
  if (line_end != std::string_view::npos && line_end > limit / 2) {
    cut = line_end;
  } else if (const auto space = text.rfind(' ', cut); space != std::string_view::npos && space > limit / 2) {
    cut = space;
  }
  return std::string(text.substr(0, cut)) + " [...]";
}

}  // namespace lh::skill::workflow::detail
