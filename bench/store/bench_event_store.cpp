// bench_event_store: the event store's ingest speed, peak memory and hunt-query latency on one JSON-lines
// file, each beside a baseline measured in the same run (simdjson parse-only; SQLite JSON functions; jq).
// Prints a Markdown report on stdout, progress on stderr. Figures are reported, never asserted.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/store/hunt_queries.hpp"
#include "bench/store/ingest_measure.hpp"
#include "bench/store/jq_baseline.hpp"
#include "bench/store/process_tools.hpp"
#include "bench/store/sqlite_baseline.hpp"
#include "siem/event_store.hpp"
#include "udm/query_compiler.hpp"
#include "udm/query_error.hpp"

namespace {

using namespace lh::bench;
using Clock = std::chrono::steady_clock;

constexpr double kIngestTarget = 0.2;     // ours >= 1/5 of simdjson's parse speed
constexpr double kRssTarget = 0.6;        // peak RSS <= 0.6 x input size
constexpr double kLatencyTargetMs = 200;  // each hunt query <= 200 ms
constexpr double kSpeedupTarget = 20;     // >= 20x faster than SQLite and than jq

struct Options {
  std::filesystem::path data;
  std::filesystem::path work = "/tmp/lh-store-bench";
  unsigned ingest_runs = 3;
  unsigned query_runs = 7;
  unsigned load_threads = 2;
  unsigned jq_parallel = 1;
  bool sqlite = true;
  bool jq = true;
  std::string jq_path = "jq";
  std::string self;
};

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

const char* yes_no(bool met) { return met ? "yes" : "**NO**"; }

std::string mib(std::uint64_t bytes) { return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1 << 20)); }

IngestSample run_child(const Options& options, const char* mode) {
  std::string output;
  const auto outcome = run_process(
      {options.self, mode, options.data.string(), "--threads", std::to_string(options.load_threads)},
      [&](std::string_view chunk) { output.append(chunk); });
  const auto sample = from_line(output);
  if (outcome.exit_code != 0 || !sample) {
    throw std::runtime_error(
        fmt::format("child '{}' failed (exit {}), output: {}", mode, outcome.exit_code, output));
  }
  return *sample;
}

struct QueryFigures {
  const HuntQuery* query = nullptr;
  std::uint64_t hits = 0;
  double p50_ms = 0;
  double cpu_p50_ms = 0;
  double first_page_p50_ms = 0;  // search_udm, first 100 events rendered as JSON
  std::optional<SqliteCount> sqlite;
  std::optional<JqCount> jq;
  std::string error;
};

