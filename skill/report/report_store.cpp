// ReportStore: SQLite in WAL mode so that a reader (resources/read) never waits for a hunt being saved,
// and so two processes serving the same file see each other's reports and documentation claims.
#include "skill/report/report_store.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>
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

// Columns added after the first release; a store created before them gets them on open.
struct AddedColumn {
  const char* table;
  const char* column;
  const char* definition;
};
// Claims made before "state" existed were only ever kept after a post, so they read as posted.
constexpr AddedColumn kAddedColumns[] = {
    {"reports", "owner_pid", "INTEGER NOT NULL DEFAULT 0"},
    {"documentation", "state", "TEXT NOT NULL DEFAULT 'posted'"},
    {"documentation", "owner", "TEXT NOT NULL DEFAULT ''"},
    {"documentation", "attempted_ms", "INTEGER NOT NULL DEFAULT 0"},
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string utc_now_text() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

bool process_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// The pid a token "<pid>:<sequence>" names, 0 when malformed.
long owner_pid(const std::string& owner) {
  long pid = 0;
  const auto colon = owner.find(':');
  const auto end = colon == std::string::npos ? owner.size() : colon;
  const auto [ptr, error] = std::from_chars(owner.data(), owner.data() + end, pid);
  if (error != std::errc() || ptr != owner.data() + end) return 0;
  return pid;
}

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
  // FULL: a commit is on disk before save() returns, so a report handed to a caller (or a claim the
  // caller acted on) survives power loss as well as kill -9; saves are a few per hunt, so the sync is cheap.
  exec(raw, path, "PRAGMA synchronous=FULL");
  exec(raw, path, "PRAGMA foreign_keys=ON");
  exec(raw, path, kSchema);
  for (const auto& added : kAddedColumns) {
    bool present = false;
    {
      detail::Statement info(raw, path, std::string("PRAGMA table_info(") + added.table + ")");
      auto use = info.use();
      while (use.step()) present = present || use.text(1) == added.column;
    }
    if (!present) {
      const std::string alter =
          std::string("ALTER TABLE ") + added.table + " ADD COLUMN " + added.column + " " + added.definition;
      char* message = nullptr;
      // Another process may have added it between our check and now.
      if (sqlite3_exec(raw, alter.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message != nullptr ? message : sqlite3_errmsg(raw);
        sqlite3_free(message);
        if (text.find("duplicate column") == std::string::npos) detail::throw_store_error(path, text);
      }
    }
  }
  return db;
}

std::string interrupted_summary(long pid) {
  return "INTERRUPTED: the lateral-hunt process (pid " + std::to_string(pid) +
         ") stopped while this hunt was running (crash, kill or power loss); its results were not saved. "
         "Run the hunt again.";
}

}  // namespace

struct ReportStore::Impl {
  explicit Impl(const std::string& store_path)
      : path(store_path),
        db(open_connection(store_path)),
        upsert(db.get(), path,
               "INSERT INTO reports(id, finished_at, status, findings, title, json, markdown, owner_pid) "
               "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
               "ON CONFLICT(id) DO UPDATE SET finished_at=excluded.finished_at, status=excluded.status, "
               "findings=excluded.findings, title=excluded.title, json=excluded.json, "
               "markdown=excluded.markdown, owner_pid=excluded.owner_pid"),
        select_json(db.get(), path, "SELECT json FROM reports WHERE id = ?1"),
        select_markdown(db.get(), path, "SELECT markdown FROM reports WHERE id = ?1"),
        select_list(db.get(), path,
                    "SELECT id, finished_at, status, findings, title FROM reports "
                    "ORDER BY finished_at DESC, rowid DESC LIMIT ?1"),
        claim(db.get(), path,
              "INSERT OR IGNORE INTO documentation(case_id, fingerprint, hunt_id, claimed_at, state, owner, "
              "attempted_ms) VALUES(?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'posting', ?4, ?5)"),
        release(db.get(), path, "DELETE FROM documentation WHERE case_id = ?1 AND fingerprint = ?2"),
        release_owned(db.get(), path,
                      "DELETE FROM documentation WHERE case_id = ?1 AND fingerprint = ?2 AND owner = ?3"),
        select_claim(db.get(), path,
                     "SELECT hunt_id, state, owner, claimed_at, attempted_ms FROM documentation "
                     "WHERE case_id = ?1 AND fingerprint = ?2"),
        set_state(db.get(), path,
                  "UPDATE documentation SET state = ?4, "
                  "attempted_ms = CASE WHEN ?5 THEN ?6 ELSE attempted_ms END, "
                  "claimed_at = CASE WHEN ?5 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE claimed_at END "
                  "WHERE case_id = ?1 AND fingerprint = ?2 AND owner = ?3"),
        take_over(db.get(), path,
                  "UPDATE documentation SET state = 'posting', owner = ?5, hunt_id = ?6, attempted_ms = ?7, "
                  "claimed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                  "WHERE case_id = ?1 AND fingerprint = ?2 AND owner = ?3 AND attempted_ms = ?4 AND state <> 'posted'"),
        select_running(db.get(), path, "SELECT id, owner_pid, json FROM reports WHERE status = 'running'"),
        mark_interrupted(db.get(), path,
                         "UPDATE reports SET status = 'interrupted', json = ?2, markdown = ?3, finished_at = ?4 "
                         "WHERE id = ?1 AND status = 'running' AND owner_pid = ?5") {}

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
  detail::Statement release_owned;
  detail::Statement select_claim;
  detail::Statement set_state;
  detail::Statement take_over;
  detail::Statement select_running;
  detail::Statement mark_interrupted;
};

std::string documentation_owner_token() {
  static std::atomic<std::uint64_t> sequence{0};
  return std::to_string(::getpid()) + ":" + std::to_string(++sequence);
}

bool documentation_owner_alive(const std::string& owner) { return process_alive(owner_pid(owner)); }

ReportStore::ReportStore(const std::string& path) : impl_(std::make_unique<Impl>(path)) { recover_interrupted(); }

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
      .bind(7, markdown)
      .bind(8, static_cast<std::int64_t>(::getpid()));
  use.step();
}

