#include "mcp/protocol.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "mcp/log.hpp"

namespace lh::mcp {

namespace {
using Clock = std::chrono::steady_clock;

const Json& empty_object() {
  static const Json value = Json::object();
  return value;
}

std::string describe_id(const Json& id) { return id.is_string() ? id.get<std::string>() : id.dump(); }

// A validated request (see inspect_message): an object with a string "method".
const std::string& method_of(const Json& request) {
  using namespace std::literals;
  return request.find("method"sv)->get_ref<const std::string&>();
}

const Json& params_of(const Json& request) {
  using namespace std::literals;
  auto it = request.find("params"sv);
  return it != request.end() ? *it : empty_object();
}

// Frees a message depth first. nlohmann's destructor moves the children of every non-empty
// container onto a heap-allocated stack (so that no tree can overflow the call stack); emptying
// the shallow levels here first spares those allocations for each message.
void release(Json& value, int depth = 0) {
  constexpr int kMaxDepth = 32;
  if (value.is_object()) {
    auto& members = *value.get_ptr<Json::object_t*>();
    if (depth < kMaxDepth) {
      for (auto& member : members) release(member.second, depth + 1);
    }
    members.clear();
  } else if (value.is_array()) {
    auto& items = *value.get_ptr<Json::array_t*>();
    if (depth < kMaxDepth) {
      for (auto& item : items) release(item, depth + 1);
    }
    items.clear();
  }
}
// Turns a validated request into its response: its "jsonrpc" and "id" members are the response's,
// so only "result" is added, instead of building (and later freeing) a new envelope per call.
Json into_result(Json&& request, Json result) {
  auto& members = *request.get_ptr<Json::object_t*>();
  for (auto it = members.begin(); it != members.end();) {
    if (it->first == "jsonrpc" || it->first == "id") {
      ++it;
    } else {
      release(it->second);
      it = members.erase(it);
    }
  }
  members.emplace("result", result.is_null() ? Json(Json::value_t::object) : std::move(result));
  return std::move(request);
}

}  // namespace

struct Protocol::Core : std::enable_shared_from_this<Protocol::Core> {
  struct Pending {
    std::string method;
    ResponseCallback done;
    ProgressCallback on_progress;
    std::optional<double> last_progress;
    Clock::time_point deadline;
    std::optional<Clock::time_point> hard_deadline;
    std::chrono::milliseconds timeout{};
    bool reset_on_progress = false;
    // Between registration and the end of the send: a close in that window is settled by the
    // sender, which alone knows whether the request left.
    bool sending = true;
    std::optional<Json> related;
  };

  struct Running {
    std::stop_source stop;
    bool cancelled = false;  // by the peer: no response may be sent
  };

  explicit Core(ProtocolOptions opts) : options(std::move(opts)) {
    pool = options.pool ? options.pool
                        : std::make_shared<WorkerPool>(options.worker_threads, options.max_worker_threads);
  }

  ProtocolOptions options;
  std::shared_ptr<WorkerPool> pool;
  // Atomic so that the handle can drop the transport on its own thread while a transport thread
  // may still be inside on_message: the last reference to a transport must not be released on
  // that transport's own delivery thread.
  std::atomic<std::shared_ptr<Transport>> transport;
  std::atomic<int> active_senders{0};

  // Counts the caller as a sender while it holds a transport reference, so that the handle can
  // wait for every such reference to be gone before it drops the last one.
  struct SenderScope {
    explicit SenderScope(Core& c) : core(c) { core.active_senders.fetch_add(1, std::memory_order_acq_rel); }
    ~SenderScope() { core.active_senders.fetch_sub(1, std::memory_order_acq_rel); }
    Core& core;
  };

  std::shared_mutex handlers_mutex;
  std::unordered_map<std::string, std::shared_ptr<const RequestHandler>> request_handlers;
  std::unordered_map<std::string, std::shared_ptr<const NotificationHandler>> notification_handlers;
  using RequestGate = std::function<std::optional<McpError>(const std::string&)>;
  std::shared_ptr<const RequestGate> gate;
  std::shared_ptr<const InlineFilter> inline_filter;
  std::function<void()> close_handler;
  std::function<void(const std::string&)> error_handler;

