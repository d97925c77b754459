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

std::uint32_t ClockCorrector::host_of_short_name(const std::string& short_name) {
  const std::uint64_t hash = TextIndex::hash_of(short_name);
  if (const auto found = by_short_name_.find(short_name, hash)) return *found;
  const auto index = static_cast<std::uint32_t>(hosts_.size());
  hosts_.emplace_back();
  by_short_name_.insert(short_name, hash, index);
  return index;
}

std::uint32_t ClockCorrector::host_of_key(std::uint32_t key, std::string_view hostname) {
  return by_key_.get(key, [&] { return host_of_spelling(hostname); });
}

std::uint32_t ClockCorrector::host_of_spelling(std::string_view hostname) {
  const std::uint64_t hash = TextIndex::hash_of(hostname);
  if (const auto found = by_spelling_.find(hostname, hash)) return *found;
  const std::uint32_t index = host_of_short_name(short_hostname(hostname));
  by_spelling_.insert(hostname, hash, index);
  return index;
}

std::uint32_t ClockCorrector::spelling(std::string_view hostname) {
  const std::uint64_t hash = TextIndex::hash_of(hostname);
  if (const auto found = recorded_spellings_.find(hostname, hash)) return *found;
  const auto spelling = static_cast<std::uint32_t>(recorded_counts_.size());
  recorded_spellings_.insert(hostname, hash, spelling);
  recorded_counts_.emplace_back();
  spelling_keys_.push_back(kNoKey);
  return spelling;
}

void ClockCorrector::observe(std::uint32_t spelling, const NormaliseOutcome& outcome) {
  if (!outcome.utc_time_us) return;
  if (!outcome.at_timestamp_us && !outcome.time_created_us && !outcome.event_time_us) return;
  const std::int64_t utc = *outcome.utc_time_us;
  auto record = [&](std::uint32_t slot, const std::optional<std::int64_t>& shipper_time) {
    if (!shipper_time) return;
    std::uint16_t& count = recorded_counts_[spelling][slot];
    if (count >= kMaxSamples && recorded_unit_counts_[slot] >= kMaxSamples) return;
    count = static_cast<std::uint16_t>(std::min<std::size_t>(count + 1u, kMaxSamples));
    ++recorded_unit_counts_[slot];
    recorded_.push_back(Recorded{spelling, slot, utc - *shipper_time});
  };
  record(0, outcome.at_timestamp_us);
  record(1, outcome.time_created_us);
  record(2, outcome.event_time_us);
}

void ClockCorrector::settle_records_of(const ClockCorrector& source) {
  std::vector<std::string_view> spellings(source.recorded_counts_.size());
  source.recorded_spellings_.for_each([&](std::string_view name, std::uint32_t index) { spellings[index] = name; });
  constexpr std::uint32_t kUnresolved = UINT32_MAX;
  std::vector<std::uint32_t> host_of(spellings.size(), kUnresolved);
  for (const Recorded& sample : source.recorded_) {
    std::uint32_t& host = host_of[sample.spelling];
    if (host == kUnresolved) {
      const std::uint32_t key = source.spelling_keys_[sample.spelling];
      host = key == kNoKey ? host_of_spelling(spellings[sample.spelling]) : host_of_key(key, spellings[sample.spelling]);
    }
    placed_.push_back(Placed{host, sample.slot, sample.delta});
  }
  if (placed_.size() >= kMaxPlaced) add_placed();
  // The spellings and their counts stay: spelling numbers handed out remain valid, and a count still says
  // how many samples the spelling offered (the lists they went to are at least that full).
  if (&source == this) recorded_.clear();
}

