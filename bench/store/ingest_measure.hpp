#pragma once
// One ingest measurement, run inside a fresh process so that its peak resident set is the ingest's own:
// either EventStore::load of a JSON-lines file, or simdjson parsing the same file (the speed floor).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace lh::bench {

struct IngestSample {
  double seconds = 0;             // the timed part only (load, or parse without reading the file)
  std::uint64_t events = 0;       // events stored, or documents parsed
  std::uint64_t peak_rss_kib = 0;  // VmHWM of the measuring process after the work
  std::uint64_t store_bytes = 0;  // EventStore::memory_bytes(); 0 for simdjson
  double read_seconds = 0;        // simdjson only: reading the file into memory (not in `seconds`)
  double cpu_seconds = 0;         // user + system CPU of the timed part, all threads
};

IngestSample measure_store_load(const std::filesystem::path& file, unsigned threads);
// Iterates every document with the On-Demand API, reading every key and every value (strings unescaped,
// numbers parsed), so nothing is skipped lazily. Throws std::runtime_error on a parse error.
IngestSample measure_simdjson_parse(const std::filesystem::path& file);

// One line of "key=value" pairs, the child → parent protocol.
std::string to_line(const IngestSample& sample);
std::optional<IngestSample> from_line(std::string_view line);

}  // namespace lh::bench