  // Outgoing requests.
  std::mutex out_mutex;
  std::condition_variable timer_wake;
  std::int64_t next_id = 1;
  std::unordered_map<std::int64_t, Pending> pending;
  std::set<std::pair<Clock::time_point, std::int64_t>> deadlines;
  std::thread timer;
  bool timer_stop = false;

  // Incoming requests.
  std::mutex in_mutex;
  std::condition_variable in_idle;
  std::unordered_map<std::string, std::shared_ptr<Running>> running;
  std::size_t in_flight = 0;
  bool draining = false;  // shutdown() waits for in_flight to drop
  // The close sequence (pending requests failed, close handler called) may run on a transport's
  // thread while the handle is being destroyed elsewhere: shutdown() waits for it to finish, so that
  // nothing the close handler uses (its owner's state, a caller's locals) is destroyed under it.
  std::thread::id closing_thread{};  // under in_mutex
  bool close_finished = false;       // under in_mutex

  std::atomic<bool> closed{false};
  std::atomic<bool> close_done{false};

  static thread_local const Core* current_task_core;

  // ---------------------------------------------------------------- sending

  bool send(const Json& message, const SendOptions& send_options) {
    if (closed.load(std::memory_order_acquire)) return false;
    SenderScope scope(*this);
    auto current = transport.load();
    if (!current) return false;
    try {
      current->send(message, send_options);
      current.reset();
      return true;
    } catch (const TransportError& e) {
      log::debug(options.name, "send failed: {}", e.what());
      return false;
    }
  }

  void report_error(const std::string& text) {
    log::warn(options.name, "{}", text);
    std::function<void(const std::string&)> handler;
    {
      std::shared_lock lock(handlers_mutex);
      handler = error_handler;
    }
    if (handler) handler(text);
  }

  // ---------------------------------------------------------------- incoming

  void on_message(Json message) {
    MessageCheck check = inspect_message(message);
    switch (check.kind) {
      case MessageKind::request:
        handle_request(std::move(message), std::move(check.id));
        return;
      case MessageKind::notification:
        handle_notification(message);
        return;
      case MessageKind::response:
      case MessageKind::error:
        handle_response(message, check);
        return;
      case MessageKind::invalid:
        report_error(fmt::format("invalid message: {}", check.problem));
        // A malformed request, a non-object, or an object that is neither request nor response
        // (no "method", no "result"/"error": its sender may be waiting on that id) is answered.
        // A malformed response is not: answering it could loop forever with a peer that answers
        // everything, e.g. an HTTP server that turns each POSTed error into another malformed
        // response.
        if (message.is_object() && !message.contains("method") &&
            (message.contains("result") || message.contains("error"))) {
          return;
        }
        send(make_error(check.id, error_code::invalid_request,
                        fmt::format("{}: {}", standard_message(error_code::invalid_request), check.problem)),
             SendOptions{check.id.is_null() ? std::nullopt : std::optional<Json>(check.id)});
        return;
    }
  }

  void reply_error(const Json& id, int code, std::string text) {
    send(make_error(id, code, std::move(text)), SendOptions{id});
  }

  void handle_request(Json message, Json id) {
    const std::string& method = method_of(message);
    if (method == "ping") {
      send(make_result(id, Json::object()), SendOptions{id});
      return;
    }
    std::shared_ptr<const RequestHandler> handler;
    std::shared_ptr<const RequestGate> gate_copy;
    std::shared_ptr<const InlineFilter> filter;
    {
      std::shared_lock lock(handlers_mutex);
      if (auto it = request_handlers.find(method); it != request_handlers.end()) handler = it->second;
      gate_copy = gate;
      filter = inline_filter;
    }
    if (gate_copy) {
      if (auto refusal = (*gate_copy)(method)) {
        send(make_error(id, *refusal), SendOptions{id});
        return;
      }
    }
    if (!handler) {
      reply_error(id, error_code::method_not_found,
                  fmt::format("{}: {}", standard_message(error_code::method_not_found), method));
      return;
    }
    auto entry = std::make_shared<Running>();
    std::string key = id_key(id);
    bool duplicate = false;
    {
      std::lock_guard lock(in_mutex);
      if (closed.load()) return;
      duplicate = !running.emplace(key, entry).second;
      if (!duplicate) ++in_flight;
    }
    if (duplicate) {
      reply_error(id, error_code::invalid_request,
                  fmt::format("{}: request id {} is already in use", standard_message(error_code::invalid_request),
                              describe_id(id)));
      return;
    }
    const Json& params = params_of(message);
    bool run_inline = options.run_handlers_inline;
    if (!run_inline && filter) run_inline = (*filter)(method, params);
    if (run_inline) {
      run_request(*handler, *entry, key, message, method, params, id,
                  /*on_delivering_thread=*/!options.run_handlers_inline);
      return;
    }
    pool->post([self = shared_from_this(), handler = std::move(handler), entry = std::move(entry),
                key = std::move(key), message = std::move(message), id = std::move(id)]() mutable {
      self->run_request(*handler, *entry, key, message, method_of(message), params_of(message), id, false);
    });
  }

