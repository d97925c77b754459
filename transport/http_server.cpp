#include "transport/http_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "mcp/log.hpp"
#include "transport/fd.hpp"
#include "transport/http_checks.hpp"
#include "transport/http_session.hpp"
#include "transport/json_text.hpp"
#include "transport/sse.hpp"

namespace lh::transport {

namespace {

using detail::Clock;
using detail::HttpSession;
using detail::Outbox;

constexpr std::string_view kComponent = "http";
constexpr const char* kSessionHeader = "Mcp-Session-Id";
constexpr const char* kVersionHeader = "MCP-Protocol-Version";
// JSON-RPC code the TypeScript SDK uses in HTTP-level error bodies.
constexpr int kServerErrorCode = -32000;

void reply_error(httplib::Response& res, int status, int code, const std::string& message) {
  res.status = status;
  res.set_content(to_wire(jsonrpc_error(nullptr, code, message)), "application/json");
}

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

bool is_wildcard_address(const std::string& host) { return host == "0.0.0.0" || host == "::" || host == "[::]"; }

// Streams an outbox as SSE on the httplib worker: a fresh stream starts with the priming event,
// a resumed one with the events after the client's Last-Event-ID; then every message as it
// arrives; it ends after the final response (POST) or when the session ends.
httplib::ContentProviderWithoutLength sse_provider(std::shared_ptr<Outbox> outbox,
                                                   std::chrono::seconds keepalive_interval,
                                                   std::optional<std::uint64_t> replay_after,
                                                   std::uint64_t retry_ms) {
  auto started = std::make_shared<bool>(false);
  return [outbox = std::move(outbox), started, keepalive_interval, replay_after, retry_ms](size_t,
                                                                                         httplib::DataSink& sink) {
    std::string out;
    std::unique_lock lock(outbox->mutex);
    if (!*started) {
      *started = true;
      if (replay_after) {
        for (const auto& [seq, text] : outbox->history) {
          if (seq > *replay_after) out += text;
        }
      } else {
        out = format_sse_priming_event(outbox->stream_id + "-" + std::to_string(outbox->next_seq++), retry_ms);
      }
    } else if (!outbox->ready.wait_for(lock, keepalive_interval,
                                       [&] { return !outbox->messages.empty() || outbox->aborted; })) {
      lock.unlock();
      static constexpr std::string_view kKeepalive = ": keepalive\n\n";
      return sink.write(kKeepalive.data(), kKeepalive.size());
    }
    while (!outbox->messages.empty()) {
      out += outbox->format_event_locked(outbox->messages.front());
      outbox->messages.pop_front();
    }
    bool final = outbox->final_queued && outbox->messages.empty();
    bool end = final || outbox->aborted;
    lock.unlock();
    if (!out.empty() && !sink.write(out.data(), out.size())) return false;
    if (final) {
      std::lock_guard written(outbox->mutex);
      outbox->final_written = true;
    }
    if (end) sink.done();
    return true;
  };
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
    configure();
  }

  ~Impl() { stop(); }

