#include "siem/demo/generator.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "siem/demo/background.hpp"
#include "siem/demo/enterprise.hpp"

namespace lh::siem::demo {
namespace {

// Collects lines in one arena with a sortable index.
class BufferSink final : public EventSink {
 public:
  struct Entry {
    Millis t;
    std::uint64_t seq;
    std::size_t offset;
    std::size_t length;
  };

  std::string& open(Millis logged) override {
    pending_ = {logged, seq_++, arena_.size(), 0};
    return arena_;
  }
  void commit() override {
    pending_.length = arena_.size() - pending_.offset;
    entries_.push_back(pending_);
  }

  void sort() {
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.t != b.t ? a.t < b.t : a.seq < b.seq; });
  }
  std::vector<Entry>& entries() { return entries_; }
  std::string_view line(const Entry& e) const { return std::string_view(arena_).substr(e.offset, e.length); }

  // Keeps only entries[from..] (already sorted), compacting the arena; buffers are reused so that their
  // capacity survives from window to window.
  void keep_from(std::size_t from) {
    spare_arena_.clear();
    spare_entries_.clear();
    for (std::size_t i = from; i < entries_.size(); ++i) {
      Entry e = entries_[i];
      const std::size_t offset = spare_arena_.size();
      spare_arena_.append(arena_, e.offset, e.length);
      e.offset = offset;
      spare_entries_.push_back(e);
    }
    arena_.swap(spare_arena_);
    entries_.swap(spare_entries_);
  }

 private:
  std::string arena_, spare_arena_;
  std::vector<Entry> entries_, spare_entries_;
  Entry pending_{};
  std::uint64_t seq_ = 0;
};

class Writer {
 public:
  explicit Writer(std::FILE* out) : out_(out) {}
  void write(std::string_view line) {
    if (std::fwrite(line.data(), 1, line.size(), out_) != line.size())
      throw std::runtime_error("lh-demo-gen: writing the output failed (disk full or closed pipe?)");
    ++stats_.events;
    stats_.bytes += line.size();
  }
  const GenerationStats& stats() const { return stats_; }

 private:
  std::FILE* out_;
  GenerationStats stats_;
};

}  // namespace

GenerationStats generate(const GeneratorConfig& cfg, std::FILE* out, AnswerKey& key) {
  if (cfg.days < 1) throw std::invalid_argument("demo days must be at least 1");
  const Enterprise e = build_enterprise(cfg.seed, cfg.scale, cfg.start);

  ScenarioPlanner planner(e, cfg);
  Writer writer(out);
  // One buffer holds the planned activity of the current day and the background not yet written.
  BufferSink pending;
  // Background of later windows never lands more than the largest clock skew before its window, so
  // anything this far before the window end is final.
  constexpr Millis kMargin = 5 * kSecond;
  // Short windows keep the buffered background small at large scales.
  constexpr Millis kWindow = 15 * kMinute;
  const Millis end = cfg.start + cfg.days * kDay;
  for (Millis w0 = cfg.start; w0 < end; w0 += kWindow) {
    const Millis w1 = w0 + kWindow;
    if ((w0 - cfg.start) % kDay == 0) planner.plan_day(static_cast<int>((w0 - cfg.start) / kDay), pending);
    for (const auto& host : e.hosts) background_activity(e, cfg, host, w0, w1, pending);
    pending.sort();
    const Millis cutoff = w1 >= end ? INT64_MAX : w1 - kMargin;
    auto& entries = pending.entries();
    std::size_t i = 0;
    for (; i < entries.size() && entries[i].t < cutoff; ++i) writer.write(pending.line(entries[i]));
    pending.keep_from(i);
  }
  key = planner.take_key();
  return writer.stats();
}

}  // namespace lh::siem::demo