  // `picked_inline`: chosen by the inline filter, so the handler promised not to wait for the peer.
  // `method` and `params` are members of `message`, which is consumed: it becomes the response.
  void run_request(const RequestHandler& handler, Running& entry, const std::string& key, Json& message,
                   const std::string& method, const Json& params, const Json& id, bool picked_inline) {
    const Core* outer_task_core = current_task_core;
    current_task_core = this;
    std::optional<Json> response;
    if (!entry.stop.stop_requested()) {
      Json meta;
      if (params.is_object()) {
        using namespace std::literals;
        if (auto meta_it = params.find("_meta"sv); meta_it != params.end()) meta = *meta_it;
      }
      RequestContext context(*owner_handle(), id, method, entry.stop.get_token(), std::move(meta));
      context.inline_ = picked_inline;
      try {
        Json result = handler(params, context);
        response.emplace(into_result(std::move(message), std::move(result)));
      } catch (const McpError& e) {
        response = make_error(id, e);
      } catch (const std::exception& e) {
        response = make_error(id, error_code::internal_error,
                              fmt::format("{}: {}", standard_message(error_code::internal_error), e.what()));
      } catch (...) {
        response = make_error(id, error_code::internal_error,
                              std::string(standard_message(error_code::internal_error)));
      }
      context.finished_ = true;
    }
    bool cancelled = false;
    {
      std::lock_guard lock(in_mutex);
      cancelled = entry.cancelled;
      running.erase(key);
    }
    // A request the peer cancelled gets no response at all.
    if (!cancelled && response) send(*response, SendOptions{id});
    if (response) release(*response);
    release(message);
    current_task_core = outer_task_core;
    bool wake_shutdown = false;
    {
      std::lock_guard lock(in_mutex);
      --in_flight;
      wake_shutdown = draining;
    }
    if (wake_shutdown) in_idle.notify_all();
  }

  void handle_notification(const Json& message) {
    const std::string& method = message["method"].get_ref<const std::string&>();
    auto params_it = message.find("params");
    const Json& params = params_it != message.end() ? *params_it : empty_object();
    if (method == "notifications/cancelled") {
      on_cancelled(params);
      return;
    }
    if (method == "notifications/progress") {
      on_progress(params);
      return;
    }
    std::shared_ptr<const NotificationHandler> handler;
    {
      std::shared_lock lock(handlers_mutex);
      if (auto it = notification_handlers.find(method); it != notification_handlers.end()) handler = it->second;
    }
    if (!handler) {
      log::debug(options.name, "no handler for notification {}", method);
      return;
    }
    try {
      (*handler)(params);
    } catch (const std::exception& e) {
      log::warn(options.name, "notification handler for {} threw: {}", method, e.what());
    }
  }

  void on_cancelled(const Json& params) {
    if (!params.is_object()) return;
    auto id_it = params.find("requestId");
    if (id_it == params.end() || !is_valid_id(*id_it)) return;
    std::shared_ptr<Running> entry;
    {
      std::lock_guard lock(in_mutex);
      auto it = running.find(id_key(*id_it));
      if (it == running.end()) return;  // unknown or already finished: ignored, as the spec asks
      entry = it->second;
      entry->cancelled = true;
    }
    std::string reason;
    if (auto r = params.find("reason"); r != params.end() && r->is_string()) reason = r->get<std::string>();
    log::debug(options.name, "request {} cancelled by peer{}{}", describe_id(*id_it), reason.empty() ? "" : ": ",
               reason);
    entry->stop.request_stop();
  }

