// Shared pieces of the transport tests: a recorder for what a transport delivers, and a small
// engine stand-in that answers requests over any transport.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mcp/transport.hpp"

namespace lh::transport::test {

using Json = mcp::Json;
using namespace std::chrono_literals;

// Bound on every wait so a broken transport fails a test instead of hanging it; never a timing
// assertion (a healthy run waits milliseconds).
inline constexpr auto kPatience = 20s;

// Records on_message / on_error / on_close of one transport.
class Recorder {
 public:
  mcp::Transport::Handlers handlers() {
    return {
        [this](Json message) {
          std::lock_guard lock(mutex_);
          messages_.push_back(std::move(message));
          changed_.notify_all();
        },
        [this](const std::string& error) {
          std::lock_guard lock(mutex_);
          errors_.push_back(error);
          changed_.notify_all();
        },
        [this] {
          std::lock_guard lock(mutex_);
          ++closes_;
          changed_.notify_all();
        },
    };
  }

  bool wait_messages(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return messages_.size() >= count; });
  }
  bool wait_errors(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return errors_.size() >= count; });
  }
  bool wait_closed() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return closes_ > 0; });
  }
  // Waits for a message satisfying `match` and returns it (null when none came).
  Json wait_for(const std::function<bool(const Json&)>& match) {
    std::unique_lock lock(mutex_);
    Json found;
    changed_.wait_for(lock, kPatience, [&] {
      for (const auto& message : messages_) {
        if (match(message)) {
          found = message;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  Json wait_response(const Json& id) {
    return wait_for([&](const Json& m) { return m.contains("id") && m["id"] == id && !m.contains("method"); });
  }

  std::vector<Json> messages() const {
    std::lock_guard lock(mutex_);
    return {messages_.begin(), messages_.end()};
  }
  std::vector<std::string> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  int closes() const {
    std::lock_guard lock(mutex_);
    return closes_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Json> messages_;
  std::vector<std::string> errors_;
  int closes_ = 0;
};

// Answers requests the way a protocol engine would, enough to exercise a transport:
//   initialize -> {protocolVersion, capabilities, serverInfo}
//   echo       -> {"echo": params} (answered inline, from on_message)
//   slow       -> two notifications/progress related to the request, then {"done": true}, from
//                 another thread
//   broadcast  -> a server-initiated notification (no related request), then {}
//   held       -> progress 1, one more progress per test/nudge notification, the answer on
//                 test/release (lets a test break the connection mid-stream deterministically)
//   never      -> no answer at all
//   fail       -> a JSON-RPC error
// Notifications and responses from the peer are recorded.
class Responder : public std::enable_shared_from_this<Responder> {
 public:
  explicit Responder(std::shared_ptr<mcp::Transport> transport) : transport_(std::move(transport)) {}
  ~Responder() {
    for (auto& thread : threads_) thread.join();
  }

  static std::shared_ptr<Responder> attach(std::shared_ptr<mcp::Transport> transport) {
    auto responder = std::make_shared<Responder>(std::move(transport));
    std::weak_ptr<Responder> weak = responder;
    responder->transport_->start({
        [weak](Json message) {
          if (auto self = weak.lock()) self->on_message(std::move(message));
        },
        nullptr,
        [weak] {
          if (auto self = weak.lock()) self->closed = true;
        },
    });
    return responder;
  }

  void on_message(Json message) {
    if (!message.contains("method")) {
      received.push(message);
      return;
    }
    if (!message.contains("id")) {
      auto method = message["method"].get<std::string>();
      if (method == "test/nudge" || method == "test/release") {
        std::lock_guard lock(held_mutex_);
        for (const auto& id : held_) {
          try {
            if (method == "test/nudge") {
              transport_->send(Json{{"jsonrpc", "2.0"},
                                    {"method", "notifications/progress"},
                                    {"params", {{"progressToken", "held"}, {"progress", ++held_progress_}}}},
                               mcp::SendOptions{id});
            } else {
              transport_->send(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", {{"released", true}}}},
                               mcp::SendOptions{id});
            }
          } catch (const mcp::TransportError&) {
          }
        }
        if (method == "test/release") held_.clear();
        return;
      }
      received.push(message);
      return;
    }
    auto id = message["id"];
    auto method = message["method"].get<std::string>();
    auto respond = [this, id](Json result) {
      try {
        transport_->send(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}},
                         mcp::SendOptions{id});
      } catch (const mcp::TransportError&) {
      }
    };
    if (method == "initialize") {
      auto version = message["params"].value("protocolVersion", std::string("2025-11-25"));
      respond({{"protocolVersion", version},
               {"capabilities", Json::object()},
               {"serverInfo", {{"name", "test-responder"}, {"version", "1"}}}});
    } else if (method == "echo") {
      respond({{"echo", message.value("params", Json())}});
    } else if (method == "slow") {
      std::lock_guard lock(threads_mutex_);
      threads_.emplace_back([this, id, respond] {
        for (int step = 1; step <= 2; ++step) {
          try {
            transport_->send(Json{{"jsonrpc", "2.0"},
                                  {"method", "notifications/progress"},
                                  {"params", {{"progressToken", "t"}, {"progress", step}, {"total", 2}}}},
                             mcp::SendOptions{id});
          } catch (const mcp::TransportError&) {
          }
          std::this_thread::sleep_for(20ms);
        }
        respond({{"done", true}});
      });
    } else if (method == "broadcast") {
      transport_->send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}});
      respond(Json::object());
    } else if (method == "held") {
      // Progress 1 now; more on each test/nudge notification; the answer on test/release.
      std::lock_guard lock(held_mutex_);
      held_.push_back(id);
      held_progress_ = 1;
      transport_->send(Json{{"jsonrpc", "2.0"},
                            {"method", "notifications/progress"},
                            {"params", {{"progressToken", "held"}, {"progress", 1}}}},
                       mcp::SendOptions{id});
    } else if (method == "never") {
      // deliberately silent
    } else if (method == "fail") {
      transport_->send(
          Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", -32602}, {"message", "bad params"}}}},
          mcp::SendOptions{id});
    } else {
      transport_->send(
          Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", -32601}, {"message", "Method not found"}}}},
          mcp::SendOptions{id});
    }
  }

  struct Inbox {
    void push(Json message) {
      std::lock_guard lock(mutex);
      items.push_back(std::move(message));
      cv.notify_all();
    }
    bool wait(std::size_t count) {
      std::unique_lock lock(mutex);
      return cv.wait_for(lock, kPatience, [&] { return items.size() >= count; });
    }
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<Json> items;
  };

  Inbox received;
  std::atomic<bool> closed{false};

 private:
  std::shared_ptr<mcp::Transport> transport_;
  std::mutex held_mutex_;
  std::vector<Json> held_;
  int held_progress_ = 0;
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace lh::transport::test
