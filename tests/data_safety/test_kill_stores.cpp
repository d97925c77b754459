// The SQLite stores through kill -9 mid-write: a writer process (lh_store_writer) is killed at varied
// moments, 20 times per store, including while it creates the schema; after each kill the file passes
// PRAGMA integrity_check and holds every write the writer had acknowledged.
#include <doctest/doctest.h>

#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "siem/case_store.hpp"
#include "skill/report/report_store.hpp"
#include "tests/data_safety/support.hpp"

namespace st = lh::safety_test;

namespace {

constexpr int kKills = 20;

std::set<long> acknowledged(const std::string& output) {
  std::set<long> out;
  std::istringstream lines(output);
  std::string word;
  long n = 0;
  while (lines >> word >> n) {
    if (word == "ack") out.insert(n);
  }
  return out;
}

std::set<long> stored_reports(const std::string& db, const std::set<long>& expected) {
  lh::skill::report::ReportStore store(db);
  std::set<long> found;
  for (long n : expected) {
    const auto report = store.get("w-" + std::to_string(n));
    const auto claim = store.documented_by("case-" + std::to_string(n), "fp-" + std::to_string(n));
    if (report && report->at("hunt_fingerprint") == "fp-" + std::to_string(n) && claim) found.insert(n);
  }
  return found;
}

std::set<long> stored_comments(const std::string& db) {
  lh::siem::CaseStore store(db);
  std::set<long> found;
  for (const auto& comment : store.list_case_comments(1)) {
    std::istringstream words(comment.comment);
    std::string word;
    long n = 0;
    if (words >> word >> n && word == "comment") found.insert(n);
  }
  return found;
}

void kill_repeatedly(const std::string& kind) {
  st::TempDir dir("kill-" + kind);
  const std::string db = dir.file(kind + ".db");
  std::mt19937 prng(kind == "reports" ? 7 : 11);
  std::set<long> acked_total;
  for (int round = 0; round < kKills; ++round) {
    const long first = static_cast<long>(round) * 1'000'000;
    st::Process writer({LH_TEST_STORE_WRITER, kind, db, std::to_string(first)}, {}, dir.file("writer.log"),
                       /*pipe_stdout=*/true);
    // Every fifth kill lands within the first milliseconds (opening, creating the schema); the rest anywhere
    // in the first 150 ms of writing.
    const int delay_ms = round % 5 == 0 ? static_cast<int>(prng() % 5) : static_cast<int>(prng() % 150);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    writer.kill_hard();
    const auto acked = acknowledged(writer.read_stdout(/*until_eof=*/true));
    acked_total.insert(acked.begin(), acked.end());

    INFO("kind " << kind << ", kill " << round + 1 << " after " << delay_ms << " ms, " << acked.size()
              << " writes acknowledged this time\n" << st::read_file(dir.file("writer.log")));
    // The store opens (recovering its WAL) before the raw check, as the servers do.
    const auto found = kind == "reports" ? stored_reports(db, acked_total) : stored_comments(db);
    CHECK(st::sql_rows(db, "PRAGMA integrity_check") == std::vector<std::vector<std::string>>{{"ok"}});
    CHECK(st::sql_rows(db, "PRAGMA journal_mode") == std::vector<std::vector<std::string>>{{"wal"}});
    std::size_t missing = 0;
    for (long n : acked_total) missing += found.contains(n) ? 0 : 1;
    CHECK(missing == 0);
  }
  // The test is void if nothing was ever acknowledged.
  CHECK(acked_total.size() >= 10);
}

}  // namespace

TEST_CASE("the report store keeps every acknowledged save through 20 kill -9s") { kill_repeatedly("reports"); }

TEST_CASE("the case store keeps every acknowledged comment through 20 kill -9s") { kill_repeatedly("cases"); }
