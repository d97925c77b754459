#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <set>
#include <string>

#include "mcp/log.hpp"
#include "support.hpp"
#include "transport/stdio_client.hpp"

using namespace lh::transport;
using namespace lh::transport::test;

namespace {

StdioClientOptions child_options(const std::string& mode) {
  StdioClientOptions options;
  options.name = "child";
  options.process.command = LH_TEST_CHILD;
  options.process.args = {mode};
  return options;
}

Json request(int id, const std::string& method, Json params = Json::object()) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

// Captures log lines for the duration of a test.
struct LogCapture {
  LogCapture() {
    lh::mcp::log::set_sink([this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    });
  }
  ~LogCapture() { lh::mcp::log::set_sink({}); }
  bool contains(std::string_view text) {
    std::lock_guard lock(mutex);
    for (const auto& line : lines) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::mutex mutex;
  std::vector<std::string> lines;
};

// True while a process with this pid exists in any state (a zombie counts).
bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

}  // namespace

TEST_CASE("stdio client: talks to a child, skips non-JSON-RPC stdout lines, forwards stderr") {
  LogCapture log;
  Recorder recorder;
  auto transport = std::make_shared<StdioClientTransport>(child_options("echo"));
  transport->start(recorder.handlers());
  CHECK(transport->pid() > 0);

  transport->send(request(1, "echo", {{"x", 42}}));
  auto answer = recorder.wait_response(1);
  REQUIRE(answer.is_object());
  CHECK(answer["result"]["echo"]["x"] == 42);

  // The child printed a plain-text line and a JSON line without "jsonrpc" before answering.
  REQUIRE(recorder.wait_errors(2));
  auto errors = recorder.errors();
  CHECK(errors[0].find("WARNING: this line is not JSON") != std::string::npos);
  CHECK(errors[0].find("'child'") != std::string::npos);
  CHECK(errors[1].find("not\":\"json-rpc") != std::string::npos);
  CHECK(recorder.messages().size() == 1);  // neither reached on_message
  CHECK(recorder.closes() == 0);

  // stderr lines land in our log under the server name.
  const auto log_deadline = std::chrono::steady_clock::now() + kPatience;
  while (!log.contains("child stderr: second line") && std::chrono::steady_clock::now() < log_deadline) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(log.contains("[child] child stderr: starting in mode echo"));

  transport->close();
  REQUIRE(recorder.wait_closed());
  auto status = transport->wait_status();
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  CHECK_FALSE(process_exists(transport->pid()));
  CHECK_THROWS_AS(transport->send(request(2, "echo")), lh::mcp::TransportError);
  CHECK(recorder.closes() == 1);
}

TEST_CASE("stdio client: the child's environment holds only the minimal variables plus the configured ones") {
  ::setenv("LH_TEST_SECRET_SHOULD_NOT_LEAK", "hunter2", 1);
  auto options = child_options("echo");
  options.process.env = {{"CHRONICLE_PROJECT_ID", "proj-1"}, {"TERM", "dumb-override"}};
  Recorder recorder;
  auto transport = std::make_shared<StdioClientTransport>(options);
  transport->start(recorder.handlers());
  transport->send(request(1, "env"));
  auto answer = recorder.wait_response(1);
  REQUIRE(answer.is_object());
  auto env = answer["result"]["env"];
  std::set<std::string> allowed = {"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "CHRONICLE_PROJECT_ID"};
  for (const auto& item : env.items()) {
    const std::string name = item.key();
    INFO("unexpected variable in the child: " << name);
    CHECK(allowed.count(name) == 1);
  }
  CHECK(env["CHRONICLE_PROJECT_ID"] == "proj-1");
  CHECK(env["TERM"] == "dumb-override");
  if (std::getenv("PATH")) CHECK(env["PATH"] == std::getenv("PATH"));
  CHECK_FALSE(env.contains("LH_TEST_SECRET_SHOULD_NOT_LEAK"));
  ::unsetenv("LH_TEST_SECRET_SHOULD_NOT_LEAK");

  // No descriptor of ours leaked into the child.
  transport->send(request(2, "fds"));
  auto fds = recorder.wait_response(2);
  REQUIRE(fds.is_object());
  CHECK(fds["result"]["open_fds"] == Json::array());
  transport->close();
}

TEST_CASE("stdio client: on_close fires when the child exits by itself, exit status is kept") {
  Recorder recorder;
  auto transport = std::make_shared<StdioClientTransport>(child_options("echo"));
  transport->start(recorder.handlers());
  transport->send(request(1, "exit"));
  REQUIRE(recorder.wait_response(1).is_object());
  REQUIRE(recorder.wait_closed());
  auto status = transport->wait_status();
  const auto status_deadline = std::chrono::steady_clock::now() + kPatience;
  while (!status && std::chrono::steady_clock::now() < status_deadline) {
    std::this_thread::sleep_for(10ms);
    status = transport->wait_status();
  }
  REQUIRE(status.has_value());
  CHECK(WEXITSTATUS(*status) == 3);
  CHECK(transport->describe_status() == "exit code 3");
  CHECK_THROWS_AS(transport->send(request(2, "echo")), lh::mcp::TransportError);
}

TEST_CASE("stdio client: a child that ignores stdin EOF and SIGTERM is killed and reaped") {
  auto options = child_options("ignore-term");
  options.shutdown_grace = std::chrono::milliseconds(200);
  Recorder recorder;
  auto transport = std::make_shared<StdioClientTransport>(options);
  transport->start(recorder.handlers());
  // Once it answers, its SIGTERM handler is in place.
  transport->send(request(1, "echo"));
  REQUIRE(recorder.wait_response(1).is_object());
  pid_t pid = transport->pid();
  transport->close();
  auto status = transport->wait_status();
  REQUIRE(status.has_value());
  CHECK(WIFSIGNALED(*status));
  CHECK(WTERMSIG(*status) == SIGKILL);
  CHECK_FALSE(process_exists(pid));  // reaped: not even a zombie
  REQUIRE(recorder.wait_closed());
}

TEST_CASE("stdio client: a command that does not exist fails start() with a clear message") {
  StdioClientOptions options;
  options.name = "ghost";
  options.process.command = "lh-no-such-command-anywhere";
  // Declared before the transport, which would deliver to it from its threads.
  Recorder recorder;
  StdioClientTransport transport(options);
  try {
    transport.start(recorder.handlers());
    FAIL("start() should have thrown");
  } catch (const lh::mcp::TransportError& e) {
    std::string what = e.what();
    CHECK(what.find("ghost") != std::string::npos);
    CHECK(what.find("lh-no-such-command-anywhere") != std::string::npos);
    CHECK(what.find("not found in PATH") != std::string::npos);
  }
}

TEST_CASE("stdio client: destroying the transport without close() still reaps the child") {
  pid_t pid = -1;
  {
    auto options = child_options("ignore-term");
    options.shutdown_grace = std::chrono::milliseconds(100);
    Recorder recorder;
    StdioClientTransport transport(options);
    transport.start(recorder.handlers());
    pid = transport.pid();
  }
  CHECK_FALSE(process_exists(pid));
}
