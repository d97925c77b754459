#include "transport/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "mcp/log.hpp"
#include "transport/fd.hpp"
#include "transport/http1_server.hpp"
#include "transport/http_checks.hpp"
#include "transport/http_session.hpp"
#include "transport/json_text.hpp"
#include "transport/sse.hpp"

namespace lh::transport {

namespace {

using detail::Clock;
using detail::HttpSession;
using detail::Outbox;
using http1::Exchange;
using http1::HttpRequest;

constexpr std::string_view kComponent = "http";
constexpr const char* kSessionHeader = "Mcp-Session-Id";
constexpr const char* kVersionHeader = "MCP-Protocol-Version";
// JSON-RPC code the TypeScript SDK uses in HTTP-level error bodies.
constexpr int kServerErrorCode = -32000;

http1::Response error_response(int status, int code, const std::string& message, http1::Headers headers = {}) {
  http1::Response response;
  response.status = status;
  response.headers = std::move(headers);
  response.content_type = "application/json";
  response.body = to_wire(jsonrpc_error(nullptr, code, message));
  return response;
}

void reply_error(Exchange& exchange, int status, int code, const std::string& message, http1::Headers headers = {}) {
  exchange.respond(error_response(status, code, message, std::move(headers)));
}

std::string header_or_empty(const HttpRequest& request, std::string_view name) {
  const auto* value = request.header(name);
  return value ? *value : std::string();
}

bool is_wildcard_address(const std::string& host) { return host == "0.0.0.0" || host == "::" || host == "[::]"; }

// Streams an outbox as SSE from a worker: a fresh stream starts with the priming event, a resumed
// one with the events after the client's Last-Event-ID; then every message as it arrives; it ends
// after the final response (POST) or when the session ends. False when the client went away.
bool stream_outbox(Exchange& exchange, Outbox& outbox, std::chrono::seconds keepalive_interval,
                   std::optional<std::uint64_t> replay_after, std::uint64_t retry_ms) {
  std::string out;
  {
    std::lock_guard lock(outbox.mutex);
    if (replay_after) {
      for (const auto& [seq, text] : outbox.history) {
        if (seq > *replay_after) out += text;
      }
    } else {
      out = format_sse_priming_event(outbox.stream_id + "-" + std::to_string(outbox.next_seq++), retry_ms);
    }
  }
  if (!out.empty() && !exchange.write_stream(out)) return false;
  for (;;) {
    std::unique_lock lock(outbox.mutex);
    if (!outbox.ready.wait_for(lock, keepalive_interval, [&] { return !outbox.messages.empty() || outbox.aborted; })) {
      lock.unlock();
      // Nothing to say: a comment keeps proxies from timing out and finds a client that left.
      if (!exchange.write_stream(": keepalive\n\n")) return false;
      continue;
    }
    out.clear();
    while (!outbox.messages.empty()) {
      out += outbox.format_event_locked(outbox.messages.front());
      outbox.messages.pop_front();
    }
    bool final = outbox.final_queued && outbox.messages.empty();
    bool end = final || outbox.aborted;
    lock.unlock();
    if (!out.empty() && !exchange.write_stream(out)) return false;
    if (final) {
      std::lock_guard written(outbox.mutex);
      outbox.final_written = true;
    }
    if (end) return true;
  }
}

}  // namespace

class StreamableHttpServer::Impl {
 public:
  Impl(StreamableHttpServerOptions options, SessionFactory factory)
      : options_(std::move(options)), factory_(std::move(factory)) {
    ignore_sigpipe();
    if (!options_.host.empty() && !is_wildcard_address(options_.host)) {
      auto bound = options_.host.find(':') != std::string::npos && options_.host.front() != '['
                       ? "[" + options_.host + "]"
                       : options_.host;
      options_.allowed_hosts.push_back(bound);
    }
  }

  ~Impl() { stop(); }

