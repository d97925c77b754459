#include "siem/clock_correction.hpp"

#include <algorithm>

#include "siem/text_util.hpp"

namespace lh::siem {

std::int64_t rounded_median_offset(std::vector<std::int64_t> deltas) {
  if (deltas.empty()) return 0;
  const auto middle = deltas.begin() + static_cast<std::ptrdiff_t>(deltas.size() / 2);
  std::nth_element(deltas.begin(), middle, deltas.end());
  const std::int64_t median = *middle;
  const std::int64_t q = ClockCorrector::kQuarterHourUs;
  const std::int64_t quarters = (median >= 0 ? median + q / 2 : median - q / 2) / q;
  return quarters * q;
}

void ClockCorrector::add_sample(std::vector<std::int64_t>& host_samples, TimeSource source, std::int64_t delta) {
  bool added = false;
  if (host_samples.size() < kMaxSamples) {
    host_samples.push_back(delta);
    added = true;
  }
  auto& unit_samples = unit_[source];
  if (unit_samples.size() < kMaxSamples) {
    unit_samples.push_back(delta);
    added = true;
  }
  if (added) cache_.clear();
}

ClockCorrector::HostLists& ClockCorrector::lists_of(std::string_view hostname) {
  if (const auto it = raw_hosts_.find(hostname); it != raw_hosts_.end()) return it->second;
  const std::string host = short_hostname(hostname);
  HostLists lists{&samples_[Key{host, TimeSource::at_timestamp}], &samples_[Key{host, TimeSource::time_created}],
                  &samples_[Key{host, TimeSource::event_time}]};
  return raw_hosts_.emplace(std::string(hostname), lists).first->second;
}

void ClockCorrector::append(const ClockCorrector& later) {
  auto extend = [](std::vector<std::int64_t>& mine, const std::vector<std::int64_t>& theirs) {
    const std::size_t room = kMaxSamples - std::min(kMaxSamples, mine.size());
    mine.insert(mine.end(), theirs.begin(), theirs.begin() + static_cast<std::ptrdiff_t>(std::min(room, theirs.size())));
  };
  for (const auto& [key, samples] : later.samples_) extend(samples_[key], samples);
  for (const auto& [source, samples] : later.unit_) extend(unit_[source], samples);
  cache_.clear();
}

void ClockCorrector::observe(std::string_view hostname, const NormaliseOutcome& outcome) {
  if (!outcome.utc_time_us) return;
  if (!outcome.at_timestamp_us && !outcome.time_created_us && !outcome.event_time_us) return;
  HostLists& lists = lists_of(hostname);
  const std::int64_t utc = *outcome.utc_time_us;
  if (outcome.at_timestamp_us) add_sample(*lists[0], TimeSource::at_timestamp, utc - *outcome.at_timestamp_us);
  if (outcome.time_created_us) add_sample(*lists[1], TimeSource::time_created, utc - *outcome.time_created_us);
  if (outcome.event_time_us) add_sample(*lists[2], TimeSource::event_time, utc - *outcome.event_time_us);
}

std::int64_t ClockCorrector::offset_us(std::string_view hostname, TimeSource source) const {
  if (source == TimeSource::none || source == TimeSource::sysmon_utc) return 0;
  Key key{short_hostname(hostname), source};
  if (const auto it = cache_.find(key); it != cache_.end()) return it->second;
  std::int64_t offset = 0;
  if (const auto it = samples_.find(key); it != samples_.end() && !it->second.empty()) {
    offset = rounded_median_offset(it->second);
  } else if (const auto unit = unit_.find(source); unit != unit_.end()) {
    offset = rounded_median_offset(unit->second);
  }
  cache_.emplace(std::move(key), offset);
  return offset;
}

}  // namespace lh::siem
