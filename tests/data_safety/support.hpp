// Shared by the data-safety tests: real processes (lateral-hunt serve over HTTP, secops-local, the
// fault relay, the store writer) started, killed with SIGKILL and reaped; temporary folders; and
// direct reads of the SQLite files the processes write.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/client.hpp"

namespace lh::safety_test {

using Json = nlohmann::json;

// A fresh folder under the temp directory, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& stem);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

// A child process; stdout and stderr appended to `log_path` (stdout to a pipe when `pipe_stdout`).
// The destructor kills (SIGKILL) and reaps it if it still runs.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
          const std::string& log_path, bool pipe_stdout = false);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGKILL and reap.
  void kill_hard();
  // SIGTERM, reap (SIGKILL after a bounded wait); the exit code.
  int stop();
  // Blocks until it exits; the exit code (128 + signal when killed).
  int wait();
  // With pipe_stdout: what the child wrote so far (blocks until EOF when `until_eof`).
  std::string read_stdout(bool until_eof);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int exit_code_ = -1;
};

// `lateral-hunt serve --http 127.0.0.1:0 --config CONFIG --reports REPORTS` with LH_LOG_LEVEL=`log_level`,
// its stderr appended to `log_path`.
class HuntServer {
 public:
  HuntServer(const std::string& config, const std::string& reports, const std::string& log_path,
             const std::string& log_level = "info", const std::map<std::string, std::string>& env = {});
  const std::string& url() const { return url_; }
  Process& process() { return *process_; }
  // A new MCP client over Streamable HTTP; calls wait up to `timeout`.
  std::unique_ptr<mcp::Client> client(std::chrono::milliseconds timeout = std::chrono::minutes(5)) const;

 private:
  std::string port_file_;
  std::unique_ptr<Process> process_;
  std::string url_;
};

// Runs a command to completion: exit code, stdout, stderr.
struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandRun run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                       const std::string& scratch_dir);

// Rows of a query on an SQLite file, each row its columns as text (a plain connection, so that a WAL left by a killed writer is recovered first).
std::vector<std::vector<std::string>> sql_rows(const std::string& db, const std::string& query);

// Case comments (the case store secops-local writes) on `case_id` that contain `text`.
std::size_t comments_containing(const std::string& cases_db, std::int64_t case_id, const std::string& text);
// Creates a case in the case store; its id.
std::int64_t create_case(const std::string& cases_db, const std::string& title);

// The arguments of a small, quick hunt on the demo data.
Json quick_hunt_arguments();

// A config of one stdio upstream for the siem and cases roles; `timeout_ms` 0 keeps the default.
std::string single_upstream_config(const std::string& command, const std::vector<std::string>& args, long timeout_ms = 0);

// secops-local's arguments on the demo data with the given case store.
std::vector<std::string> secops_local_args(const std::string& cases_db, const std::vector<std::string>& extra = {});

}  // namespace lh::safety_test