  void start() {
    http1::ServerOptions engine_options;
    engine_options.host = options_.host;
    engine_options.port = options_.port;
    engine_options.limits.max_body_bytes = options_.max_body_bytes;
    engine_options.max_connections = options_.max_connections;
    engine_options.request_timeout = options_.request_timeout;
    engine_options.keep_alive_timeout = options_.keep_alive_timeout;
    engine_options.worker_threads = std::max<std::size_t>(options_.worker_threads, 2);
    engine_options.keep_alive_max_requests = options_.keep_alive_max_requests;
    engine_ = std::make_unique<http1::Server>(
        engine_options, [this](HttpRequest request, Exchange exchange) { handle(request, exchange); },
        [this](int status, const std::string& message) { return engine_error(status, message); });
    try {
      engine_->start();
    } catch (const std::exception& e) {
      engine_.reset();
      throw std::runtime_error(fmt::format("cannot listen on {}:{} (address in use or not available): {}",
                                           options_.host, options_.port, e.what()));
    }
    port_ = engine_->port();
    reaper_ = std::thread([this] { reap_loop(); });
    mcp::log::info(kComponent, "MCP Streamable HTTP endpoint at {}", url());
  }

  int port() const { return port_; }
  std::string url() const {
    auto host = options_.host.find(':') != std::string::npos && options_.host.front() != '['
                    ? "[" + options_.host + "]"
                    : options_.host;
    return fmt::format("http://{}:{}{}", host, port_, options_.path);
  }

  void wait() {
    std::unique_lock lock(stopped_mutex_);
    stopped_cv_.wait(lock, [&] { return stop_requested_; });
  }

  void stop() {
    std::lock_guard stop_lock(stop_mutex_);
    {
      std::lock_guard lock(stopped_mutex_);
      stop_requested_ = true;
    }
    stopped_cv_.notify_all();
    if (stopping_.exchange(true)) return;
    std::vector<std::shared_ptr<HttpSession>> live;
    {
      std::shared_lock lock(sessions_mutex_);
      for (auto& [id, session] : sessions_) live.push_back(session);
    }
    // Wakes every request still waiting and ends every stream, so the workers can finish.
    for (auto& session : live) session->close();
    if (engine_) engine_->stop();
    {
      std::lock_guard lock(reaper_mutex_);
      reaper_stop_ = true;
    }
    reaper_cv_.notify_all();
    if (reaper_.joinable()) reaper_.join();
  }

  std::size_t session_count() const {
    std::shared_lock lock(sessions_mutex_);
    return static_cast<std::size_t>(
        std::count_if(sessions_.begin(), sessions_.end(), [](const auto& entry) { return !entry.second->closed(); }));
  }

 private:
  http1::Response engine_error(int status, const std::string& message) {
    return error_response(status, kServerErrorCode, fmt::format("{}: {}", http1::reason_phrase(status), message));
  }

  // Runs on the engine's epoll thread: everything here is quick; waiting and streaming move to a
  // worker (Exchange::defer).
  void handle(HttpRequest& request, Exchange& exchange) {
    if (request.path() != options_.path) {
      reply_error(exchange, 404, kServerErrorCode, fmt::format("Not Found: no MCP endpoint at {}", request.path()));
      return;
    }
    if (request.method == "POST") {
      handle_post(request, exchange);
    } else if (request.method == "GET") {
      handle_get(request, exchange);
    } else if (request.method == "DELETE") {
      handle_delete(request, exchange);
    } else {
      if (!admit(request, exchange)) return;
      reply_error(exchange, 405, kServerErrorCode, "Method Not Allowed: use POST, GET or DELETE",
                  {{"Allow", "GET, POST, DELETE"}});
    }
  }

  // Host, Origin and authentication: the checks every method passes first.
  bool admit(const HttpRequest& req, Exchange& res) {
    if (stopping_.load()) {
      reply_error(res, 503, kServerErrorCode, "Service Unavailable: the server is shutting down");
      return false;
    }
    if (const auto* host = req.header("Host")) {
      if (!http_checks::host_allowed(*host, options_.allowed_hosts)) {
        mcp::log::warn(kComponent, "rejected request with Host '{}' (DNS rebinding protection)", *host);
        reply_error(res, 403, kServerErrorCode, fmt::format("Forbidden: Host '{}' is not allowed", *host));
        return false;
      }
    }
    if (const auto* origin = req.header("Origin")) {
      if (!http_checks::origin_allowed(*origin, options_.allowed_origins)) {
        mcp::log::warn(kComponent, "rejected request with Origin '{}'", *origin);
        reply_error(res, 403, kServerErrorCode, fmt::format("Forbidden: Origin '{}' is not allowed", *origin));
        return false;
      }
    }
    if (options_.bearer_token) {
      auto verdict = http_checks::check_bearer(header_or_empty(req, "Authorization"), *options_.bearer_token);
      if (verdict != http_checks::BearerResult::ok) {
        bool missing = verdict == http_checks::BearerResult::missing;
        auto challenge = missing ? fmt::format("Bearer realm=\"{}\"", options_.realm)
                                 : fmt::format("Bearer realm=\"{}\", error=\"invalid_token\"", options_.realm);
        reply_error(res, 401, kServerErrorCode,
                    missing ? "Unauthorized: missing bearer token" : "Unauthorized: invalid bearer token",
                    {{"WWW-Authenticate", challenge}});
        return false;
      }
    }
    return true;
  }