int run_benchmark(const Options& options) {
  std::error_code ec;
  const auto input_bytes = std::filesystem::file_size(options.data, ec);
  if (ec) {
    fmt::print(stderr, "bench_event_store: cannot read --data '{}': {}\n", options.data.string(), ec.message());
    return 2;
  }
  std::filesystem::create_directories(options.work, ec);
  const auto machine = machine_info();
  const std::string started = utc_now_text();
  std::vector<std::string> load_log{fmt::format("start {}", machine.load_average)};
  fmt::print(stderr, "bench_event_store: {} ({} bytes), load average {}\n", options.data.string(), input_bytes,
             machine.load_average);

  // ---- 1 and 2: ingest speed and peak RSS, each run in a fresh process, ours and simdjson interleaved.
  std::vector<IngestSample> ours_runs, simd_runs;
  for (unsigned run = 0; run < options.ingest_runs; ++run) {
    simd_runs.push_back(run_child(options, "--child-simdjson"));
    fmt::print(stderr, "  ingest run {}: simdjson {:.2f} s", run + 1, simd_runs.back().seconds);
    ours_runs.push_back(run_child(options, "--child-load"));
    fmt::print(stderr, ", EventStore::load {:.2f} s, peak RSS {} KiB\n", ours_runs.back().seconds,
               ours_runs.back().peak_rss_kib);
  }
  load_log.push_back(fmt::format("after ingest {}", current_load_average()));
  auto seconds_of = [](const std::vector<IngestSample>& runs) {
    std::vector<double> values;
    for (const auto& run : runs) values.push_back(run.seconds);
    return median(values);
  };
  if (ours_runs.empty()) {
    // --ingest-runs 0 (profiling the queries): one load outside the figures gives the event count.
    ours_runs.push_back(IngestSample{});
    simd_runs.push_back(IngestSample{});
  }
  const double ours_s = seconds_of(ours_runs);
  const double simd_s = seconds_of(simd_runs);
  std::uint64_t events = ours_runs.front().events;
  const double megabytes = static_cast<double>(input_bytes) / 1e6;
  std::uint64_t ours_rss_kib = 0, simd_rss_kib = 0;
  for (const auto& run : ours_runs) ours_rss_kib = std::max(ours_rss_kib, run.peak_rss_kib);
  for (const auto& run : simd_runs) simd_rss_kib = std::max(simd_rss_kib, run.peak_rss_kib);

  // ---- 3: hunt queries on one loaded store.
  fmt::print(stderr, "  loading the store for the queries\n");
  lh::siem::EventStore store;
  lh::siem::LoadOptions load_options;
  load_options.threads = options.load_threads;
  (void)store.load({options.data}, load_options);
  if (events == 0) events = store.size();
  const auto memory = store.memory_breakdown();
  const std::size_t distinct_strings = store.distinct_strings();
  const double span_hours =
      store.oldest_us() ? static_cast<double>(*store.newest_us() - *store.oldest_us()) / 3.6e9 + 1 : 1;
  std::vector<QueryFigures> figures;
  for (const auto& query : hunt_queries()) {
    QueryFigures figure;
    figure.query = &query;
    try {
      std::vector<double> full_ms, cpu_ms, page_ms;
      for (unsigned run = 0; run < options.query_runs; ++run) {
        const double cpu_start = process_cpu_seconds();
        const auto start = Clock::now();
        const auto compiled = lh::udm::compile_query(query.udm);
        const auto result = store.search(compiled, lh::siem::TimeRange{}, SIZE_MAX);
        full_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        cpu_ms.push_back((process_cpu_seconds() - cpu_start) * 1e3);
        figure.hits = result.events.size();

        lh::siem::SearchRequest request;
        request.query = std::string(query.udm);
        request.hours_back = span_hours;
        request.max_events = 100;
        const auto page_start = Clock::now();
        const auto page = store.search_udm(request);
        page_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - page_start).count());
        if (page.contains("error")) throw std::runtime_error(page["error"].get<std::string>());
      }
      figure.p50_ms = median(full_ms);
      figure.cpu_p50_ms = median(cpu_ms);
      figure.first_page_p50_ms = median(page_ms);
      fmt::print(stderr, "  ours  {:<42} {:>8} hits  p50 {:8.2f} ms (CPU {:.2f} ms)\n", query.name, figure.hits,
                 figure.p50_ms, figure.cpu_p50_ms);
    } catch (const std::exception& error) {
      figure.error = error.what();
      fmt::print(stderr, "  ours  {:<42} ERROR {}\n", query.name, figure.error);
    }
    figures.push_back(std::move(figure));
  }
  load_log.push_back(fmt::format("after ours {}", current_load_average()));

  // ---- 3a: SQLite JSON functions.
  std::optional<SqliteCount> sqlite_load;
  if (options.sqlite) {
    SqliteEvents sqlite(options.work / "events.sqlite");
    fmt::print(stderr, "  loading SQLite\n");
    sqlite_load = sqlite.load(options.data);
    fmt::print(stderr, "  SQLite load {:.1f} s, {} rows\n", sqlite_load->seconds, sqlite_load->count);
    for (auto& figure : figures) {
      try {
        figure.sqlite = sqlite.count_where(figure.query->sql_where);
        fmt::print(stderr, "  sqlite {:<41} {:>8} hits  {:8.0f} ms (CPU {:.0f} ms)\n", figure.query->name,
                   figure.sqlite->count, figure.sqlite->seconds * 1e3, figure.sqlite->cpu_seconds * 1e3);
      } catch (const std::exception& error) {
        fmt::print(stderr, "  sqlite {:<41} ERROR {}\n", figure.query->name, error.what());
      }
    }
    load_log.push_back(fmt::format("after SQLite {}", current_load_average()));
  }
  std::error_code ignored;
  std::filesystem::remove(options.work / "events.sqlite", ignored);

  // ---- 3b: jq, once per query.
  if (options.jq) {
    // Several jq processes may run at once (--jq-parallel) on a machine shared with others; their CPU times,
    // which the ratios use, do not depend on that.
    std::atomic<std::size_t> next{0};
    std::mutex print_mutex;
    auto worker = [&] {
      for (std::size_t i = next++; i < figures.size(); i = next++) {
        auto& figure = figures[i];
        figure.jq = jq_count(options.jq_path, *figure.query, options.data);
        const std::lock_guard lock(print_mutex);
        fmt::print(stderr, "  jq    {:<42} {:>8} hits  {:8.0f} ms (CPU {:.0f} ms){}\n", figure.query->name,
                   figure.jq->count, figure.jq->seconds * 1e3, figure.jq->cpu_seconds * 1e3,
                   figure.jq->ok ? "" : "  (jq FAILED)");
      }
    };
    {
      std::vector<std::jthread> workers;
      for (unsigned w = 1; w < std::max(1u, options.jq_parallel); ++w) workers.emplace_back(worker);
      worker();
    }
    load_log.push_back(fmt::format("after jq {}", current_load_average()));
  }

  // ---- Report.
  fmt::print("## Event store benchmark\n\n");
  fmt::print("- date: {} (run started), finished {}\n", started, utc_now_text());
  fmt::print("- machine: {} cores, {}, {:.1f} GiB RAM\n", machine.cores, machine.cpu_model,
             static_cast<double>(machine.memory_kib) / (1 << 20));
  fmt::print("- load average (1/5/15 min): {}\n", fmt::join(load_log, "; "));
  fmt::print("- data: `{}`, {} bytes ({:.2f} GB), {} events; load threads {}\n", options.data.filename().string(),
             input_bytes, megabytes / 1e3, events, options.load_threads);
  fmt::print("- every figure has a wall-clock and a CPU-time (user + system, all threads) version; on a shared, "
             "loaded machine the CPU-time ratios are the stable ones.\n\n");

  fmt::print("### 1. Ingest speed (median of {} runs, each in a fresh process)\n\n", options.ingest_runs);
  auto cpu_of = [](const std::vector<IngestSample>& runs) {
    std::vector<double> values;
    for (const auto& run : runs) values.push_back(run.cpu_seconds);
    return median(values);
  };
  const double ours_cpu = cpu_of(ours_runs);
  const double simd_cpu = cpu_of(simd_runs);
  const double ratio = simd_s / ours_s;
  const double cpu_ratio = simd_cpu / ours_cpu;
  fmt::print("| measure | ours: EventStore::load | simdjson On-Demand, parse only | ours / simdjson | target | met |\n");
  fmt::print("|---|---:|---:|---:|---:|---|\n");
  fmt::print("| wall seconds | {:.2f} | {:.2f} | | | |\n", ours_s, simd_s);
  fmt::print("| MB/s (wall) | {:.1f} | {:.1f} | {:.3f} | ≥ {:.2f} | {} |\n", megabytes / ours_s, megabytes / simd_s, ratio,
             kIngestTarget, yes_no(ratio >= kIngestTarget));
  fmt::print("| events/s (wall) | {:.0f} | {:.0f} | {:.3f} | ≥ {:.2f} | {} |\n", static_cast<double>(events) / ours_s,
             static_cast<double>(simd_runs.front().events) / simd_s, ratio, kIngestTarget,
             yes_no(ratio >= kIngestTarget));
  fmt::print("| CPU seconds | {:.2f} | {:.2f} | | | |\n", ours_cpu, simd_cpu);
  fmt::print("| MB per CPU-second | {:.1f} | {:.1f} | {:.3f} | (none) | |\n\n", megabytes / ours_cpu,
             megabytes / simd_cpu, cpu_ratio);
  fmt::print("simdjson figures exclude reading the file ({:.2f} s); ours include it. simdjson counted {} documents.\n",
             simd_runs.front().read_seconds, simd_runs.front().events);
  fmt::print("The target is on speed, by the wall clock: EventStore::load reads, normalises and indexes on {} "
             "threads, the simdjson baseline parses on one; per CPU-second the ratio is the last row's.\n\n",
             options.load_threads);

  fmt::print("### 2. Peak RSS of the loading process\n\n");
  const double rss_ratio = static_cast<double>(ours_rss_kib) * 1024 / static_cast<double>(input_bytes);
  fmt::print("| input | ours: peak RSS (VmHWM) | RSS / input | target | met | store memory_bytes() | simdjson process peak |\n");
  fmt::print("|---:|---:|---:|---:|---|---:|---:|\n");
  fmt::print("| {} | {} | {:.3f} | ≤ {:.1f} | {} | {} | {} |\n\n", mib(input_bytes), mib(ours_rss_kib * 1024),
             rss_ratio, kRssTarget, yes_no(rss_ratio <= kRssTarget), mib(ours_runs.front().store_bytes),
             mib(simd_rss_kib * 1024));
  fmt::print("Store memory by structure (the query process's store; {} distinct strings, {} events):\n\n", distinct_strings,
             store.size());
  fmt::print("| structure | MiB | bytes per event |\n|---|---:|---:|\n");
  for (const auto& [name, bytes] : memory) {
    fmt::print("| {} | {:.1f} | {:.1f} |\n", name, static_cast<double>(bytes) / (1 << 20),
               static_cast<double>(bytes) / static_cast<double>(std::max<std::size_t>(store.size(), 1)));
  }
  fmt::print("\n");

  fmt::print("### 3. Hunt queries over the whole time range\n\n");
  fmt::print("ours = compile + search returning every match (p50 of {} runs); \"first 100\" = search_udm with "
             "max_events 100, JSON rendered. SQLite: `SELECT count(*) ... WHERE json_extract(...)` over the raw "
             "lines, one run (table load {}, not in the query times). jq: `jq -c 'select(...)'`, one pass per query. "
             "Ratios are baseline / ours as wall, CPU.\n\n",
             options.query_runs,
             sqlite_load ? fmt::format("{:.1f} s wall, {:.1f} s CPU", sqlite_load->seconds, sqlite_load->cpu_seconds)
                         : std::string("n/a"));
  fmt::print("| query | hits ours | hits SQLite | hits jq | counts agree | ours p50 ms wall / CPU | first 100 ms | "
             "SQLite ms wall / CPU | jq ms wall / CPU | SQLite / ours | jq / ours | ≤ {:.0f} ms wall / CPU | "
             "≥ {:.0f}× both (CPU) |\n",
             kLatencyTargetMs, kSpeedupTarget);
  fmt::print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|\n");
  bool any_mismatch = false;
  for (const auto& figure : figures) {
    if (!figure.error.empty()) {
      fmt::print("| {} | ERROR: {} | | | | | | | | | | | |\n", figure.query->name, figure.error);
      continue;
    }
    bool agree = true;
    if (figure.sqlite && figure.sqlite->count != figure.hits) agree = false;
    if (figure.jq && (!figure.jq->ok || figure.jq->count != figure.hits)) agree = false;
    if (options.sqlite && !figure.sqlite) agree = false;
    any_mismatch = any_mismatch || !agree;
    const double ours_ms = std::max(figure.p50_ms, 1e-3);
    const double ours_cpu_ms = std::max(figure.cpu_p50_ms, 1e-3);
    auto pair = [](double wall, double cpu) { return fmt::format("{:.0f} / {:.0f}", wall, cpu); };
    auto ratios = [&](double wall_ms, double cpu_ms) {
      return fmt::format("{:.0f}× / {:.0f}×", wall_ms / ours_ms, cpu_ms / ours_cpu_ms);
    };
    bool fast_enough = true;
    std::string sqlite_cell = "-", sqlite_ratio = "-", jq_cell = "-", jq_ratio = "-";
    if (figure.sqlite) {
      const double wall = figure.sqlite->seconds * 1e3, cpu = figure.sqlite->cpu_seconds * 1e3;
      sqlite_cell = pair(wall, cpu);
      sqlite_ratio = ratios(wall, cpu);
      fast_enough = fast_enough && cpu / ours_cpu_ms >= kSpeedupTarget;
    }
    if (figure.jq) {
      const double wall = figure.jq->seconds * 1e3, cpu = figure.jq->cpu_seconds * 1e3;
      jq_cell = pair(wall, cpu);
      jq_ratio = ratios(wall, cpu);
      fast_enough = fast_enough && cpu / ours_cpu_ms >= kSpeedupTarget;
    }
    fmt::print("| {} | {} | {} | {} | {} | {:.1f} / {:.1f} | {:.1f} | {} | {} | {} | {} | {} / {} | {} |\n",
               figure.query->name, figure.hits, figure.sqlite ? std::to_string(figure.sqlite->count) : "-",
               figure.jq ? (figure.jq->ok ? std::to_string(figure.jq->count) : std::string("jq failed")) : "-",
               agree ? "yes" : "**MISMATCH**", figure.p50_ms, figure.cpu_p50_ms, figure.first_page_p50_ms,
               sqlite_cell, jq_cell, sqlite_ratio, jq_ratio, yes_no(figure.p50_ms <= kLatencyTargetMs),
               yes_no(figure.cpu_p50_ms <= kLatencyTargetMs),
               figure.sqlite || figure.jq ? yes_no(fast_enough) : "-");
  }
  fmt::print("\n");
  if (any_mismatch) {
    fmt::print(stderr, "bench_event_store: HIT COUNT MISMATCH between ours, SQLite and jq (see the table)\n");
    fmt::print("**Hit counts disagree for at least one query: a bug on one side; see the table.**\n\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Event store benchmark: ingest speed vs simdjson, peak RSS vs input, hunt-query latency vs SQLite and jq"};
  Options options;
  std::string child_load, child_simdjson;
  bool list_queries = false;
  app.add_option("--data", options.data, "JSON-lines file to load (e.g. from lh-demo-gen)");
  app.add_option("--work", options.work, "scratch directory (the SQLite database)")->capture_default_str();
  app.add_option("--ingest-runs", options.ingest_runs, "fresh-process runs per ingest measurement")->capture_default_str();
  app.add_option("--query-runs", options.query_runs, "runs per query for our p50")->capture_default_str();
  app.add_option("--threads", options.load_threads, "LoadOptions::threads")->capture_default_str();
  app.add_option("--jq", options.jq_path, "jq program")->capture_default_str();
  app.add_option("--jq-parallel", options.jq_parallel, "jq processes run at once (each query still one jq pass)")
      ->capture_default_str();
  app.add_flag("!--no-sqlite", options.sqlite, "skip the SQLite comparison");
  app.add_flag("!--no-jq", options.jq, "skip the jq comparison");
  app.add_flag("--list-queries", list_queries, "print every query as UDM, SQL and jq, then exit");
  app.add_option("--child-load", child_load, "internal: time EventStore::load of this file, print one line")
      ->group("");
  app.add_option("--child-simdjson", child_simdjson, "internal: time simdjson parsing this file, print one line")
      ->group("");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!child_load.empty()) {
      fmt::print("{}", to_line(measure_store_load(child_load, options.load_threads)));
      return 0;
    }
    if (!child_simdjson.empty()) {
      fmt::print("{}", to_line(measure_simdjson_parse(child_simdjson)));
      return 0;
    }
    if (list_queries) {
      for (const auto& query : hunt_queries()) {
        fmt::print("## {}\nUDM:    {}\nSQLite: SELECT count(*) FROM events WHERE {}\njq:     {}\n\n", query.name,
                   query.udm, query.sql_where, jq_program(query));
      }
      return 0;
    }
    if (options.data.empty()) {
      fmt::print(stderr, "bench_event_store: --data FILE is required\n");
      return 2;
    }
    options.self = std::filesystem::read_symlink("/proc/self/exe").string();
    return run_benchmark(options);
  } catch (const std::exception& error) {
    fmt::print(stderr, "bench_event_store: error: {}\n", error.what());
    return 1;
  }
}
