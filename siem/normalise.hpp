#pragma once
// Windows event (flat OTRF layout) → UDM, through udm::EventBuilder, following the mapping table in
// shared/reference/udm-and-windows-events.md. Mapped events get their event type and fields; every other
// event becomes GENERIC_EVENT with every raw field verbatim in additional.fields["<raw key>"]. Mapped events
// keep there only the raw fields no rule turned into a UDM field, plus the raw names hunt queries use
// (additional.fields["Initiated"], ["TargetLogonId"], ...); so nothing is dropped and nothing stored twice
// without need. Message goes to metadata.description instead.
#include <cstdint>
#include <optional>
#include <string_view>

#include "siem/flat_event.hpp"
#include "udm/event.hpp"

namespace lh::siem {

// Where an event's timestamp came from. Sysmon's UtcTime is authoritative; the shipper fields may be
// local time or mislabelled (see clock_correction.hpp), so they are corrected per input unit and host.
enum class TimeSource : std::uint8_t { none, sysmon_utc, at_timestamp, time_created, event_time };

struct NormaliseOutcome {
  bool mapped = false;  // false: GENERIC_EVENT
  udm::EventType event_type = udm::EventType::GENERIC_EVENT;
  TimeSource time_source = TimeSource::none;
  std::int64_t time_us = 0;  // as set on the builder (uncorrected shipper time unless sysmon_utc)
  // For offset learning: the event's shipper time per field when a Sysmon UtcTime is also present.
  std::optional<std::int64_t> utc_time_us;
  std::optional<std::int64_t> at_timestamp_us;
  std::optional<std::int64_t> time_created_us;
  std::optional<std::int64_t> event_time_us;
  std::string_view hostname;  // reporting host as given (empty when absent)
};

enum class LogSource : std::uint8_t { sysmon, security, system, winrm, powershell, other };

// Channel name → log source (case-insensitive).
LogSource classify_channel(std::string_view channel);

// Normalises one flat Windows event. Never throws on odd input: unparseable numbers or addresses are left
// in additional.fields only.
NormaliseOutcome normalise_windows_event(const FlatEvent& event, udm::EventBuilder& out);

// True when (channel, event id) has a specific mapping (for reports: "mapped" vs "generic").
bool has_mapping(std::string_view channel, std::int64_t event_id);

}  // namespace lh::siem