std::size_t ReportStore::recover_interrupted() {
  struct Running {
    std::string id;
    long pid = 0;
    std::string json;
  };
  std::vector<Running> stale;
  {
    std::lock_guard lock(impl_->mutex);
    auto use = impl_->select_running.use();
    while (use.step()) {
      Running running{use.text(0), static_cast<long>(use.integer(1)), use.text(2)};
      // Our own running hunts are alive by definition; a live process on the same file keeps its own.
      if (running.pid != ::getpid() && !process_alive(running.pid)) stale.push_back(std::move(running));
    }
  }
  std::size_t marked = 0;
  for (auto& running : stale) {
    nlohmann::json report = nlohmann::json::parse(running.json, nullptr, false);
    if (!report.is_object()) report = nlohmann::json{{"hunt_id", running.id}};
    const std::string detected_at = utc_now_text();
    report["status"] = "incomplete";
    report["finished_at"] = detected_at;
    report["interrupted"] = {{"detected_at", detected_at},
                             {"pid", running.pid},
                             {"reason", "the lateral-hunt process stopped while the hunt was running (crash, kill "
                                        "or power loss); its results were not saved"}};
    report["summary"] = interrupted_summary(running.pid);
    const std::string json_text = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string markdown = render_markdown(report);
    std::lock_guard lock(impl_->mutex);
    auto use = impl_->mark_interrupted.use();
    use.bind(1, running.id).bind(2, json_text).bind(3, markdown).bind(4, detected_at)
        .bind(5, static_cast<std::int64_t>(running.pid));
    use.step();
    if (sqlite3_changes(impl_->db.get()) == 1) ++marked;
  }
  return marked;
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
  return claim_documentation(case_id, fingerprint, hunt_id, documentation_owner_token());
}

bool ReportStore::claim_documentation(const std::string& case_id, const std::string& fingerprint,
                                      const std::string& hunt_id, const std::string& owner) {
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->claim.use();
  use.bind(1, case_id).bind(2, fingerprint).bind(3, hunt_id).bind(4, owner).bind(5, now_ms());
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
  const auto claim = documentation_claim(case_id, fingerprint);
  if (!claim) return std::nullopt;
  return claim->hunt_id;
}

std::optional<DocumentationClaim> ReportStore::documentation_claim(const std::string& case_id,
                                                                   const std::string& fingerprint) const {
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->select_claim.use();
  use.bind(1, case_id).bind(2, fingerprint);
  if (!use.step()) return std::nullopt;
  return DocumentationClaim{use.text(0), use.text(1), use.text(2), use.text(3), use.integer(4)};
}

bool ReportStore::set_documentation_state(const std::string& case_id, const std::string& fingerprint,
                                          const std::string& owner, const std::string& state, bool touch) {
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->set_state.use();
  use.bind(1, case_id).bind(2, fingerprint).bind(3, owner).bind(4, state).bind(5, std::int64_t{touch ? 1 : 0})
      .bind(6, now_ms());
  use.step();
  return sqlite3_changes(impl_->db.get()) == 1;
}

void ReportStore::release_documentation(const std::string& case_id, const std::string& fingerprint,
                                        const std::string& owner) {
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->release_owned.use();
  use.bind(1, case_id).bind(2, fingerprint).bind(3, owner);
  use.step();
}

bool ReportStore::take_over_documentation(const std::string& case_id, const std::string& fingerprint,
                                          const DocumentationClaim& previous, const std::string& hunt_id,
                                          const std::string& owner) {
  std::lock_guard lock(impl_->mutex);
  auto use = impl_->take_over.use();
  use.bind(1, case_id).bind(2, fingerprint).bind(3, previous.owner).bind(4, previous.attempted_at_ms)
      .bind(5, owner).bind(6, hunt_id).bind(7, now_ms());
  use.step();
  return sqlite3_changes(impl_->db.get()) == 1;
}

}  // namespace lh::skill::report
