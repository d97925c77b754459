#include "transport/http_client.hpp"

#include "transport/ascii.hpp"

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "mcp/log.hpp"
#include "transport/fd.hpp"
#include "transport/json_text.hpp"
#include "transport/sse.hpp"

namespace lh::transport {

namespace {

constexpr std::string_view kComponent = "http-client";
constexpr const char* kSessionHeader = "Mcp-Session-Id";
constexpr const char* kVersionHeader = "MCP-Protocol-Version";
constexpr int kTransportErrorCode = -32000;  // mcp::error_code::connection_closed
constexpr std::chrono::seconds kGetStreamWait{2};

struct ParsedUrl {
  std::string scheme_host_port;  // "https://host:443"
  std::string path;              // "/mcp?x=1"
};

ParsedUrl parse_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw mcp::TransportError("not an http(s) URL: '" + url + "'");
  std::string scheme = url.substr(0, scheme_end);
  for (auto& c : scheme) c = ascii::lower(c);
  if (scheme != "http" && scheme != "https") {
    throw mcp::TransportError("unsupported URL scheme '" + scheme + "' in '" + url + "' (use http or https)");
  }
  auto authority_start = scheme_end + 3;
  auto path_start = url.find_first_of("/?#", authority_start);
  std::string authority = url.substr(authority_start, path_start - authority_start);
  if (authority.empty()) throw mcp::TransportError("URL has no host: '" + url + "'");
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (auto hash = path.find('#'); hash != std::string::npos) path.erase(hash);
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  return {scheme + "://" + authority, path};
}

std::string preview(std::string_view text) {
  constexpr std::size_t kMax = 300;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

void join_unless_self(std::thread& thread) {
  if (!thread.joinable()) return;
  if (thread.get_id() == std::this_thread::get_id()) {
    thread.detach();
  } else {
    thread.join();
  }
}

}  // namespace

class StreamableHttpClientTransport::Impl : public std::enable_shared_from_this<Impl> {
 public:
  explicit Impl(StreamableHttpClientOptions options) : options_(std::move(options)), url_(parse_url(options_.url)) {
    ignore_sigpipe();
  }

  ~Impl() {
    close();
    // close() joined the workers it saw; a worker may still be here if this Impl's last owner was the
    // worker itself (its own thread must be detached, not joined) or if it ended between close()'s
    // snapshot and now.
    for (auto& worker : workers_) join_unless_self(*worker);
  }

  void start(Handlers handlers) { handlers_ = std::move(handlers); }

  void send(const mcp::Json& message) {
    if (expired_.load()) {
      throw SessionExpiredError(fmt::format("MCP server '{}': session expired; initialize again", options_.name));
    }
    if (closing_.load()) throw mcp::TransportError(fmt::format("MCP server '{}': connection is closed", options_.name));
    if (classify(message) == WireKind::request) {
      enqueue([this, message] { post(message, true); });
      return;
    }
    post(message, false);
    if (options_.open_get_stream && message.value("method", "") == "notifications/initialized") {
      // A server may drop a request it sends while no GET stream is open, so the first request
      // of the session must not race ahead of the stream: wait (bounded) until the server has
      // answered the GET, with the stream or with "no stream here".
      open_get_stream();
      wait_for_get_stream_answer(kGetStreamWait);
    }
  }

  void close() {
    std::lock_guard close_lock(close_mutex_);
    if (closing_.exchange(true)) return;
    {
      std::lock_guard lock(jobs_mutex_);
      jobs_.clear();
    }
    jobs_cv_.notify_all();
    note_get_stream_answered();
    stop_active_clients();
    std::string session = session_id();
    if (!session.empty() && !expired_.load()) end_session(session);
    for (auto& worker : workers_snapshot()) join_unless_self(*worker);
    join_unless_self(get_thread_);
    fire_close();
  }

  void set_protocol_version(std::string version) {
    std::lock_guard lock(state_mutex_);
    protocol_version_ = std::move(version);
  }

