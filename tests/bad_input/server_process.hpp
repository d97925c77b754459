// A real MCP server process (lateral-hunt serve or secops-local) spoken to with raw message bytes,
// over stdio or Streamable HTTP, so that a test can send exactly what a broken or hostile client
// would (invalid UTF-8, oversized bodies, wrong JSON-RPC shapes) and read exactly what came back.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "transport/subprocess.hpp"

namespace lh::test {

using Json = nlohmann::json;

enum class Transport { stdio, http };
const char* to_string(Transport transport);

// What one message sent got back.
struct Exchange {
  // HTTP status (stdio: 0).
  int http_status = 0;
  // The JSON-RPC response, when one came back (stdio: the first response after the message; HTTP: the
  // JSON body or the response carried on the SSE stream).
  std::optional<Json> response;
  // Size of what came back on the wire, to tell an error that echoes a 1 MB value from one that does not.
  std::size_t wire_bytes = 0;
  // Why nothing usable came back (timeout, closed pipe, connection error), empty otherwise.
  std::string failure;
};

class ServerProcess {
 public:
  // Starts `command args...` (for HTTP, args must make it listen on 127.0.0.1:0 and log
  // "listening on <url>" to stderr), then initializes an MCP session.
  ServerProcess(Transport transport, std::string command, std::vector<std::string> args,
                std::map<std::string, std::string> env = {});
  // SIGTERM, a bounded wait, then SIGKILL.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  Transport transport() const { return transport_; }
  // A fresh request id.
  long next_id();
  // Sends `bytes` as one message (stdio: plus "\n") and waits up to `timeout` for its answer. For
  // stdio the answer is the first response whose id is `id` or null.
  Exchange send_raw(const std::string& bytes, long id, std::chrono::milliseconds timeout);
  // A request built from method and params.
  Exchange request(const std::string& method, Json params, std::chrono::milliseconds timeout);

  // The process still runs and answers ping.
  bool alive(std::string* why = nullptr);
  // The last few KB of its stderr (for failure messages).
  std::string stderr_tail() const;

 private:
  void start_and_initialize();
  // SIGTERM, a bounded wait, then SIGKILL; then the drains end and are joined.
  void stop_and_join();
  void drain(int fd, bool is_stderr);
  Exchange send_stdio(const std::string& bytes, long id, std::chrono::milliseconds timeout);
  Exchange send_http(const std::string& bytes, std::chrono::milliseconds timeout);
  void initialize();

  Transport transport_;
  std::unique_ptr<transport::Subprocess> process_;
  std::vector<std::thread> drains_;
  mutable std::mutex mutex_;
  std::string stderr_tail_;
  std::string stdout_buffer_;  // stdio: bytes read but not yet split into lines
  long next_id_ = 1;
  // HTTP
  std::string host_;
  int port_ = 0;
  std::string path_;
  std::string session_id_;
  std::string protocol_version_;
};

}  // namespace lh::test