void ClockCorrector::add_placed() {
  if (placed_.empty()) return;
  // The unit's lists take the first samples in order.
  for (const Placed& sample : placed_) {
    auto& unit_samples = unit_[sample.slot];
    if (unit_samples.size() < kMaxSamples) unit_samples.push_back(sample.delta);
  }
  // Each host's samples together, in their order (a counting sort), then its lists extended once each.
  std::vector<std::uint32_t> first(hosts_.size() + 1, 0);
  for (const Placed& sample : placed_) ++first[sample.host + 1];
  for (std::size_t host = 0; host < hosts_.size(); ++host) first[host + 1] += first[host];
  std::vector<Placed> grouped(placed_.size());
  {
    std::vector<std::uint32_t> next(first.begin(), first.end() - 1);
    for (const Placed& sample : placed_) grouped[next[sample.host]++] = sample;
  }
  for (std::size_t host = 0; host < hosts_.size(); ++host) {
    if (first[host] == first[host + 1]) continue;
    SourceSamples& lists = hosts_[host].samples;
    std::array<std::size_t, 3> incoming{};
    for (std::uint32_t i = first[host]; i < first[host + 1]; ++i) ++incoming[grouped[i].slot];
    for (std::size_t slot = 0; slot < lists.size(); ++slot) {
      if (incoming[slot] > 0) lists[slot].reserve(std::min(kMaxSamples, lists[slot].size() + incoming[slot]));
    }
    for (std::uint32_t i = first[host]; i < first[host + 1]; ++i) {
      auto& list = lists[grouped[i].slot];
      if (list.size() < kMaxSamples) list.push_back(grouped[i].delta);
    }
  }
  std::vector<Placed>().swap(placed_);  // `clear()` would keep up to kMaxPlaced entries' memory
  ++generation_;
}

void ClockCorrector::append(const ClockCorrector& later) {
  settle();
  // The usual case, a part that only recorded: its samples join the placed ones. Anything `later` has in
  // lists must come after what this corrector holds, so those are added first.
  const bool later_has_lists = !later.hosts_.empty() || !later.placed_.empty() ||
                               std::any_of(later.unit_.begin(), later.unit_.end(), [](const auto& list) { return !list.empty(); });
  if (!later_has_lists) {
    settle_records_of(later);
    ++generation_;
    return;
  }
  add_placed();
  auto extend = [](std::vector<std::int64_t>& mine, const std::vector<std::int64_t>& theirs) {
    const std::size_t room = kMaxSamples - std::min(kMaxSamples, mine.size());
    mine.insert(mine.end(), theirs.begin(), theirs.begin() + static_cast<std::ptrdiff_t>(std::min(room, theirs.size())));
  };
  // What `later` had settled came before what it still records. Hosts in `later`'s order of first sight, so
  // the result does not depend on how the parts were cut.
  std::vector<std::string_view> names(later.hosts_.size());
  later.by_short_name_.for_each([&](std::string_view name, std::uint32_t index) { names[index] = name; });
  std::vector<std::uint32_t> mine_of(later.hosts_.size());
  for (std::size_t index = 0; index < later.hosts_.size(); ++index) {
    mine_of[index] = host_of_short_name(std::string(names[index]));
    auto& mine = hosts_[mine_of[index]].samples;
    const auto& theirs = later.hosts_[index].samples;
    for (std::size_t slot = 0; slot < theirs.size(); ++slot) extend(mine[slot], theirs[slot]);
  }
  for (std::size_t slot = 0; slot < unit_.size(); ++slot) extend(unit_[slot], later.unit_[slot]);
  for (const Placed& sample : later.placed_) placed_.push_back(Placed{mine_of[sample.host], sample.slot, sample.delta});
  settle_records_of(later);
  ++generation_;
}

std::int64_t ClockCorrector::cached_median(const std::vector<std::int64_t>& samples, CachedOffset& cached) {
  if (cached.generation != generation_) cached = CachedOffset{rounded_median_offset(samples), generation_};
  return cached.offset;
}

std::int64_t ClockCorrector::offset_us(std::string_view hostname, TimeSource source) {
  const int slot = source_slot(source);
  if (slot < 0) return 0;
  settle();
  add_placed();
  const auto s = static_cast<std::size_t>(slot);
  std::optional<std::uint32_t> index = by_spelling_.find(hostname);
  if (!index) index = by_short_name_.find(short_hostname(hostname));
  if (index && !hosts_[*index].samples[s].empty()) {
    Host& host = hosts_[*index];
    return cached_median(host.samples[s], host.cached[s]);
  }
  return cached_median(unit_[s], unit_cached_[s]);
}

}  // namespace lh::siem
