// ReportStore: SQLite in WAL mode so that a reader (resources/read) never waits for a hunt being saved,
// and so two processes serving the same file see each other's reports and documentation claims.
#include "skill/report/report_store.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <mutex>

#include "skill/report/report.hpp"
#include "skill/report/report_json.hpp"
#include "skill/report/sqlite_handle.hpp"

namespace lh::skill::report {

namespace {

constexpr int kBusyTimeoutMs = 10'000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS reports (
  id          TEXT PRIMARY KEY,
  finished_at TEXT NOT NULL,
  status      TEXT NOT NULL,
  findings    INTEGER NOT NULL,
  title       TEXT NOT NULL,
  json        TEXT NOT NULL,
  markdown    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_by_finished_at ON reports(finished_at);
CREATE TABLE IF NOT EXISTS documentation (
  case_id     TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  hunt_id     TEXT NOT NULL,
  claimed_at  TEXT NOT NULL,
  PRIMARY KEY (case_id, fingerprint)
);
)sql";

std::string title_of(const nlohmann::json& report, std::size_t findings) {
  const std::string hypothesis = detail::str(report, "hypothesis");
  const std::string name = hypothesis.empty() ? "Lateral-movement hunt" : hypothesis;
  return name + " (" + std::to_string(findings) + (findings == 1 ? " finding)" : " findings)");
}

void exec(sqlite3* db, const std::string& path, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message != nullptr ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    detail::throw_store_error(path, text);
  }
}

detail::Connection open_connection(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  detail::Connection db(raw);
  if (rc != SQLITE_OK) {
    detail::throw_store_error(path, raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // journal_mode is the first statement to touch the file, so an unopenable path fails here.
  exec(raw, path, "PRAGMA journal_mode=WAL");
  exec(raw, path, "PRAGMA synchronous=NORMAL");
  exec(raw, path, "PRAGMA foreign_keys=ON");
  exec(raw, path, kSchema);
  return db;
}

}  // namespace

struct ReportStore::Impl {
  explicit Impl(const std::string& store_path)
      : path(store_path),
        db(open_connection(store_path)),
        upsert(db.get(), path,
               "INSERT INTO reports(id, finished_at, status, findings, title, json, markdown) "
               "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
               "ON CONFLICT(id) DO UPDATE SET finished_at=excluded.finished_at, status=excluded.status, "
               "findings=excluded.findings, title=excluded.title, json=excluded.json, "
               "markdown=excluded.markdown"),
        select_json(db.get(), path, "SELECT json FROM reports WHERE id = ?1"),
        select_markdown(db.get(), path, "SELECT markdown FROM reports WHERE id = ?1"),
        select_list(db.get(), path,
                    "SELECT id, finished_at, status, findings, title FROM reports "
                    "ORDER BY finished_at DESC, rowid DESC LIMIT ?1"),
        claim(db.get(), path,
              "INSERT OR IGNORE INTO documentation(case_id, fingerprint, hunt_id, claimed_at) "
              "VALUES(?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"),
        release(db.get(), path, "DELETE FROM documentation WHERE case_id = ?1 AND fingerprint = ?2"),
        select_claim(db.get(), path,
                     "SELECT hunt_id FROM documentation WHERE case_id = ?1 AND fingerprint = ?2") {}

  std::string path;
  detail::Connection db;
  // One connection shared by the threads of a process: statements and sqlite3_changes() are per
  // connection, so each use holds the lock from bind to the last read.
  mutable std::mutex mutex;
  detail::Statement upsert;
  detail::Statement select_json;
  detail::Statement select_markdown;
  detail::Statement select_list;
  detail::Statement claim;
  detail::Statement release;
  detail::Statement select_claim;
};

ReportStore::ReportStore(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}

ReportStore::~ReportStore() = default;

const std::string& ReportStore::path() const { return impl_->path; }

void ReportStore::save(const nlohmann::json& report) {
  const auto id = detail::opt_str(report, "hunt_id");
  if (!report.is_object() || !id || id->empty()) {
    detail::throw_store_error(impl_->path, "cannot save a report without a \"hunt_id\" string");
  }
  const std::size_t findings = detail::arr(report, "findings").size();
  // Invalid UTF-8 from the logs must not make the report unsavable.
  const std::string json_text = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string markdown = render_markdown(report);
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->upsert.use();
  use.bind(1, *id)
      .bind(2, detail::str(report, "finished_at"))
      .bind(3, detail::str(report, "status", "unknown"))
      .bind(4, static_cast<std::int64_t>(findings))
      .bind(5, title_of(report, findings))
      .bind(6, json_text)
      .bind(7, markdown);
  use.step();
}

std::optional<nlohmann::json> ReportStore::get(const std::string& id) const {
  std::string text;
  {
    std::lock_guard lock(impl_->mutex);
    auto use = impl_->select_json.use();
    use.bind(1, id);
    if (!use.step()) return std::nullopt;
    text = use.text(0);
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    detail::throw_store_error(impl_->path, "report \"" + id + "\" is not valid JSON: " + error.what());
  }
}

std::optional<std::string> ReportStore::get_markdown(const std::string& id) const {
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->select_markdown.use();
  use.bind(1, id);
  if (!use.step()) return std::nullopt;
  return use.text(0);
}

std::vector<StoredReportSummary> ReportStore::list(std::size_t limit) const {
  std::vector<StoredReportSummary> out;
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->select_list.use();
  use.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()))));
  while (use.step()) {
    StoredReportSummary summary;
    summary.id = use.text(0);
    summary.finished_at = use.text(1);
    summary.status = use.text(2);
    summary.findings = static_cast<std::size_t>(use.integer(3));
    summary.title = use.text(4);
    out.push_back(std::move(summary));
  }
  return out;
}

bool ReportStore::claim_documentation(const std::string& case_id, const std::string& fingerprint,
                                      const std::string& hunt_id) {
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->claim.use();
  use.bind(1, case_id).bind(2, fingerprint).bind(3, hunt_id);
  use.step();
  // One statement is one transaction: another connection's INSERT of the same key either committed
  // first (we change nothing) or waits for ours.
  return sqlite3_changes(impl_->db.get()) == 1;
}

void ReportStore::release_documentation(const std::string& case_id, const std::string& fingerprint) {
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->release.use();
  use.bind(1, case_id).bind(2, fingerprint);
  use.step();
}

std::optional<std::string> ReportStore::documented_by(const std::string& case_id,
                                                      const std::string& fingerprint) const {
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->select_claim.use();
  use.bind(1, case_id).bind(2, fingerprint);
  if (!use.step()) return std::nullopt;
  return use.text(0);
}

}  // namespace lh::skill::report
