// The client side of MCP's Streamable HTTP transport: every outgoing message is one POST to the
// server's endpoint; answers come back as one JSON body or as an SSE stream; an optional GET
// stream carries server-initiated messages; close() ends the session with DELETE.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "mcp/transport.hpp"

namespace lh::transport {

// The server no longer knows our session (HTTP 404 to a request that carried Mcp-Session-Id).
// The transport is closed when this happens (on_close fires): the client must initialize anew.
class SessionExpiredError : public mcp::TransportError {
 public:
  using mcp::TransportError::TransportError;
};

struct StreamableHttpClientOptions {
  // http:// or https:// URL of the MCP endpoint, e.g. "https://chronicle.us.rep.googleapis.com/mcp".
  std::string url;
  // Sent on every request, e.g. {"Authorization", "Bearer ..."}, {"x-goog-user-project", "..."}.
  std::map<std::string, std::string> headers;
  // Used in log lines and error messages.
  std::string name = "server";
  std::chrono::seconds connect_timeout{10};
  // Longest silence tolerated on an open response (a slow tool's JSON answer, a quiet SSE stream).
  std::chrono::seconds read_timeout{600};
  // Open the GET stream for server-initiated messages once the session is initialized; sending
  // notifications/initialized waits up to 2 s for the server's answer to that GET, so requests
  // the server sends right after initialization are not lost. A server without one (HTTP 404 or
  // 405 to the first GET) is fine: the transport goes on without the stream.
  bool open_get_stream = true;
  // Requests in flight at once (one connection each); more wait their turn.
  std::size_t max_concurrent_requests = 16;
  // TLS: verify the server certificate (system CA store, or ca_cert_path when set).
  bool verify_tls = true;
  std::string ca_cert_path;
};

class StreamableHttpClientTransport final : public mcp::Transport {
 public:
  // Throws mcp::TransportError when the URL is not a usable http(s) URL.
  explicit StreamableHttpClientTransport(StreamableHttpClientOptions options);
  // close()
  ~StreamableHttpClientTransport() override;

  void start(Handlers handlers) override;
  // Requests are POSTed on a worker thread and their answers arrive through on_message: an HTTP
  // or connection failure arrives as a JSON-RPC error response for that request (code -32000;
  // data.sessionExpired = true after a 404). Notifications and responses are POSTed on the
  // caller's thread (expect 202) and failures throw TransportError / SessionExpiredError.
  void send(const mcp::Json& message, const mcp::SendOptions& options = {}) override;
  // Stops in-flight requests, ends the session with DELETE, fires on_close.
  void close() override;

  // The negotiated version, sent as MCP-Protocol-Version on every later request. The transport
  // learns it by itself from the initialize result; this overrides it.
  void set_protocol_version(std::string version);
  // Empty until the server assigned one.
  std::string session_id() const;
  bool session_expired() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lh::transport
