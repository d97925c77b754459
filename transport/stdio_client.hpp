// The client side of the stdio transport: starts an MCP server as a child process and speaks
// JSON lines over its stdin/stdout. Its stderr lines go to our log, prefixed with the server name.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "mcp/transport.hpp"
#include "transport/line_reader.hpp"
#include "transport/subprocess.hpp"

namespace lh::transport {

struct StdioClientOptions {
  // What the config's "command", "args" and "env" say (the mcpServers format).
  SubprocessOptions process;
  // Used in log lines and error messages, e.g. "secops".
  std::string name = "server";
  // close(): after closing the child's stdin, wait this long for it to exit; then SIGTERM and
  // wait again; then SIGKILL.
  std::chrono::milliseconds shutdown_grace{2000};
};

class StdioClientTransport final : public mcp::Transport {
 public:
  explicit StdioClientTransport(StdioClientOptions options);
  // close(), then joins every thread; the child is always reaped.
  ~StdioClientTransport() override;

  // Spawns the child (throws mcp::TransportError when it cannot be started).
  // Stdout lines that are not JSON-RPC objects are skipped and reported through on_error and the
  // log, never fatal. on_close fires once the child's stdout has ended (normally: it exited).
  void start(Handlers handlers) override;
  void send(const mcp::Json& message, const mcp::SendOptions& options = {}) override;
  // Closes the child's stdin, waits, SIGTERM to its process group, waits, SIGKILL; blocks until
  // the child has been reaped.
  void close() override;

  // -1 before start().
  pid_t pid() const;
  // The raw waitpid status once the child has exited.
  std::optional<int> wait_status() const;
  // "exit code 0", "killed by signal 15 (Terminated)", "running", "not started".
  std::string describe_status() const;

 private:
  void read_stdout();
  void read_stderr();
  void on_child_exit(const Subprocess& process);
  void fire_close();
  void join_threads();

  StdioClientOptions options_;
  Handlers handlers_;
  std::unique_ptr<Subprocess> process_;
  // Guarded by readers_mutex_ while start() creates them: the child may exit before that.
  std::mutex readers_mutex_;
  std::unique_ptr<LineReader> stdout_reader_;
  std::unique_ptr<LineReader> stderr_reader_;
  std::thread stdout_thread_;
  std::thread stderr_thread_;

  std::mutex write_mutex_;
  std::atomic<bool> closing_{false};
  std::mutex close_mutex_;  // serializes close() callers

  std::mutex state_mutex_;
  std::condition_variable state_cv_;
  bool stdout_done_ = false;
  std::once_flag close_once_;
};

}  // namespace lh::transport