  void on_progress(const Json& params) {
    if (!params.is_object()) return;
    auto token = params.find("progressToken");
    auto value = params.find("progress");
    if (token == params.end() || !token->is_number_integer() || value == params.end() || !value->is_number()) {
      log::debug(options.name, "ignored progress notification without a usable token/progress");
      return;
    }
    Progress progress;
    progress.progress = value->get<double>();
    if (auto total = params.find("total"); total != params.end() && total->is_number()) {
      progress.total = total->get<double>();
    }
    if (auto text = params.find("message"); text != params.end() && text->is_string()) {
      progress.message = text->get<std::string>();
    }
    ProgressCallback callback;
    {
      std::lock_guard lock(out_mutex);
      auto it = pending.find(token->get<std::int64_t>());
      if (it == pending.end() || !it->second.on_progress) return;
      Pending& entry = it->second;
      if (entry.last_progress && progress.progress <= *entry.last_progress) {
        log::debug(options.name, "ignored non-increasing progress {} for request {}", progress.progress, it->first);
        return;
      }
      entry.last_progress = progress.progress;
      if (entry.reset_on_progress) {
        auto next = Clock::now() + entry.timeout;
        if (entry.hard_deadline && next > *entry.hard_deadline) next = *entry.hard_deadline;
        deadlines.erase({entry.deadline, it->first});
        entry.deadline = next;
        deadlines.emplace(next, it->first);
      }
      callback = entry.on_progress;
    }
    try {
      callback(progress);
    } catch (const std::exception& e) {
      log::warn(options.name, "progress callback threw: {}", e.what());
    }
  }

  void handle_response(Json& message, const MessageCheck& check) {
    if (!check.id.is_number_integer()) {
      if (check.kind == MessageKind::error) {
        report_error(fmt::format("peer reported an error without a request: {}", message["error"].dump()));
      } else {
        report_error(fmt::format("response with an id we never used: {}", check.id.dump()));
      }
      return;
    }
    auto entry = take_pending(check.id.get<std::int64_t>());
    if (!entry) {
      log::debug(options.name, "response to unknown or finished request {}", check.id.dump());
      return;
    }
    if (check.kind == MessageKind::error) {
      McpError error = McpError::from_json(message["error"]);
      entry->done(nullptr, &error);
    } else {
      // The message is ours (moved in by on_message): hand the result over without a copy.
      entry->done(&message["result"], nullptr);
    }
  }

  std::optional<Pending> take_pending(std::int64_t id) {
    std::lock_guard lock(out_mutex);
    auto it = pending.find(id);
    if (it == pending.end()) return std::nullopt;
    Pending entry = std::move(it->second);
    deadlines.erase({entry.deadline, id});
    pending.erase(it);
    return entry;
  }

  // ---------------------------------------------------------------- outgoing