  void start() {
    // Remembers the listening socket (httplib applies these options to it alone) so the accept
    // backlog can be raised after binding: the library's compiled-in backlog of 5 drops SYNs when
    // a client opens many connections at once, and each dropped SYN costs that client a second.
    http_.set_socket_options([this](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_socket_ = sock;
    });
    bool bound = false;
    if (options_.port == 0) {
      port_ = http_.bind_to_any_port(options_.host);
      bound = port_ > 0;
    } else {
      bound = http_.bind_to_port(options_.host, options_.port);
      port_ = options_.port;
    }
    if (!bound) {
      throw std::runtime_error(fmt::format("cannot listen on {}:{} (address in use or not available)", options_.host,
                                           options_.port));
    }
    if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
    reaper_ = std::thread([this] { reap_loop(); });
    listener_ = std::thread([this] {
      if (!http_.listen_after_bind() && !stopping_.load()) {
        mcp::log::error(kComponent, "HTTP listener on {}:{} stopped unexpectedly", options_.host, port_);
      }
      {
        std::lock_guard lock(stopped_mutex_);
        listener_done_ = true;
      }
      stopped_cv_.notify_all();
    });
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
    stopped_cv_.wait(lock, [&] { return listener_done_ || stop_requested_; });
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
    // Wakes every request still waiting and ends every stream, so the workers can be joined.
    for (auto& session : live) session->close();
    http_.stop();
    if (listener_.joinable()) listener_.join();
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
  void configure() {
    auto workers = std::max<std::size_t>(options_.worker_threads, 2);
    http_.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
    // Without it a response split over two writes meets the peer's delayed ACK (~40 ms each).
    http_.set_tcp_nodelay(true);
    http_.set_keep_alive_max_count(options_.keep_alive_max_requests);
    http_.set_keep_alive_timeout(options_.keep_alive_timeout.count());
    http_.set_read_timeout(30, 0);
    http_.set_write_timeout(30, 0);
    http_.set_payload_max_length(options_.max_body_bytes);
    http_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown error";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      mcp::log::error(kComponent, "request handler failed: {}", what);
      reply_error(res, 500, -32603, "Internal error: " + what);
    });
    http_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (res.status == 413) {
        reply_error(res, 413, kServerErrorCode,
                    fmt::format("Payload Too Large: the body exceeds {} bytes", options_.max_body_bytes));
      } else if (res.status == 404 && res.body.empty()) {
        reply_error(res, 404, kServerErrorCode, fmt::format("Not Found: no MCP endpoint at {}", req.path));
      }
    });

    auto pattern = regex_escape(options_.path);
    http_.Post(pattern, [this](const httplib::Request& req, httplib::Response& res) { handle_post(req, res); });
    http_.Get(pattern, [this](const httplib::Request& req, httplib::Response& res) { handle_get(req, res); });
    http_.Delete(pattern, [this](const httplib::Request& req, httplib::Response& res) { handle_delete(req, res); });
    auto not_allowed = [this](const httplib::Request& req, httplib::Response& res) {
      if (!admit(req, res)) return;
      res.set_header("Allow", "GET, POST, DELETE");
      reply_error(res, 405, kServerErrorCode, "Method Not Allowed: use POST, GET or DELETE");
    };
    http_.Put(pattern, not_allowed);
    http_.Patch(pattern, not_allowed);
    http_.Options(pattern, not_allowed);
  }

  // Host, Origin and authentication: the checks every method passes first.
  bool admit(const httplib::Request& req, httplib::Response& res) {
    if (stopping_.load()) {
      reply_error(res, 503, kServerErrorCode, "Service Unavailable: the server is shutting down");
      return false;
    }
    if (req.has_header("Host")) {
      auto host = req.get_header_value("Host");
      if (!http_checks::host_allowed(host, options_.allowed_hosts)) {
        mcp::log::warn(kComponent, "rejected request with Host '{}' (DNS rebinding protection)", host);
        reply_error(res, 403, kServerErrorCode, fmt::format("Forbidden: Host '{}' is not allowed", host));
        return false;
      }
    }
    if (req.has_header("Origin")) {
      auto origin = req.get_header_value("Origin");
      if (!http_checks::origin_allowed(origin, options_.allowed_origins)) {
        mcp::log::warn(kComponent, "rejected request with Origin '{}'", origin);
        reply_error(res, 403, kServerErrorCode, fmt::format("Forbidden: Origin '{}' is not allowed", origin));
        return false;
      }
    }
    if (options_.bearer_token) {
      auto verdict = http_checks::check_bearer(req.get_header_value("Authorization"), *options_.bearer_token);
      if (verdict != http_checks::BearerResult::ok) {
        bool missing = verdict == http_checks::BearerResult::missing;
        res.set_header("WWW-Authenticate",
                       missing ? fmt::format("Bearer realm=\"{}\"", options_.realm)
                               : fmt::format("Bearer realm=\"{}\", error=\"invalid_token\"", options_.realm));
        reply_error(res, 401, kServerErrorCode,
                    missing ? "Unauthorized: missing bearer token" : "Unauthorized: invalid bearer token");
        return false;
      }
    }
    return true;
  }

  // Finds the session named by Mcp-Session-Id and checks MCP-Protocol-Version; answers the
  // error itself and returns nullptr when either is wrong.
  std::shared_ptr<HttpSession> session_for(const httplib::Request& req, httplib::Response& res) {
    auto id = req.get_header_value(kSessionHeader);
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

  bool check_protocol_version(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header(kVersionHeader)) return true;  // the spec says: assume 2025-03-26
    auto version = req.get_header_value(kVersionHeader);
    if (http_checks::is_supported_protocol_version(version)) return true;
    reply_error(res, 400, kServerErrorCode,
                fmt::format("Bad Request: Unsupported protocol version: {} (supported versions: {})", version,
                            fmt::join(http_checks::supported_protocol_versions(), ", ")));
    return false;
  }

  std::shared_ptr<HttpSession> find_session(const std::string& id) {
    std::shared_lock lock(sessions_mutex_);
    auto found = sessions_.find(id);
    if (found == sessions_.end() || found->second->closed()) return nullptr;
    return found->second;
  }

  void handle_post(const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    auto accept = req.get_header_value("Accept");
    if (!http_checks::accepts(accept, "application/json") || !http_checks::accepts(accept, "text/event-stream")) {
      reply_error(res, 406, kServerErrorCode,
                  "Not Acceptable: Client must accept both application/json and text/event-stream");
      return;
    }
    if (!http_checks::content_type_is(req.get_header_value("Content-Type"), "application/json")) {
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
    if (!req.has_header(kSessionHeader) && is_initialize) {
      session = create_session(res);
      if (!session) return;
      new_session = true;
    } else {
      session = session_for(req, res);
      if (!session) return;
    }

    if (kind != WireKind::request) {
      session->deliver(std::move(message));
      res.status = 202;
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
    session->deliver(std::move(message));

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
      mcp::Json response = std::move(outbox->messages.front());
      outbox->messages.pop_front();
      lock.unlock();
      session->finish_request(key, outbox);
      if (new_session) {
        if (response.contains("error")) {
          // A failed initialize leaves no session behind.
          session->close();
        } else {
          res.set_header(kSessionHeader, session->id());
        }
      }
      // Moved in rather than set_content(), which would copy the body once more.
      res.body = to_wire(response);
      res.set_header("Content-Type", "application/json");
      return;
    }
    lock.unlock();
    if (new_session) res.set_header(kSessionHeader, session->id());
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream", sse_provider(outbox, options_.sse_keepalive_interval, std::nullopt, retry_ms()),
        [session, outbox](bool) { session->release_stream(outbox); });
  }

  void handle_get(const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    if (!http_checks::accepts(req.get_header_value("Accept"), "text/event-stream")) {
      reply_error(res, 406, kServerErrorCode, "Not Acceptable: Client must accept text/event-stream");
      return;
    }
    auto session = session_for(req, res);
    if (!session) return;
    // A client that lost a stream names the last event it saw; what followed is replayed.
    std::optional<std::uint64_t> replay_after;
    std::shared_ptr<Outbox> outbox;
    if (auto last = req.get_header_value("Last-Event-ID"); !last.empty()) {
      std::uint64_t after = 0;
      outbox = session->resume(last, after);
      if (outbox) replay_after = after;
    }
    if (!outbox) outbox = session->open_standalone();
    if (!outbox) {
      reply_error(res, 409, kServerErrorCode, "Conflict: Only one SSE stream is allowed per session");
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream",
                                     sse_provider(outbox, options_.sse_keepalive_interval, replay_after, retry_ms()),
                                     [session, outbox](bool) { session->release_stream(outbox); });
  }

  void handle_delete(const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    auto session = session_for(req, res);
    if (!session) return;
    mcp::log::info(kComponent, "session {} ended by DELETE", session->id());
    session->close();
    res.status = 200;
  }

  std::shared_ptr<HttpSession> create_session(httplib::Response& res) {
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
  httplib::Server http_;
  int port_ = 0;
  socket_t listen_socket_ = -1;
  std::thread listener_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;

  std::mutex stopped_mutex_;
  std::condition_variable stopped_cv_;
  bool listener_done_ = false;
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
