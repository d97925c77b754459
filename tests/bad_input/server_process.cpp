#include "tests/bad_input/server_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <httplib.h>

namespace lh::test {
namespace {

constexpr std::size_t kStderrTail = 16 * 1024;
constexpr const char* kProtocolVersion = "2025-06-18";
// Bodies above this are posted by hand (see post_by_socket).
constexpr std::size_t kLargeBody = 2 * 1024 * 1024;

bool is_response(const Json& message) {
  return message.is_object() && message.contains("id") && (message.contains("result") || message.contains("error"));
}

// The response carried by an SSE body: each event's data lines joined, the first JSON-RPC response.
std::optional<Json> response_in_event_stream(const std::string& body) {
  std::istringstream lines(body);
  std::string line, data;
  auto flush = [&]() -> std::optional<Json> {
    if (data.empty()) return std::nullopt;
    Json message = Json::parse(data, nullptr, false);
    data.clear();
    if (!message.is_discarded() && is_response(message)) return message;
    return std::nullopt;
  };
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (auto found = flush()) return found;
    } else if (line.rfind("data:", 0) == 0) {
      std::string part = line.substr(5);
      if (!part.empty() && part.front() == ' ') part.erase(0, 1);
      if (!data.empty()) data += '\n';
      data += part;
    }
  }
  return flush();
}

}  // namespace

const char* to_string(Transport transport) { return transport == Transport::stdio ? "stdio" : "http"; }

ServerProcess::ServerProcess(Transport transport, std::string command, std::vector<std::string> args,
                             std::map<std::string, std::string> env)
    : transport_(transport) {
  transport::SubprocessOptions options;
  options.command = std::move(command);
  options.args = std::move(args);
  options.env = std::move(env);
  process_ = transport::Subprocess::spawn(options);
  try {
    start_and_initialize();
  } catch (...) {
    // No destructor runs for a constructor that throws: without this, the members the drains use would
    // be destroyed under them and their joinable threads would end the whole run (std::terminate).
    stop_and_join();
    throw;
  }
}

