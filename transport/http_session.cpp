#include "transport/http_session.hpp"

#include <algorithm>
#include <charconv>

#include "mcp/log.hpp"
#include "transport/json_text.hpp"
#include "transport/sse.hpp"

namespace lh::transport::detail {

namespace {
constexpr std::string_view kComponent = "http";

bool is_attached(const std::shared_ptr<Outbox>& outbox) {
  std::lock_guard lock(outbox->mutex);
  return outbox->attached;
}
}  // namespace

void Outbox::push(mcp::Json message, bool final) {
  {
    std::lock_guard lock(mutex);
    if (!final && !attached && messages.size() >= kMaxQueued) {
      // Nobody is reading: keep the newest, and always the final response.
      messages.pop_front();
    }
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

std::string Outbox::format_event_locked(const mcp::Json& message) {
  auto seq = next_seq++;
  std::string text = format_sse_event(to_wire(message), stream_id + "-" + std::to_string(seq));
  history_bytes += text.size();
  history.emplace_back(seq, text);
  while (!history.empty() && (history.size() > kMaxHistoryEvents || history_bytes > kMaxHistoryBytes)) {
    history_bytes -= history.front().second.size();
    history.pop_front();
  }
  return text;
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
      mcp::log::debug(kComponent, "session {}: response to {} has no open request; dropped", id_, key);
      return;
    }
  }
  if (standalone_) {
    standalone_->push(message, false);
    return;
  }
  mcp::log::debug(kComponent, "session {}: no stream for a server-initiated message; dropped", id_);
}

void HttpSession::close() {
  std::vector<std::shared_ptr<Outbox>> to_abort;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    for (auto& [key, outbox] : requests_) to_abort.push_back(outbox);
    for (auto& outbox : detached_) to_abort.push_back(outbox);
    if (standalone_) to_abort.push_back(standalone_);
    requests_.clear();
    detached_.clear();
    standalone_.reset();
  }
  for (auto& outbox : to_abort) outbox->abort();
  if (closed_signal_) closed_signal_();
}

std::shared_ptr<Outbox> HttpSession::new_outbox_locked() {
  auto outbox = std::make_shared<Outbox>();
  outbox->stream_id = std::to_string(++streams_opened_);
  return outbox;
}

std::shared_ptr<Outbox> HttpSession::open_request(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (closed_) return nullptr;
  auto [it, inserted] = requests_.try_emplace(key);
  if (!inserted) return nullptr;
  it->second = new_outbox_locked();
  last_activity_ = Clock::now();
  return it->second;
}

void HttpSession::forget_locked(const std::shared_ptr<Outbox>& outbox) {
  detached_.erase(std::remove(detached_.begin(), detached_.end(), outbox), detached_.end());
  for (auto it = requests_.begin(); it != requests_.end(); ++it) {
    if (it->second == outbox) {
      requests_.erase(it);
      break;
    }
  }
}

void HttpSession::finish_request(const std::string& key, const std::shared_ptr<Outbox>& outbox) {
  std::lock_guard lock(mutex_);
  last_activity_ = Clock::now();
  if (auto found = requests_.find(key); found != requests_.end() && found->second == outbox) requests_.erase(found);
  detached_.erase(std::remove(detached_.begin(), detached_.end(), outbox), detached_.end());
}

void HttpSession::detach_stream(const std::shared_ptr<Outbox>& outbox) {
  {
    std::lock_guard outbox_lock(outbox->mutex);
    outbox->attached = false;
  }
  std::lock_guard lock(mutex_);
  last_activity_ = Clock::now();
  if (closed_ || outbox == standalone_) return;
  if (std::find(detached_.begin(), detached_.end(), outbox) == detached_.end()) {
    detached_.push_back(outbox);
    if (detached_.size() > kMaxDetachedStreams) {
      auto oldest = detached_.front();
      detached_.pop_front();
      forget_locked(oldest);
      mcp::log::debug(kComponent, "session {}: dropped unresumed stream {}", id_, oldest->stream_id);
    }
  }
}

std::shared_ptr<Outbox> HttpSession::open_standalone() {
  std::lock_guard lock(mutex_);
  if (closed_) return nullptr;
  last_activity_ = Clock::now();
  if (!standalone_) {
    standalone_ = new_outbox_locked();
    return standalone_;
  }
  std::lock_guard outbox_lock(standalone_->mutex);
  if (standalone_->attached) return nullptr;
  standalone_->attached = true;
  return standalone_;
}

std::shared_ptr<Outbox> HttpSession::resume(const std::string& last_event_id, std::uint64_t& after_seq) {
  auto dash = last_event_id.rfind('-');
  if (dash == std::string::npos) return nullptr;
  std::string stream = last_event_id.substr(0, dash);
  auto digits = std::string_view(last_event_id).substr(dash + 1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), after_seq);
  if (error != std::errc() || end != digits.data() + digits.size()) return nullptr;

  std::lock_guard lock(mutex_);
  if (closed_) return nullptr;
  std::shared_ptr<Outbox> found;
  if (standalone_ && standalone_->stream_id == stream) {
    found = standalone_;
  } else {
    for (auto& outbox : detached_) {
      if (outbox->stream_id == stream) found = outbox;
    }
  }
  if (!found) return nullptr;
  std::lock_guard outbox_lock(found->mutex);
  if (found->attached) return nullptr;
  found->attached = true;
  last_activity_ = Clock::now();
  return found;
}

void HttpSession::release_stream(const std::shared_ptr<Outbox>& outbox) {
  bool done = false;
  {
    std::lock_guard outbox_lock(outbox->mutex);
    done = outbox->final_written || outbox->aborted;
  }
  if (!done) {
    detach_stream(outbox);
    return;
  }
  std::lock_guard lock(mutex_);
  last_activity_ = Clock::now();
  forget_locked(outbox);
}

bool HttpSession::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

bool HttpSession::busy() const {
  std::lock_guard lock(mutex_);
  // Detached streams do not count: their client is gone and may never come back.
  if (standalone_ && is_attached(standalone_)) return true;
  return std::any_of(requests_.begin(), requests_.end(), [](const auto& entry) { return is_attached(entry.second); });
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
