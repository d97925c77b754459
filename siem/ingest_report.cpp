#include "siem/ingest_report.hpp"

#include <fmt/format.h>

namespace lh::siem {

void IngestReport::add_error(std::string message) {
  ++error_count;
  if (errors.size() < max_errors) errors.push_back(std::move(message));
}

void IngestReport::merge(const IngestReport& other) {
  for (const auto& [unit, counts] : other.per_unit) {
    auto& mine = per_unit[unit];
    mine.read += counts.read;
    mine.mapped += counts.mapped;
    mine.generic += counts.generic;
    mine.skipped += counts.skipped;
    mine.untimed += counts.untimed;
  }
  for (const auto& message : other.errors) {
    if (errors.size() < max_errors) errors.push_back(message);
  }
  error_count += other.error_count;
}

UnitCounts IngestReport::totals() const {
  UnitCounts total;
  for (const auto& [unit, counts] : per_unit) {
    total.read += counts.read;
    total.mapped += counts.mapped;
    total.generic += counts.generic;
    total.skipped += counts.skipped;
    total.untimed += counts.untimed;
  }
  return total;
}

std::string IngestReport::summary() const {
  std::string out;
  for (const auto& [unit, c] : per_unit) {
    out += fmt::format("{}: read {}, mapped {}, generic {}, skipped {}{}\n", unit, c.read, c.mapped, c.generic,
                       c.skipped, c.untimed ? fmt::format(", without time {}", c.untimed) : std::string());
  }
  const auto t = totals();
  out += fmt::format("total: read {}, mapped {}, generic {}, skipped {}, errors {}\n", t.read, t.mapped, t.generic,
                     t.skipped, error_count);
  for (const auto& message : errors) out += "  " + message + "\n";
  if (error_count > errors.size()) out += fmt::format("  ... {} more errors\n", error_count - errors.size());
  return out;
}

nlohmann::json IngestReport::to_json() const {
  auto counts_json = [](const UnitCounts& c) {
    return nlohmann::json{{"read", c.read},       {"mapped", c.mapped},  {"generic", c.generic},
                          {"skipped", c.skipped}, {"untimed", c.untimed}};
  };
  nlohmann::json units = nlohmann::json::object();
  for (const auto& [unit, counts] : per_unit) units[unit] = counts_json(counts);
  return nlohmann::json{{"units", std::move(units)},
                        {"totals", counts_json(totals())},
                        {"error_count", error_count},
                        {"errors", errors}};
}

}  // namespace lh::siem