void ServerProcess::start_and_initialize() {
  drains_.emplace_back([this] { drain(process_->stderr_fd(), true); });
  if (transport_ == Transport::http) {
    drains_.emplace_back([this] { drain(process_->stdout_fd(), false); });
    // Startup only: wait (bounded) for the address the server logs once it listens.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (port_ == 0) {
      {
        std::lock_guard lock(mutex_);
        const auto at = stderr_tail_.find("listening on http://");
        if (at != std::string::npos) {
          const auto end = stderr_tail_.find('\n', at);
          if (end != std::string::npos) {
            const std::string url = stderr_tail_.substr(at + 20, end - at - 20);  // host:port/path
            const auto colon = url.find(':');
            const auto slash = url.find('/', colon);
            host_ = url.substr(0, colon);
            port_ = std::stoi(url.substr(colon + 1, slash - colon - 1));
            path_ = url.substr(slash);
            break;
          }
        }
      }
      if (process_->exited() || std::chrono::steady_clock::now() > give_up) {
        throw std::runtime_error("the server did not start listening:\n" + stderr_tail());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  initialize();
}

ServerProcess::~ServerProcess() { stop_and_join(); }

void ServerProcess::stop_and_join() {
  if (process_) {
    process_->signal_group(SIGTERM);
    if (!process_->wait_for_exit(std::chrono::seconds(10))) {
      process_->signal_group(SIGKILL);
      process_->wait_for_exit(std::chrono::seconds(10));
    }
  }
  for (auto& thread : drains_) {
    if (thread.joinable()) thread.join();
  }
}

void ServerProcess::drain(int fd, bool is_stderr) {
  char buffer[8192];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    if (!is_stderr) continue;  // HTTP servers print nothing useful on stdout
    std::lock_guard lock(mutex_);
    stderr_tail_.append(buffer, static_cast<std::size_t>(got));
    // Keep the first lines (the listening address) and the tail.
    if (stderr_tail_.size() > 2 * kStderrTail) stderr_tail_.erase(kStderrTail / 2, stderr_tail_.size() - kStderrTail);
  }
}

std::string ServerProcess::stderr_tail() const {
  std::lock_guard lock(mutex_);
  return stderr_tail_;
}

long ServerProcess::next_id() {
  std::lock_guard lock(mutex_);
  return next_id_++;
}

void ServerProcess::initialize() {
  const Json params = {{"protocolVersion", kProtocolVersion},
                       {"capabilities", Json::object()},
                       {"clientInfo", {{"name", "bad-input-catalogue"}, {"version", "1"}}}};
  const long id = next_id();
  const Json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", "initialize"}, {"params", params}};
  Exchange answer = send_raw(message.dump(), id, std::chrono::minutes(2));
  if (!answer.response || !answer.response->contains("result")) {
    throw std::runtime_error(fmt::format("initialize failed ({}; status {}):\n{}", answer.failure, answer.http_status,
                                         stderr_tail()));
  }
  protocol_version_ = (*answer.response)["result"].value("protocolVersion", kProtocolVersion);
  const Json initialized = {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
  if (transport_ == Transport::stdio) {
    const std::string line = initialized.dump() + "\n";
    if (::write(process_->stdin_fd(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      throw std::runtime_error("cannot write notifications/initialized");
    }
  } else {
    (void)send_http(initialized.dump(), std::chrono::seconds(30));
  }
}

Exchange ServerProcess::request(const std::string& method, Json params, std::chrono::milliseconds timeout) {
  const long id = next_id();
  Json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) message["params"] = std::move(params);
  return send_raw(message.dump(), id, timeout);
}

Exchange ServerProcess::send_raw(const std::string& bytes, long id, std::chrono::milliseconds timeout) {
  return transport_ == Transport::stdio ? send_stdio(bytes, id, timeout) : send_http(bytes, timeout);
}

Exchange ServerProcess::send_stdio(const std::string& bytes, long id, std::chrono::milliseconds timeout) {
  Exchange exchange;
  const std::string line = bytes + "\n";
  for (std::size_t sent = 0; sent < line.size();) {
    const ssize_t wrote = ::write(process_->stdin_fd(), line.data() + sent, line.size() - sent);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      exchange.failure = fmt::format("writing to the server's stdin failed (errno {})", errno);
      return exchange;
    }
    sent += static_cast<std::size_t>(wrote);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Every complete line already read: the answer, or something to skip (notifications, logs).
    for (auto newline = stdout_buffer_.find('\n'); newline != std::string::npos; newline = stdout_buffer_.find('\n')) {
      const std::string text = stdout_buffer_.substr(0, newline);
      stdout_buffer_.erase(0, newline + 1);
      Json message = Json::parse(text, nullptr, false);
      if (message.is_discarded()) {
        exchange.failure = "the server wrote a line that is not JSON on stdout: " + text.substr(0, 200);
        return exchange;
      }
      if (!is_response(message)) continue;
      if (message["id"].is_null() || message["id"] == id) {
        exchange.wire_bytes = text.size();
        exchange.response = std::move(message);
        return exchange;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      exchange.failure = fmt::format("no answer within {} ms", timeout.count());
      return exchange;
    }
    pollfd fd{process_->stdout_fd(), POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[65536];
    const ssize_t got = ::read(process_->stdout_fd(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      exchange.failure = "the server closed its stdout (" + process_->describe_status() + ")";
      return exchange;
    }
    stdout_buffer_.append(buffer, static_cast<std::size_t>(got));
  }
}

namespace {

// A POST written by hand for bodies a server should refuse unread: the headers go first and the
// server may answer (413) before the body is sent, which an ordinary client reports only as a failed
// write. Reads the status line and the rest of the answer until the server closes or `timeout`.
Exchange post_by_socket(const std::string& host, int port, const std::string& path, const std::string& headers,
                        const std::string& body, std::chrono::milliseconds timeout) {
  Exchange exchange;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    exchange.failure = "socket() failed";
    return exchange;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    exchange.failure = "connect() failed";
    return exchange;
  }
  const std::string head = fmt::format(
      "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}Connection: "
      "close\r\n\r\n",
      path, host, port, body.size(), headers);
  auto readable_within = [fd](int ms) {
    pollfd poll_fd{fd, POLLIN, 0};
    return ::poll(&poll_fd, 1, ms) > 0;
  };
  auto write_all = [fd](const std::string& data) {
    for (std::size_t sent = 0; sent < data.size();) {
      const ssize_t wrote = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (wrote < 0 && errno == EINTR) continue;
      if (wrote <= 0) return false;
      sent += static_cast<std::size_t>(wrote);
    }
    return true;
  };
  // The body goes only if the server has not answered the headers already; a failed body write is
  // expected when it refuses mid-body.
  if (write_all(head) && !readable_within(2000)) (void)write_all(body);
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && readable_within(1000)) {
    char buffer[8192];
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(got));
  }
  exchange.wire_bytes = answer.size();
  if (answer.rfind("HTTP/1.", 0) != 0 || answer.size() < 12) {
    exchange.failure = "no HTTP status line in the answer: " + answer.substr(0, 200);
    return exchange;
  }
  exchange.http_status = std::atoi(answer.c_str() + 9);
  if (const auto body_at = answer.find("\r\n\r\n"); body_at != std::string::npos) {
    Json message = Json::parse(answer.substr(body_at + 4), nullptr, false);
    if (!message.is_discarded()) exchange.response = std::move(message);
  }
  return exchange;
}

}  // namespace

Exchange ServerProcess::send_http(const std::string& bytes, std::chrono::milliseconds timeout) {
  if (bytes.size() > kLargeBody) {
    std::string headers = "Accept: application/json, text/event-stream\r\n";
    if (!session_id_.empty()) {
      headers += fmt::format("Mcp-Session-Id: {}\r\nMCP-Protocol-Version: {}\r\n", session_id_, protocol_version_);
    }
    return post_by_socket(host_, port_, path_, headers, bytes, timeout);
  }
  Exchange exchange;
  httplib::Client client(host_, port_);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
  client.set_read_timeout(static_cast<time_t>(seconds), 0);
  client.set_write_timeout(static_cast<time_t>(seconds), 0);
  client.set_connection_timeout(10, 0);
  httplib::Headers headers = {{"Accept", "application/json, text/event-stream"}};
  if (!session_id_.empty()) {
    headers.emplace("Mcp-Session-Id", session_id_);
    headers.emplace("MCP-Protocol-Version", protocol_version_);
  }
  auto result = client.Post(path_, headers, bytes, "application/json");
  if (!result) {
    exchange.failure = "HTTP request failed: " + httplib::to_string(result.error());
    return exchange;
  }
  exchange.http_status = result->status;
  exchange.wire_bytes = result->body.size();
  if (session_id_.empty() && result->has_header("Mcp-Session-Id")) session_id_ = result->get_header_value("Mcp-Session-Id");
  const std::string type = result->get_header_value("Content-Type");
  if (type.rfind("text/event-stream", 0) == 0) {
    exchange.response = response_in_event_stream(result->body);
  } else if (!result->body.empty()) {
    Json message = Json::parse(result->body, nullptr, false);
    if (!message.is_discarded()) exchange.response = std::move(message);
  }
  return exchange;
}

bool ServerProcess::alive(std::string* why) {
  auto fail = [&](std::string reason) {
    if (why) *why = std::move(reason);
    return false;
  };
  if (process_->exited()) return fail("the server exited: " + process_->describe_status());
  const Exchange pong = request("ping", nullptr, std::chrono::seconds(30));
  if (!pong.response) return fail("ping got no answer: " + pong.failure);
  if (!pong.response->contains("result")) return fail("ping failed: " + pong.response->dump());
  if (process_->exited()) return fail("the server exited: " + process_->describe_status());
  return true;
}

}  // namespace lh::test