  std::string session_id() const {
    std::lock_guard lock(state_mutex_);
    return session_id_;
  }

  bool session_expired() const { return expired_.load(); }

 private:
  // --- connections ---

  std::unique_ptr<httplib::Client> make_client() const {
    auto client = std::make_unique<httplib::Client>(url_.scheme_host_port);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_connection_timeout(options_.connect_timeout.count(), 0);
    client->set_read_timeout(options_.read_timeout.count(), 0);
    client->set_write_timeout(30, 0);
    client->set_follow_location(false);
    client->enable_server_certificate_verification(options_.verify_tls);
    if (!options_.ca_cert_path.empty()) client->set_ca_cert_path(options_.ca_cert_path);
    return client;
  }

  // One connection per request in flight; idle ones are kept for keep-alive reuse.
  httplib::Client* acquire_client() {
    std::lock_guard lock(clients_mutex_);
    std::unique_ptr<httplib::Client> client;
    if (!idle_clients_.empty()) {
      client = std::move(idle_clients_.back());
      idle_clients_.pop_back();
    } else {
      client = make_client();
    }
    auto* raw = client.get();
    active_clients_.emplace(raw, ActiveClient{std::move(client), std::this_thread::get_id()});
    return raw;
  }

  void release_client(httplib::Client* client) {
    std::unique_ptr<httplib::Client> owned;
    {
      std::lock_guard lock(clients_mutex_);
      auto found = active_clients_.find(client);
      if (found == active_clients_.end()) return;
      owned = std::move(found->second.client);
      active_clients_.erase(found);
      if (!closing_.load() && idle_clients_.size() < options_.max_concurrent_requests) {
        idle_clients_.push_back(std::move(owned));
      }
    }
    clients_cv_.notify_all();
  }

