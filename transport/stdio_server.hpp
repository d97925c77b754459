// The server side of the stdio transport: one JSON-RPC message per line on an input fd (stdin),
// one compact JSON message per line on an output fd (stdout). Nothing but protocol lines is ever
// written to the output.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>

#include "mcp/transport.hpp"
#include "transport/line_reader.hpp"

namespace lh::transport {

class StdioServerTransport final : public mcp::Transport {
 public:
  // The same limit as the Streamable HTTP server's default body limit.
  static constexpr std::size_t kDefaultMaxMessageBytes = 4 * 1024 * 1024;

  // The fds are borrowed, not closed (defaults: the process's stdin and stdout). A line longer
  // than max_message_bytes is skipped unread and answered with -32600 (id null).
  explicit StdioServerTransport(int input_fd = 0, int output_fd = 1,
                                std::size_t max_message_bytes = kDefaultMaxMessageBytes);
  ~StdioServerTransport() override;

  // Starts the reader thread. Lines that are not JSON are answered here with a -32700 parse
  // error (id null); a JSON value that is not an object gets -32600; neither stops the transport.
  // on_close fires on input EOF or read error, or after close().
  void start(Handlers handlers) override;
  void send(const mcp::Json& message, const mcp::SendOptions& options = {}) override;
  void close() override;

 private:
  void read_loop();
  void write_line(const mcp::Json& message);
  // Writes what the reader thread held back; returns false (with `error`) when the write failed.
  bool flush_held_locked(std::string& error);
  void flush_held();
  void fire_close();

  int output_fd_;
  std::size_t max_message_bytes_;
  LineReader reader_;
  Handlers handlers_;
  std::mutex write_mutex_;
  // Messages the reader thread produced (inline answers) while more input was already read:
  // written with one write() when that input is drained, instead of one per message.
  std::string held_output_;
  bool answered_in_chunk_ = false;  // since the last flush_held(), under write_mutex_
  std::atomic<bool> closed_{false};
  std::once_flag close_once_;
  std::thread reader_thread_;
};

}  // namespace lh::transport
