#include "transport/http_session.hpp"

#include "mcp/log.hpp"
#include "transport/json_text.hpp"

namespace lh::transport::detail {

namespace {
constexpr std::string_view kComponent = "http";
}

void Outbox::push(mcp::Json message, bool final) {
  {
    std::lock_guard lock(mutex);
    messages.push_back(std::move(message));
    if (final) final_queued = true;
  }
  ready.notify_one();
}

void Outbox::abort() {
  {
    std::lock_guard lock(mutex);
    aborted = true;
  }
  ready.notify_all();
}

HttpSession::HttpSession(std::string id, std::function<void()> closed_signal)
    : id_(std::move(id)), closed_signal_(std::move(closed_signal)), last_activity_(Clock::now()) {}

void HttpSession::start(Handlers handlers) {
  handlers_ = std::move(handlers);
  started_.store(true, std::memory_order_release);
}

void HttpSession::deliver(mcp::Json message) {
  // Handlers are fixed once started, so reading them needs no lock on this hot path.
  if (!started_.load(std::memory_order_acquire)) {
    mcp::log::warn(kComponent, "session {}: message arrived before the engine attached; dropped", id_);
    return;
  }
  if (handlers_.on_message) handlers_.on_message(std::move(message));
}

void HttpSession::send(const mcp::Json& message, const mcp::SendOptions& options) {
  auto kind = classify(message);
  std::string key;
  if (kind == WireKind::response) {
    key = message["id"].dump();
  } else if (options.related_request_id && !options.related_request_id->is_null()) {
    key = options.related_request_id->dump();
  }

  std::lock_guard lock(mutex_);
  if (closed_) throw mcp::TransportError("HTTP session " + id_ + " has ended");
  last_activity_ = Clock::now();
  if (!key.empty()) {
    if (auto found = requests_.find(key); found != requests_.end()) {
      bool final = kind == WireKind::response;
      auto outbox = found->second;
      // The response ends the request: from here on the session is no longer busy with it.
      if (final) requests_.erase(found);
      outbox->push(message, final);
      return;
    }
    if (kind == WireKind::response) {
      // Its POST is gone (client disconnected): not a cancellation, the answer is just lost.
      mcp::log::debug(kComponent, "session {}: response to {} has no open HTTP request; dropped", id_, key);
      return;
    }
  }
  if (standalone_) {
    standalone_->push(message, false);
    return;
  }
  mcp::log::debug(kComponent, "session {}: no open stream for a server-initiated message; dropped", id_);
}

void HttpSession::close() {
  std::vector<std::shared_ptr<Outbox>> to_abort;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    for (auto& [key, outbox] : requests_) to_abort.push_back(outbox);
    requests_.clear();
    if (standalone_) to_abort.push_back(std::move(standalone_));
    standalone_.reset();
  }
  for (auto& outbox : to_abort) outbox->abort();
  if (closed_signal_) closed_signal_();
}

std::shared_ptr<Outbox> HttpSession::open_request(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (closed_) return nullptr;
  auto [it, inserted] = requests_.try_emplace(key);
  if (!inserted) return nullptr;
  it->second = std::make_shared<Outbox>();
  it->second->stream_id = std::to_string(++streams_opened_);
  last_activity_ = Clock::now();
  return it->second;
}

void HttpSession::finish_request(const std::string& key, const std::shared_ptr<Outbox>& outbox) {
  std::lock_guard lock(mutex_);
  last_activity_ = Clock::now();
  if (auto found = requests_.find(key); found != requests_.end() && found->second == outbox) requests_.erase(found);
}

std::shared_ptr<Outbox> HttpSession::open_standalone() {
  std::lock_guard lock(mutex_);
  if (closed_ || standalone_) return nullptr;
  standalone_ = std::make_shared<Outbox>();
  standalone_->stream_id = std::to_string(++streams_opened_);
  last_activity_ = Clock::now();
  return standalone_;
}

void HttpSession::finish_standalone(const std::shared_ptr<Outbox>& outbox) {
  std::lock_guard lock(mutex_);
  last_activity_ = Clock::now();
  if (standalone_ == outbox) standalone_.reset();
}

bool HttpSession::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

bool HttpSession::busy() const {
  std::lock_guard lock(mutex_);
  return !requests_.empty() || standalone_ != nullptr;
}

Clock::time_point HttpSession::last_activity() const {
  std::lock_guard lock(mutex_);
  return last_activity_;
}

void HttpSession::touch() {
  std::lock_guard lock(mutex_);
  last_activity_ = Clock::now();
}

void HttpSession::notify_engine_closed() {
  std::call_once(engine_closed_once_, [this] {
    if (started_.load(std::memory_order_acquire) && handlers_.on_close) handlers_.on_close();
  });
}

}  // namespace lh::transport::detail
