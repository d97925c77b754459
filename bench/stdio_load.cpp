// Closed loop over one stdio pipe: `concurrency` requests stay in flight; each response read sends the
// next request. Single-threaded so the generator costs as little CPU as possible.

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "bench/load.hpp"
#include "bench/mcp_messages.hpp"

namespace lh::bench {
namespace {

using Clock = std::chrono::steady_clock;

class LineChannel {
 public:
  LineChannel(int write_fd, int read_fd) : write_fd_(write_fd), read_fd_(read_fd) { buffer_.reserve(1 << 16); }

  void write_line(std::string line) {
    line += '\n';
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(write_fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(std::string("write to server stdin failed: ") + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
  }

  // The next line (without '\n'); throws on EOF or when nothing arrives within `timeout`.
  std::string_view read_line(std::chrono::milliseconds timeout) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
    for (;;) {
      const std::size_t newline = buffer_.find('\n', scanned_);
      if (newline != std::string::npos) {
        consumed_ = newline + 1;
        scanned_ = 0;
        return std::string_view(buffer_).substr(0, newline);
      }
      scanned_ = buffer_.size();
      pollfd readable{read_fd_, POLLIN, 0};
      const int ready = ::poll(&readable, 1, static_cast<int>(timeout.count()));
      if (ready == 0) throw std::runtime_error("no answer from the server within " + std::to_string(timeout.count()) + " ms");
      if (ready < 0 && errno == EINTR) continue;
      char chunk[1 << 16];
      const ssize_t n = ::read(read_fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("the server closed its stdout");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int write_fd_;
  int read_fd_;
  std::string buffer_;
  std::size_t consumed_ = 0;
  std::size_t scanned_ = 0;
};

constexpr std::chrono::milliseconds kAnswerTimeout{15000};

void handshake(LineChannel& channel) {
  channel.write_line(initialize_request(0));
  for (;;) {
    const auto response = scan_response(channel.read_line(kAnswerTimeout));
    if (!response || response->id != 0) continue;
    if (!response->ok) throw std::runtime_error("initialize failed");
    break;
  }
  channel.write_line(initialized_notification());
}

// Runs `calls` calls with ids first_id.. and fills `result` when `measured`.
void run_phase(LineChannel& channel, std::int64_t first_id, std::size_t calls, const LoadOptions& options,
               bool measured, LoadResult& result) {
  std::vector<Clock::time_point> sent(calls);
  const auto start = Clock::now();
  const auto deadline = start + options.max_duration;
  std::size_t issued = 0;
  std::size_t answered = 0;
  auto send_next = [&] {
    sent[issued] = Clock::now();
    channel.write_line(echo_call(first_id + static_cast<std::int64_t>(issued), options.text));
    ++issued;
  };
  while (issued < calls && issued < options.concurrency) send_next();
  if (measured) result.latencies_us.reserve(calls);
  while (answered < issued) {
    const auto response = scan_response(channel.read_line(kAnswerTimeout));
    if (!response) continue;  // a notification
    const std::int64_t index = response->id - first_id;
    if (index < 0 || index >= static_cast<std::int64_t>(issued)) continue;
    const auto now = Clock::now();
    ++answered;
    if (measured) {
      result.latencies_us.push_back(std::chrono::duration<double, std::micro>(now - sent[index]).count());
      if (!response->ok) ++result.failed;
    }
    if (issued < calls && now < deadline) send_next();
  }
  if (measured) {
    result.completed = answered;
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
}

}  // namespace

LoadResult run_stdio_load(int write_fd, int read_fd, const LoadOptions& options) {
  LoadResult result;
  try {
    LineChannel channel(write_fd, read_fd);
    handshake(channel);
    run_phase(channel, 1, options.warmup, options, false, result);
    if (options.on_measure_start) options.on_measure_start();
    run_phase(channel, 1 + static_cast<std::int64_t>(options.warmup), options.calls, options, true, result);
    if (options.on_measure_end) options.on_measure_end();
  } catch (const std::exception& error) {
    result.error = error.what();
  }
  return result;
}

}  // namespace lh::bench
