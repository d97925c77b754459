// The transport contract shared by every way MCP messages travel (stdio, Streamable HTTP, in-memory).
// The protocol engine only ever sees this interface, never the wire.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace lh::mcp {

using Json = nlohmann::json;

// Which request an outgoing message belongs to. Streamable HTTP uses it to put a response,
// or the progress and server-to-client requests a handler makes, on that request's SSE stream.
struct SendOptions {
  std::optional<Json> related_request_id;
};

class Transport {
 public:
  struct Handlers {
    // One parsed JSON-RPC message (object). Structural validation is the engine's job.
    std::function<void(Json message)> on_message;
    // Something went wrong that does not end the connection (a skipped garbage line, a bad frame).
    std::function<void(const std::string& error)> on_error;
    // The connection is gone (EOF, child exited, session deleted). Called once.
    std::function<void()> on_close;
  };

  virtual ~Transport() = default;
  // Starts delivering incoming messages; called once, before any send.
  virtual void start(Handlers handlers) = 0;
  // Thread-safe. Throws TransportError when the connection is closed.
  virtual void send(const Json& message, const SendOptions& options = {}) = 0;
  // Idempotent; on_close fires once afterwards.
  virtual void close() = 0;
};

class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lh::mcp
