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
  if (added) ++generation_;
}

std::uint32_t ClockCorrector::host_of_short_name(const std::string& short_name) {
  const std::uint64_t hash = TextIndex::hash_of(short_name);
  if (const auto found = by_short_name_.find(short_name, hash)) return *found;
  const auto index = static_cast<std::uint32_t>(hosts_.size());
  hosts_.emplace_back();
  by_short_name_.insert(short_name, hash, index);
  return index;
}

ClockCorrector::SourceSamples& ClockCorrector::lists_of(std::string_view hostname) {
  const std::uint64_t hash = TextIndex::hash_of(hostname);
  if (const auto found = by_spelling_.find(hostname, hash)) return hosts_[*found].samples;
  const std::uint32_t index = host_of_short_name(short_hostname(hostname));
  by_spelling_.insert(hostname, hash, index);
  return hosts_[index].samples;
}

void ClockCorrector::append(const ClockCorrector& later) {
  auto extend = [](std::vector<std::int64_t>& mine, const std::vector<std::int64_t>& theirs) {
    const std::size_t room = kMaxSamples - std::min(kMaxSamples, mine.size());
    mine.insert(mine.end(), theirs.begin(), theirs.begin() + static_cast<std::ptrdiff_t>(std::min(room, theirs.size())));
  };
  // Hosts in `later`'s order of first sight, so the result does not depend on how the parts were cut.
  std::vector<const std::string*> names(later.hosts_.size(), nullptr);
  later.by_short_name_.for_each([&](const std::string& name, std::uint32_t index) { names[index] = &name; });
  for (std::size_t index = 0; index < later.hosts_.size(); ++index) {
    auto& mine = hosts_[host_of_short_name(*names[index])].samples;
    const auto& theirs = later.hosts_[index].samples;
    for (std::size_t slot = 0; slot < theirs.size(); ++slot) extend(mine[slot], theirs[slot]);
  }
  for (std::size_t slot = 0; slot < unit_.size(); ++slot) extend(unit_[slot], later.unit_[slot]);
  ++generation_;
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

std::int64_t ClockCorrector::cached_median(const std::vector<std::int64_t>& samples, CachedOffset& cached) const {
  if (cached.generation != generation_) cached = CachedOffset{rounded_median_offset(samples), generation_};
  return cached.offset;
}

std::int64_t ClockCorrector::offset_us(std::string_view hostname, TimeSource source) const {
  const int slot = source_slot(source);
  if (slot < 0) return 0;
  const auto s = static_cast<std::size_t>(slot);
  std::optional<std::uint32_t> index = by_spelling_.find(hostname);
  if (!index) index = by_short_name_.find(short_hostname(hostname));
  if (index && !hosts_[*index].samples[s].empty()) {
    const Host& host = hosts_[*index];
    return cached_median(host.samples[s], host.cached[s]);
  }
  return cached_median(unit_[s], unit_cached_[s]);
}

}  // namespace lh::siem