  // Aborts every request in flight on other threads and waits until they have let go of their
  // connection. stop() only interrupts a connection that is already open, so it is repeated
  // until each request has noticed (one may have been about to connect).
  void stop_active_clients() {
    auto self = std::this_thread::get_id();
    std::unique_lock lock(clients_mutex_);
    for (;;) {
      bool others = false;
      for (auto& [raw, active] : active_clients_) {
        if (active.thread == self) continue;
        // httplib documents stop() as safe while another thread is inside a request on it.
        active.client->stop();
        others = true;
      }
      if (!others) return;
      clients_cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }

  httplib::Headers base_headers() const {
    httplib::Headers headers;
    for (const auto& [name, value] : options_.headers) headers.emplace(name, value);
    std::lock_guard lock(state_mutex_);
    if (!session_id_.empty()) headers.emplace(kSessionHeader, session_id_);
    if (!protocol_version_.empty()) headers.emplace(kVersionHeader, protocol_version_);
    return headers;
  }

  // --- the request worker pool ---

  void enqueue(std::function<void()> job) {
    std::lock_guard lock(jobs_mutex_);
    // Checked under the lock close() takes before it snapshots the workers, so no worker is started
    // after that snapshot (it would never be joined).
    if (closing_.load()) throw mcp::TransportError(fmt::format("MCP server '{}': connection is closed", options_.name));
    jobs_.push_back(std::move(job));
    if (idle_workers_ == 0 && workers_.size() < std::max<std::size_t>(options_.max_concurrent_requests, 1)) {
      // A worker keeps the Impl alive: close() may run on a worker (from a handler) and detach it.
      workers_.push_back(std::make_shared<std::thread>([self = shared_from_this()] { self->work(); }));
    }
    jobs_cv_.notify_one();
  }

  void work() {
    std::unique_lock lock(jobs_mutex_);
    for (;;) {
      ++idle_workers_;
      jobs_cv_.wait(lock, [&] { return closing_.load() || !jobs_.empty(); });
      --idle_workers_;
      if (closing_.load()) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::vector<std::shared_ptr<std::thread>> workers_snapshot() {
    std::lock_guard lock(jobs_mutex_);
    return workers_;
  }

  // --- POST ---

  // Sends one message. For a request, every outcome reaches on_message: the answer, or a JSON-RPC
  // error response standing in for it. For anything else, failures throw.
  void post(const mcp::Json& message, bool is_request) {
    mcp::Json request_id = is_request ? message["id"] : mcp::Json();
    bool is_initialize = is_request && message.value("method", "") == "initialize";
    bool had_session = !session_id().empty();
    bool response_seen = false;
    int status = -1;
    bool is_sse = false;
    std::string body;
    std::string sse_failure;

    std::function<void(SseEvent)> on_event = [&](SseEvent event) {
      if (event.data.empty()) return;  // priming event
      std::string problem;
      auto parsed = parse_json(event.data, &problem);
      if (!parsed || !parsed->is_object()) {
        report_error(fmt::format("MCP server '{}' sent an SSE event that is not a JSON-RPC message: {}", options_.name,
                                 parsed ? preview(event.data) : problem));
        return;
      }
      if (is_request && classify(*parsed) == WireKind::response && (*parsed)["id"] == request_id) {
        response_seen = true;
        if (is_initialize) note_negotiated_version(*parsed);
      }
      deliver(std::move(*parsed));
    };
    SseParser parser(on_event);

    httplib::Request req;
    req.method = "POST";
    req.path = url_.path;
    req.headers = base_headers();
    req.headers.emplace("Accept", "application/json, text/event-stream");
    req.headers.emplace("Content-Type", "application/json");
    req.body = to_wire(message);
    req.response_handler = [&](const httplib::Response& response) {
      status = response.status;
      auto content_type = response.get_header_value("Content-Type");
      is_sse = content_type.compare(0, 17, "text/event-stream") == 0;
      if (response.has_header(kSessionHeader)) {
        std::lock_guard lock(state_mutex_);
        if (session_id_.empty()) session_id_ = response.get_header_value(kSessionHeader);
      }
      return true;
    };
    req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
      if (closing_.load()) return false;
      if (is_sse && status == 200) {
        try {
          parser.feed(std::string_view(data, size));
        } catch (const SseError& e) {
          sse_failure = e.what();
          return false;
        }
        return true;
      }
      if (body.size() + size > 64 * 1024 * 1024) return false;
      body.append(data, size);
      return true;
    };

    auto* client = acquire_client();
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    bool sent = client->send(req, res, error);
    release_client(client);

    if (closing_.load()) {
      if (!is_request) throw mcp::TransportError(fmt::format("MCP server '{}': connection is closed", options_.name));
      return;
    }
    if (is_request && is_sse && status == 200 && !response_seen && sse_failure.empty() &&
        !parser.last_event_id().empty()) {
      // The stream ended before the answer (a dropped connection, or a server that closes streams
      // early): pick it up again where it broke off.
      resume_stream(parser.last_event_id(), parser.retry_ms().value_or(1000), on_event, response_seen);
      if (response_seen || closing_.load()) return;
    }
    if (!sent) {
      std::string what = !sse_failure.empty()
                             ? fmt::format("bad SSE stream: {}", sse_failure)
                             : fmt::format("HTTP request to {} failed: {}", options_.url, httplib::to_string(error));
      if (is_sse && status == 200 && response_seen) return;  // the answer arrived before the stream broke
      fail(request_id, is_request, what, false, status > 0);
      return;
    }
    if (status == 202 || status == 204) {
      if (is_request) fail(request_id, true, fmt::format("HTTP {} without an answer to the request", status), false, status > 0);
      return;
    }
    if (status == 404 && had_session) {
      expire();
      fail(request_id, is_request, "session expired (HTTP 404): the server no longer knows this session", true, status > 0);
      return;
    }
    if (status < 200 || status >= 300) {
      // The body is often a JSON-RPC error for this very request: pass it on as the answer.
      if (is_request) {
        if (auto parsed = parse_json(body); parsed && parsed->is_object() && parsed->contains("error") &&
                                            (*parsed)["id"] == request_id) {
          deliver(std::move(*parsed));
          return;
        }
      }
      fail(request_id, is_request, fmt::format("HTTP {} from {}: {}", status, options_.url, preview(body)), false, status > 0);
      return;
    }
    if (is_sse) {
      if (is_request && !response_seen) {
        fail(request_id, true, "the SSE stream ended before the response arrived", false, status > 0);
      }
      return;
    }
    if (body.empty()) {
      if (is_request) fail(request_id, true, fmt::format("HTTP {} with an empty body", status), false, status > 0);
      return;
    }
    std::string problem;
    auto parsed = parse_json(body, &problem);
    if (!parsed) {
      fail(request_id, is_request, fmt::format("response body is not JSON: {} ({})", problem, preview(body)), false, status > 0);
      return;
    }
    auto handle = [&](mcp::Json item) {
      if (is_request && classify(item) == WireKind::response && item["id"] == request_id) {
        response_seen = true;
        if (is_initialize) note_negotiated_version(item);
      }
      deliver(std::move(item));
    };
    if (parsed->is_array()) {
      for (auto& item : *parsed) handle(std::move(item));
    } else {
      handle(std::move(*parsed));
    }
    if (is_request && !response_seen) fail(request_id, true, "the response body did not answer the request", false, status > 0);
  }

  // The engine above this transport cannot know it speaks HTTP, so the version header is learned
  // here from the initialize result (set_protocol_version() still overrides it).
  void note_negotiated_version(const mcp::Json& response) {
    auto result = response.find("result");
    if (result == response.end() || !result->is_object()) return;
    auto version = result->find("protocolVersion");
    if (version == result->end() || !version->is_string()) return;
    std::lock_guard lock(state_mutex_);
    protocol_version_ = version->get<std::string>();
  }

  // server_answered: an HTTP status came back, so the server is there and only this exchange failed
  // (a 5xx, a stream cut short); the session stays usable for the other calls in flight.
  void fail(const mcp::Json& request_id, bool is_request, const std::string& what, bool session_expired,
            bool server_answered) {
    auto text = fmt::format("MCP server '{}': {}", options_.name, what);
    mcp::log::warn(kComponent, "{}", text);
    if (!is_request) {
      if (session_expired) {
        fire_close();
        throw SessionExpiredError(text);
      }
      throw mcp::TransportError(text);
    }
    auto error = jsonrpc_error(request_id, kTransportErrorCode, text);
    if (session_expired) {
      error["error"]["data"] = {{"sessionExpired", true}};
    } else if (server_answered) {
      error["error"]["data"] = {{"serverAnswered", true}};
    }
    deliver(std::move(error));
    if (session_expired) fire_close();
  }

  void expire() {
    if (expired_.exchange(true)) return;
    mcp::log::warn(kComponent, "MCP server '{}': session {} expired", options_.name, session_id());
  }

  void deliver(mcp::Json message) {
    if (handlers_.on_message) handlers_.on_message(std::move(message));
  }

  void report_error(const std::string& what) {
    mcp::log::warn(kComponent, "{}", what);
    if (handlers_.on_error) handlers_.on_error(what);
  }

  void fire_close() {
    std::call_once(close_once_, [this] {
      if (handlers_.on_close) handlers_.on_close();
    });
  }

  // --- DELETE ---

  void end_session(const std::string& session) {
    auto client = make_client();
    client->set_connection_timeout(2, 0);
    client->set_read_timeout(2, 0);
    httplib::Headers headers = base_headers();
    auto result = client->Delete(url_.path, headers);
    if (!result) {
      mcp::log::debug(kComponent, "DELETE of session {} failed: {}", session, httplib::to_string(result.error()));
    } else if (result->status >= 400 && result->status != 405 && result->status != 404) {
      mcp::log::debug(kComponent, "DELETE of session {} answered HTTP {}", session, result->status);
    }
  }

  // GET with Last-Event-ID until `done` (the answer arrived), a few attempts apart by `retry_ms`.
  void resume_stream(std::string last_event_id, std::uint64_t retry_ms, const std::function<void(SseEvent)>& on_event,
                     const bool& done) {
    constexpr int kAttempts = 3;
    for (int attempt = 0; attempt < kAttempts && !done && !closing_.load(); ++attempt) {
      {
        std::unique_lock lock(jobs_mutex_);
        jobs_cv_.wait_for(lock, std::chrono::milliseconds(std::min<std::uint64_t>(retry_ms, 5000)),
                          [&] { return closing_.load(); });
      }
      if (closing_.load()) return;
      SseParser parser(on_event);
      int status = -1;
      httplib::Request req;
      req.method = "GET";
      req.path = url_.path;
      req.headers = base_headers();
      req.headers.emplace("Accept", "text/event-stream");
      req.headers.emplace("Last-Event-ID", last_event_id);
      req.response_handler = [&](const httplib::Response& response) {
        status = response.status;
        return status == 200 && response.get_header_value("Content-Type").compare(0, 17, "text/event-stream") == 0;
      };
      req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
        if (closing_.load()) return false;
        try {
          parser.feed(std::string_view(data, size));
        } catch (const SseError&) {
          return false;
        }
        return !done;
      };
      auto* client = acquire_client();
      httplib::Response res;
      httplib::Error error = httplib::Error::Success;
      client->send(req, res, error);
      release_client(client);
      mcp::log::debug(kComponent, "MCP server '{}': resumed stream after {} (HTTP {})", options_.name, last_event_id,
                      status);
      if (status != 200) return;  // the server cannot resume it
      if (!parser.last_event_id().empty()) last_event_id = parser.last_event_id();
      if (parser.retry_ms()) retry_ms = *parser.retry_ms();
    }
  }

  // --- the GET stream ---

  void open_get_stream() {
    std::lock_guard lock(close_mutex_);
    if (closing_.load() || get_thread_.joinable()) return;
    get_thread_ = std::thread([self = shared_from_this()] { self->run_get_stream(); });
  }

  // Called once the first GET has its answer (headers, or a connection failure), and by close().
  void note_get_stream_answered() {
    {
      std::lock_guard lock(get_answer_mutex_);
      get_answered_ = true;
    }
    get_answer_cv_.notify_all();
  }

  void wait_for_get_stream_answer(std::chrono::milliseconds limit) {
    std::unique_lock lock(get_answer_mutex_);
    if (!get_answer_cv_.wait_for(lock, limit, [&] { return get_answered_ || closing_.load(); })) {
      mcp::log::debug(kComponent, "MCP server '{}': no answer to the GET stream within {} ms; going on without it",
                      options_.name, limit.count());
    }
  }

  void run_get_stream() {
    std::string last_event_id;
    int failures = 0;
    std::uint64_t retry_ms = 1000;
    bool established = false;  // a 200 stream was open at least once
    // Whatever happens below, nobody waits for the first answer longer than needed.
    struct AnsweredOnExit {
      Impl& impl;
      ~AnsweredOnExit() { impl.note_get_stream_answered(); }
    } answered_on_exit{*this};
    while (!closing_.load() && !expired_.load() && failures < 5) {
      int status = -1;
      bool is_sse = false;
      SseParser parser([&](SseEvent event) {
        if (event.data.empty()) return;
        auto parsed = parse_json(event.data);
        if (!parsed || !parsed->is_object()) {
          report_error(fmt::format("MCP server '{}' sent a GET-stream event that is not JSON-RPC: {}", options_.name,
                                   preview(event.data)));
          return;
        }
        deliver(std::move(*parsed));
      });
      httplib::Request req;
      req.method = "GET";
      req.path = url_.path;
      req.headers = base_headers();
      req.headers.emplace("Accept", "text/event-stream");
      if (!last_event_id.empty()) req.headers.emplace("Last-Event-ID", last_event_id);
      bool carried_session = req.headers.count(kSessionHeader) > 0;
      req.response_handler = [&](const httplib::Response& response) {
        status = response.status;
        is_sse = response.get_header_value("Content-Type").compare(0, 17, "text/event-stream") == 0;
        note_get_stream_answered();
        return status == 200 && is_sse;
      };
      req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
        if (closing_.load()) return false;
        try {
          parser.feed(std::string_view(data, size));
        } catch (const SseError& e) {
          report_error(fmt::format("MCP server '{}': bad GET stream: {}", options_.name, e.what()));
          return false;
        }
        return true;
      };
      auto* client = acquire_client();
      httplib::Response res;
      httplib::Error error = httplib::Error::Success;
      client->send(req, res, error);
      release_client(client);
      note_get_stream_answered();
      if (closing_.load()) return;
      // 404 means "session expired" only for a request that carried our session, and only once
      // the stream has existed: a server without sessions or without a GET route answers the
      // first GET with 404 or 405, which just means there is no GET stream. A POST still finds
      // out about a really expired session.
      if (status == 404 && carried_session && established) {
        expire();
        fire_close();
        return;
      }
      if (status == 405 || status == 404) {
        mcp::log::debug(kComponent, "MCP server '{}' offers no GET stream (HTTP {})", options_.name, status);
        return;
      }
      if (status == 200 && is_sse) established = true;
      last_event_id = parser.last_event_id();
      if (parser.retry_ms()) retry_ms = *parser.retry_ms();
      failures = status == 200 ? 0 : failures + 1;
      std::unique_lock lock(jobs_mutex_);
      jobs_cv_.wait_for(lock, std::chrono::milliseconds(std::min<std::uint64_t>(retry_ms, 30000)),
                        [&] { return closing_.load(); });
    }
  }

