// The JSON-RPC session engine used by both the server and the client: it matches responses to
// outgoing requests (in any order), enforces deadlines, routes progress, handles cancellation in
// both directions, runs incoming requests on a worker pool and answers ping at once.
//
// Threading: a transport calls on_message from its own thread(s). The engine never blocks there:
// responses, progress, cancellation and ping are handled inline; requests the inline filter picks
// (see set_inline_filter) run inline too; every other request is queued to the worker pool; notifications run inline, in order, so a notification handler must be quick and
// must NOT wait for a response from the peer (that response arrives on the same thread).
// A transport's send() may be called from inside its on_message (e.g. the pong to a ping).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "mcp/jsonrpc.hpp"
#include "mcp/transport.hpp"
#include "mcp/types.hpp"

namespace lh::mcp {

// A pool of threads for request handlers, shared by many sessions (one per Server, typically).
// It keeps `min_threads` alive and grows up to `max_threads` when every thread is busy, so slow
// handlers do not starve others; extra threads retire after a short idle time.
class WorkerPool {
 public:
  explicit WorkerPool(std::size_t min_threads = 4, std::size_t max_threads = 64);
  ~WorkerPool();  // runs queued tasks to completion, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> task);
  // True on a thread owned by this pool.
  bool on_worker_thread() const;

 private:
  struct State;
  std::shared_ptr<State> state_{};
};

class Protocol;

// What an incoming-request handler sees besides params.
class RequestContext {
 public:
  const Json& id() const noexcept { return id_; }
  const std::string& method() const noexcept { return method_; }
  // Requested when the peer sends notifications/cancelled for this request, or the connection closes.
  std::stop_token stop_token() const noexcept { return stop_; }
  bool cancelled() const noexcept { return stop_.stop_requested(); }
  // params._meta, or null.
  const Json& meta() const noexcept { return meta_; }
  // params._meta.progressToken, when the peer asked for progress.
  const std::optional<Json>& progress_token() const noexcept { return progress_token_; }

  // Sends notifications/progress for this request when it has a progress token and the value is
  // strictly greater than the last one sent; returns whether it was sent. Never after the response.
  bool progress(double progress, std::optional<double> total = std::nullopt,
                std::optional<std::string> message = std::nullopt);
  // Notification related to this request (Streamable HTTP puts it on this request's stream).
  void notify(std::string_view method, Json params = nullptr);
  // Request to the peer related to this request; cancelled along with it. Throws McpError, and
  // McpError(internal_error) at once when the handler runs inline (see set_inline_filter): the
  // answer would arrive on the very thread that is blocked waiting for it.
  Json request(std::string_view method, Json params = nullptr,
               std::chrono::milliseconds timeout = std::chrono::seconds(60));

  Protocol& protocol() noexcept { return *protocol_; }

