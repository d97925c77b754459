#include "tests/skill_server/support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "skill/gateway/gateway.hpp"
#include "transport/http_client.hpp"
#include "transport/in_memory.hpp"
#include "transport/stdio_client.hpp"

extern char** environ;

namespace lh::test {
namespace fs = std::filesystem;

TempPath::TempPath(const std::string& stem) {
  static std::atomic<int> counter{0};
  path_ = (fs::temp_directory_path() / fmt::format("lh-skill-server-{}-{}-{}", stem, getpid(), counter++)).string();
  std::error_code ignored;
  fs::remove(path_, ignored);
}

TempPath::~TempPath() {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".tmp"}) fs::remove(path_ + suffix, ignored);
}

InProcessServer::InProcessServer(const std::string& reports_path, const std::string& secops_local,
                                 const std::vector<std::string>& secops_args) {
  skill::server::HuntDefaults defaults;
  defaults.admin_hosts = {"ADMIN-JUMP01", "DEPLOY01"};
  service = std::make_unique<skill::server::HuntService>(
      skill::gateway::Gateway::local_config(secops_local, {LH_TEST_DEMO_DATA}, secops_args), reports_path, defaults);
  server = std::make_unique<mcp::Server>(mcp::ServerOptions{.info = {"lateral-hunt", "0.1.0"}});
  skill::server::register_hunt_server(*server, *service);
  auto [client_end, server_end] = transport::make_in_memory_pair();
  session = server->connect(server_end);
  auto transport = client_end;
  client = std::make_unique<mcp::Client>([transport]() { return transport; },
                                         mcp::ClientOptions{.request_timeout = std::chrono::minutes(5)});
  client->connect();
}

InProcessServer::~InProcessServer() {
  client->close();
  session->close();
  client.reset();
  session.reset();
  server.reset();
  service.reset();
}

HttpServerProcess::HttpServerProcess(const std::string& reports_path)
    : port_file_(std::make_unique<TempPath>("port")), log_file_(std::make_unique<TempPath>("log")) {
  std::vector<std::string> args = {LH_TEST_LATERAL_HUNT, "serve", "--http", "127.0.0.1:0", "--port-file",
                                   port_file_->path(), "--data", LH_TEST_DEMO_DATA, "--reports", reports_path,
                                   "--secops-local", LH_TEST_SECOPS_LOCAL, "--admin-hosts", "ADMIN-JUMP01,DEPLOY01"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_file_->path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error(fmt::format("cannot start {}: errno {}", argv[0], spawned));
  // Bounded wait for the port file (startup only; no assertion on how long it took).
  for (int attempt = 0; attempt < 1200; ++attempt) {
    std::ifstream in(port_file_->path());
    int port = 0;
    if (in >> port && port > 0) {
      url_ = fmt::format("http://127.0.0.1:{}/mcp", port);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("lateral-hunt serve --http exited at start:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("lateral-hunt serve --http wrote no port file:\n" + log());
}

HttpServerProcess::~HttpServerProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int attempt = 0; attempt < 200; ++attempt) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
}

std::string HttpServerProcess::log() const {
  std::ifstream in(log_file_->path());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

CommandRun run_lateral_hunt(const std::vector<std::string>& args) {
  TempPath out("out"), err("err");
  std::vector<std::string> command = {LH_TEST_LATERAL_HUNT};
  command.insert(command.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : command) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error(fmt::format("cannot start {}: errno {}", argv[0], spawned));
  int status = 0;
  waitpid(pid, &status, 0);
  CommandRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_file(out.path());
  run.err = read_file(err.path());
  return run;
}

std::unique_ptr<mcp::Client> stdio_client(const std::string& reports_path) {
  auto factory = [reports_path]() -> std::shared_ptr<mcp::Transport> {
    transport::StdioClientOptions options;
    options.name = "lateral-hunt";
    options.process.command = LH_TEST_LATERAL_HUNT;
    options.process.args = {"serve", "--data", LH_TEST_DEMO_DATA, "--reports", reports_path, "--admin-hosts",
                            "ADMIN-JUMP01,DEPLOY01"};
    options.process.env = {{"LH_SECOPS_LOCAL", LH_TEST_SECOPS_LOCAL}, {"LH_LOG_LEVEL", "warn"}};
    return std::make_shared<transport::StdioClientTransport>(std::move(options));
  };
  auto client = std::make_unique<mcp::Client>(factory, mcp::ClientOptions{.request_timeout = std::chrono::minutes(5)});
  client->connect();
  return client;
}

std::unique_ptr<mcp::Client> http_client(const std::string& url) {
  auto factory = [url]() -> std::shared_ptr<mcp::Transport> {
    transport::StreamableHttpClientOptions options;
    options.url = url;
    options.name = "lateral-hunt";
    return std::make_shared<transport::StreamableHttpClientTransport>(std::move(options));
  };
  auto client = std::make_unique<mcp::Client>(factory, mcp::ClientOptions{.request_timeout = std::chrono::minutes(5)});
  client->connect();
  return client;
}

namespace {
std::string endpoint_text(const Json& endpoint) {
  if (!endpoint.is_object()) return "";
  if (endpoint.contains("host") && endpoint["host"].is_string()) return endpoint["host"].get<std::string>();
  if (endpoint.contains("ip") && endpoint["ip"].is_string()) return endpoint["ip"].get<std::string>();
  return "";
}
}  // namespace

std::set<std::tuple<std::string, std::string, std::string, std::string>> finding_keys(const Json& report) {
  std::set<std::tuple<std::string, std::string, std::string, std::string>> keys;
  for (const auto& finding : report.at("findings")) {
    keys.emplace(finding.value("technique_id", ""), endpoint_text(finding.value("source", Json())),
                 endpoint_text(finding.value("target", Json())),
                 finding.value("account", Json()).is_string() ? finding["account"].get<std::string>() : "");
  }
  return keys;
}

Json demo_hunt_arguments() {
  return {{"time_frame_hours", 72},
          {"hunt_hypothesis", "Lateral movement in the ACME demo network"},
          {"admin_hosts", {"ADMIN-JUMP01", "DEPLOY01"}}};
}

}  // namespace lh::test
