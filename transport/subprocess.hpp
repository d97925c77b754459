// A child process with pipes on its stdin, stdout and stderr, in its own process group, always
// reaped. Owned by value semantics through std::unique_ptr (it has a thread inside).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "transport/fd.hpp"

namespace lh::transport {

class SpawnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SubprocessOptions {
  // A name containing "/" is used as given; otherwise it is looked up in the child's PATH.
  std::string command;
  std::vector<std::string> args;
  // The child's environment is ONLY the variables of minimal_environment() plus these
  // (which win on conflict). Secrets of the parent never leak into it.
  std::map<std::string, std::string> env;
  // Empty: the parent's working directory.
  std::string working_directory;
};

// HOME, LOGNAME, PATH, SHELL, TERM, USER taken from this process's environment when set.
std::map<std::string, std::string> minimal_environment();

class Subprocess {
 public:
  // Starts the child: new process group, signal dispositions and mask reset to defaults, every
  // other fd closed. Throws SpawnError when the command cannot be found or started.
  // on_exit runs once on the internal reaper thread right after the child has been reaped (it may
  // run before spawn() has returned).
  using ExitHandler = std::function<void(const Subprocess& process)>;
  static std::unique_ptr<Subprocess> spawn(const SubprocessOptions& options, ExitHandler on_exit = {});

  // Kills the process group (SIGKILL) if the child still runs, and reaps it.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return stdin_.get(); }
  int stdout_fd() const { return stdout_.get(); }
  int stderr_fd() const { return stderr_.get(); }
  // Closes our end of the child's stdin: the child sees EOF.
  void close_stdin() { stdin_.reset(); }

  // Sends `signal` to the child's process group; no-op once the child has been reaped.
  void signal_group(int signal);
  // True when the child exited (and was reaped) within `timeout`.
  bool wait_for_exit(std::chrono::milliseconds timeout);
  bool exited() const;
  // The raw waitpid status once the child has exited (use WIFEXITED/WEXITSTATUS/WTERMSIG).
  std::optional<int> wait_status() const;
  // "exit code 3", "killed by signal 9 (Killed)", or "running".
  std::string describe_status() const;

 private:
  Subprocess() = default;
  void reap();

  pid_t pid_ = -1;
  UniqueFd stdin_;
  UniqueFd stdout_;
  UniqueFd stderr_;
  ExitHandler on_exit_;
  mutable std::mutex mutex_;
  std::condition_variable exited_cv_;
  std::optional<int> status_;
  std::thread reaper_;
};

}  // namespace lh::transport
