// Shared by the skill_server tests: an in-process lateral-hunt server on the in-memory pair, the
// built lateral-hunt as a child process (stdio or HTTP), and helpers over hunt reports.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/client.hpp"
#include "mcp/server.hpp"
#include "skill/server/hunt_server.hpp"
#include "transport/subprocess.hpp"

namespace lh::test {

using Json = nlohmann::json;

// A temporary file path removed (with SQLite's -wal/-shm companions) on destruction.
class TempPath {
 public:
  explicit TempPath(const std::string& stem);
  ~TempPath();
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// lateral-hunt's MCP server in this process over the in-memory pair, on secops-local with the demo data.
struct InProcessServer {
  // `secops_args`: more secops-local arguments, e.g. {"--cases", DB}.
  explicit InProcessServer(const std::string& reports_path, const std::string& secops_local = LH_TEST_SECOPS_LOCAL,
                           const std::vector<std::string>& secops_args = {});
  ~InProcessServer();
  std::unique_ptr<skill::server::HuntService> service;
  std::unique_ptr<mcp::Server> server;
  std::shared_ptr<mcp::ServerSession> session;
  std::unique_ptr<mcp::Client> client;
};

// The built `lateral-hunt serve --http 127.0.0.1:0` on the demo data, killed (SIGTERM, then SIGKILL)
// on destruction. Its output goes to a log file, read back on failures.
class HttpServerProcess {
 public:
  explicit HttpServerProcess(const std::string& reports_path);
  ~HttpServerProcess();
  const std::string& url() const { return url_; }
  std::string log() const;

 private:
  std::unique_ptr<TempPath> port_file_;
  std::unique_ptr<TempPath> log_file_;
  pid_t pid_ = -1;
  std::string url_;
};

// A client of the built `lateral-hunt serve` over stdio (demo data, the given report store).
std::unique_ptr<mcp::Client> stdio_client(const std::string& reports_path);
std::unique_ptr<mcp::Client> http_client(const std::string& url);

// Runs the built lateral-hunt with `args` to completion (stdin /dev/null); exit code and output.
struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandRun run_lateral_hunt(const std::vector<std::string>& args);

// (technique, source host or ip, target host or ip, account) of each finding.
std::set<std::tuple<std::string, std::string, std::string, std::string>> finding_keys(const Json& report);

// The hunt arguments every test uses on the demo data.
Json demo_hunt_arguments();

}  // namespace lh::test
