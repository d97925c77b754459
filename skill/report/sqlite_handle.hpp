// RAII for the SQLite C API as the report store uses it: one connection, statements prepared once and
// reset after every use, every failure turned into ReportStoreError naming the file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

namespace lh::skill::report::detail {

// Throws ReportStoreError("skill.report.store: <path>: <message>").
[[noreturn]] void throw_store_error(const std::string& path, const std::string& message);

struct ConnectionCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};

class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, std::string_view sql);

  // One execution: binds, steps, reads columns; the destructor resets the statement and clears its
  // bindings so the next use starts clean even after an exception.
  class Use {
   public:
    explicit Use(Statement& statement) : statement_(statement) {}
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

    Use& bind(int index, std::string_view text);
    Use& bind(int index, std::int64_t number);
    // true while a row is available; false when done.
    bool step();
    std::string text(int column) const;
    std::int64_t integer(int column) const;
    bool is_null(int column) const;

   private:
    Statement& statement_;
  };

  Use use() { return Use(*this); }

 private:
  sqlite3* db_;
  std::string path_;
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement_;
};

}  // namespace lh::skill::report::detail
