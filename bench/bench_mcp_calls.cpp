// bench_mcp_calls: throughput and latency of a trivial `tools/call` (echo) against our server and the
// official TypeScript SDK server, over stdio and Streamable HTTP, with the same load generator, in one
// run. Prints a Markdown table on stdout; progress and server failures go to stderr. See bench/README.md.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/child_process.hpp"
#include "bench/http_connection.hpp"
#include "bench/load.hpp"

namespace {

using lh::bench::LoadOptions;
using lh::bench::LoadResult;

struct ServerUnderTest {
  std::string key;    // "ours" / "ts"
  std::string label;  // shown in the table
  std::vector<std::string> stdio_command;
  std::vector<std::string> http_command;  // the port is appended
};

struct Row {
  std::string transport;
  std::size_t concurrency = 0;
  std::string server_key;
  std::string server_label;
  LoadResult result;
  double calls_per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
};

double percentile(std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string log_path(const std::string& server_key, const std::string& transport) {
  return (std::filesystem::temp_directory_path() /
          ("bench_mcp_calls." + std::to_string(getpid()) + "." + server_key + "." + transport + ".log"))
      .string();
}

// The server's CPU time over the measured phase: on a shared machine wall-clock rates swing with
// the neighbours' load, CPU time per call much less.
struct CpuWindow {
  double start = -1;
  double end = -1;
  void watch(const lh::bench::ChildProcess& child, LoadOptions& options) {
    options.on_measure_start = [this, &child] { start = child.cpu_seconds(); };
    options.on_measure_end = [this, &child] { end = child.cpu_seconds(); };
  }
  void report(LoadResult& result) const {
    if (start >= 0 && end >= start) result.server_cpu_seconds = end - start;
  }
};

LoadResult run_stdio(const ServerUnderTest& server, LoadOptions options) {
  lh::bench::ChildProcess child(server.stdio_command, log_path(server.key, "stdio"));
  CpuWindow cpu;
  cpu.watch(child, options);
  LoadResult result = lh::bench::run_stdio_load(child.stdin_fd(), child.stdout_fd(), options);
  cpu.report(result);
  child.stop();
  if (!result.error.empty()) result.error += "\n  server stderr: " + child.stderr_tail();
  std::filesystem::remove(child.stderr_log_path());
  return result;
}

LoadResult run_http(const ServerUnderTest& server, LoadOptions options) {
  const int port = lh::bench::pick_free_port();
  std::vector<std::string> command = server.http_command;
  command.push_back(std::to_string(port));
  lh::bench::ChildProcess child(command, log_path(server.key, "http"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!lh::bench::port_accepts(port)) {
    if (!child.running() || std::chrono::steady_clock::now() > deadline) {
      LoadResult failed;
      failed.error = "the server did not start listening on port " + std::to_string(port) +
                     "\n  server stderr: " + child.stderr_tail();
      return failed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CpuWindow cpu;
  cpu.watch(child, options);
  LoadResult result = lh::bench::run_http_load(port, options);
  cpu.report(result);
  child.stop(false);
  if (!result.error.empty()) result.error += "\n  server stderr: " + child.stderr_tail();
  std::filesystem::remove(child.stderr_log_path());
  return result;
}

std::string sdk_version(const std::string& node_tools_dir) {
  std::ifstream in(node_tools_dir + "/node_modules/@modelcontextprotocol/sdk/package.json");
  const auto package = nlohmann::json::parse(in, nullptr, false);
  if (package.is_discarded() || !package.contains("version")) return "";
  return package["version"].get<std::string>();
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

Row measure(const ServerUnderTest& server, const std::string& transport, const LoadOptions& options) {
  Row row;
  row.transport = transport;
  row.concurrency = options.concurrency;
  row.server_key = server.key;
  row.server_label = server.label;
  try {
    row.result = transport == "stdio" ? run_stdio(server, options) : run_http(server, options);
  } catch (const std::exception& error) {
    row.result.error = error.what();
  }
  auto& latencies = row.result.latencies_us;
  std::sort(latencies.begin(), latencies.end());
  row.p50_us = percentile(latencies, 0.50);
  row.p99_us = percentile(latencies, 0.99);
  if (row.result.seconds > 0) row.calls_per_second = static_cast<double>(row.result.completed) / row.result.seconds;
  return row;
}

void print_table(const std::vector<Row>& rows, const LoadOptions& options, bool ts_json_response,
                 std::size_t repeat) {
  std::cout << "## bench_mcp_calls: trivial tools/call (echo)\n\n"
            << options.calls << " measured calls per row (median of " << repeat << " runs by calls/s, each at most " << options.max_duration.count() << " s) after "
            << options.warmup << " warm-up calls; " << std::thread::hardware_concurrency()
            << " CPUs shared by the load generator and the server. In flight: stdio = pipelined requests on one "
               "pipe, HTTP = keep-alive connections (one MCP session each). TS SDK over HTTP answers with "
            << (ts_json_response ? "application/json" : "an SSE stream (its default)")
            << ". Server CPU: the server process's CPU time (user + system, all its threads) during the measured "
               "calls, per call; it moves much less with the neighbours' load than calls/s does.\n\n";
  std::cout << "| transport | in flight | server | calls | failed | calls/s | p50 (µs) | p99 (µs) | server CPU (µs/call) "
               "| ours/TS calls/s |\n"
            << "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const Row& row : rows) {
    std::string ratio;
    if (row.server_key == "ours") {
      for (const Row& other : rows) {
        if (other.server_key == "ts" && other.transport == row.transport && other.concurrency == row.concurrency &&
            other.calls_per_second > 0 && row.calls_per_second > 0) {
          ratio = fixed(row.calls_per_second / other.calls_per_second, 1) + "×";
        }
      }
    }
    const bool failed_run = !row.result.error.empty();
    std::string cpu_per_call = "–";
    if (row.result.server_cpu_seconds >= 0 && row.result.completed > 0) {
      cpu_per_call = fixed(row.result.server_cpu_seconds * 1e6 / static_cast<double>(row.result.completed), 2);
    }
    std::cout << "| " << row.transport << " | " << row.concurrency << " | " << row.server_label << " | "
              << row.result.completed << " | " << row.result.failed << (failed_run ? " (run failed)" : "") << " | "
              << fixed(row.calls_per_second, 0) << " | " << fixed(row.p50_us, 0) << " | " << fixed(row.p99_us, 0)
              << " | " << cpu_per_call << " | " << ratio << " |\n";
  }
  std::cout << "\nTargets: ours/TS calls/s ≥ 10× over Streamable HTTP, ≥ 5× over stdio.\n";
  for (const Row& row : rows) {
    if (row.server_key != "ours") continue;
    for (const Row& other : rows) {
      if (other.server_key != "ts" || other.transport != row.transport || other.concurrency != row.concurrency) continue;
      if (other.calls_per_second <= 0 || row.calls_per_second <= 0) continue;
      const double ratio = row.calls_per_second / other.calls_per_second;
      const double target = row.transport == "stdio" ? 5.0 : 10.0;
      std::cout << "- " << row.transport << ", " << row.concurrency << " in flight: " << fixed(ratio, 1) << "× ("
                << (ratio >= target ? "meets" : "MISSES") << " the " << fixed(target, 0) << "× target)\n";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Throughput and latency of a trivial MCP tools/call: our server vs the TypeScript SDK"};
  LoadOptions options;
  std::vector<std::size_t> concurrencies{1, 8};
  std::vector<std::string> transports{"stdio", "http"};
  std::vector<std::string> servers{"ours", "ts"};
  std::string ours_server = LH_BENCH_OURS_SERVER;
  std::string floor_server = LH_BENCH_FLOOR_SERVER;
  std::string node = LH_BENCH_NODE;
  std::string ts_server = LH_BENCH_TS_SERVER;
  std::string node_tools_dir = LH_BENCH_NODE_TOOLS;
  bool ts_json_response = false;
  long max_seconds = 30;
  std::size_t repeat = 1;
  app.add_option("--calls", options.calls, "Measured calls per row")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--warmup", options.warmup, "Unmeasured calls before each row")->capture_default_str();
  app.add_option("--concurrency", concurrencies, "Calls in flight (comma-separated list)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  app.add_option("--transport", transports, "stdio and/or http (comma-separated)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember({"stdio", "http"}));
  app.add_option("--server", servers,
                 "ours, ts, and floor (a canned-reply stdio responder: the pipe and generator cost alone)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember({"ours", "ts", "floor"}));
  app.add_option("--max-seconds", max_seconds, "Upper bound of each measured phase")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--repeat", repeat, "Runs per row; the one with the median calls/s is shown")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{15}));
  app.add_option("--text", options.text, "Echo argument (plain ASCII, no quotes or backslashes)")->capture_default_str();
  app.add_option("--ours-server", ours_server, "Our echo server program")->capture_default_str();
  app.add_option("--node", node, "Node 22 binary for the TypeScript SDK server")->capture_default_str();
  app.add_option("--ts-server", ts_server, "TypeScript SDK echo server script")->capture_default_str();
  app.add_option("--node-tools", node_tools_dir, "Directory whose node_modules holds @modelcontextprotocol/sdk")
      ->capture_default_str();
  app.add_flag("--ts-json-response", ts_json_response,
               "Let the TS server answer POSTs with application/json instead of its default SSE stream");
  CLI11_PARSE(app, argc, argv);
  options.max_duration = std::chrono::seconds(max_seconds);
  if (options.text.find_first_of("\"\\") != std::string::npos) {
    std::cerr << "bench_mcp_calls: --text must not contain quotes or backslashes\n";
    return 2;
  }
  setenv("LH_NODE_TOOLS_DIR", node_tools_dir.c_str(), 1);

  const std::string version = sdk_version(node_tools_dir);
  std::vector<ServerUnderTest> under_test;
  for (const std::string& key : servers) {
    if (key == "ours") {
      under_test.push_back({"ours", "lateral-hunt (C++)", {ours_server}, {ours_server, "--http"}});
    } else if (key == "floor") {
      under_test.push_back({"floor", "floor: canned replies, no MCP", {floor_server}, {}});
    } else {
      std::vector<std::string> stdio{node, ts_server};
      std::vector<std::string> http{node, ts_server};
      if (ts_json_response) http.push_back("--json-response");
      http.push_back("--http");
      under_test.push_back({"ts", "TS SDK " + (version.empty() ? std::string("?") : version), stdio, http});
    }
  }

  std::vector<Row> rows;
  bool any_failed = false;
  for (const std::string& transport : transports) {
    for (std::size_t concurrency : concurrencies) {
      LoadOptions run_options = options;
      run_options.concurrency = concurrency;
      // Servers take turns within each round, so a neighbour's burst of load hits them alike.
      std::vector<std::vector<Row>> attempts(under_test.size());
      for (std::size_t round = 0; round < repeat; ++round) {
        for (std::size_t s = 0; s < under_test.size(); ++s) {
          const ServerUnderTest& server = under_test[s];
          if (transport == "http" && server.http_command.empty()) continue;
          if (!attempts[s].empty() && !attempts[s].back().result.error.empty()) continue;
          std::cerr << "bench_mcp_calls: " << transport << ", " << concurrency << " in flight, " << server.label
                    << " (run " << round + 1 << "/" << repeat << ") ..." << std::flush;
          Row row = measure(server, transport, run_options);
          if (!row.result.error.empty()) {
            any_failed = true;
            std::cerr << " FAILED: " << row.result.error << "\n";
          } else {
            std::cerr << " " << fixed(row.calls_per_second, 0) << " calls/s\n";
          }
          attempts[s].push_back(std::move(row));
        }
      }
      for (auto& runs : attempts) {
        if (runs.empty()) continue;
        if (!runs.back().result.error.empty()) {
          rows.push_back(std::move(runs.back()));
          continue;
        }
        // The run with the median throughput stands for the row, so one disturbed run does not.
        std::sort(runs.begin(), runs.end(),
                  [](const Row& a, const Row& b) { return a.calls_per_second < b.calls_per_second; });
        rows.push_back(std::move(runs[runs.size() / 2]));
      }
    }
  }
  print_table(rows, options, ts_json_response, repeat);
  return any_failed ? 1 : 0;
}
