#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "sample_reports.hpp"
#include "skill/report/report.hpp"
#include "skill/report/report_store.hpp"

using lh::skill::report::render_markdown;
using lh::skill::report::ReportStore;
using lh::skill::report::ReportStoreError;
using namespace lh::skill::report::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("lh_skill_report_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

json report_with(const std::string& id, const std::string& finished_at) {
  json report = full_report();
  report["hunt_id"] = id;
  report["finished_at"] = finished_at;
  return report;
}

}  // namespace

TEST_CASE("store: save, get, get_markdown, list newest first") {
  ReportStore store(":memory:");
  CHECK(store.list().empty());
  CHECK_FALSE(store.get("nope").has_value());
  CHECK_FALSE(store.get_markdown("nope").has_value());

  store.save(report_with("h-old", "2024-03-05T10:00:00.000Z"));
  store.save(report_with("h-new", "2024-03-06T10:00:00.000Z"));
  json minimal = minimal_report();
  minimal["hunt_id"] = "h-mid";
  minimal["finished_at"] = "2024-03-05T20:00:00.000Z";
  store.save(minimal);

  const auto got = store.get("h-new");
  REQUIRE(got.has_value());
  CHECK(*got == report_with("h-new", "2024-03-06T10:00:00.000Z"));
  CHECK(store.get_markdown("h-new") == render_markdown(report_with("h-new", "2024-03-06T10:00:00.000Z")));

  const auto listed = store.list();
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].id == "h-new");
  CHECK(listed[1].id == "h-mid");
  CHECK(listed[2].id == "h-old");
  CHECK(listed[0].finished_at == "2024-03-06T10:00:00.000Z");
  CHECK(listed[0].status == "complete");
  CHECK(listed[0].findings == 3);
  CHECK(listed[0].title == "An intruder on WKS07 moves to the file server with PsExec (3 findings)");
  CHECK(listed[1].title == "Lateral-movement hunt (0 findings)");
  CHECK(store.list(2).size() == 2);
}

TEST_CASE("store: saving the same hunt again replaces it") {
  ReportStore store(":memory:");
  store.save(report_with("h1", "2024-03-05T10:00:00.000Z"));
  json changed = report_with("h1", "2024-03-05T11:00:00.000Z");
  changed["status"] = "incomplete";
  store.save(changed);
  const auto listed = store.list();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].status == "incomplete");
  CHECK(store.get("h1") == changed);
  CHECK(store.get_markdown("h1")->rfind("# INCOMPLETE: lateral-movement hunt h1\n", 0) == 0);
}

TEST_CASE("store: a report without a hunt_id is refused with the store's error") {
  ReportStore store(":memory:");
  json report = minimal_report();
  report.erase("hunt_id");
  CHECK_THROWS_WITH_AS(store.save(report), "skill.report.store: :memory:: cannot save a report without a \"hunt_id\" string",
                       ReportStoreError);
}

