// Past hunt reports kept in SQLite across restarts (WAL, one row per hunt), for hunt://reports/{id} and
// for "never document the same hunt twice" (the documented case and fingerprint are kept with the report).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::skill::report {

// "skill.report.store: <path>: <sqlite message>"
class ReportStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StoredReportSummary {
  std::string id;
  std::string finished_at;
  std::string status;
  std::size_t findings = 0;
  std::string title;  // "<hypothesis or 'Lateral-movement hunt'> (<n> findings)"
};

class ReportStore {
 public:
  // ":memory:" for a store that dies with the process. Creates the file and schema when missing.
  explicit ReportStore(const std::string& path);
  ~ReportStore();
  ReportStore(const ReportStore&) = delete;
  ReportStore& operator=(const ReportStore&) = delete;

  // Stores (or replaces) the report under report["hunt_id"]; the Markdown is rendered and kept too.
  void save(const nlohmann::json& report);
  std::optional<nlohmann::json> get(const std::string& id) const;
  std::optional<std::string> get_markdown(const std::string& id) const;
  // Newest first.
  std::vector<StoredReportSummary> list(std::size_t limit = 100) const;

  // Documentation bookkeeping: returns false (and records nothing) when `fingerprint` was already
  // documented on `case_id`; true when this call claimed it. Atomic across threads and processes.
  bool claim_documentation(const std::string& case_id, const std::string& fingerprint, const std::string& hunt_id);
  // Undo a claim whose post failed, so a retry may post.
  void release_documentation(const std::string& case_id, const std::string& fingerprint);
  // The hunt id that documented `fingerprint` on `case_id`, if any.
  std::optional<std::string> documented_by(const std::string& case_id, const std::string& fingerprint) const;

  // The path the store was opened with.
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lh::skill::report
