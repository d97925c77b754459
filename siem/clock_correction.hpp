#pragma once
// Shipper clocks, corrected per input unit and host against Sysmon's UtcTime.
//
// Sysmon events carry UtcTime, the one reliable clock. Other events only have the shipper's fields:
// `@timestamp` (UTC receipt time, 1-2 s late, NXLog sets), `TimeCreated` (real UTC in EVTX; local time
// wrongly marked "Z" in schtask_create; local time without zone in cmd_psexec_lsa_secrets_dump) and
// `EventTime` (local, no zone). A text without zone is first read as if it were UTC. Then, per unit and
// per (host, field), the offset UtcTime - field is measured on the Sysmon events that carry both, its
// median is rounded to the nearest 15 minutes (time zones are whole quarter hours; receipt delays of
// seconds round to 0), and that offset is added to the same field of the host's other events. A host
// without Sysmon events borrows the offset measured on the unit's other hosts; with no Sysmon at all the
// field is taken as UTC. This keeps Security/System events within seconds of the Sysmon events of the
// same host, whatever the shipper did.
#include <cstdint>
#include <array>
#include <functional>
#include <optional>
#include <unordered_map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "siem/normalise.hpp"

namespace lh::siem {

class ClockCorrector {
 public:
  static constexpr std::int64_t kQuarterHourUs = 15LL * 60 * 1'000'000;

  ClockCorrector() = default;
  // Movable only: raw_hosts_ points into samples_ (whose nodes a move keeps).
  ClockCorrector(ClockCorrector&&) noexcept = default;
  ClockCorrector& operator=(ClockCorrector&&) noexcept = default;
  ClockCorrector(const ClockCorrector&) = delete;
  ClockCorrector& operator=(const ClockCorrector&) = delete;

  // Learns from one event (only Sysmon events with UtcTime teach anything).
  void observe(std::string_view hostname, const NormaliseOutcome& outcome);
  // Adds what `later` learned from the records that follow this corrector's (the parts of a split unit, in
  // order): the result is the corrector that would have observed both in sequence.
  void append(const ClockCorrector& later);
  // Offset (µs) to add to a time read from `source` on `hostname`; 0 for sysmon_utc and none.
  [[nodiscard]] std::int64_t offset_us(std::string_view hostname, TimeSource source) const;

 private:
  static constexpr std::size_t kMaxSamples = 512;
  // Samples per shipper field: at_timestamp, time_created, event_time (the sources that get corrected).
  using SourceSamples = std::array<std::vector<std::int64_t>, 3>;
  static int source_slot(TimeSource source);
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  // Per short host name. A hash map with one node per host: a part of a big file meets thousands of hosts,
  // and an ordered map keyed by (host, source) cost three string-keyed insertions per host.
  std::unordered_map<std::string, SourceSamples, TextHash, std::equal_to<>> samples_;
  SourceSamples unit_;  // all hosts of the unit
  mutable std::unordered_map<std::string, std::array<std::optional<std::int64_t>, 3>, TextHash, std::equal_to<>> cache_;
  // Host names exactly as the events spell them → their short name's samples (node addresses are stable),
  // so observing an event neither allocates nor shortens the name again.
  std::unordered_map<std::string, SourceSamples*, TextHash, std::equal_to<>> raw_hosts_;
  // In front of raw_hosts_: a small direct-mapped table keyed by a cheap hash of the name (its length and
  // first and last bytes), which stays in the cache where the map's nodes do not. Entries view the map's
  // keys, whose nodes never move.
  struct RecentHost {
    std::string_view name;
    SourceSamples* samples = nullptr;
  };
  static constexpr unsigned kRecentHostBits = 9;
  // Moves with the map (whose nodes move along) and leaves the moved-from table empty, so a moved-from
  // corrector never reaches nodes it no longer owns.
  struct RecentHosts {
    std::array<RecentHost, std::size_t{1} << kRecentHostBits> entries{};
    RecentHosts() = default;
    RecentHosts(RecentHosts&& other) noexcept : entries(other.entries) { other.entries.fill(RecentHost{}); }
    RecentHosts& operator=(RecentHosts&& other) noexcept {
      entries = other.entries;
      if (this != &other) other.entries.fill(RecentHost{});
      return *this;
    }
    RecentHosts(const RecentHosts&) = delete;
    RecentHosts& operator=(const RecentHosts&) = delete;
  };
  RecentHosts recent_hosts_;
  static std::size_t recent_slot(std::string_view hostname);
  SourceSamples& lists_of(std::string_view hostname);
  void add_sample(std::vector<std::int64_t>& host_samples, int slot, std::int64_t delta);
};

// Median rounded to the nearest quarter hour (exposed for tests).
std::int64_t rounded_median_offset(std::vector<std::int64_t> deltas);

}  // namespace lh::siem
