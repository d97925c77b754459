#include "transport/subprocess.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace lh::transport {

namespace {

bool is_executable_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// posix_spawnp would search the PARENT's PATH; the child's PATH (which the config may set) is
// the one that must decide.
std::string resolve_command(const std::string& command, const std::map<std::string, std::string>& env) {
  if (command.empty()) throw SpawnError("cannot start a subprocess: the command is empty");
  if (command.find('/') != std::string::npos) return command;
  auto path = env.find("PATH");
  std::string search = path != env.end() ? path->second : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  for (;;) {
    auto colon = search.find(':', start);
    std::string dir = search.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + command;
    if (is_executable_file(candidate)) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  throw SpawnError(fmt::format("cannot start '{}': not found in PATH ({})", command, search));
}

// RAII for the spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

void check(int rc, const char* what) {
  if (rc != 0) throw SpawnError(fmt::format("cannot start a subprocess: {} failed: {}", what, std::strerror(rc)));
}

}  // namespace

std::map<std::string, std::string> minimal_environment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  return env;
}

std::unique_ptr<Subprocess> Subprocess::spawn(const SubprocessOptions& options, ExitHandler on_exit) {
  ignore_sigpipe();
  auto env = minimal_environment();
  for (const auto& [name, value] : options.env) env[name] = value;
  std::string program = resolve_command(options.command, env);

  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  std::vector<std::string> arg_strings;
  arg_strings.push_back(options.command);
  arg_strings.insert(arg_strings.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& arg : arg_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  Pipe in = make_pipe();
  Pipe out = make_pipe();
  Pipe err = make_pipe();

  SpawnSetup setup;
  check(posix_spawn_file_actions_adddup2(&setup.actions, in.read_end.get(), 0), "dup2 stdin");
  check(posix_spawn_file_actions_adddup2(&setup.actions, out.write_end.get(), 1), "dup2 stdout");
  check(posix_spawn_file_actions_adddup2(&setup.actions, err.write_end.get(), 2), "dup2 stderr");
  // Sockets, log files and other servers' pipes of this process must not leak into the child.
  check(posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3), "closefrom");
  if (!options.working_directory.empty()) {
    check(posix_spawn_file_actions_addchdir_np(&setup.actions, options.working_directory.c_str()), "chdir");
  }
  // Own process group, so close() can signal the child's own children too; default signal
  // handling (we ignore SIGPIPE, the child must not inherit that) and an empty signal mask.
  sigset_t all_signals;
  sigset_t no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  check(posix_spawnattr_setflags(&setup.attributes,
                                 POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK),
        "setflags");
  check(posix_spawnattr_setpgroup(&setup.attributes, 0), "setpgroup");
  check(posix_spawnattr_setsigdefault(&setup.attributes, &all_signals), "setsigdefault");
  check(posix_spawnattr_setsigmask(&setup.attributes, &no_signals), "setsigmask");

  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &setup.actions, &setup.attributes, argv.data(), envp.data());
  if (rc != 0) throw SpawnError(fmt::format("cannot start '{}': {}", program, std::strerror(rc)));

  std::unique_ptr<Subprocess> process(new Subprocess());
  process->pid_ = pid;
  process->stdin_ = std::move(in.write_end);
  process->stdout_ = std::move(out.read_end);
  process->stderr_ = std::move(err.read_end);
  process->on_exit_ = std::move(on_exit);
  process->reaper_ = std::thread([p = process.get()] { p->reap(); });
  return process;
}

void Subprocess::reap() {
  int status = 0;
  for (;;) {
    pid_t got = ::waitpid(pid_, &status, 0);
    if (got == pid_) break;
    if (got < 0 && errno == EINTR) continue;
    // ECHILD: someone else reaped it (e.g. SIGCHLD set to SIG_IGN); report it as unknown exit.
    status = -1;
    break;
  }
  {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  exited_cv_.notify_all();
  if (on_exit_) on_exit_(*this);
}

Subprocess::~Subprocess() {
  signal_group(SIGKILL);
  if (reaper_.joinable()) {
    if (reaper_.get_id() == std::this_thread::get_id()) {
      reaper_.detach();
    } else {
      reaper_.join();
    }
  }
}

void Subprocess::signal_group(int signal) {
  std::lock_guard lock(mutex_);
  // After reaping, the pid (and group id) may belong to someone else.
  if (status_ || pid_ <= 0) return;
  if (::kill(-pid_, signal) != 0) ::kill(pid_, signal);
}

bool Subprocess::wait_for_exit(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return exited_cv_.wait_for(lock, timeout, [&] { return status_.has_value(); });
}

bool Subprocess::exited() const {
  std::lock_guard lock(mutex_);
  return status_.has_value();
}

std::optional<int> Subprocess::wait_status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::string Subprocess::describe_status() const {
  auto status = wait_status();
  if (!status) return "running";
  if (*status == -1) return "exited (status unknown)";
  if (WIFEXITED(*status)) return fmt::format("exit code {}", WEXITSTATUS(*status));
  if (WIFSIGNALED(*status)) {
    return fmt::format("killed by signal {} ({})", WTERMSIG(*status), strsignal(WTERMSIG(*status)));
  }
  return fmt::format("wait status {}", *status);
}

}  // namespace lh::transport
