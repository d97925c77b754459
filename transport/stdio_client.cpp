#include "transport/stdio_client.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mcp/log.hpp"
#include "transport/json_text.hpp"

namespace lh::transport {

namespace {
constexpr std::string_view kComponent = "stdio-client";
// How long a child that has exited may keep its stdout open (a grandchild inheriting it) before
// we stop reading and report the connection closed.
constexpr std::chrono::milliseconds kDrainAfterExit{1000};

void join_unless_self(std::thread& thread) {
  if (!thread.joinable()) return;
  if (thread.get_id() == std::this_thread::get_id()) {
    thread.detach();
  } else {
    thread.join();
  }
}

std::string preview(std::string_view line) {
  constexpr std::size_t kMax = 200;
  if (line.size() <= kMax) return std::string(line);
  return std::string(line.substr(0, kMax)) + "...";
}
}  // namespace

StdioClientTransport::StdioClientTransport(StdioClientOptions options) : options_(std::move(options)) {}

StdioClientTransport::~StdioClientTransport() {
  close();
  join_threads();
  // Subprocess's destructor joins its reaper, whose on_exit callback uses this object: destroy
  // it while every member is still alive.
  process_.reset();
}

void StdioClientTransport::start(Handlers handlers) {
  handlers_ = std::move(handlers);
  try {
    process_ = Subprocess::spawn(options_.process, [this](const Subprocess& process) { on_child_exit(process); });
  } catch (const SpawnError& e) {
    throw mcp::TransportError(fmt::format("MCP server '{}': {}", options_.name, e.what()));
  }
  mcp::log::info(kComponent, "started '{}' (pid {}): {}", options_.name, process_->pid(), options_.process.command);
  {
    std::lock_guard lock(readers_mutex_);
    stdout_reader_ = std::make_unique<LineReader>(process_->stdout_fd());
    stderr_reader_ = std::make_unique<LineReader>(process_->stderr_fd());
  }
  stdout_thread_ = std::thread([this] { read_stdout(); });
  stderr_thread_ = std::thread([this] { read_stderr(); });
}

void StdioClientTransport::read_stdout() {
  auto end = stdout_reader_->run([this](std::string_view line) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    std::string problem;
    auto message = parse_json(line, &problem);
    if (!message || !message->is_object() || !message->contains("jsonrpc")) {
      // Real servers (Python SDK warnings) print plain text to stdout now and then.
      auto what = fmt::format("MCP server '{}' wrote a non-JSON-RPC line to stdout (skipped): {}", options_.name,
                              preview(line));
      mcp::log::warn(kComponent, "{}", what);
      if (handlers_.on_error) handlers_.on_error(what);
      return;
    }
    if (handlers_.on_message) handlers_.on_message(std::move(*message));
  });
  if (end == LineReader::End::read_error) {
    mcp::log::error(kComponent, "reading stdout of '{}' failed: {}", options_.name, stdout_reader_->error());
  }
  {
    std::lock_guard lock(state_mutex_);
    stdout_done_ = true;
  }
  state_cv_.notify_all();
  fire_close();
}

void StdioClientTransport::read_stderr() {
  stderr_reader_->run([this](std::string_view line) {
    if (line.empty()) return;
    mcp::log::write(mcp::log::Level::info, options_.name, line);
  });
}

void StdioClientTransport::on_child_exit(const Subprocess& process) {
  // Runs on the reaper thread, possibly while start() is still running or while the destructor
  // is releasing process_: only `process` and the guarded readers may be used here.
  mcp::log::info(kComponent, "MCP server '{}' (pid {}) ended: {}", options_.name, process.pid(),
                 process.describe_status());
  {
    std::unique_lock lock(state_mutex_);
    state_cv_.wait_for(lock, kDrainAfterExit, [&] { return stdout_done_; });
  }
  std::lock_guard lock(readers_mutex_);
  // A reader that does not exist yet will see EOF by itself: the child's pipe ends are closed.
  if (stdout_reader_) stdout_reader_->stop();
  if (stderr_reader_) stderr_reader_->stop();
}

void StdioClientTransport::fire_close() {
  std::call_once(close_once_, [this] {
    if (handlers_.on_close) handlers_.on_close();
  });
}

void StdioClientTransport::send(const mcp::Json& message, const mcp::SendOptions&) {
  std::string line = to_wire(message);
  line.push_back('\n');
  std::lock_guard lock(write_mutex_);
  if (closing_.load() || !process_ || process_->stdin_fd() < 0) {
    throw mcp::TransportError(fmt::format("MCP server '{}': connection is closed", options_.name));
  }
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(process_->stdin_fd(), data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw mcp::TransportError(fmt::format("MCP server '{}': writing to its stdin failed: {} ({})", options_.name,
                                            std::strerror(errno), process_->describe_status()));
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

void StdioClientTransport::close() {
  std::lock_guard close_lock(close_mutex_);
  if (!process_) {
    closing_.store(true);
    return;
  }
  if (!closing_.exchange(true)) {
    {
      std::lock_guard lock(write_mutex_);
      process_->close_stdin();
    }
    auto grace = options_.shutdown_grace;
    if (!process_->wait_for_exit(grace)) {
      mcp::log::info(kComponent, "MCP server '{}' still running {} ms after stdin closed: SIGTERM", options_.name,
                     grace.count());
      process_->signal_group(SIGTERM);
      if (!process_->wait_for_exit(grace)) {
        mcp::log::warn(kComponent, "MCP server '{}' ignored SIGTERM: SIGKILL", options_.name);
        process_->signal_group(SIGKILL);
        // SIGKILL cannot be ignored; only a process stuck in the kernel outlives this wait.
        while (!process_->wait_for_exit(std::chrono::seconds(5))) {
          mcp::log::error(kComponent, "MCP server '{}' (pid {}) survived SIGKILL; still waiting", options_.name,
                          process_->pid());
        }
      }
    }
  }
}

void StdioClientTransport::join_threads() {
  join_unless_self(stdout_thread_);
  join_unless_self(stderr_thread_);
}

pid_t StdioClientTransport::pid() const { return process_ ? process_->pid() : -1; }

std::optional<int> StdioClientTransport::wait_status() const {
  return process_ ? process_->wait_status() : std::nullopt;
}

std::string StdioClientTransport::describe_status() const {
  return process_ ? process_->describe_status() : std::string("not started");
}

}  // namespace lh::transport
