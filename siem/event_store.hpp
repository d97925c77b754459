#pragma once
// The embedded SIEM's event store: loads once, answers many searches.
//
// Layout: every string is interned once (StringPool); each event is a 24-byte record (time, where its
// values start, how many, source unit and line) and its values are 12-byte entries in one flat array.
// Events are sorted by time; posting lists (event indexes in time order) exist for the fields Chronicle
// indexes: metadata.event_type, metadata.product_event_type, principal/target hostname, principal/target ip,
// principal/target user.userid. A search takes the smallest candidate list its hints allow, restricts it to
// the time window by binary search, walks it newest first and runs the predicate.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "siem/ingest_report.hpp"
#include "siem/query_prefilter.hpp"
#include "siem/string_pool.hpp"
#include "siem/string_postings.hpp"
#include "udm/event.hpp"
#include "udm/query_compiler.hpp"

namespace lh::siem {

struct TimeRange {
  std::int64_t start_us = INT64_MIN;  // inclusive
  std::int64_t end_us = INT64_MAX;    // inclusive
};

struct SearchResult {
  std::vector<std::uint32_t> events;  // event indexes, newest first
  bool more_data_available = false;
  std::size_t candidates_examined = 0;  // for diagnostics and tests
};

// search_udm's arguments, as secops-mcp takes them.
struct SearchRequest {
  std::string query;
  double hours_back = 24;
  std::optional<std::string> start_time;  // RFC 3339
  std::optional<std::string> end_time;    // RFC 3339
  std::optional<std::size_t> max_events;  // default kDefaultMaxEvents, capped at kMaxEvents
};

struct LoadOptions {
  // Parallel units (files / zip entries). With two or more, a JSON-lines file of at least two parts is read
  // as line-aligned parts of about `part_bytes` on every thread (0: never split); the store is the same.
  unsigned threads = 2;
  std::uint64_t part_bytes = 16u << 20;
  std::size_t max_errors = IngestReport::kDefaultMaxErrors;
};

class EventStore {
 public:
  using Predicate = std::function<bool(const udm::EventView&)>;

  EventStore();
  ~EventStore();
  EventStore(EventStore&&) noexcept;
  EventStore& operator=(EventStore&&) noexcept;
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Reads every input (files, folders, .zip, .evtx), normalises to UDM and indexes. May be called once
  // or several times before searching; each call re-sorts and re-indexes.
  IngestReport load(const std::vector<std::filesystem::path>& paths, const LoadOptions& options = {});
  // Adds events built elsewhere (tests, native UDM sources); indexes are rebuilt by the next finish().
  void add_event(const udm::EventView& event, std::string_view source = "memory", std::size_t line = 0);
  // Sorts and indexes what was added with add_event (load() calls it itself).
  void finish();

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::optional<std::int64_t> oldest_us() const;
  [[nodiscard]] std::optional<std::int64_t> newest_us() const;

  // The clock "now" for hours_back: the newest event unless set (the server's --now).
  void set_now_us(std::optional<std::int64_t> now);
  [[nodiscard]] std::int64_t now_us() const;
  // [now - hours_back, now], or [start, end] where given (a missing end is now, a missing start is
  // end - hours_back).
  [[nodiscard]] TimeRange time_range(double hours_back, std::optional<std::int64_t> start_us,
                                     std::optional<std::int64_t> end_us) const;

  static constexpr std::size_t kDefaultMaxEvents = 100;
  static constexpr std::size_t kMaxEvents = 10000;

  // Newest-first matching events inside `range`, at most `max_events`. The hints' pins (conditions every
  // match satisfies) on indexed fields pick the candidate list; an empty hint set means a time-range scan.
  // `required` (see query_prefilter.hpp) lets the store skip events lacking a needed field or key
  // without running the predicate.
  [[nodiscard]] SearchResult search(const Predicate& predicate, const udm::IndexHints& hints, TimeRange range,
                                    std::size_t max_events, const std::vector<FieldRequirement>& required = {}) const;
  [[nodiscard]] SearchResult search(const udm::CompiledQuery& query, TimeRange range, std::size_t max_events,
                                    const udm::ReferenceListLookup& lists = {}) const;
  // The whole search_udm tool: parse, compile, search, render. Never throws for bad input: returns
  // {"error": "...", "events": []} with the query column or the offending argument named.
  [[nodiscard]] nlohmann::json search_udm(const SearchRequest& request,
                                          const udm::ReferenceListLookup& lists = {}) const;

  // A read view of one stored event (valid while the store lives and is not loaded again).
  [[nodiscard]] std::unique_ptr<udm::EventView> view(std::uint32_t index) const;
  // Stable event id ("<16 hex digits>" from source unit and line) and provenance ("unit:line").
  [[nodiscard]] std::string event_id(std::uint32_t index) const;
  [[nodiscard]] std::string event_source(std::uint32_t index) const;
  // Chronicle result JSON: {"name": "<prefix>/events/<id>", "udm": {...camelCase...}}.
  [[nodiscard]] nlohmann::json event_json(std::uint32_t index) const;
  // {"events": [...], "total_events": N, "more_data_available": bool}.
  [[nodiscard]] nlohmann::json result_json(const SearchResult& result) const;
  void set_event_name_prefix(std::string prefix);
  // Threads used by long scans (queries no index narrows) and by finish()'s indexing of large stores; 1
  // disables both.
  void set_search_threads(unsigned threads) { search_threads_ = threads == 0 ? 1 : threads; }

  // Memory accounting for the load report and benchmarks.
  [[nodiscard]] std::size_t memory_bytes() const;
  // memory_bytes() by structure (name, bytes): what the store's memory is spent on.
  [[nodiscard]] std::vector<std::pair<std::string, std::size_t>> memory_breakdown() const;
  [[nodiscard]] std::size_t distinct_strings() const;

  struct Data;  // defined in event_store.cpp only

 private:
  // A value a matching event must hold exactly (from a necessary `field = literal` condition).
  struct ExactValue {
    udm::FieldId field = 0;
    std::string key;  // map fields
    bool is_string = true;
    std::string text;
    std::int64_t number = 0;
  };
  // Candidate lists whose union holds every match (posting lists of an indexed field's matching values).
  using Postings = PageVector<std::uint32_t>;
  using ListPin = std::vector<PostingSpan>;
  SearchResult search_impl(const Predicate& predicate, const udm::IndexHints& hints, TimeRange range,
                           std::size_t max_events, const std::vector<FieldRequirement>& required,
                           const std::vector<ExactValue>& exact, const std::vector<ListPin>& list_pins = {}) const;

  static constexpr std::uint32_t kParallelScanMin = 65536;
  static constexpr std::size_t kParallelIndexMin = 4096;  // events from which finish() indexes on two threads
  static constexpr std::size_t kMaxDictionaryPin = 200000;  // distinct values tested per condition
  static constexpr std::uint32_t kScanSegment = 262144;
  static constexpr std::size_t kCandidateBatch = 1024;   // posting-list candidates tested per batch
  static constexpr std::size_t kPrefetchDistance = 12;   // candidates prefetched ahead
  unsigned search_threads_ = 2;
  std::unique_ptr<Data> data_;
  friend class StoreBatch;
};

}  // namespace lh::siem