 private:
  friend class Protocol;
  RequestContext(Protocol& protocol, Json id, std::string method, std::stop_token stop, Json meta);
  Protocol* protocol_;
  Json id_{};
  std::string method_{};
  std::stop_token stop_{};
  Json meta_{};
  std::optional<Json> progress_token_{};
  std::optional<double> last_progress_{};
  bool finished_ = false;
  bool inline_ = false;
};

// Returns the result object; throws McpError to answer with an error. Any other exception becomes
// internal_error with its what() text.
using RequestHandler = std::function<Json(const Json& params, RequestContext& context)>;
using NotificationHandler = std::function<void(const Json& params)>;

struct RequestOptions {
  // Fails the request with request_timeout and sends notifications/cancelled when reached.
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
  // When set, a progressToken is added to params._meta and progress notifications are delivered
  // here (strictly increasing values only; on the transport's thread: keep it quick).
  ProgressCallback on_progress{};
  // Each progress notification restarts the timeout, bounded by max_total_timeout when set.
  bool reset_timeout_on_progress = false;
  std::optional<std::chrono::milliseconds> max_total_timeout{};
  // Requesting a stop cancels: notifications/cancelled is sent and the call throws
  // McpError(request_cancelled). Honoured by request(); request_async callers use cancel().
  std::stop_token cancel{};
  // Streamable HTTP routing (see SendOptions).
  std::optional<Json> related_request_id{};
};

struct ProtocolOptions {
  // Used in log lines ("server", "client", a session id...).
  std::string name = "mcp";
  // Shared pool for incoming requests; when null the engine creates its own with
  // worker_threads..max_worker_threads threads.
  std::shared_ptr<WorkerPool> pool{};
  std::size_t worker_threads = 4;
  std::size_t max_worker_threads = 64;
  // Run request handlers on the thread that delivered the request instead of the pool: saves two
  // thread hand-offs per call. Only safe when the transport delivers every incoming message on its
  // own thread without holding a lock, AND handlers never wait for the peer (no ctx.request, e.g.
  // elicitation) and need no live progress: a Streamable HTTP POST thread that is busy in the
  // handler cannot open the SSE stream those need, so a server-to-client request would hang until
  // its timeout. Over stdio or the in-memory pair it stalls the connection behind each handler.
  bool run_handlers_inline = false;
};

class Protocol {
 public:
  explicit Protocol(ProtocolOptions options = {});
  // Closes the transport, fails pending requests, stops running handlers and waits for them.
  ~Protocol();
  Protocol(const Protocol&) = delete;
  Protocol& operator=(const Protocol&) = delete;

  // Register before connect(); replacing later is allowed (thread-safe).
  void set_request_handler(std::string method, RequestHandler handler);
  void set_notification_handler(std::string method, NotificationHandler handler);
  // Consulted before dispatching any request except ping; returning an error answers with it
  // (e.g. "not initialized"). Runs on the transport's thread: keep it quick.
  void set_request_gate(std::function<std::optional<McpError>(const std::string& method)> gate);
  // Picks the requests whose handler runs on the thread that delivered them instead of the worker
  // pool, saving two thread hand-offs (a wake-up and a context switch each) per call. Return true
  // only for handlers that return promptly, never call RequestContext::request and need no live
  // progress: while such a handler runs, the transport reads nothing more (stdio) or the POST
  // cannot switch to a stream (HTTP). Runs on the transport's thread for every request except
  // ping (always answered inline): keep it quick. Thread-safe; register before connect().
  using InlineFilter = std::function<bool(const std::string& method, const Json& params)>;
  void set_inline_filter(InlineFilter filter);
  // Called once when the transport closes (after pending requests have failed).
  void set_close_handler(std::function<void()> handler);
  // Transport-level errors (garbage lines) and protocol violations by the peer.
  void set_error_handler(std::function<void(const std::string&)> handler);

  // Starts the transport. Call once.
  void connect(std::shared_ptr<Transport> transport);

  // Sends a request and waits for its result. Throws McpError: the peer's error, or
  // request_timeout / request_cancelled / connection_closed. A connection_closed error whose data
  // is {"sent": false} means the request never left, so it is safe to send again elsewhere.
  Json request(std::string_view method, Json params = nullptr, const RequestOptions& options = {});

  // Sends a request; `done` is called exactly once with the result or the error (on the transport's
  // or the timer's thread, or inline when sending fails). Returns the request id.
  using ResponseCallback = std::function<void(Json* result, McpError* error)>;
  Json request_async(std::string_view method, Json params, const RequestOptions& options,
                     ResponseCallback done);
  // Cancels an outgoing request: fails it with request_cancelled and sends notifications/cancelled.
  void cancel(const Json& request_id, std::string reason = "cancelled");

  // Throws TransportError when the connection is closed.
  void notify(std::string_view method, Json params = nullptr, const SendOptions& options = {});

  void close();
  bool closed() const noexcept;

  struct Core;

 private:
  std::shared_ptr<Core> core_{};
};

}  // namespace lh::mcp
