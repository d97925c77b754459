#include "siem/clock_correction.hpp"

#include <algorithm>

#include "siem/quick_slot.hpp"
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

int ClockCorrector::source_slot(TimeSource source) {
  switch (source) {
    case TimeSource::at_timestamp: return 0;
    case TimeSource::time_created: return 1;
    case TimeSource::event_time: return 2;
    default: return -1;
  }
}

void ClockCorrector::add_sample(std::vector<std::int64_t>& host_samples, int slot, std::int64_t delta) {
  bool added = false;
  if (host_samples.size() < kMaxSamples) {
    host_samples.push_back(delta);
    added = true;
  }
  auto& unit_samples = unit_[static_cast<std::size_t>(slot)];
  if (unit_samples.size() < kMaxSamples) {
    unit_samples.push_back(delta);
    added = true;
  }
  if (added && !cache_.empty()) cache_.clear();
}

std::size_t ClockCorrector::recent_slot(std::string_view hostname) { return quick_slot<kRecentHostBits>(hostname); }

ClockCorrector::SourceSamples& ClockCorrector::lists_of(std::string_view hostname) {
  RecentHost& recent = recent_hosts_.entries[recent_slot(hostname)];
  if (recent.samples != nullptr && recent.name == hostname) return *recent.samples;
  auto it = raw_hosts_.find(hostname);
  if (it == raw_hosts_.end()) {
    SourceSamples& lists = samples_[short_hostname(hostname)];
    it = raw_hosts_.emplace(std::string(hostname), &lists).first;
  }
  recent = RecentHost{it->first, it->second};
  return *it->second;
}

void ClockCorrector::append(const ClockCorrector& later) {
  auto extend = [](std::vector<std::int64_t>& mine, const std::vector<std::int64_t>& theirs) {
    const std::size_t room = kMaxSamples - std::min(kMaxSamples, mine.size());
    mine.insert(mine.end(), theirs.begin(), theirs.begin() + static_cast<std::ptrdiff_t>(std::min(room, theirs.size())));
  };
  for (const auto& [host, samples] : later.samples_) {
    auto& mine = samples_[host];
    for (std::size_t slot = 0; slot < samples.size(); ++slot) extend(mine[slot], samples[slot]);
  }
  for (std::size_t slot = 0; slot < unit_.size(); ++slot) extend(unit_[slot], later.unit_[slot]);
  cache_.clear();
}

void ClockCorrector::observe(std::string_view hostname, const NormaliseOutcome& outcome) {
  if (!outcome.utc_time_us) return;
  if (!outcome.at_timestamp_us && !outcome.time_created_us && !outcome.event_time_us) return;
  SourceSamples& lists = lists_of(hostname);
  const std::int64_t utc = *outcome.utc_time_us;
  if (outcome.at_timestamp_us) add_sample(lists[0], 0, utc - *outcome.at_timestamp_us);
  if (outcome.time_created_us) add_sample(lists[1], 1, utc - *outcome.time_created_us);
  if (outcome.event_time_us) add_sample(lists[2], 2, utc - *outcome.event_time_us);
}

std::int64_t ClockCorrector::offset_us(std::string_view hostname, TimeSource source) const {
  const int slot = source_slot(source);
  if (slot < 0) return 0;
  const std::string host = short_hostname(hostname);
  auto& cached = cache_[host][static_cast<std::size_t>(slot)];
  if (cached) return *cached;
  std::int64_t offset = 0;
  if (const auto it = samples_.find(host); it != samples_.end() && !it->second[static_cast<std::size_t>(slot)].empty()) {
    offset = rounded_median_offset(it->second[static_cast<std::size_t>(slot)]);
  } else {
    offset = rounded_median_offset(unit_[static_cast<std::size_t>(slot)]);
  }
  cached = offset;
  return offset;
}

}  // namespace lh::siem
