#pragma once
// What an ingest did, per input unit (a file or a zip entry), with the first error messages verbatim.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::siem {

struct UnitCounts {
  std::size_t read = 0;     // records seen (non-blank lines, array elements, EVTX records)
  std::size_t mapped = 0;   // normalised to a specific UDM event type
  std::size_t generic = 0;  // kept as GENERIC_EVENT with every field in additional.fields
  std::size_t skipped = 0;  // bad records, each reported with file:line
  std::size_t untimed = 0;  // kept, but no time field could be read (they sort at the epoch)
};

struct IngestReport {
  static constexpr std::size_t kDefaultMaxErrors = 50;

  std::map<std::string, UnitCounts> per_unit;  // key: "path" or "archive.zip!entry.json"
  std::vector<std::string> errors;             // first `max_errors` messages ("where: what")
  std::size_t error_count = 0;                 // all errors, including the ones not kept
  std::size_t max_errors = kDefaultMaxErrors;

  void add_error(std::string message);
  void merge(const IngestReport& other);
  [[nodiscard]] UnitCounts totals() const;
  // Human-readable multi-line summary (for stderr).
  [[nodiscard]] std::string summary() const;
  // {"units": {"<unit>": {"read":..,"mapped":..,"generic":..,"skipped":..}}, "totals": {...},
  //  "error_count": N, "errors": ["file:line: ...", ...]}
  [[nodiscard]] nlohmann::json to_json() const;
};

}  // namespace lh::siem
