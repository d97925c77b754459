#include "transport/in_memory.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace lh::transport {
namespace {

// One direction of the link: a queue drained by its own thread into the receiver's handler.
class Channel {
 public:
  void set_receiver(mcp::Transport::Handlers handlers) {
    {
      std::lock_guard lock(mutex_);
      handlers_ = std::move(handlers);
      started_ = true;
    }
    ready_.notify_all();
  }

  bool push(mcp::Json message) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      queue_.push_back(std::move(message));
    }
    ready_.notify_all();
    return true;
  }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  // Runs until closed and drained; then tells the receiver the link is gone.
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [&] { return closed_ || (started_ && !queue_.empty()); });
      if (started_ && !queue_.empty()) {
        auto message = std::move(queue_.front());
        queue_.pop_front();
        auto on_message = handlers_.on_message;
        lock.unlock();
        if (on_message) on_message(std::move(message));
        lock.lock();
        continue;
      }
      if (closed_) break;
    }
    auto on_close = handlers_.on_close;
    lock.unlock();
    if (on_close) on_close();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<mcp::Json> queue_;
  mcp::Transport::Handlers handlers_;
  bool started_ = false;
  bool closed_ = false;
};

// The two directions. Shared by the ends and by the pump threads, so a pump that outlives the
// link (detached, see ~Link) still runs on live memory.
struct Channels {
  Channel a_to_b;
  Channel b_to_a;
  void close() {
    a_to_b.close();
    b_to_a.close();
  }
};

struct Link {
  std::shared_ptr<Channels> channels = std::make_shared<Channels>();
  std::jthread a_to_b_pump;
  std::jthread b_to_a_pump;

  void close() { channels->close(); }
  ~Link() {
    close();
    // The last owner may let go from inside a handler running on a pump thread; that thread
    // cannot join itself. It keeps its own reference to the channels and finishes on its own.
    for (auto* pump : {&a_to_b_pump, &b_to_a_pump}) {
      if (pump->joinable() && pump->get_id() == std::this_thread::get_id()) pump->detach();
    }
  }
};

class InMemoryEnd final : public mcp::Transport {
 public:
  InMemoryEnd(std::shared_ptr<Link> link, Channel& outgoing, Channel& incoming)
      : link_(std::move(link)), outgoing_(outgoing), incoming_(incoming) {}
  ~InMemoryEnd() override { link_->close(); }

  void start(Handlers handlers) override { incoming_.set_receiver(std::move(handlers)); }

  void send(const mcp::Json& message, const mcp::SendOptions&) override {
    if (!outgoing_.push(message)) throw mcp::TransportError("in-memory transport is closed");
  }

  void close() override { link_->close(); }

 private:
  std::shared_ptr<Link> link_;
  Channel& outgoing_;
  Channel& incoming_;
};

}  // namespace

std::pair<std::shared_ptr<mcp::Transport>, std::shared_ptr<mcp::Transport>> make_in_memory_pair() {
  auto link = std::make_shared<Link>();
  auto& channels = *link->channels;
  auto a = std::make_shared<InMemoryEnd>(link, channels.a_to_b, channels.b_to_a);
  auto b = std::make_shared<InMemoryEnd>(link, channels.b_to_a, channels.a_to_b);
  link->a_to_b_pump = std::jthread([c = link->channels] { c->a_to_b.run(); });
  link->b_to_a_pump = std::jthread([c = link->channels] { c->b_to_a.run(); });
  return {a, b};
}

}  // namespace lh::transport
