#include "siem/case_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "siem/time_parse.hpp"

namespace lh::siem {
namespace {

constexpr int kBusyTimeoutMs = 10000;
constexpr std::size_t kMaxPageSize = 1000;

std::string now_text() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return format_rfc3339(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS cases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  display_name TEXT NOT NULL,
  priority TEXT NOT NULL,
  status TEXT NOT NULL,
  stage TEXT NOT NULL,
  description TEXT NOT NULL,
  environment TEXT NOT NULL,
  entities TEXT NOT NULL,
  create_time TEXT NOT NULL,
  update_time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS case_comments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  comment TEXT NOT NULL,
  author TEXT NOT NULL,
  create_time TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS case_comments_by_case ON case_comments(case_id, id);
CREATE TABLE IF NOT EXISTS case_alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  name TEXT NOT NULL,
  severity TEXT NOT NULL,
  details TEXT NOT NULL,
  create_time TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS case_alerts_by_case ON case_alerts(case_id, id);
CREATE TABLE IF NOT EXISTS reference_lists (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  syntax_type TEXT NOT NULL,
  entries TEXT NOT NULL,
  create_time TEXT NOT NULL,
  update_time TEXT NOT NULL);
)sql";

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK) {
      throw CaseStoreError(fmt::format("case_store: cannot prepare statement: {}", sqlite3_errmsg(db)));
    }
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Resets and binds for a fresh execution.
  Statement& start() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    return *this;
  }
  Statement& bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  // True while a row is available.
  bool step(const char* what) {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw CaseStoreError(fmt::format("case_store: {} failed: {}", what, sqlite3_errmsg(db_)));
  }
  std::string text(int column) const {
    const auto* bytes = sqlite3_column_text(statement_, column);
    return bytes ? std::string(reinterpret_cast<const char*>(bytes),
                               static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)))
                 : std::string();
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

std::vector<std::string> parse_string_array(const std::string& text) {
  std::vector<std::string> out;
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_array()) {
    for (const auto& item : json) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

}  // namespace

struct CaseStore::Impl {
  sqlite3* db = nullptr;
  mutable std::mutex mutex;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements;

  ~Impl() {
    statements.clear();
    if (db) sqlite3_close_v2(db);
  }

  void exec(const char* sql, const char* what) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      throw CaseStoreError(fmt::format("case_store: {} failed: {}", what, text));
    }
  }

  Statement& statement(const char* sql) {
    auto it = statements.find(sql);
    if (it == statements.end()) it = statements.emplace(sql, std::make_unique<Statement>(db, sql)).first;
    return it->second->start();
  }

  // Commits on scope exit unless an exception unwinds, in which case the transaction rolls back.
  class Transaction {
   public:
    explicit Transaction(Impl& impl) : impl_(impl) { impl_.exec("BEGIN IMMEDIATE", "begin transaction"); }
    ~Transaction() {
      if (!committed_) sqlite3_exec(impl_.db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
      impl_.exec("COMMIT", "commit");
      committed_ = true;
    }

   private:
    Impl& impl_;
    bool committed_ = false;
  };

  static CaseRecord read_case(const Statement& row) {
    CaseRecord record;
    record.id = row.integer(0);
    record.fields.display_name = row.text(1);
    record.fields.priority = row.text(2);
    record.fields.status = row.text(3);
    record.fields.stage = row.text(4);
    record.fields.description = row.text(5);
    record.fields.environment = row.text(6);
    record.fields.entities = parse_string_array(row.text(7));
    record.create_time = row.text(8);
    record.update_time = row.text(9);
    return record;
  }
};

#define LH_CASE_COLUMNS "id, display_name, priority, status, stage, description, environment, entities, create_time, update_time"

