#pragma once
// The SQLite side of the query comparison: every JSON line of the data file as one TEXT row, queried with
// SQLite's JSON functions (json_extract), no indexes (a hunt's filters are ad hoc).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

struct sqlite3;

namespace lh::bench {

struct SqliteCount {
  double seconds = 0;
  double cpu_seconds = 0;
  std::uint64_t count = 0;
};

class SqliteEvents {
 public:
  // Creates (or truncates) the database file.
  explicit SqliteEvents(const std::filesystem::path& database);
  ~SqliteEvents();
  SqliteEvents(const SqliteEvents&) = delete;
  SqliteEvents& operator=(const SqliteEvents&) = delete;

  // Inserts every non-blank line of `jsonl` into events(j) in one transaction; returns the seconds taken
  // and the rows inserted.
  SqliteCount load(const std::filesystem::path& jsonl);
  // SELECT count(*) FROM events WHERE <where>. Throws std::runtime_error with SQLite's message.
  SqliteCount count_where(std::string_view where);

 private:
  void exec(const char* sql);
  sqlite3* db_ = nullptr;
};

}  // namespace lh::bench
