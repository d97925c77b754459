// Past hunt reports kept in SQLite across restarts (WAL, one row per hunt), for hunt://reports/{id} and
// for "never document the same hunt twice" (the documented case and fingerprint are kept with the report).
//
// Durability: every save is one transaction committed with synchronous=FULL before save() returns, so a
// report a caller has been handed survives kill -9 and power loss. A hunt is saved as "running" when it
// starts; a running report whose process is gone (crash, kill -9) is marked interrupted the next time a
// store is opened on the file, so a crash mid-hunt leaves a report saying so rather than nothing.
#pragma once

#include <cstddef>
#include <cstdint>
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

// Where a post of a report on a case stands. "posting": a call holds the claim and is posting now;
// "posted": the upstream acknowledged the comment; "unknown": the post was sent but its answer never came
// (timeout, connection lost), so the comment may or may not exist.
struct DocumentationClaim {
  std::string hunt_id;
  std::string state;
  std::string owner;       // the claiming call's token (see documentation_owner_token)
  std::string claimed_at;  // RFC 3339 UTC of the latest attempt
  std::int64_t attempted_at_ms = 0;  // the same as Unix milliseconds
};

// A token naming one documentation attempt of this process: "<pid>:<sequence>".
std::string documentation_owner_token();
// Whether the process that made `owner` still runs (on this machine); false for a malformed token.
bool documentation_owner_alive(const std::string& owner);

class ReportStore {
 public:
  // ":memory:" for a store that dies with the process. Creates the file and schema when missing.
  explicit ReportStore(const std::string& path);
  ~ReportStore();
  ReportStore(const ReportStore&) = delete;
  ReportStore& operator=(const ReportStore&) = delete;

  // Stores (or replaces) the report under report["hunt_id"]; the Markdown is rendered and kept too.
  // Committed (and synced) when it returns. A report whose "status" is "running" is a journal entry of a
  // hunt in progress, owned by this process.
  void save(const nlohmann::json& report);
  // Marks the running reports of processes that no longer run as interrupted (the JSON keeps its status
  // "incomplete" with an "interrupted" object saying why; the listing's status is "interrupted").
  // Called when the store is opened; returns how many were marked.
  std::size_t recover_interrupted();
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

  // The claim protocol document_hunt uses (every step one atomic statement, across processes):
  // claim as `owner` in state "posting"; false when any claim exists.
  bool claim_documentation(const std::string& case_id, const std::string& fingerprint, const std::string& hunt_id,
                           const std::string& owner);
  std::optional<DocumentationClaim> documentation_claim(const std::string& case_id, const std::string& fingerprint) const;
  // Sets the state of a claim `owner` holds (the attempt time too when `touch`); false when it does not hold it.
  bool set_documentation_state(const std::string& case_id, const std::string& fingerprint, const std::string& owner,
                               const std::string& state, bool touch = false);
  // Releases the claim only while `owner` holds it.
  void release_documentation(const std::string& case_id, const std::string& fingerprint, const std::string& owner);
  // Takes over `previous` (a stale or unanswered claim) as `owner` in state "posting"; false when the
  // claim changed since `previous` was read (someone else took it over or finished it).
  bool take_over_documentation(const std::string& case_id, const std::string& fingerprint,
                               const DocumentationClaim& previous, const std::string& hunt_id, const std::string& owner);

  // The path the store was opened with.
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lh::skill::report
