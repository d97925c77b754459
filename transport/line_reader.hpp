// Reads newline-terminated lines from a file descriptor until EOF, a read error or stop().
// A trailing "\r" is removed; a final line without "\n" is still delivered at EOF. Used by both
// stdio transports. Lines are unbounded unless a maximum is given: then a longer line is not
// buffered (a peer that never sends "\n" cannot exhaust memory) but reported once by its size
// and skipped up to its "\n".
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "transport/fd.hpp"

namespace lh::transport {

class LineReader {
 public:
  enum class End { eof, stopped, read_error };

  // Does not take ownership of `fd`. max_line_bytes 0: no limit.
  explicit LineReader(int fd, std::size_t max_line_bytes = 0);

  // Blocks, calling on_line for each line, until the input ends. Call from one thread only.
  // `on_drained` (optional) runs after the lines of each read have been delivered, before the
  // reader may block again, and once more before run() returns: the moment to flush output that
  // was held back while more input was already waiting.
  // `on_too_long` (optional) is called once per line longer than max_line_bytes, with the bytes
  // seen so far, when the limit is crossed; the rest of that line is discarded.
  End run(const std::function<void(std::string_view line)>& on_line,
          const std::function<void()>& on_drained = {},
          const std::function<void(std::size_t bytes)>& on_too_long = {});

  // Thread-safe; makes a blocked or later run() return End::stopped promptly.
  void stop();

  // errno text of the last read error (for End::read_error).
  const std::string& error() const { return error_; }

 private:
  int fd_;
  std::size_t max_line_bytes_;
  Pipe wake_;
  std::string error_;
};

}  // namespace lh::transport