  Json start_request(std::string_view method, Json params, const RequestOptions& request_options,
                     ResponseCallback done) {
    std::int64_t id = 0;
    {
      std::lock_guard lock(out_mutex);
      id = next_id++;
    }
    if (closed.load(std::memory_order_acquire)) {
      McpError error(error_code::connection_closed,
                     fmt::format("Connection closed: cannot send {} request", method), Json{{"sent", false}});
      done(nullptr, &error);
      return id;
    }
    if (request_options.on_progress) {
      if (params.is_null()) params = Json::object();
      if (params.is_object()) params["_meta"]["progressToken"] = id;
    }
    Pending entry;
    entry.method = std::string(method);
    entry.done = std::move(done);
    entry.on_progress = request_options.on_progress;
    entry.timeout = request_options.timeout;
    entry.reset_on_progress = request_options.reset_timeout_on_progress;
    entry.related = request_options.related_request_id;
    const auto now = Clock::now();
    entry.deadline = now + request_options.timeout;
    if (request_options.max_total_timeout) {
      entry.hard_deadline = now + *request_options.max_total_timeout;
      if (*entry.hard_deadline < entry.deadline) entry.deadline = *entry.hard_deadline;
    }
    bool wake_timer = false;
    {
      std::lock_guard lock(out_mutex);
      wake_timer = deadlines.empty() || entry.deadline < deadlines.begin()->first;
      deadlines.emplace(entry.deadline, id);
      pending.emplace(id, std::move(entry));
      if (!timer.joinable() && !timer_stop) {
        timer = std::thread([self = shared_from_this()] { self->run_timer(); });
      }
    }
    if (wake_timer) timer_wake.notify_all();
    SendOptions send_options{request_options.related_request_id};
    const bool sent = send(make_request(id, method, std::move(params)), send_options);
    std::optional<Pending> failed;
    {
      std::lock_guard lock(out_mutex);
      if (auto it = pending.find(id); it != pending.end()) {
        it->second.sending = false;
        if (!sent || closed.load(std::memory_order_acquire)) {
          failed = std::move(it->second);
          deadlines.erase({failed->deadline, id});
          pending.erase(it);
        }
      }
    }
    if (failed) {
      McpError error = sent ? McpError(error_code::connection_closed,
                                       fmt::format("Connection closed: no response to {} request (id {})",
                                                   failed->method, id))
                            : McpError(error_code::connection_closed,
                                       fmt::format("Connection closed: cannot send {} request", failed->method),
                                       Json{{"sent", false}});
      failed->done(nullptr, &error);
    }
    return id;
  }

  void cancel_outgoing(std::int64_t id, const std::string& reason, int code, std::string text) {
    auto entry = take_pending(id);
    if (!entry) return;
    // The spec forbids cancelling initialize; the caller just stops waiting for it.
    if (entry->method != "initialize") {
      send(make_notification("notifications/cancelled", Json{{"requestId", id}, {"reason", reason}}),
           SendOptions{entry->related});
    }
    McpError error(code, std::move(text));
    entry->done(nullptr, &error);
  }

  void run_timer() {
    std::unique_lock lock(out_mutex);
    while (!timer_stop) {
      if (deadlines.empty()) {
        timer_wake.wait(lock);
        continue;
      }
      const auto next = deadlines.begin()->first;
      if (Clock::now() < next) {
        timer_wake.wait_until(lock, next);
        continue;
      }
      const std::int64_t id = deadlines.begin()->second;
      auto it = pending.find(id);
      const std::string method = it != pending.end() ? it->second.method : std::string();
      const auto timeout = it != pending.end() ? it->second.timeout : std::chrono::milliseconds(0);
      lock.unlock();
      cancel_outgoing(id, "timeout", error_code::request_timeout,
                      fmt::format("Request timed out: no response to {} within {} ms", method, timeout.count()));
      lock.lock();
      // cancel_outgoing removes the entry; guard against a stale deadline left behind.
      if (!deadlines.empty() && deadlines.begin()->second == id && !pending.count(id)) deadlines.erase(deadlines.begin());
    }
  }

  // ---------------------------------------------------------------- lifecycle

  void on_transport_closed() {
    closed.store(true, std::memory_order_release);
    if (close_done.exchange(true)) return;
    {
      std::lock_guard lock(in_mutex);
      closing_thread = std::this_thread::get_id();
    }
    struct Finished {
      Core& core;
      ~Finished() {
        {
          std::lock_guard lock(core.in_mutex);
          core.close_finished = true;
        }
        core.in_idle.notify_all();
      }
    } finished{*this};
    std::vector<std::pair<std::int64_t, Pending>> failed;
    {
      std::lock_guard lock(out_mutex);
      for (auto it = pending.begin(); it != pending.end();) {
        if (it->second.sending) {
          ++it;  // its sender settles it (see Pending::sending)
          continue;
        }
        deadlines.erase({it->second.deadline, it->first});
        failed.emplace_back(it->first, std::move(it->second));
        it = pending.erase(it);
      }
    }
    for (auto& [id, entry] : failed) {
      McpError error(error_code::connection_closed,
                     fmt::format("Connection closed: no response to {} request (id {})", entry.method, id));
      entry.done(nullptr, &error);
    }
    {
      std::lock_guard lock(in_mutex);
      for (auto& [key, entry] : running) entry->stop.request_stop();
    }
    std::function<void()> handler;
    {
      std::shared_lock lock(handlers_mutex);
      handler = close_handler;
    }
    if (handler) handler();
  }

