#pragma once
// The load generator of bench_mcp_calls: closed-loop `tools/call echo` traffic with a fixed number of
// calls in flight, identical for every server it is pointed at.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace lh::bench {

struct LoadOptions {
  std::size_t calls = 20000;       // measured calls
  std::size_t warmup = 2000;       // unmeasured calls first (JIT, caches, connection set-up)
  std::size_t concurrency = 1;     // stdio: requests in flight on the one pipe; HTTP: keep-alive connections
  std::chrono::seconds max_duration{30};  // stop issuing calls after this, whatever `calls` says
  std::string text = "hello";      // the echo argument
  // Called just before the first and just after the last measured call (after warm-up): the
  // bench reads the server's CPU time there.
  std::function<void()> on_measure_start{};
  std::function<void()> on_measure_end{};
};

struct LoadResult {
  std::size_t completed = 0;  // answered calls, including failed ones
  std::size_t failed = 0;     // JSON-RPC errors, isError results, HTTP errors
  double seconds = 0;         // wall time of the measured phase
  std::vector<double> latencies_us;
  double server_cpu_seconds = -1;  // the server's CPU time (all threads) during the measured phase; < 0: unknown
  std::string error;          // set when the run could not finish
};

// Drives a stdio server through its stdin (write_fd) and stdout (read_fd).
LoadResult run_stdio_load(int write_fd, int read_fd, const LoadOptions& options);

// Drives a Streamable HTTP server at http://127.0.0.1:<port>/mcp, one MCP session per connection.
LoadResult run_http_load(int port, const LoadOptions& options);

}  // namespace lh::bench
