#include "tests/hunt_acceptance/harness.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>

#include "mcp/client.hpp"
#include "transport/stdio_client.hpp"
#include "transport/subprocess.hpp"

namespace lh::acceptance {

namespace fs = std::filesystem;

std::string lateral_hunt_executable() { return LH_ACCEPT_LATERAL_HUNT; }
std::string secops_local_executable() { return LH_ACCEPT_SECOPS_LOCAL; }
fs::path otrf_directory() { return LH_ACCEPT_OTRF_DIR; }
fs::path demo_directory() { return LH_ACCEPT_DEMO_DIR; }

// ---- lateral-hunt serve over stdio ----

HuntServer::HuntServer(std::vector<std::string> serve_args) {
  auto factory = [serve_args]() -> std::shared_ptr<mcp::Transport> {
    transport::StdioClientOptions options;
    options.name = "lateral-hunt";
    options.process.command = lateral_hunt_executable();
    // Past reports stay in memory: a test run leaves nothing in the home directory.
    options.process.args = {"serve", "--reports", ":memory:"};
    options.process.args.insert(options.process.args.end(), serve_args.begin(), serve_args.end());
    // The child's environment is minimal: it finds secops-local only through this variable.
    options.process.env = {{"LH_SECOPS_LOCAL", secops_local_executable()}, {"LH_LOG_LEVEL", "warn"}};
    return std::make_shared<transport::StdioClientTransport>(std::move(options));
  };
  mcp::ClientOptions options;
  options.info = {"hunt-acceptance", "0.1.0"};
  // A hunt over the largest recorded set takes seconds, not minutes; this only bounds a hang.
  options.request_timeout = std::chrono::minutes(5);
  // A server that does not start is a failure to report, not to retry.
  options.connect_attempts = 1;
  client_ = std::make_unique<mcp::Client>(factory, options);
  client_->connect();
}

HuntServer::~HuntServer() {
  try {
    client_->close();
  } catch (...) {
    // The child is reaped by the transport's destructor either way.
  }
}

std::unique_ptr<HuntServer> HuntServer::with_data(const std::vector<std::string>& data_paths) {
  std::vector<std::string> args;
  for (const auto& path : data_paths) args.insert(args.end(), {"--data", path});
  return std::make_unique<HuntServer>(args);
}

std::unique_ptr<HuntServer> HuntServer::with_config(const fs::path& config_file) {
  return std::make_unique<HuntServer>(std::vector<std::string>{"--config", config_file.string()});
}

HuntOutcome HuntServer::hunt(const Json& arguments) {
  const mcp::ToolResult result = client_->call_tool("lateral_movement_hunt", arguments);
  HuntOutcome outcome;
  outcome.is_error = result.is_error;
  outcome.text = result.joined_text();
  if (result.structured_content) outcome.report = *result.structured_content;
  return outcome;
}

// ---- secops-local over HTTP ----

namespace {

// The port in secops-local's "listening on http://127.0.0.1:PORT/mcp" line (printed once it serves), or 0.
int announced_port(const std::string& output) {
  constexpr std::string_view kAnnouncement = "secops-local: listening on http://127.0.0.1:";
  const auto at = output.find(kAnnouncement);
  if (at == std::string::npos) return 0;
  const auto digits = at + kAnnouncement.size();
  const auto end = output.find_first_not_of("0123456789", digits);
  if (end == std::string::npos || end == digits) return 0;  // the line is not complete yet
  return std::stoi(output.substr(digits, end - digits));
}

// Reads `fd` to its end so that the child never blocks on a full pipe; keeps the last bytes when asked.
void drain(int fd, std::string* keep, std::mutex* keep_mutex) {
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got == 0) return;
    if (got < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (keep == nullptr) continue;
    std::lock_guard lock(*keep_mutex);
    keep->append(buffer, static_cast<std::size_t>(got));
    if (keep->size() > 16384) keep->erase(0, keep->size() - 8192);
  }
}

std::mutex& stderr_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

SecopsLocalHttp::SecopsLocalHttp(const std::vector<std::string>& args)
    : stderr_text_(std::make_shared<std::string>()) {
  transport::SubprocessOptions options;
  options.command = secops_local_executable();
  // Port 0: secops-local binds a free port itself and says which. A port picked here could be taken by
  // another process before the child binds it (and a connect test would then reach that process).
  options.args = {"--http", "127.0.0.1:0", "--log-level", "warn"};
  options.args.insert(options.args.end(), args.begin(), args.end());
  process_ = transport::Subprocess::spawn(options);
  process_->close_stdin();
  stdout_drain_ = std::jthread([fd = process_->stdout_fd()] { drain(fd, nullptr, nullptr); });
  stderr_drain_ = std::jthread([fd = process_->stderr_fd(), text = stderr_text_] { drain(fd, text.get(), &stderr_mutex()); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while ((port_ = announced_port(stderr_tail())) == 0) {
    if (process_->exited()) {
      throw std::runtime_error(fmt::format("secops-local --http 127.0.0.1:0 exited ({}): {}",
                                           process_->describe_status(), stderr_tail()));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      const std::string message =
          fmt::format("secops-local did not say where it listens within 120 s: {}", stderr_tail());
      // The drains are joined as this constructor unwinds, and they end only once the child is gone.
      process_->signal_group(SIGKILL);
      process_->wait_for_exit(std::chrono::seconds(10));
      throw std::runtime_error(message);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

SecopsLocalHttp::~SecopsLocalHttp() {
  process_->signal_group(SIGTERM);
  if (!process_->wait_for_exit(std::chrono::seconds(10))) process_->signal_group(SIGKILL);
  process_->wait_for_exit(std::chrono::seconds(10));
  // The pipes reach their end once the child is gone; then the drains finish and join.
  if (stdout_drain_.joinable()) stdout_drain_.join();
  if (stderr_drain_.joinable()) stderr_drain_.join();
}

std::string SecopsLocalHttp::url() const { return fmt::format("http://127.0.0.1:{}/mcp", port_); }

std::string SecopsLocalHttp::stderr_tail() const {
  std::lock_guard lock(stderr_mutex());
  return *stderr_text_;
}

// ---- files and ports ----

TempFile::TempFile(const std::string& stem, const std::string& content) {
  static int counter = 0;
  path_ = fs::temp_directory_path() / fmt::format("hunt_acceptance.{}.{}.{}", getpid(), ++counter, stem);
  std::ofstream out(path_, std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path_.string());
}

TempFile::~TempFile() {
  std::error_code ignored;
  fs::remove(path_, ignored);
}

int unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind an ephemeral port on 127.0.0.1");
  }
  const int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

// ---- comparisons ----

namespace {

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool looks_like_ip(const std::string& text) {
  if (text.find(':') != std::string::npos) return true;  // IPv6
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; });
}

}  // namespace

std::string short_host(const std::string& name) {
  if (name.empty() || looks_like_ip(name)) return name;
  return upper(name.substr(0, name.find('.')));
}

bool same_account(const std::string& expected, const std::string& actual) {
  auto split = [](const std::string& account) {
    const auto slash = account.find('\\');
    if (slash == std::string::npos) return std::pair<std::string, std::string>{"", lower(account)};
    std::string domain = lower(account.substr(0, slash));
    return std::pair{domain.substr(0, domain.find('.')), lower(account.substr(slash + 1))};
  };
  const auto [expected_domain, expected_user] = split(expected);
  const auto [actual_domain, actual_user] = split(actual);
  if (expected_user != actual_user) return false;
  return expected_domain.empty() || expected_domain == actual_domain;
}

std::string text_of(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

std::string source_host(const Json& finding) {
  return finding.contains("source") ? short_host(text_of(finding["source"], "host")) : "";
}
std::string source_ip(const Json& finding) {
  return finding.contains("source") ? text_of(finding["source"], "ip") : "";
}
std::string target_host(const Json& finding) {
  return finding.contains("target") ? short_host(text_of(finding["target"], "host")) : "";
}

std::string describe_finding(const Json& finding) {
  const std::string ip = source_ip(finding);
  return fmt::format("{} {} {} {}{} -> {} as {} [{}]", text_of(finding, "id"), text_of(finding, "kind"),
                     text_of(finding, "technique_id"), source_host(finding).empty() ? "?" : source_host(finding),
                     ip.empty() ? "" : "(" + ip + ")", target_host(finding), text_of(finding, "account"),
                     text_of(finding, "severity"));
}

std::string describe_findings(const Json& report) {
  if (!report.is_object() || !report.contains("findings") || !report["findings"].is_array()) {
    return "(no findings array in the report)";
  }
  if (report["findings"].empty()) return "(no findings)";
  std::string text;
  for (const auto& finding : report["findings"]) text += "\n  " + describe_finding(finding);
  return text;
}

std::string describe_steps(const Json& report) {
  if (!report.is_object() || !report.contains("steps") || !report["steps"].is_array()) return "(no steps)";
  std::string text;
  for (const auto& step : report["steps"]) {
    if (!text.empty()) text += " ";
    text += text_of(step, "name") + "=" + text_of(step, "status");
    const std::string error = text_of(step, "error");
    if (!error.empty()) text += " (" + error + ")";
  }
  return text;
}

}  // namespace lh::acceptance
