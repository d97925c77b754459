// Closed loop over `concurrency` keep-alive connections, one thread and one MCP session each: every
// thread POSTs a call, waits for its answer, and repeats while calls remain.

#include <atomic>
#include <latch>
#include <mutex>
#include <thread>

#include "bench/http_connection.hpp"
#include "bench/load.hpp"
#include "bench/mcp_messages.hpp"

namespace lh::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Shared {
  explicit Shared(std::size_t threads) : ready(static_cast<std::ptrdiff_t>(threads) + 1) {}
  std::latch ready;                    // every session is set up and warmed up
  std::atomic<std::size_t> remaining{0};
  std::atomic<std::int64_t> next_id{1};
  Clock::time_point start;
  Clock::time_point deadline;
  std::atomic<bool> start_published{false};
  std::mutex mutex;
  LoadResult result;
  Clock::time_point last_finish{};
};

std::string open_session(HttpConnection& connection) {
  const HttpResponse initialized = connection.post(initialize_request(0), {});
  const auto summary = scan_response(initialized.body);
  if (initialized.status != 200 || !summary || !summary->ok) {
    throw std::runtime_error("initialize failed: HTTP " + std::to_string(initialized.status) + " " + initialized.body);
  }
  if (initialized.session_id.empty()) throw std::runtime_error("initialize response has no Mcp-Session-Id");
  const HttpResponse acknowledged = connection.post(initialized_notification(), initialized.session_id);
  if (acknowledged.status != 202 && acknowledged.status != 200) {
    throw std::runtime_error("notifications/initialized got HTTP " + std::to_string(acknowledged.status));
  }
  return initialized.session_id;
}

bool call_ok(HttpConnection& connection, const std::string& session, std::int64_t id, const std::string& text) {
  const HttpResponse response = connection.post(echo_call(id, text), session);
  if (response.status != 200) return false;
  const auto summary = scan_response(response.body);
  return summary && summary->ok && summary->id == id;
}

void worker(int port, const LoadOptions& options, std::size_t warmup_calls, Shared& shared) {
  std::vector<double> latencies;
  std::size_t failed = 0;
  std::string error;
  std::optional<HttpConnection> connection;
  std::string session;
  bool arrived = false;
  try {
    connection.emplace(port);
    session = open_session(*connection);
    for (std::size_t i = 0; i < warmup_calls; ++i) call_ok(*connection, session, shared.next_id++, options.text);
    latencies.reserve(options.calls / options.concurrency + 16);
    shared.ready.arrive_and_wait();
    arrived = true;
    while (!shared.start_published.load(std::memory_order_acquire)) std::this_thread::yield();
    for (;;) {
      std::size_t left = shared.remaining.load();
      do {
        if (left == 0) break;
      } while (!shared.remaining.compare_exchange_weak(left, left - 1));
      if (left == 0 || Clock::now() >= shared.deadline) break;
      const auto sent = Clock::now();
      const bool ok = call_ok(*connection, session, shared.next_id++, options.text);
      latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
      if (!ok) ++failed;
    }
  } catch (const std::exception& e) {
    error = e.what();
    if (!arrived) shared.ready.count_down();
  }
  const auto finished = Clock::now();
  std::lock_guard lock(shared.mutex);
  shared.result.latencies_us.insert(shared.result.latencies_us.end(), latencies.begin(), latencies.end());
  shared.result.completed += latencies.size();
  shared.result.failed += failed;
  if (!error.empty() && shared.result.error.empty()) shared.result.error = error;
  shared.last_finish = std::max(shared.last_finish, finished);
}

}  // namespace

LoadResult run_http_load(int port, const LoadOptions& options) {
  Shared shared(options.concurrency);
  shared.remaining = options.calls;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < options.concurrency; ++i) {
    const std::size_t warmup = options.warmup / options.concurrency + (i < options.warmup % options.concurrency);
    threads.emplace_back(worker, port, std::cref(options), warmup, std::ref(shared));
  }
  shared.ready.arrive_and_wait();
  if (options.on_measure_start) options.on_measure_start();
  shared.start = Clock::now();
  shared.deadline = shared.start + options.max_duration;
  shared.start_published.store(true, std::memory_order_release);
  for (auto& thread : threads) thread.join();
  if (options.on_measure_end) options.on_measure_end();
  shared.result.seconds = std::chrono::duration<double>(shared.last_finish - shared.start).count();
  return std::move(shared.result);
}

}  // namespace lh::bench
