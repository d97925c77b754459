// A small HTTP/1.1 server engine: epoll threads (one per CPU by default) accept connections, read
// them and parse requests (transport/http_request.hpp); only a COMPLETE request reaches the
// handler, so a client that sends slowly, or opens a connection and says nothing, costs a buffer
// and a descriptor but never a thread. The handler runs on the connection's epoll thread and must
// return promptly: it answers at once (Exchange::respond, the whole response in one write) or
// moves the exchange to a worker thread (Exchange::defer) to wait for its answer or to stream one
// (SSE). After the response a keep-alive connection goes back to its epoll thread, which serves
// pipelined requests in order.
//
// Per connection: a request's head and body must arrive within request_timeout of its first byte
// (else 408 and close); a keep-alive connection with no request for keep_alive_timeout is closed;
// beyond max_connections a new connection gets 503 and is closed. Writes from a worker block for at
// most send_timeout each, so a client that stops reading frees its worker.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/http_request.hpp"

namespace lh::transport::http1 {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: ephemeral
  HttpLimits limits;
  std::size_t max_connections = 1000;
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds keep_alive_timeout{5'000};
  std::chrono::milliseconds send_timeout{30'000};
  // Epoll threads reading connections and running the handler; 0: one per CPU, at most 4.
  std::size_t reactor_threads = 0;
  // Threads for deferred exchanges (waiting answers, streams); they start on demand.
  std::size_t worker_threads = 256;
  // A keep-alive connection is closed after this many requests.
  std::size_t keep_alive_max_requests = 100'000;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 200;
  Headers headers;  // besides Content-Length and Connection, which the engine writes
  std::string content_type;  // empty: no Content-Type header
  std::string body;
};

// The standard reason phrase ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status);

class Server;
struct Connection;

// One request's answer. Move-only; exactly one of respond(), the stream calls or defer() is used.
// An exchange dropped without a response closes its connection.
class Exchange {
 public:
  Exchange(Exchange&&) noexcept;
  Exchange& operator=(Exchange&&) noexcept;
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  ~Exchange();

  // Writes the whole response (status line, headers, body) in one call where the socket allows.
  void respond(Response response);

  // Streams a response of unknown length (chunked on HTTP/1.1, close-delimited on HTTP/1.0). Call
  // from a worker (after defer()): each write blocks until sent or send_timeout. Each returns false
  // once the client is gone; end_stream() finishes the response.
  bool begin_stream(int status, std::string_view content_type, const Headers& headers = {});
  bool write_stream(std::string_view data);
  void end_stream();

  // Runs `task` on a worker thread with this exchange; the epoll thread moves on at once.
  void defer(std::function<void(Exchange)> task);

  // The request asked to close the connection or the engine is stopping.
  bool closing() const;

 private:
  friend class Server;
  Exchange(Server* server, std::shared_ptr<Connection> connection, bool keep_alive, int version_minor);
  void finish(bool keep_open);

  Server* server_ = nullptr;
  std::shared_ptr<Connection> connection_;
  bool keep_alive_ = true;
  int version_minor_ = 1;
  bool streaming_ = false;
  bool stream_ok_ = true;
};

// Runs on the epoll thread: inspect the request, then respond() or defer().
using Handler = std::function<void(HttpRequest request, Exchange exchange)>;
// The response for a request the engine refuses itself (400/408/413/431/501/503/505).
using ErrorResponder = std::function<Response(int status, const std::string& message)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler, ErrorResponder error_responder = {});
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the epoll thread. Throws std::runtime_error when it cannot bind.
  void start();
  int port() const;
  // Stops accepting and reading, waits for deferred exchanges to finish (the caller makes them
  // finish, e.g. by ending what they wait for), closes every connection. Idempotent.
  void stop();

  // Figures for tests and load reports.
  struct Counters {
    std::size_t open_connections = 0;
    std::size_t refused_connections = 0;  // over max_connections
    std::size_t timed_out_requests = 0;   // 408
    std::size_t malformed_requests = 0;   // 400/413/431/501/505 from the parser
  };
  Counters counters() const;

 private:
  friend class Exchange;
  struct Impl;
  static Exchange new_exchange(Server* server, std::shared_ptr<Connection> connection, bool keep_alive,
                               int version_minor);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lh::transport::http1
