// The server side of MCP's Streamable HTTP transport on our HTTP/1.1 engine
// (transport/http1_server.hpp): one endpoint (default /mcp) for POST, GET and DELETE, sessions
// keyed by Mcp-Session-Id, each session exposed to the protocol engine as an mcp::Transport.
//
// Threads: one epoll thread reads every connection and handles each complete request; a request
// the engine answers at once (quick tools, registry methods, notifications, errors) goes back from
// that thread in one write; a request that must wait for its answer, and every SSE stream, moves
// to a worker. An idle or slowly sending connection therefore never holds a worker.
//
// Per POSTed request the engine's messages whose SendOptions.related_request_id (or, for the
// response, whose id) names that request travel back on that POST: as one application/json body
// when the response is the first of them (the fast path), else as a text/event-stream that starts
// with a priming event (id, empty data), carries the notifications and server-to-client requests
// in order, then the response, then ends. Other server-initiated messages go to the session's GET
// stream when one is open (or buffered, bounded, while that stream's client reconnects), else
// they are dropped.
//
// Resumability: SSE event ids are "<stream>-<seq>". If a client loses a POST's stream before
// the response, the stream keeps collecting; GET with Last-Event-ID replays what followed that
// event and continues to the response. A dropped connection never cancels the request.
//
// Sessions: created by an `initialize` POST without a session id (the SessionFactory attaches
// the engine); ended by DELETE, by the engine closing the transport, by the idle timeout, or by
// stop(). A session with a request in progress or an open GET stream is never idle. At
// max_sessions, a new session evicts the least recently used idle session; when every session is
// busy the initialize POST gets 503.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcp/transport.hpp"

namespace lh::transport {

struct StreamableHttpServerOptions {
  // Binding anything but loopback exposes the server: set bearer_token and allowed_hosts then.
  std::string host = "127.0.0.1";
  // 0: an ephemeral port; StreamableHttpServer::port() tells which.
  int port = 0;
  std::string path = "/mcp";
  // Browser origins allowed besides the local machine's (http(s)://localhost|127.0.0.1|[::1]:any);
  // exact match such as "https://console.example.com"; "*" allows any.
  std::vector<std::string> allowed_origins;
  // Names the Host header may carry (port ignored); "*" allows any. `host` is added when it is a
  // specific address (not 0.0.0.0 / ::).
  std::vector<std::string> allowed_hosts = {"127.0.0.1", "localhost", "[::1]"};
  // When set, every request needs "Authorization: Bearer <token>" (else 401).
  std::optional<std::string> bearer_token;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_sessions = 1000;
  std::chrono::seconds session_idle_timeout{600};
  // Workers for requests waiting on their answer and for open SSE streams (each holds one while
  // it waits or streams); started on demand. Idle or reading connections hold none.
  std::size_t worker_threads = 256;
  // Open connections beyond this get 503 and are closed at once.
  std::size_t max_connections = 1000;
  // A request's head and body must arrive within this time of its first byte (else 408 and close).
  std::chrono::milliseconds request_timeout{10'000};
  // A keep-alive connection is closed after this many requests.
  std::size_t keep_alive_max_requests = 100000;
  // A keep-alive connection with no request for this long is closed.
  std::chrono::seconds keep_alive_timeout{5};
  // An SSE stream with nothing to send gets a comment this often, which also detects a client
  // that went away.
  std::chrono::seconds sse_keepalive_interval{15};
  // The reconnection delay announced in every stream's priming event ("retry:").
  std::chrono::milliseconds sse_retry{1000};
  // Realm in WWW-Authenticate.
  std::string realm = "mcp";
};

// Called for each new session with the transport the engine must use; the object returned
// (typically the engine's ServerSession) is kept alive as long as the session.
using SessionFactory = std::function<std::shared_ptr<void>(std::shared_ptr<mcp::Transport> session_transport)>;

class StreamableHttpServer {
 public:
  StreamableHttpServer(StreamableHttpServerOptions options, SessionFactory factory);
  // stop()
  ~StreamableHttpServer();
  StreamableHttpServer(const StreamableHttpServer&) = delete;
  StreamableHttpServer& operator=(const StreamableHttpServer&) = delete;

  // Binds and starts serving on a background thread. Throws std::runtime_error when the address
  // cannot be bound.
  void start();
  // The bound port (after start()).
  int port() const;
  // "http://127.0.0.1:<port>/mcp"
  std::string url() const;
  // Blocks until stop() is called (from another thread or a signal handler's thread).
  void wait();
  // Ends every session (their on_close fires), answers requests still waiting with 503, stops
  // accepting, and joins every thread. Idempotent.
  void stop();

  // Live sessions (not yet ended).
  std::size_t session_count() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lh::transport
