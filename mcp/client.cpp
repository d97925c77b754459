#include "mcp/client.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "mcp/log.hpp"

namespace lh::mcp {

struct Client::Connection {
  // Declared first so it outlives the protocol, whose close handler writes it.
  std::atomic<bool> dead{false};
  std::unique_ptr<Protocol> protocol;
};

namespace {
constexpr const char* kLog = "mcp.client";

// An error raised before the request reached the peer: safe to retry on a new connection.
bool never_sent(const McpError& error) {
  return error.code() == error_code::connection_closed && error.data() && error.data()->is_object() &&
         error.data()->value("sent", true) == false;
}

// The server answered that it no longer knows the session (Streamable HTTP 404): it refused the request
// without running it, so the request may be sent again once a new session is initialized.
bool session_expired(const McpError& error) {
  return error.code() == error_code::connection_closed && error.data() && error.data()->is_object() &&
         error.data()->value("sessionExpired", false) == true;
}
// The transport failed this one exchange although the peer answered it (Streamable HTTP: a 5xx, a
// response stream cut short): the connection itself is fine.
bool peer_answered(const McpError& error) {
  return error.code() == error_code::connection_closed && error.data() && error.data()->is_object() &&
         error.data()->value("serverAnswered", false) == true;
}
}  // namespace

Client::Client(TransportFactory factory, ClientOptions options)
    : factory_(std::move(factory)), options_(std::move(options)),
      pool_(std::make_shared<WorkerPool>(options_.worker_threads, std::max<std::size_t>(options_.worker_threads, 16))) {}

Client::~Client() { close(); }

void Client::set_request_handler(std::string method, RequestHandler handler) {
  std::shared_ptr<Connection> current;
  {
    std::lock_guard lock(handlers_mutex_);
    request_handlers_[method] = handler;
  }
  {
    std::lock_guard lock(state_mutex_);
    current = connection_;
  }
  if (current) current->protocol->set_request_handler(std::move(method), std::move(handler));
}

void Client::set_notification_handler(std::string method, NotificationHandler handler) {
  std::shared_ptr<Connection> current;
  {
    std::lock_guard lock(handlers_mutex_);
    notification_handlers_[method] = handler;
  }
  {
    std::lock_guard lock(state_mutex_);
    current = connection_;
  }
  if (current) current->protocol->set_notification_handler(std::move(method), std::move(handler));
}

void Client::connect() { ensure_connected(); }

bool Client::connected() const {
  std::lock_guard lock(state_mutex_);
  return connection_ && !connection_->dead.load();
}

ServerDescription Client::server() const {
  std::lock_guard lock(state_mutex_);
  if (!server_) throw McpError(error_code::connection_closed, "Not connected: call connect() first");
  return *server_;
}

int Client::connection_count() const {
  std::lock_guard lock(state_mutex_);
  return connection_count_;
}

std::shared_ptr<Client::Connection> Client::open_connection() {
  auto transport = factory_();
  if (!transport) throw McpError(error_code::connection_closed, "transport factory returned no transport");

  auto connection = std::make_shared<Connection>();
  ProtocolOptions protocol_options;
  protocol_options.name = kLog;
  protocol_options.pool = pool_;
  connection->protocol = std::make_unique<Protocol>(std::move(protocol_options));
  Protocol& protocol = *connection->protocol;

  Json capabilities = options_.capabilities.is_object() ? options_.capabilities : Json::object();
  {
    std::lock_guard lock(handlers_mutex_);
    for (const auto& [method, handler] : request_handlers_) protocol.set_request_handler(method, handler);
    for (const auto& [method, handler] : notification_handlers_) protocol.set_notification_handler(method, handler);
    if (request_handlers_.count("sampling/createMessage") && !capabilities.contains("sampling")) {
      capabilities["sampling"] = Json::object();
    }
    if (request_handlers_.count("elicitation/create") && !capabilities.contains("elicitation")) {
      capabilities["elicitation"] = Json::object();
    }
    if (request_handlers_.count("roots/list") && !capabilities.contains("roots")) {
      capabilities["roots"] = {{"listChanged", false}};
    }
  }
  Connection* raw = connection.get();
  protocol.set_close_handler([raw] {
    raw->dead.store(true);
    log::debug(kLog, "connection closed");
  });
  protocol.connect(std::move(transport));

  RequestOptions init_options;
  init_options.timeout = options_.initialize_timeout;
  Json result = protocol.request("initialize",
                                 Json{{"protocolVersion", options_.protocol_version},
                                      {"capabilities", std::move(capabilities)},
                                      {"clientInfo", options_.info.to_json()}},
                                 init_options);
  ServerDescription description;
  if (auto version = result.find("protocolVersion"); version != result.end() && version->is_string()) {
    description.protocol_version = version->get<std::string>();
  }
  if (!is_supported_protocol_version(description.protocol_version)) {
    protocol.close();
    throw McpError(error_code::invalid_request,
                   fmt::format("server answered initialize with unsupported protocol version \"{}\"",
                               description.protocol_version));
  }
  if (auto info = result.find("serverInfo"); info != result.end()) description.info = Implementation::from_json(*info);
  if (auto caps = result.find("capabilities"); caps != result.end() && caps->is_object()) {
    description.capabilities = std::move(*caps);
  }
  if (auto text = result.find("instructions"); text != result.end() && text->is_string()) {
    description.instructions = text->get<std::string>();
  }
  protocol.notify("notifications/initialized");
  log::debug(kLog, "connected to {} {} (protocol {})", description.info.name, description.info.version,
             description.protocol_version);
  {
    std::lock_guard lock(state_mutex_);
    server_ = std::move(description);
    ++connection_count_;
  }
  return connection;
}

std::shared_ptr<Client::Connection> Client::ensure_connected() {
  {
    std::lock_guard lock(state_mutex_);
    if (connection_ && !connection_->dead.load()) return connection_;
  }
  std::lock_guard connect_lock(connect_mutex_);
  std::shared_ptr<Connection> stale;
  {
    std::lock_guard lock(state_mutex_);
    if (connection_ && !connection_->dead.load()) return connection_;
    stale = std::move(connection_);
  }
  stale.reset();  // waits for its handlers; never under state_mutex_

  std::string last_error;
  auto backoff = options_.reconnect_backoff;
  const int attempts = std::max(1, options_.connect_attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    try {
      auto connection = open_connection();
      std::lock_guard lock(state_mutex_);
      connection_ = connection;
      return connection;
    } catch (const std::exception& e) {
      last_error = e.what();
      log::warn(kLog, "connect attempt {}/{} failed: {}", attempt, attempts, last_error);
    }
    if (attempt < attempts) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
  throw McpError(error_code::connection_closed,
                 fmt::format("Could not connect to the MCP server after {} attempt(s): {}", attempts, last_error));
}

void Client::mark_dead(const std::shared_ptr<Connection>& connection) {
  if (!connection) return;
  connection->dead.store(true);
  connection->protocol->close();
}

Json Client::request(std::string_view method, Json params, const CallOptions& options) {
  RequestOptions request_options;
  request_options.timeout = options.timeout.value_or(options_.request_timeout);
  if (options.deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*options.deadline -
                                                                            std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw McpError(error_code::request_timeout, fmt::format("Request timed out: deadline passed before {}", method));
    }
    request_options.timeout = std::min(request_options.timeout, left);
  }
  request_options.on_progress = options.on_progress;
  request_options.reset_timeout_on_progress = options.reset_timeout_on_progress;
  request_options.cancel = options.cancel;

  // One retry when the request provably never ran: it never left (the connection was found dead while
  // sending), or the server refused it because it had forgotten the session.
  for (int round = 0;; ++round) {
    auto connection = ensure_connected();
    try {
      // A copy, so that a request that never left can be sent again on the new connection.
      return connection->protocol->request(method, params, request_options);
    } catch (const McpError& e) {
      if (e.code() != error_code::connection_closed) throw;
      // Only a connection that is gone, a session the server dropped, or a peer that did not answer
      // at all is replaced; one failed exchange with a live peer must not fail the other calls in
      // flight on the connection.
      if (connection->protocol->closed() || !peer_answered(e) || session_expired(e)) mark_dead(connection);
      if (round == 0 && (never_sent(e) || session_expired(e))) {
        log::info(kLog, "{} is sent again on a new connection: {}", method, e.what());
        continue;
      }
      throw;
    }
  }
}

void Client::notify(std::string_view method, Json params) {
  auto connection = ensure_connected();
  try {
    connection->protocol->notify(method, std::move(params));
  } catch (const TransportError& e) {
    mark_dead(connection);
    throw McpError(error_code::connection_closed, fmt::format("Connection closed: cannot send {}: {}", method, e.what()));
  }
}

void Client::ping(std::chrono::milliseconds timeout) {
  auto connection = ensure_connected();
  RequestOptions request_options;
  request_options.timeout = timeout;
  try {
    connection->protocol->request("ping", Json::object(), request_options);
  } catch (const McpError&) {
    mark_dead(connection);
    throw;
  }
}

std::vector<Json> Client::list_tools(const CallOptions& options) {
  std::vector<Json> tools;
  Json params = Json::object();
  // A misbehaving server could hand out cursors forever.
  constexpr int kMaxPages = 10000;
  for (int page = 0; page < kMaxPages; ++page) {
    Json result = request("tools/list", params, options);
    if (auto list = result.find("tools"); list != result.end() && list->is_array()) {
      for (auto& tool : *list) tools.push_back(std::move(tool));
    }
    auto next = result.find("nextCursor");
    if (next == result.end() || !next->is_string() || next->get_ref<const std::string&>().empty()) return tools;
    if (params.contains("cursor") && params["cursor"] == *next) {
      throw McpError(error_code::internal_error, "tools/list returned the same cursor twice");
    }
    params["cursor"] = std::move(*next);
  }
  throw McpError(error_code::internal_error, "tools/list did not finish after 10000 pages");
}

ToolResult Client::call_tool(const std::string& name, Json arguments, const CallOptions& options) {
  Json params = {{"name", name}, {"arguments", std::move(arguments)}};
  return ToolResult::from_json(request("tools/call", std::move(params), options));
}

void Client::close() {
  std::shared_ptr<Connection> current;
  {
    std::lock_guard lock(state_mutex_);
    current = std::move(connection_);
  }
  if (current) current->protocol->close();
}

}  // namespace lh::mcp
