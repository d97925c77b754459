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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "siem/integer_map.hpp"
#include "siem/normalise.hpp"
#include "siem/text_index.hpp"

namespace lh::siem {

class ClockCorrector {
 public:
  static constexpr std::int64_t kQuarterHourUs = 15LL * 60 * 1'000'000;

  ClockCorrector() = default;
  ClockCorrector(ClockCorrector&&) noexcept = default;
  ClockCorrector& operator=(ClockCorrector&&) noexcept = default;
  ClockCorrector(const ClockCorrector&) = delete;
  ClockCorrector& operator=(const ClockCorrector&) = delete;

  // Learns from one event (only Sysmon events with UtcTime teach anything).
  void observe(std::string_view hostname, const NormaliseOutcome& outcome) { observe(spelling(hostname), outcome); }
  // The same for a host named by spelling(): a caller that knows which events share a host name (the store's
  // interned strings) looks each name up once instead of once per event.
  void observe(std::uint32_t spelling, const NormaliseOutcome& outcome);
  // A number for `hostname` as spelled, for observe(); valid for the corrector's lifetime.
  [[nodiscard]] std::uint32_t spelling(std::string_view hostname);
  // Tells that `spelling` is the text the caller knows as `key` (the event store's string id): every spelling
  // with one key is the same text, so a corrector taking these records (append) finds its host by the number
  // instead of by the text. Optional; spellings without a key are found by their text.
  void set_spelling_key(std::uint32_t spelling, std::uint32_t key) { spelling_keys_[spelling] = key; }
  // Adds what `later` learned from the records that follow this corrector's (the parts of a split unit, in
  // order): the result is the corrector that would have observed both in sequence.
  void append(const ClockCorrector& later);
  // Offset (µs) to add to a time read from `source` on `hostname`; 0 for sysmon_utc and none.
  [[nodiscard]] std::int64_t offset_us(std::string_view hostname, TimeSource source);

 private:
  static constexpr std::size_t kMaxSamples = 512;
  // Samples per shipper field: at_timestamp, time_created, event_time (the sources that get corrected).
  using SourceSamples = std::array<std::vector<std::int64_t>, 3>;
  static int source_slot(TimeSource source);

  // An offset worked out once, valid while no sample has been added since (`generation`).
  struct CachedOffset {
    std::int64_t offset = 0;
    std::uint64_t generation = 0;  // 0: never worked out
  };
  struct Host {
    SourceSamples samples;
    std::array<CachedOffset, 3> cached{};
  };

  // Observing only records (host spelling, field, delta) in order: a part of a big file meets thousands of
  // hosts a few times each, and growing three sample lists per host (and shortening every new name) cost
  // more than the rest of the clock work together. The records are sorted into hosts (settle()) when an
  // offset is asked for or the corrector is appended to another. Samples that no list could take any more
  // (their spelling and the whole unit already hold kMaxSamples for that field) are not recorded.
  struct Recorded {
    std::uint32_t spelling = 0;  // into recorded_spellings_
    std::uint32_t slot = 0;
    std::int64_t delta = 0;
  };
  std::vector<Recorded> recorded_;
  TextIndex recorded_spellings_;
  std::vector<std::array<std::uint16_t, 3>> recorded_counts_;  // per spelling and field
  static constexpr std::uint32_t kNoKey = UINT32_MAX;
  std::vector<std::uint32_t> spelling_keys_;  // per spelling (kNoKey: none given)
  std::array<std::size_t, 3> recorded_unit_counts_{};

  // Settled: one entry per short host name, in order of first sight; names as the events spell them map to
  // it too, so a name is shortened once.
  std::vector<Host> hosts_;
  TextIndex by_short_name_;
  TextIndex by_spelling_;
  // Host by spelling key (see set_spelling_key): a split file's parts bring thousands of spellings each,
  // and finding each by its text again was most of appending them.
  IntegerMap<std::uint32_t> by_key_;
  std::uint32_t host_of_key(std::uint32_t key, std::string_view hostname);
  SourceSamples unit_;  // all hosts of the unit
  // Samples given their host but not yet added to the lists, in order. Adding them one at a time touched a
  // different host's list for nearly every sample (a part meets thousands of hosts a few times each); added
  // in a batch, grouped by host, each list grows once.
  struct Placed {
    std::uint32_t host = 0;
    std::uint32_t slot = 0;
    std::int64_t delta = 0;
  };
  static constexpr std::size_t kMaxPlaced = std::size_t{1} << 18;
  std::vector<Placed> placed_;
  void add_placed();
  std::array<CachedOffset, 3> unit_cached_{};
  std::uint64_t generation_ = 1;  // advanced by every sample added

  // Moves `source`'s records (in their order) into this corrector's hosts.
  void settle_records_of(const ClockCorrector& source);
  void settle() {
    if (!recorded_.empty()) settle_records_of(*this);
  }
  std::uint32_t host_of_spelling(std::string_view hostname);
  std::uint32_t host_of_short_name(const std::string& short_name);
  std::int64_t cached_median(const std::vector<std::int64_t>& samples, CachedOffset& cached);
};

// Median rounded to the nearest quarter hour (exposed for tests).
std::int64_t rounded_median_offset(std::vector<std::int64_t> deltas);

}  // namespace lh::siem
