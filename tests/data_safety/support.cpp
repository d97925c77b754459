#include "tests/data_safety/support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "siem/case_store.hpp"
#include "transport/http_client.hpp"

extern char** environ;

namespace lh::safety_test {
namespace fs = std::filesystem;

TempDir::TempDir(const std::string& stem) {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() / fmt::format("lh-data-safety-{}-{}-{}", stem, getpid(), counter++);
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

namespace {

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

Process::Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                 const std::string& log_path, bool pipe_stdout) {
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers;
  for (auto& arg : args) arg_pointers.push_back(arg.data());
  arg_pointers.push_back(nullptr);

  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) merged[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : env) merged[name] = value;
  std::vector<std::string> env_texts;
  for (const auto& [name, value] : merged) env_texts.push_back(name + "=" + value);
  std::vector<char*> env_pointers;
  for (auto& text : env_texts) env_pointers.push_back(text.data());
  env_pointers.push_back(nullptr);

  int pipe_fds[2] = {-1, -1};
  if (pipe_stdout && ::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (pipe_stdout) {
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  } else {
    posix_spawn_file_actions_adddup2(&actions, 2, 1);
  }
  const int spawned = posix_spawn(&pid_, arg_pointers[0], &actions, nullptr, arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  if (pipe_stdout) {
    ::close(pipe_fds[1]);
    stdout_fd_ = pipe_fds[0];
  }
  if (spawned != 0) {
    pid_ = -1;
    throw std::runtime_error(fmt::format("cannot start {}: errno {}", argv.front(), spawned));
  }
}

Process::~Process() {
  if (pid_ > 0) kill_hard();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_code_ = exit_code_of(status);
    pid_ = -1;
    return false;
  }
  return true;
}

void Process::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait();
}

int Process::stop() {
  if (pid_ <= 0) return exit_code_;
  ::kill(pid_, SIGTERM);
  for (int attempt = 0; attempt < 200 && running(); ++attempt) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (pid_ > 0) kill_hard();
  return exit_code_;
}

int Process::wait() {
  if (pid_ <= 0) return exit_code_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = exit_code_of(status);
  pid_ = -1;
  return exit_code_;
}

std::string Process::read_stdout(bool until_eof) {
  std::string out;
  if (stdout_fd_ < 0) return out;
  if (!until_eof) ::fcntl(stdout_fd_, F_SETFL, ::fcntl(stdout_fd_, F_GETFL) | O_NONBLOCK);
  char buffer[4096];
  while (true) {
    const ssize_t got = ::read(stdout_fd_, buffer, sizeof buffer);
    if (got > 0) {
      out.append(buffer, static_cast<std::size_t>(got));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    break;
  }
  return out;
}

HuntServer::HuntServer(const std::string& config, const std::string& reports, const std::string& log_path,
                       const std::string& log_level, const std::map<std::string, std::string>& env)
    : port_file_(reports + fmt::format(".port-{}", std::chrono::steady_clock::now().time_since_epoch().count())) {
  std::map<std::string, std::string> environment = env;
  environment["LH_LOG_LEVEL"] = log_level;
  process_ = std::make_unique<Process>(
      std::vector<std::string>{LH_TEST_LATERAL_HUNT, "serve", "--http", "127.0.0.1:0", "--port-file", port_file_,
                               "--config", config, "--reports", reports},
      environment, log_path);
  // Bounded wait for the port file (start-up only; nothing is asserted about how long it took).
  for (int attempt = 0; attempt < 1200; ++attempt) {
    std::ifstream in(port_file_);
    int port = 0;
    if (in >> port && port > 0) {
      url_ = fmt::format("http://127.0.0.1:{}/mcp", port);
      std::error_code ignored;
      fs::remove(port_file_, ignored);
      return;
    }
    if (!process_->running()) throw std::runtime_error("lateral-hunt serve exited at start:\n" + read_file(log_path));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("lateral-hunt serve wrote no port file:\n" + read_file(log_path));
}

std::unique_ptr<mcp::Client> HuntServer::client(std::chrono::milliseconds timeout) const {
  auto factory = [url = url_]() -> std::shared_ptr<mcp::Transport> {
    transport::StreamableHttpClientOptions options;
    options.url = url;
    options.name = "lateral-hunt";
    return std::make_shared<transport::StreamableHttpClientTransport>(std::move(options));
  };
  auto client = std::make_unique<mcp::Client>(factory, mcp::ClientOptions{.request_timeout = timeout});
  client->connect();
  return client;
}

CommandRun run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                       const std::string& scratch_dir) {
  static std::atomic<int> counter{0};
  const int n = counter++;
  const std::string out_path = (fs::path(scratch_dir) / fmt::format("run-{}.out", n)).string();
  const std::string err_path = (fs::path(scratch_dir) / fmt::format("run-{}.err", n)).string();
  CommandRun run;
  {
    Process process(argv, env, err_path, /*pipe_stdout=*/true);
    run.out = process.read_stdout(/*until_eof=*/true);
    run.exit_code = process.wait();
  }
  run.err = read_file(err_path);
  (void)out_path;
  return run;
}

std::vector<std::vector<std::string>> sql_rows(const std::string& db, const std::string& query) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string message = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    throw std::runtime_error("cannot open " + db + ": " + message);
  }
  sqlite3_busy_timeout(raw, 10000);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(raw, query.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(raw);
    sqlite3_close(raw);
    throw std::runtime_error(db + ": " + query + ": " + message);
  }
  std::vector<std::vector<std::string>> rows;
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int column = 0; column < sqlite3_column_count(statement); ++column) {
      const auto* text = sqlite3_column_text(statement, column);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  const std::string message = sqlite3_errmsg(raw);
  sqlite3_finalize(statement);
  sqlite3_close(raw);
  if (rc != SQLITE_DONE) throw std::runtime_error(db + ": " + query + ": " + message);
  return rows;
}

std::size_t comments_containing(const std::string& cases_db, std::int64_t case_id, const std::string& text) {
  siem::CaseStore store(cases_db);
  std::size_t count = 0;
  for (const auto& comment : store.list_case_comments(case_id)) {
    if (comment.comment.find(text) != std::string::npos) ++count;
  }
  return count;
}

std::int64_t create_case(const std::string& cases_db, const std::string& title) {
  siem::CaseStore store(cases_db);
  siem::NewCase fields;
  fields.display_name = title;
  return store.create_case(fields);
}

Json quick_hunt_arguments() {
  return {{"time_frame_hours", 72},
          {"techniques", {"psexec"}},
          {"research", false},
          {"enrich", false},
          {"related_cases", false},
          {"hunt_hypothesis", "data safety check"}};
}

std::string single_upstream_config(const std::string& command, const std::vector<std::string>& args, long timeout_ms) {
  Json config{{"mcpServers", {{"secops", {{"command", command}, {"args", args}}}}},
              {"roles", {{"siem", "secops"}, {"cases", "secops"}}}};
  if (timeout_ms > 0) config["limits"] = {{"secops", {{"timeoutMs", timeout_ms}}}};
  return config.dump(2);
}

std::vector<std::string> secops_local_args(const std::string& cases_db, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--data", LH_TEST_DEMO_DATA, "--cases", cases_db, "--log-level", "warn"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace lh::safety_test