  StreamableHttpClientOptions options_;
  ParsedUrl url_;
  Handlers handlers_;
  std::atomic<bool> closing_{false};
  std::atomic<bool> expired_{false};
  std::once_flag close_once_;
  std::mutex close_mutex_;

  mutable std::mutex state_mutex_;
  std::string session_id_;
  std::string protocol_version_;

  std::mutex clients_mutex_;
  std::vector<std::unique_ptr<httplib::Client>> idle_clients_;
  struct ActiveClient {
    std::unique_ptr<httplib::Client> client;
    std::thread::id thread;
  };
  std::map<httplib::Client*, ActiveClient> active_clients_;
  std::condition_variable clients_cv_;

  std::mutex jobs_mutex_;
  std::condition_variable jobs_cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::shared_ptr<std::thread>> workers_;
  std::size_t idle_workers_ = 0;

  std::thread get_thread_;
  std::mutex get_answer_mutex_;
  std::condition_variable get_answer_cv_;
  bool get_answered_ = false;
};

StreamableHttpClientTransport::StreamableHttpClientTransport(StreamableHttpClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}
StreamableHttpClientTransport::~StreamableHttpClientTransport() { impl_->close(); }
void StreamableHttpClientTransport::start(Handlers handlers) { impl_->start(std::move(handlers)); }
void StreamableHttpClientTransport::send(const mcp::Json& message, const mcp::SendOptions&) { impl_->send(message); }
void StreamableHttpClientTransport::close() { impl_->close(); }
void StreamableHttpClientTransport::set_protocol_version(std::string version) {
  impl_->set_protocol_version(std::move(version));
}
std::string StreamableHttpClientTransport::session_id() const { return impl_->session_id(); }
bool StreamableHttpClientTransport::session_expired() const { return impl_->session_expired(); }

}  // namespace lh::transport
