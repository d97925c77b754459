#include "bench/store/process_tools.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace lh::bench {
namespace {

// The value after "<key>:" on the first line of `path` that starts with it, trimmed.
std::string field_of(const char* path, std::string_view key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() <= key.size() || line.compare(0, key.size(), key) != 0) continue;
    // /proc/cpuinfo pads the key with tabs before the colon ("model name\t: ...").
    const auto colon = line.find_first_not_of(" \t", key.size());
    if (colon != std::string::npos && line[colon] == ':') {
      std::string value = line.substr(colon + 1);
      const auto first = value.find_first_not_of(" \t");
      return first == std::string::npos ? std::string{} : value.substr(first);
    }
  }
  return {};
}

struct FileDescriptor {
  int fd = -1;
  explicit FileDescriptor(int value = -1) : fd(value) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

}  // namespace

namespace {
double cpu_of(const rusage& usage) {
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}
}  // namespace

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return cpu_of(usage);
}

std::uint64_t peak_rss_kib() {
  const std::string value = field_of("/proc/self/status", "VmHWM");  // "123456 kB"
  return value.empty() ? 0 : std::stoull(value);
}

std::string current_load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return fmt::format("{} {} {}", one, five, fifteen);
}

MachineInfo machine_info() {
  MachineInfo info;
  info.cores = static_cast<unsigned>(::sysconf(_SC_NPROCESSORS_ONLN));
  info.cpu_model = field_of("/proc/cpuinfo", "model name");
  if (info.cpu_model.empty()) info.cpu_model = "unknown CPU";
  const std::string memory = field_of("/proc/meminfo", "MemTotal");
  info.memory_kib = memory.empty() ? 0 : std::stoull(memory);
  info.load_average = current_load_average();
  return info;
}

std::string utc_now_text() {
  return fmt::format("{:%Y-%m-%d %H:%M} UTC", fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

ProcessOutcome run_process(const std::vector<std::string>& argv, const std::function<void(std::string_view)>& on_output) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  FileDescriptor read_end(pipe_fds[0]);
  FileDescriptor write_end(pipe_fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.fd, STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, read_end.fd);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error(fmt::format("cannot start '{}': {}", argv[0], std::strerror(spawned)));
  write_end.reset();

  char buffer[1 << 16];
  while (true) {
    const ssize_t got = ::read(read_end.fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    on_output(std::string_view(buffer, static_cast<std::size_t>(got)));
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  ProcessOutcome outcome;
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.cpu_seconds = cpu_of(usage);
  return outcome;
}

}  // namespace lh::bench
