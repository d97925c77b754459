#pragma once
// A server process under test: started with pipes on stdin/stdout and stderr sent to a log file;
// stopped the way MCP clients stop stdio servers (close stdin, then SIGTERM, then SIGKILL).

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace lh::bench {

class ChildProcess {
 public:
  // Throws std::runtime_error when the program cannot be started.
  ChildProcess(std::vector<std::string> argv, std::string stderr_log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int stdin_fd() const { return stdin_fd_; }
  pid_t pid() const { return pid_; }
  // CPU time (user + system, all threads, also those that ended) the process has used so far, in
  // seconds; negative when it cannot be read.
  double cpu_seconds() const;
  int stdout_fd() const { return stdout_fd_; }
  bool running();
  const std::string& stderr_log_path() const { return stderr_log_path_; }
  // The last lines the child wrote to stderr, for error messages.
  std::string stderr_tail(std::size_t max_bytes = 2000) const;

  // Stdio servers are asked to leave by closing their stdin first; HTTP servers get SIGTERM at once.
  void stop(bool close_stdin_first = true);

 private:
  bool wait_for_exit(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_log_path_;
};

}  // namespace lh::bench
