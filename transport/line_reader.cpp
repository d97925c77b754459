#include "transport/line_reader.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace lh::transport {

LineReader::LineReader(int fd, std::size_t max_line_bytes)
    : fd_(fd), max_line_bytes_(max_line_bytes), wake_(make_pipe()) {}

void LineReader::stop() {
  char byte = 1;
  // A full pipe already means "stop requested"; nothing else to do on failure.
  [[maybe_unused]] auto written = ::write(wake_.write_end.get(), &byte, 1);
}

LineReader::End LineReader::run(const std::function<void(std::string_view line)>& on_line,
                                const std::function<void()>& on_drained,
                                const std::function<void(std::size_t bytes)>& on_too_long) {
  struct DrainOnExit {
    const std::function<void()>& drained;
    ~DrainOnExit() {
      if (drained) drained();
    }
  } drain_on_exit{on_drained};

  std::string buffer;
  // Where the search for the next "\n" resumes, so a huge line is scanned once, not per read.
  std::size_t scanned = 0;
  std::vector<char> chunk(64 * 1024);
  // Inside a line that crossed max_line_bytes: bytes are dropped until its "\n".
  bool discarding = false;

  auto deliver = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    on_line(line);
  };

  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_.read_end.get(), POLLIN, 0}};
    int ready = ::poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      return End::read_error;
    }
    if (fds[1].revents != 0) return End::stopped;
    if (fds[0].revents == 0) continue;

    ssize_t got = ::read(fd_, chunk.data(), chunk.size());
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      error_ = std::strerror(errno);
      return End::read_error;
    }
    if (got == 0) {
      if (!buffer.empty() && !discarding) deliver(buffer);
      return End::eof;
    }
    std::string_view data(chunk.data(), static_cast<std::size_t>(got));
    if (discarding) {
      auto newline = data.find('\n');
      if (newline == std::string_view::npos) continue;
      discarding = false;
      data.remove_prefix(newline + 1);
    }
    buffer.append(data);

    std::size_t line_start = 0;
    for (;;) {
      auto newline = buffer.find('\n', scanned);
      if (newline == std::string::npos) break;
      const std::size_t length = newline - line_start;
      if (max_line_bytes_ > 0 && length > max_line_bytes_) {
        if (on_too_long) on_too_long(length);
      } else {
        deliver(std::string_view(buffer).substr(line_start, length));
      }
      line_start = newline + 1;
      scanned = line_start;
    }
    if (line_start > 0) {
      buffer.erase(0, line_start);
      scanned = 0;
    }
    scanned = buffer.size();
    if (max_line_bytes_ > 0 && buffer.size() > max_line_bytes_) {
      if (on_too_long) on_too_long(buffer.size());
      buffer.clear();
      buffer.shrink_to_fit();
      scanned = 0;
      discarding = true;
    }
    if (on_drained) on_drained();
  }
}

}  // namespace lh::transport