  // Finds the session named by Mcp-Session-Id and checks MCP-Protocol-Version; answers the
  // error itself and returns nullptr when either is wrong.
  std::shared_ptr<HttpSession> session_for(const HttpRequest& req, Exchange& res) {
    auto id = header_or_empty(req, kSessionHeader);
    if (id.empty()) {
      reply_error(res, 400, kServerErrorCode, "Bad Request: Mcp-Session-Id header is required");
      return nullptr;
    }
    auto session = find_session(id);
    if (!session) {
      reply_error(res, 404, -32001, "Session not found");
      return nullptr;
    }
    if (!check_protocol_version(req, res)) return nullptr;
    session->touch();
    return session;
  }

  std::uint64_t retry_ms() const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.sse_retry).count());
  }

  bool check_protocol_version(const HttpRequest& req, Exchange& res) {
    const auto* version = req.header(kVersionHeader);
    if (!version) return true;  // the spec says: assume 2025-03-26
    if (http_checks::is_supported_protocol_version(*version)) return true;
    reply_error(res, 400, kServerErrorCode,
                fmt::format("Bad Request: Unsupported protocol version: {} (supported versions: {})", *version,
                            fmt::join(http_checks::supported_protocol_versions(), ", ")));
    return false;
  }

  std::shared_ptr<HttpSession> find_session(const std::string& id) {
    std::shared_lock lock(sessions_mutex_);
    auto found = sessions_.find(id);
    if (found == sessions_.end() || found->second->closed()) return nullptr;
    return found->second;
  }

  void handle_post(const HttpRequest& req, Exchange& res) {
    if (!admit(req, res)) return;
    auto accept = header_or_empty(req, "Accept");
    if (!http_checks::accepts(accept, "application/json") || !http_checks::accepts(accept, "text/event-stream")) {
      reply_error(res, 406, kServerErrorCode,
                  "Not Acceptable: Client must accept both application/json and text/event-stream");
      return;
    }
    if (!http_checks::content_type_is(header_or_empty(req, "Content-Type"), "application/json")) {
      reply_error(res, 415, kServerErrorCode, "Unsupported Media Type: Content-Type must be application/json");
      return;
    }
    std::string problem;
    auto parsed = parse_json(req.body, &problem);
    if (!parsed) {
      reply_error(res, 400, -32700, "Parse error: " + problem);
      return;
    }
    mcp::Json message = std::move(*parsed);
    if (message.is_array()) {
      reply_error(res, 400, -32600, "Invalid Request: batches (JSON arrays) are not supported; send one message");
      return;
    }
    auto kind = classify(message);
    if (kind == WireKind::other) {
      reply_error(res, 400, -32600, "Invalid Request: the body is not a JSON-RPC request, notification or response");
      return;
    }

    bool is_initialize = kind == WireKind::request && message["method"] == "initialize";
    std::shared_ptr<HttpSession> session;
    bool new_session = false;
    if (!req.header(kSessionHeader) && is_initialize) {
      session = create_session(res);
      if (!session) return;
      new_session = true;
    } else {
      session = session_for(req, res);
      if (!session) return;
    }

    if (kind != WireKind::request) {
      session->deliver(std::move(message));
      http1::Response accepted;
      accepted.status = 202;
      res.respond(std::move(accepted));
      return;
    }

    auto key = message["id"].dump();
    auto outbox = session->open_request(key);
    if (!outbox) {
      if (session->closed()) {
        reply_error(res, 404, -32001, "Session not found");
      } else {
        reply_error(res, 400, -32600, fmt::format("Invalid Request: request id {} is already in progress", key));
      }
      return;
    }
    // Quick methods and tools are answered inside deliver(): the answer is then already in the
    // outbox and goes back from this thread, with no hand-off.
    session->deliver(std::move(message));
    bool answered_now = false;
    {
      std::lock_guard lock(outbox->mutex);
      answered_now = outbox->aborted || (outbox->final_queued && outbox->messages.size() == 1);
    }
    if (answered_now) {
      answer_post(session, outbox, key, new_session, res);
      return;
    }
    res.defer([this, session, outbox, key, new_session](Exchange exchange) {
      answer_post(session, outbox, key, new_session, exchange);
    });
  }

  // Waits for the first message of a POSTed request's outbox, then answers with the response
  // alone as JSON or with an SSE stream. Blocks only when called from a worker.
  void answer_post(const std::shared_ptr<HttpSession>& session, const std::shared_ptr<Outbox>& outbox,
                   const std::string& key, bool new_session, Exchange& res) {
    std::unique_lock lock(outbox->mutex);
    outbox->ready.wait(lock, [&] { return !outbox->messages.empty() || outbox->aborted; });
    if (outbox->messages.empty()) {
      lock.unlock();
      session->finish_request(key, outbox);
      if (stopping_.load()) {
        reply_error(res, 503, kServerErrorCode, "Service Unavailable: the server is shutting down");
      } else {
        reply_error(res, 404, -32001, "Session not found: it ended before the request was answered");
      }
      return;
    }
    if (outbox->final_queued && outbox->messages.size() == 1) {
      // The fast path: the answer is the only message, so it goes back as plain JSON.
      mcp::Json answer = std::move(outbox->messages.front());
      outbox->messages.pop_front();
      lock.unlock();
      session->finish_request(key, outbox);
      http1::Response response;
      if (new_session) {
        if (answer.contains("error")) {
          // A failed initialize leaves no session behind.
          session->close();
        } else {
          response.headers.emplace_back(kSessionHeader, session->id());
        }
      }
      response.content_type = "application/json";
      response.body = to_wire(answer);
      res.respond(std::move(response));
      return;
    }
    lock.unlock();
    http1::Headers headers{{"Cache-Control", "no-cache"}};
    if (new_session) headers.emplace_back(kSessionHeader, session->id());
    stream(session, outbox, std::nullopt, std::move(headers), res);
  }

  // Streams on a worker until the outbox ends or the client goes; a broken stream is detached
  // for a later resume.
  void stream(const std::shared_ptr<HttpSession>& session, const std::shared_ptr<Outbox>& outbox,
              std::optional<std::uint64_t> replay_after, http1::Headers headers, Exchange& res) {
    if (res.begin_stream(200, "text/event-stream", headers)) {
      stream_outbox(res, *outbox, options_.sse_keepalive_interval, replay_after, retry_ms());
    }
    session->release_stream(outbox);
    res.end_stream();
  }

  void handle_get(const HttpRequest& req, Exchange& res) {
    if (!admit(req, res)) return;
    if (!http_checks::accepts(header_or_empty(req, "Accept"), "text/event-stream")) {
      reply_error(res, 406, kServerErrorCode, "Not Acceptable: Client must accept text/event-stream");
      return;
    }
    auto session = session_for(req, res);
    if (!session) return;
    // A client that lost a stream names the last event it saw; what followed is replayed.
    std::optional<std::uint64_t> replay_after;
    std::shared_ptr<Outbox> outbox;
    if (auto last = header_or_empty(req, "Last-Event-ID"); !last.empty()) {
      std::uint64_t after = 0;
      outbox = session->resume(last, after);
      if (outbox) replay_after = after;
    }
    if (!outbox) outbox = session->open_standalone();
    if (!outbox) {
      reply_error(res, 409, kServerErrorCode, "Conflict: Only one SSE stream is allowed per session");
      return;
    }
    res.defer([this, session, outbox, replay_after](Exchange exchange) {
      stream(session, outbox, replay_after, {{"Cache-Control", "no-cache"}}, exchange);
    });
  }

  void handle_delete(const HttpRequest& req, Exchange& res) {
    if (!admit(req, res)) return;
    auto session = session_for(req, res);
    if (!session) return;
    mcp::log::info(kComponent, "session {} ended by DELETE", session->id());
    session->close();
    res.respond(http1::Response{});
  }

  std::shared_ptr<HttpSession> create_session(Exchange& res) {
    std::shared_ptr<HttpSession> session;
    {
      std::unique_lock lock(sessions_mutex_);
      std::size_t live = 0;
      std::shared_ptr<HttpSession> oldest_idle;
      for (auto& [id, candidate] : sessions_) {
        if (candidate->closed()) continue;
        ++live;
        if (!candidate->busy() && (!oldest_idle || candidate->last_activity() < oldest_idle->last_activity())) {
          oldest_idle = candidate;
        }
      }
      if (live >= options_.max_sessions) {
        if (!oldest_idle) {
          lock.unlock();
          reply_error(res, 503, kServerErrorCode,
                      fmt::format("Service Unavailable: {} sessions are active; try again later", live));
          return nullptr;
        }
        mcp::log::info(kComponent, "session limit {} reached: ending least recently used session {}",
                       options_.max_sessions, oldest_idle->id());
        oldest_idle->close();
      }
      session = std::make_shared<HttpSession>(http_checks::new_session_id(), [this] { wake_reaper(); });
      sessions_.emplace(session->id(), session);
    }
    try {
      session->owner = factory_(session);
    } catch (const std::exception& e) {
      mcp::log::error(kComponent, "could not start an MCP session: {}", e.what());
      session->close();
      reply_error(res, 500, -32603, std::string("Internal error: could not start a session: ") + e.what());
      return nullptr;
    }
    mcp::log::debug(kComponent, "session {} created", session->id());
    return session;
  }

  void wake_reaper() {
    {
      std::lock_guard lock(reaper_mutex_);
      reaper_wake_ = true;
    }
    reaper_cv_.notify_all();
  }

  // Retires ended sessions and ends idle ones; the engine's on_close and the release of what the
  // factory returned happen here, on this thread, never inside a caller's lock.
  void reap_loop() {
    for (;;) {
      bool last_round = false;
      {
        std::unique_lock lock(reaper_mutex_);
        reaper_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return reaper_wake_ || reaper_stop_; });
        reaper_wake_ = false;
        last_round = reaper_stop_;
      }
      auto now = Clock::now();
      std::vector<std::shared_ptr<HttpSession>> expired;
      std::vector<std::shared_ptr<HttpSession>> retired;
      {
        std::shared_lock lock(sessions_mutex_);
        for (auto& [id, session] : sessions_) {
          if (!session->closed() && !session->busy() &&
              now - session->last_activity() > options_.session_idle_timeout) {
            expired.push_back(session);
          }
        }
      }
      for (auto& session : expired) {
        mcp::log::info(kComponent, "session {} expired after {} s idle", session->id(),
                       options_.session_idle_timeout.count());
        session->close();
      }
      {
        std::unique_lock lock(sessions_mutex_);
        for (auto it = sessions_.begin(); it != sessions_.end();) {
          if (it->second->closed()) {
            retired.push_back(std::move(it->second));
            it = sessions_.erase(it);
          } else {
            ++it;
          }
        }
      }
      for (auto& session : retired) {
        session->notify_engine_closed();
        session->owner.reset();
      }
      retired.clear();
      if (last_round) {
        std::shared_lock lock(sessions_mutex_);
        if (sessions_.empty()) return;
      }
    }
  }

  StreamableHttpServerOptions options_;
  SessionFactory factory_;
  std::unique_ptr<http1::Server> engine_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;

  std::mutex stopped_mutex_;
  std::condition_variable stopped_cv_;
  bool stop_requested_ = false;

  mutable std::shared_mutex sessions_mutex_;
  std::unordered_map<std::string, std::shared_ptr<HttpSession>> sessions_;

  std::mutex reaper_mutex_;
  std::condition_variable reaper_cv_;
  bool reaper_wake_ = false;
  bool reaper_stop_ = false;
  std::thread reaper_;
};

StreamableHttpServer::StreamableHttpServer(StreamableHttpServerOptions options, SessionFactory factory)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(factory))) {}
StreamableHttpServer::~StreamableHttpServer() = default;
void StreamableHttpServer::start() { impl_->start(); }
int StreamableHttpServer::port() const { return impl_->port(); }
std::string StreamableHttpServer::url() const { return impl_->url(); }
void StreamableHttpServer::wait() { impl_->wait(); }
void StreamableHttpServer::stop() { impl_->stop(); }
std::size_t StreamableHttpServer::session_count() const { return impl_->session_count(); }

}  // namespace lh::transport