  void shutdown() {
    closed.store(true, std::memory_order_release);
    if (auto current = transport.load()) current->close();
    on_transport_closed();
    {
      std::unique_lock lock(in_mutex);
      draining = true;
      for (auto& [key, entry] : running) entry->stop.request_stop();
      const std::size_t self = current_task_core == this ? 1 : 0;
      // A close handler may itself drop the last handle (closing_thread is then this one).
      const auto me = std::this_thread::get_id();
      in_idle.wait(lock, [&] { return in_flight <= self && (close_finished || closing_thread == me); });
    }
    std::thread timer_thread;
    {
      std::lock_guard lock(out_mutex);
      timer_stop = true;
      timer_thread = std::move(timer);
    }
    timer_wake.notify_all();
    if (timer_thread.joinable()) {
      if (timer_thread.get_id() == std::this_thread::get_id()) {
        timer_thread.detach();
      } else {
        timer_thread.join();
      }
    }
  }

  // The RequestContext API hands out a Protocol&; the Core keeps a back pointer to its handle.
  Protocol* owner = nullptr;
  Protocol* owner_handle() const { return owner; }
};

thread_local const Protocol::Core* Protocol::Core::current_task_core = nullptr;

// ------------------------------------------------------------------ RequestContext

RequestContext::RequestContext(Protocol& protocol, Json id, std::string method, std::stop_token stop, Json meta)
    : protocol_(&protocol), id_(std::move(id)), method_(std::move(method)), stop_(std::move(stop)),
      meta_(std::move(meta)) {
  if (meta_.is_object()) {
    if (auto token = meta_.find("progressToken"); token != meta_.end() && is_valid_id(*token)) {
      progress_token_ = *token;
    }
  }
}

bool RequestContext::progress(double progress, std::optional<double> total, std::optional<std::string> message) {
  if (!progress_token_ || finished_) return false;
  if (last_progress_ && progress <= *last_progress_) {
    log::warn("mcp", "progress {} for request {} dropped: progress must increase (last {})", progress,
              describe_id(id_), *last_progress_);
    return false;
  }
  last_progress_ = progress;
  Json params = {{"progressToken", *progress_token_}, {"progress", progress}};
  if (total) params["total"] = *total;
  if (message) params["message"] = std::move(*message);
  try {
    protocol_->notify("notifications/progress", std::move(params), SendOptions{id_});
  } catch (const TransportError&) {
    return false;
  }
  return true;
}

void RequestContext::notify(std::string_view method, Json params) {
  protocol_->notify(method, std::move(params), SendOptions{id_});
}

Json RequestContext::request(std::string_view method, Json params, std::chrono::milliseconds timeout) {
  if (inline_) {
    throw McpError(error_code::internal_error,
                   fmt::format("{}: the handler of {} runs inline (declared quick) and cannot send {} to the peer",
                               standard_message(error_code::internal_error), method_, method));
  }
  RequestOptions request_options;
  request_options.timeout = timeout;
  request_options.cancel = stop_;
  request_options.related_request_id = id_;
  return protocol_->request(method, std::move(params), request_options);
}

// ------------------------------------------------------------------ Protocol

Protocol::Protocol(ProtocolOptions options) : core_(std::make_shared<Core>(std::move(options))) {
  core_->owner = this;
}

Protocol::~Protocol() {
  core_->shutdown();
  // Released here, on the owner's thread (see Core::transport).
  auto last = core_->transport.exchange(nullptr);
  while (core_->active_senders.load(std::memory_order_acquire) > 0) std::this_thread::yield();
  last.reset();
}

void Protocol::set_request_handler(std::string method, RequestHandler handler) {
  std::unique_lock lock(core_->handlers_mutex);
  core_->request_handlers[std::move(method)] = std::make_shared<const RequestHandler>(std::move(handler));
}

void Protocol::set_notification_handler(std::string method, NotificationHandler handler) {
  std::unique_lock lock(core_->handlers_mutex);
  core_->notification_handlers[std::move(method)] =
      std::make_shared<const NotificationHandler>(std::move(handler));
}

void Protocol::set_request_gate(std::function<std::optional<McpError>(const std::string& method)> gate) {
  std::unique_lock lock(core_->handlers_mutex);
  core_->gate = gate ? std::make_shared<const Core::RequestGate>(std::move(gate)) : nullptr;
}

void Protocol::set_inline_filter(InlineFilter filter) {
  std::unique_lock lock(core_->handlers_mutex);
  core_->inline_filter = filter ? std::make_shared<const InlineFilter>(std::move(filter)) : nullptr;
}

void Protocol::set_close_handler(std::function<void()> handler) {
  std::unique_lock lock(core_->handlers_mutex);
  core_->close_handler = std::move(handler);
}

void Protocol::set_error_handler(std::function<void(const std::string&)> handler) {
  std::unique_lock lock(core_->handlers_mutex);
  core_->error_handler = std::move(handler);
}

void Protocol::connect(std::shared_ptr<Transport> transport) {
  if (core_->transport.load()) throw std::logic_error("Protocol::connect called twice");
  auto started = transport;
  core_->transport.store(std::move(transport));
  std::weak_ptr<Core> weak = core_;
  Transport::Handlers handlers;
  handlers.on_message = [weak](Json message) {
    if (auto core = weak.lock()) core->on_message(std::move(message));
  };
  handlers.on_error = [weak](const std::string& error) {
    if (auto core = weak.lock()) core->report_error(fmt::format("transport: {}", error));
  };
  handlers.on_close = [weak] {
    if (auto core = weak.lock()) core->on_transport_closed();
  };
  started->start(std::move(handlers));
}

Json Protocol::request(std::string_view method, Json params, const RequestOptions& options) {
  struct Waiter {
    std::mutex mutex;
    std::condition_variable_any ready;
    bool done = false;
    Json result;
    std::optional<McpError> error;
  };
  if (options.cancel.stop_requested()) {
    throw McpError(error_code::request_cancelled, fmt::format("Request cancelled before it was sent: {}", method));
  }
  auto waiter = std::make_shared<Waiter>();
  const Json id = core_->start_request(method, std::move(params), options, [waiter](Json* result, McpError* error) {
    {
      std::lock_guard lock(waiter->mutex);
      if (result) {
        waiter->result = std::move(*result);
      } else {
        waiter->error = std::move(*error);
      }
      waiter->done = true;
    }
    waiter->ready.notify_all();
  });
  std::unique_lock lock(waiter->mutex);
  if (options.cancel.stop_possible()) {
    waiter->ready.wait(lock, options.cancel, [&] { return waiter->done; });
    if (!waiter->done) {
      lock.unlock();
      core_->cancel_outgoing(id.get<std::int64_t>(), "cancelled by the caller", error_code::request_cancelled,
                             fmt::format("Request cancelled: {}", method));
      lock.lock();
    }
  }
  waiter->ready.wait(lock, [&] { return waiter->done; });
  if (waiter->error) throw std::move(*waiter->error);
  return std::move(waiter->result);
}

Json Protocol::request_async(std::string_view method, Json params, const RequestOptions& options,
                             ResponseCallback done) {
  return core_->start_request(method, std::move(params), options, std::move(done));
}

void Protocol::cancel(const Json& request_id, std::string reason) {
  if (!request_id.is_number_integer()) return;
  core_->cancel_outgoing(request_id.get<std::int64_t>(), reason, error_code::request_cancelled,
                         fmt::format("Request cancelled: {}", reason));
}

void Protocol::notify(std::string_view method, Json params, const SendOptions& options) {
  Core::SenderScope scope(*core_);
  auto current = core_->transport.load();
  if (core_->closed.load(std::memory_order_acquire) || !current) {
    throw TransportError(fmt::format("connection closed: cannot send {}", method));
  }
  current->send(make_notification(method, std::move(params)), options);
}

void Protocol::close() {
  core_->closed.store(true, std::memory_order_release);
  if (auto current = core_->transport.load()) current->close();
  core_->on_transport_closed();
}

bool Protocol::closed() const noexcept { return core_->closed.load(std::memory_order_acquire); }

}  // namespace lh::mcp
