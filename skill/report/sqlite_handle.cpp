#include "skill/report/sqlite_handle.hpp"

#include "skill/report/report_store.hpp"

namespace lh::skill::report::detail {

void throw_store_error(const std::string& path, const std::string& message) {
  throw ReportStoreError("skill.report.store: " + path + ": " + message);
}

Statement::Statement(sqlite3* db, const std::string& path, std::string_view sql) : db_(db), path_(path) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &raw, nullptr);
  statement_.reset(raw);
  if (rc != SQLITE_OK) throw_store_error(path, std::string(sqlite3_errmsg(db)) + " (preparing " + std::string(sql) + ")");
}

Statement::Use::~Use() {
  sqlite3_reset(statement_.statement_.get());
  sqlite3_clear_bindings(statement_.statement_.get());
}

Statement::Use& Statement::Use::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(statement_.statement_.get(), index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    throw_store_error(statement_.path_, sqlite3_errmsg(statement_.db_));
  }
  return *this;
}

Statement::Use& Statement::Use::bind(int index, std::int64_t number) {
  if (sqlite3_bind_int64(statement_.statement_.get(), index, number) != SQLITE_OK) {
    throw_store_error(statement_.path_, sqlite3_errmsg(statement_.db_));
  }
  return *this;
}

bool Statement::Use::step() {
  const int rc = sqlite3_step(statement_.statement_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_store_error(statement_.path_, sqlite3_errmsg(statement_.db_));
}

std::string Statement::Use::text(int column) const {
  const auto* bytes = sqlite3_column_text(statement_.statement_.get(), column);
  const int size = sqlite3_column_bytes(statement_.statement_.get(), column);
  return bytes == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
}

std::int64_t Statement::Use::integer(int column) const {
  return sqlite3_column_int64(statement_.statement_.get(), column);
}

bool Statement::Use::is_null(int column) const {
  return sqlite3_column_type(statement_.statement_.get(), column) == SQLITE_NULL;
}

}  // namespace lh::skill::report::detail