TEST_CASE("store: invalid UTF-8 from the logs is saved, replaced by U+FFFD") {
  ReportStore store(":memory:");
  json report = minimal_report();
  report["summary"] = std::string("bad \xFF byte");
  store.save(report);
  CHECK(store.get("hunt-min")->at("summary") == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("store: reports and claims survive closing and reopening the file") {
  TempDir dir;
  const std::string path = dir.file("reports.db");
  {
    ReportStore store(path);
    store.save(report_with("h-persist", "2024-03-05T10:00:00.000Z"));
    CHECK(store.claim_documentation("CASE-1", "fp1", "h-persist"));
  }
  ReportStore reopened(path);
  CHECK(reopened.path() == path);
  CHECK(reopened.get("h-persist") == report_with("h-persist", "2024-03-05T10:00:00.000Z"));
  REQUIRE(reopened.list().size() == 1);
  CHECK(reopened.get_markdown("h-persist")->rfind("# Lateral-movement hunt h-persist: complete\n", 0) == 0);
  CHECK(reopened.documented_by("CASE-1", "fp1") == std::optional<std::string>("h-persist"));
  CHECK_FALSE(reopened.claim_documentation("CASE-1", "fp1", "h-later"));
}

TEST_CASE("store: a documentation claim is taken once; release lets a retry claim it") {
  ReportStore store(":memory:");
  CHECK_FALSE(store.documented_by("CASE-1", "fp").has_value());
  CHECK(store.claim_documentation("CASE-1", "fp", "h1"));
  CHECK_FALSE(store.claim_documentation("CASE-1", "fp", "h2"));
  CHECK(store.documented_by("CASE-1", "fp") == std::optional<std::string>("h1"));
  // Another case or another fingerprint is a different claim.
  CHECK(store.claim_documentation("CASE-2", "fp", "h1"));
  CHECK(store.claim_documentation("CASE-1", "fp-other", "h1"));
  store.release_documentation("CASE-1", "fp");
  CHECK_FALSE(store.documented_by("CASE-1", "fp").has_value());
  CHECK(store.claim_documentation("CASE-1", "fp", "h2"));
  CHECK(store.documented_by("CASE-1", "fp") == std::optional<std::string>("h2"));
  // Releasing what is not claimed is harmless.
  CHECK_NOTHROW(store.release_documentation("CASE-9", "none"));
}

TEST_CASE("store: threads racing on one claim, exactly one wins") {
  ReportStore store(":memory:");
  constexpr int kThreads = 8;
  for (int round = 0; round < 20; ++round) {
    const std::string fingerprint = "fp" + std::to_string(round);
    std::atomic<int> winners{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        if (store.claim_documentation("CASE-1", fingerprint, "h" + std::to_string(t))) ++winners;
      });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    CHECK(winners.load() == 1);
  }
}

TEST_CASE("store: two connections on one file (as two processes would), exactly one claim wins") {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  ReportStore first(path);
  ReportStore second(path);
  for (int round = 0; round < 20; ++round) {
    const std::string fingerprint = "fp" + std::to_string(round);
    std::atomic<int> winners{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        ReportStore& store = (t % 2 == 0) ? first : second;
        while (!go.load()) std::this_thread::yield();
        if (store.claim_documentation("CASE-1", fingerprint, "h" + std::to_string(t))) ++winners;
      });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    CHECK(winners.load() == 1);
  }
  // Each connection sees what the other saved.
  first.save(report_with("h-from-first", "2024-03-05T10:00:00.000Z"));
  CHECK(second.get("h-from-first").has_value());
}

TEST_CASE("store: a separate process claiming the same key loses") {
  TempDir dir;
  const std::string path = dir.file("processes.db");
  ReportStore parent(path);
  CHECK(parent.claim_documentation("CASE-1", "fp", "h-parent"));
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 3;
    try {
      ReportStore store(path);
      code = store.claim_documentation("CASE-1", "fp", "h-child") ? 1 : 0;
      if (code == 0 && !store.claim_documentation("CASE-1", "fp-child", "h-child")) code = 2;
    } catch (...) {
      code = 4;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(parent.documented_by("CASE-1", "fp-child") == std::optional<std::string>("h-child"));
}

TEST_CASE("store: a path that cannot be opened names the path") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(ReportStore(dir.path()), ("skill.report.store: " + dir.path() + ": unable to open database file").c_str(),
                       ReportStoreError);
  CHECK_THROWS_WITH_AS(ReportStore(dir.file("missing/dir/reports.db")),
                       ("skill.report.store: " + dir.file("missing/dir/reports.db") + ": unable to open database file").c_str(),
                       ReportStoreError);
}

TEST_CASE("store: a file that is not a database names the path and says so") {
  TempDir dir;
  const std::string path = dir.file("not-a-db.db");
  {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    REQUIRE(file != nullptr);
    const std::string garbage(4096, 'x');
    std::fwrite(garbage.data(), 1, garbage.size(), file);
    std::fclose(file);
  }
  CHECK_THROWS_WITH_AS(ReportStore{path}, ("skill.report.store: " + path + ": file is not a database").c_str(),
                       ReportStoreError);
}
