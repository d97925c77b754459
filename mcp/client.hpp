// MCP client over any transport. It is built from a transport FACTORY so that it can reconnect:
// when the connection dies (transport closed, ping failed) the next call opens a new transport and
// initializes again, with a bounded number of attempts and exponential backoff. Calls that were in
// flight when the connection died fail with McpError(connection_closed); they are not retried,
// because a tool call need not be idempotent. A call that provably never ran (the connection was
// found dead while sending, or a Streamable HTTP server answered 404 for a session it forgot) is sent
// once more on a new connection.
// Thread-safe: any number of concurrent calls.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "mcp/transport.hpp"
#include "mcp/types.hpp"

namespace lh::mcp {

using TransportFactory = std::function<std::shared_ptr<Transport>()>;

struct ClientOptions {
  Implementation info{"lateral-hunt", "0.1.0"};
  // The version offered in initialize; the server's answer must be one we support.
  std::string protocol_version{kLatestProtocolVersion};
  // Extra capabilities merged into what the registered handlers imply (sampling, elicitation,
  // roots are declared automatically when a handler for them is set).
  Json capabilities = Json::object();
  std::chrono::milliseconds request_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds initialize_timeout = std::chrono::seconds(30);
  // Connect attempts per call when (re)connecting, and the first backoff (doubles each time).
  int connect_attempts = 3;
  std::chrono::milliseconds reconnect_backoff = std::chrono::milliseconds(200);
  // Threads for server-to-client request handlers.
  std::size_t worker_threads = 2;
};

struct CallOptions {
  // Defaults to ClientOptions::request_timeout.
  std::optional<std::chrono::milliseconds> timeout{};
  // An absolute deadline; the earlier of timeout and deadline applies.
  std::optional<std::chrono::steady_clock::time_point> deadline{};
  ProgressCallback on_progress{};
  bool reset_timeout_on_progress = false;
  // Requesting a stop sends notifications/cancelled and the call throws McpError(request_cancelled).
  std::stop_token cancel{};
};

// What initialize told us.
struct ServerDescription {
  std::string protocol_version{};
  Implementation info{};
  Json capabilities = Json::object();
  std::optional<std::string> instructions{};
};

class Client {
 public:
  explicit Client(TransportFactory factory, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Server-to-client requests (sampling/createMessage, elicitation/create, roots/list...). Unknown
  // methods are answered with -32601; ping is answered automatically. Set before connect() (a later
  // set applies from the next connection).
  void set_request_handler(std::string method, RequestHandler handler);
  // Notifications (notifications/message, notifications/tools/list_changed,
  // notifications/resources/updated, ...). Run on the transport's thread: keep them quick.
  void set_notification_handler(std::string method, NotificationHandler handler);

  // Connects and initializes (initialize + notifications/initialized); a no-op when connected.
  // Throws McpError when every attempt failed.
  void connect();
  bool connected() const;
  // The description from the latest initialize; throws McpError(connection_closed) before connect().
  ServerDescription server() const;

  // Tool objects from every page of tools/list.
  std::vector<Json> list_tools(const CallOptions& options = {});
  ToolResult call_tool(const std::string& name, Json arguments = Json::object(),
                       const CallOptions& options = {});
  // Any request (connects first when needed). Throws McpError.
  Json request(std::string_view method, Json params = nullptr, const CallOptions& options = {});
  void notify(std::string_view method, Json params = nullptr);
  // Sends ping; a failure marks the connection dead (the next call reconnects) and rethrows.
  void ping(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Closes the current connection; a later call reconnects.
  void close();
  // How many times a connection has been established (1 after the first connect).
  int connection_count() const;

 private:
  struct Connection;
  std::shared_ptr<Connection> ensure_connected();
  std::shared_ptr<Connection> open_connection();
  void mark_dead(const std::shared_ptr<Connection>& connection);

  TransportFactory factory_;
  ClientOptions options_;
  mutable std::mutex handlers_mutex_;
  std::map<std::string, RequestHandler> request_handlers_{};
  std::map<std::string, NotificationHandler> notification_handlers_{};
  mutable std::mutex connect_mutex_;  // serializes (re)connects
  mutable std::mutex state_mutex_;
  std::shared_ptr<Connection> connection_{};
  std::optional<ServerDescription> server_{};
  int connection_count_ = 0;
  std::shared_ptr<WorkerPool> pool_{};
};

}  // namespace lh::mcp