CaseStore::CaseStore(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  if (path != ":memory:" && path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &impl_->db, flags, nullptr) != SQLITE_OK) {
    const std::string message = impl_->db ? sqlite3_errmsg(impl_->db) : "out of memory";
    throw CaseStoreError(fmt::format("case_store: cannot open database {}: {}", path.string(), message));
  }
  sqlite3_busy_timeout(impl_->db, kBusyTimeoutMs);
  impl_->exec("PRAGMA journal_mode=WAL", "enable WAL");
  // FULL: a comment the tool has acknowledged is on disk (WAL synced at commit), so it survives power loss
  // as well as kill -9; NORMAL would only survive the latter.
  impl_->exec("PRAGMA synchronous=FULL", "set synchronous");
  impl_->exec("PRAGMA foreign_keys=ON", "enable foreign keys");
  impl_->exec(kSchema, "create schema");
}

CaseStore::~CaseStore() = default;
CaseStore::CaseStore(CaseStore&&) noexcept = default;
CaseStore& CaseStore::operator=(CaseStore&&) noexcept = default;

std::int64_t CaseStore::create_case(const NewCase& fields) {
  std::lock_guard lock(impl_->mutex);
  Impl::Transaction transaction(*impl_);
  const std::string now = now_text();
  auto& insert = impl_->statement(
      "INSERT INTO cases (display_name, priority, status, stage, description, environment, entities, create_time, "
      "update_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
  insert.bind(1, fields.display_name).bind(2, fields.priority).bind(3, fields.status).bind(4, fields.stage);
  insert.bind(5, fields.description).bind(6, fields.environment).bind(7, nlohmann::json(fields.entities).dump());
  insert.bind(8, now);
  insert.step("create case");
  const std::int64_t id = sqlite3_last_insert_rowid(impl_->db);
  transaction.commit();
  return id;
}

std::optional<CaseRecord> CaseStore::get_case(std::int64_t case_id) const {
  std::lock_guard lock(impl_->mutex);
  auto& select = impl_->statement("SELECT " LH_CASE_COLUMNS " FROM cases WHERE id = ?1");
  select.bind(1, case_id);
  if (!select.step("get case")) return std::nullopt;
  CaseRecord record = Impl::read_case(select);
  // A statement left on a row keeps its read transaction open: this connection would go on reading that
  // snapshot (missing other processes' writes) and hold back WAL checkpoints.
  select.start();
  return record;
}

CasePage CaseStore::list_cases(std::string_view page_token, std::size_t page_size) const {
  page_size = std::clamp<std::size_t>(page_size, 1, kMaxPageSize);
  // The token is the id to continue below ("c<id>"), so pages stay stable while cases are added.
  std::int64_t below = INT64_MAX;
  if (!page_token.empty()) {
    std::int64_t value = 0;
    bool ok = page_token.size() > 1 && page_token[0] == 'c';
    for (std::size_t i = 1; ok && i < page_token.size(); ++i) {
      ok = page_token[i] >= '0' && page_token[i] <= '9' && value < INT64_MAX / 10;
      if (ok) value = value * 10 + (page_token[i] - '0');
    }
    if (!ok) throw CaseStoreError(fmt::format("case_store: invalid page token \"{}\"", page_token));
    below = value;
  }
  std::lock_guard lock(impl_->mutex);
  auto& select = impl_->statement("SELECT " LH_CASE_COLUMNS " FROM cases WHERE id < ?1 ORDER BY id DESC LIMIT ?2");
  select.bind(1, below).bind(2, static_cast<std::int64_t>(page_size + 1));
  CasePage page;
  while (select.step("list cases")) page.cases.push_back(Impl::read_case(select));
  if (page.cases.size() > page_size) {
    page.cases.pop_back();
    page.next_page_token = fmt::format("c{}", page.cases.back().id);
  }
  return page;
}

bool CaseStore::change_case_priority(std::int64_t case_id, std::string_view priority) {
  std::lock_guard lock(impl_->mutex);
  auto& update = impl_->statement("UPDATE cases SET priority = ?1, update_time = ?2 WHERE id = ?3");
  update.bind(1, priority).bind(2, now_text()).bind(3, case_id);
  update.step("change case priority");
  return sqlite3_changes(impl_->db) > 0;
}

std::optional<CaseComment> CaseStore::post_case_comment(std::int64_t case_id, std::string_view comment,
                                                        std::string_view author) {
  std::lock_guard lock(impl_->mutex);
  Impl::Transaction transaction(*impl_);
  auto& exists = impl_->statement("SELECT 1 FROM cases WHERE id = ?1");
  exists.bind(1, case_id);
  if (!exists.step("find case")) return std::nullopt;
  exists.start();
  CaseComment result{0, case_id, std::string(comment), std::string(author), now_text()};
  auto& insert =
      impl_->statement("INSERT INTO case_comments (case_id, comment, author, create_time) VALUES (?1, ?2, ?3, ?4)");
  insert.bind(1, case_id).bind(2, comment).bind(3, author).bind(4, result.create_time);
  insert.step("post case comment");
  result.id = sqlite3_last_insert_rowid(impl_->db);
  auto& touch = impl_->statement("UPDATE cases SET update_time = ?1 WHERE id = ?2");
  touch.bind(1, result.create_time).bind(2, case_id);
  touch.step("update case time");
  transaction.commit();
  return result;
}

std::vector<CaseComment> CaseStore::list_case_comments(std::int64_t case_id) const {
  std::lock_guard lock(impl_->mutex);
  auto& select = impl_->statement(
      "SELECT id, case_id, comment, author, create_time FROM case_comments WHERE case_id = ?1 ORDER BY id");
  select.bind(1, case_id);
  std::vector<CaseComment> out;
  while (select.step("list case comments")) {
    out.push_back(CaseComment{select.integer(0), select.integer(1), select.text(2), select.text(3), select.text(4)});
  }
  return out;
}

std::optional<CaseAlert> CaseStore::add_case_alert(std::int64_t case_id, std::string_view name,
                                                   std::string_view severity, const nlohmann::json& details) {
  std::lock_guard lock(impl_->mutex);
  Impl::Transaction transaction(*impl_);
  auto& exists = impl_->statement("SELECT 1 FROM cases WHERE id = ?1");
  exists.bind(1, case_id);
  if (!exists.step("find case")) return std::nullopt;
  exists.start();
  CaseAlert alert{0, case_id, std::string(name), std::string(severity), details, now_text()};
  auto& insert = impl_->statement(
      "INSERT INTO case_alerts (case_id, name, severity, details, create_time) VALUES (?1, ?2, ?3, ?4, ?5)");
  insert.bind(1, case_id).bind(2, name).bind(3, severity).bind(4, details.dump()).bind(5, alert.create_time);
  insert.step("add case alert");
  alert.id = sqlite3_last_insert_rowid(impl_->db);
  transaction.commit();
  return alert;
}

std::vector<CaseAlert> CaseStore::list_case_alerts(std::int64_t case_id) const {
  std::lock_guard lock(impl_->mutex);
  auto& select = impl_->statement(
      "SELECT id, case_id, name, severity, details, create_time FROM case_alerts WHERE case_id = ?1 ORDER BY id");
  select.bind(1, case_id);
  std::vector<CaseAlert> out;
  while (select.step("list case alerts")) {
    out.push_back(CaseAlert{select.integer(0), select.integer(1), select.text(2), select.text(3),
                            nlohmann::json::parse(select.text(4), nullptr, false), select.text(5)});
  }
  return out;
}

ReferenceList CaseStore::create_reference_list(const ReferenceList& list) {
  if (list.name.empty()) throw CaseStoreError("case_store: reference list name must not be empty");
  std::lock_guard lock(impl_->mutex);
  Impl::Transaction transaction(*impl_);
  const std::string now = now_text();
  auto& upsert = impl_->statement(
      "INSERT INTO reference_lists (name, description, syntax_type, entries, create_time, update_time) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(name) DO UPDATE SET description = excluded.description, "
      "syntax_type = excluded.syntax_type, entries = excluded.entries, update_time = excluded.update_time");
  upsert.bind(1, list.name).bind(2, list.description).bind(3, list.syntax_type);
  upsert.bind(4, nlohmann::json(list.entries).dump()).bind(5, now);
  upsert.step("create reference list");
  transaction.commit();
  auto& select = impl_->statement(
      "SELECT name, description, syntax_type, entries, create_time, update_time FROM reference_lists WHERE name = ?1");
  select.bind(1, list.name);
  ReferenceList stored = list;
  if (select.step("read reference list")) {
    stored.create_time = select.text(4);
    stored.update_time = select.text(5);
  }
  select.start();
  return stored;
}

std::optional<ReferenceList> CaseStore::get_reference_list(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  auto& select = impl_->statement(
      "SELECT name, description, syntax_type, entries, create_time, update_time FROM reference_lists WHERE name = ?1");
  select.bind(1, name);
  if (!select.step("get reference list")) return std::nullopt;
  ReferenceList list{select.text(0), select.text(1), select.text(2), parse_string_array(select.text(3)),
                     select.text(4), select.text(5)};
  select.start();
  return list;
}

std::vector<ReferenceList> CaseStore::list_reference_lists() const {
  std::lock_guard lock(impl_->mutex);
  auto& select = impl_->statement(
      "SELECT name, description, syntax_type, entries, create_time, update_time FROM reference_lists ORDER BY name");
  std::vector<ReferenceList> out;
  while (select.step("list reference lists")) {
    out.push_back(ReferenceList{select.text(0), select.text(1), select.text(2), parse_string_array(select.text(3)),
                                select.text(4), select.text(5)});
  }
  return out;
}

nlohmann::json CaseStore::to_json(const CaseRecord& record) {
  return nlohmann::json{{"id", std::to_string(record.id)},
                        {"displayName", record.fields.display_name},
                        {"priority", record.fields.priority},
                        {"status", record.fields.status},
                        {"stage", record.fields.stage},
                        {"description", record.fields.description},
                        {"environment", record.fields.environment},
                        {"entities", record.fields.entities},
                        {"createTime", record.create_time},
                        {"updateTime", record.update_time}};
}

nlohmann::json CaseStore::to_json(const CaseComment& comment) {
  return nlohmann::json{{"id", std::to_string(comment.id)},
                        {"caseId", std::to_string(comment.case_id)},
                        {"comment", comment.comment},
                        {"author", comment.author},
                        {"createTime", comment.create_time}};
}

nlohmann::json CaseStore::to_json(const CaseAlert& alert) {
  return nlohmann::json{{"id", std::to_string(alert.id)},
                        {"caseId", std::to_string(alert.case_id)},
                        {"displayName", alert.name},
                        {"severity", alert.severity},
                        {"details", alert.details},
                        {"createTime", alert.create_time}};
}

nlohmann::json CaseStore::to_json(const ReferenceList& list) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& entry : list.entries) entries.push_back({{"value", entry}});
  return nlohmann::json{{"name", list.name},
                        {"displayName", list.name},
                        {"description", list.description},
                        {"syntaxType", list.syntax_type},
                        {"entries", entries},
                        {"revisionCreateTime", list.update_time}};
}

nlohmann::json CaseStore::list_cases_json(std::string_view page_token, std::size_t page_size) const {
  const auto page = list_cases(page_token, page_size);
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& record : page.cases) cases.push_back(to_json(record));
  nlohmann::json out{{"cases", cases}};
  if (!page.next_page_token.empty()) out["nextPageToken"] = page.next_page_token;
  return out;
}

nlohmann::json CaseStore::get_case_full_details_json(std::int64_t case_id) const {
  const auto record = get_case(case_id);
  if (!record) return nlohmann::json{{"error", fmt::format("case {} not found", case_id)}};
  nlohmann::json alerts = nlohmann::json::array();
  for (const auto& alert : list_case_alerts(case_id)) alerts.push_back(to_json(alert));
  nlohmann::json comments = nlohmann::json::array();
  for (const auto& comment : list_case_comments(case_id)) comments.push_back(to_json(comment));
  return nlohmann::json{{"case_details:", to_json(*record)}, {"case_alerts", alerts}, {"case_comments", comments}};
}

}  // namespace lh::siem
