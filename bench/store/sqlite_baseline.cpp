#include "bench/store/sqlite_baseline.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "bench/store/process_tools.hpp"

namespace lh::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct StatementCloser {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementCloser>;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

SqliteEvents::SqliteEvents(const std::filesystem::path& database) {
  std::error_code ignored;
  std::filesystem::remove(database, ignored);
  if (sqlite3_open(database.c_str(), &db_) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error(fmt::format("sqlite: cannot open '{}': {}", database.string(), message));
  }
  // A scratch database: no journal, no fsync; memory-map it so queries read the page cache directly.
  exec("PRAGMA journal_mode=OFF");
  exec("PRAGMA synchronous=OFF");
  exec("PRAGMA mmap_size=8589934592");
  exec("CREATE TABLE events(j TEXT NOT NULL)");
}

SqliteEvents::~SqliteEvents() { sqlite3_close(db_); }

void SqliteEvents::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error(fmt::format("sqlite: {}: {}", sql, message));
  }
}

SqliteCount SqliteEvents::load(const std::filesystem::path& jsonl) {
  std::unique_ptr<std::FILE, FileCloser> in(std::fopen(jsonl.c_str(), "rb"));
  if (!in) throw std::runtime_error(fmt::format("sqlite load: cannot open '{}'", jsonl.string()));
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  exec("BEGIN");
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT INTO events(j) VALUES (?1)", -1, &raw, nullptr) != SQLITE_OK) {
    throw std::runtime_error(fmt::format("sqlite: prepare insert: {}", sqlite3_errmsg(db_)));
  }
  Statement insert(raw);
  SqliteCount result;
  char* line = nullptr;
  std::size_t capacity = 0;
  ssize_t length = 0;
  while ((length = ::getline(&line, &capacity, in.get())) > 0) {
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) --length;
    if (length == 0) continue;
    sqlite3_bind_text(insert.get(), 1, line, static_cast<int>(length), SQLITE_STATIC);
    if (sqlite3_step(insert.get()) != SQLITE_DONE) {
      std::free(line);
      throw std::runtime_error(fmt::format("sqlite: insert row {}: {}", result.count + 1, sqlite3_errmsg(db_)));
    }
    sqlite3_reset(insert.get());
    ++result.count;
  }
  std::free(line);
  exec("COMMIT");
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.cpu_seconds = process_cpu_seconds() - cpu_start;
  return result;
}

SqliteCount SqliteEvents::count_where(std::string_view where) {
  const std::string sql = fmt::format("SELECT count(*) FROM events WHERE {}", where);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    throw std::runtime_error(fmt::format("sqlite: prepare '{}': {}", sql, sqlite3_errmsg(db_)));
  }
  Statement query(raw);
  SqliteCount result;
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  if (sqlite3_step(query.get()) != SQLITE_ROW) {
    throw std::runtime_error(fmt::format("sqlite: '{}': {}", sql, sqlite3_errmsg(db_)));
  }
  result.count = static_cast<std::uint64_t>(sqlite3_column_int64(query.get(), 0));
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.cpu_seconds = process_cpu_seconds() - cpu_start;
  return result;
}

}  // namespace lh::bench
