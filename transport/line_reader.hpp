// Reads newline-terminated lines from a file descriptor until EOF, a read error or stop().
// Lines may be of any length; a trailing "\r" is removed; a final line without "\n" is still
// delivered at EOF. Used by both stdio transports.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "transport/fd.hpp"

namespace lh::transport {

class LineReader {
 public:
  enum class End { eof, stopped, read_error };

  // Does not take ownership of `fd`.
  explicit LineReader(int fd);

  // Blocks, calling on_line for each line, until the input ends. Call from one thread only.
  // `on_drained` (optional) runs after the lines of each read have been delivered, before the
  // reader may block again, and once more before run() returns: the moment to flush output that
  // was held back while more input was already waiting.
  End run(const std::function<void(std::string_view line)>& on_line,
          const std::function<void()>& on_drained = {});

  // Thread-safe; makes a blocked or later run() return End::stopped promptly.
  void stop();

  // errno text of the last read error (for End::read_error).
  const std::string& error() const { return error_; }

 private:
  int fd_;
  Pipe wake_;
  std::string error_;
};

}  // namespace lh::transport
