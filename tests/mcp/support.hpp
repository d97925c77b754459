// Shared fixtures for the mcp tests: a raw JSON-RPC peer that sees every byte the other side sends,
// and a server + client linked in memory.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "mcp/client.hpp"
#include "mcp/server.hpp"
#include "transport/in_memory.hpp"

namespace lh::mcp::test {

// Generous: only reached when something is broken, never part of an assertion about speed.
inline constexpr auto kWait = std::chrono::seconds(20);

// A one-shot flag that threads can wait for.
class Signal {
 public:
  // Notifies under the lock: the waiter may destroy the Signal as soon as it sees the flag.
  void set() {
    std::lock_guard lock(mutex_);
    set_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return set_; });
  }
  bool is_set() const {
    std::lock_guard lock(mutex_);
    return set_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Speaks raw JSON-RPC to whatever is on the other end of an in-memory transport.
class RawPeer {
 public:
  explicit RawPeer(std::shared_ptr<Transport> transport)
      : transport_(std::move(transport)), inbox_(std::make_shared<Inbox>()) {
    Transport::Handlers handlers;
    // The transport's threads may still deliver after the peer is gone: they only touch the inbox.
    handlers.on_message = [inbox = inbox_](Json message) {
      std::lock_guard lock(inbox->mutex);
      inbox->received.push_back(std::move(message));
      inbox->cv.notify_all();
    };
    handlers.on_close = [inbox = inbox_] {
      std::lock_guard lock(inbox->mutex);
      inbox->closed = true;
      inbox->cv.notify_all();
    };
    transport_->start(std::move(handlers));
  }
  ~RawPeer() { transport_->close(); }

  void send(const Json& message) { transport_->send(message); }

  // Sends a request with a fresh integer id and waits for the message answering it.
  Json call(const std::string& method, Json params = Json::object()) {
    const int id = next_id_++;
    send(Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    return wait_for_id(id);
  }

  Json wait_for_id(const Json& id) {
    auto found = wait_for([&](const Json& m) { return m.contains("id") && m["id"] == id && !m.contains("method"); });
    REQUIRE_MESSAGE(found.has_value(), "no response for id " << id.dump());
    return *found;
  }

  // Waits for (and removes) the first message matching `match`.
  std::optional<Json> wait_for(const std::function<bool(const Json&)>& match,
                               std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(inbox_->mutex);
    std::optional<Json> result;
    inbox_->cv.wait_for(lock, timeout, [&] {
      auto& received = inbox_->received;
      for (auto it = received.begin(); it != received.end(); ++it) {
        if (match(*it)) {
          result = std::move(*it);
          received.erase(it);
          return true;
        }
      }
      return false;
    });
    return result;
  }

  // Every message received so far that matches, without waiting.
  std::vector<Json> all_matching(const std::function<bool(const Json&)>& match) {
    std::lock_guard lock(inbox_->mutex);
    std::vector<Json> out;
    for (const auto& m : inbox_->received) {
      if (match(m)) out.push_back(m);
    }
    return out;
  }

  Json initialize(const std::string& version = "2025-11-25", Json capabilities = Json::object()) {
    Json response = call("initialize", {{"protocolVersion", version},
                                        {"capabilities", std::move(capabilities)},
                                        {"clientInfo", {{"name", "raw-peer"}, {"version", "1.0"}}}});
    send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    return response;
  }

  int next_id() { return next_id_++; }

 private:
  struct Inbox {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Json> received;
    bool closed = false;
  };
  std::shared_ptr<Transport> transport_;
  std::shared_ptr<Inbox> inbox_;
  int next_id_ = 1;
};

// A server session on one end of an in-memory pair and a RawPeer on the other.
struct RawSession {
  std::shared_ptr<ServerSession> session;
  std::unique_ptr<RawPeer> peer;

  explicit RawSession(Server& server) {
    auto [server_end, client_end] = transport::make_in_memory_pair();
    session = server.connect(server_end);
    peer = std::make_unique<RawPeer>(client_end);
  }
  ~RawSession() {
    peer.reset();
    session.reset();
  }
};

// A Client whose factory connects a fresh in-memory pair to `server` each time; it remembers the
// server-side transports so a test can kill the connection.
struct LinkedClient {
  Server& server;
  std::mutex mutex;
  std::vector<std::shared_ptr<ServerSession>> sessions;
  std::vector<std::shared_ptr<Transport>> server_ends;
  std::unique_ptr<Client> client;

  explicit LinkedClient(Server& s, ClientOptions options = {}) : server(s) {
    client = std::make_unique<Client>(
        [this] {
          auto [server_end, client_end] = transport::make_in_memory_pair();
          std::lock_guard lock(mutex);
          sessions.push_back(server.connect(server_end));
          server_ends.push_back(server_end);
          return client_end;
        },
        std::move(options));
  }
  ~LinkedClient() {
    client.reset();
    std::lock_guard lock(mutex);
    sessions.clear();
  }

  void kill_current_connection() {
    std::lock_guard lock(mutex);
    REQUIRE(!server_ends.empty());
    server_ends.back()->close();
  }
};

inline Json error_of(const Json& response) {
  REQUIRE_MESSAGE(response.contains("error"), "expected an error, got " << response.dump());
  return response["error"];
}

inline Json result_of(const Json& response) {
  REQUIRE_MESSAGE(response.contains("result"), "expected a result, got " << response.dump());
  return response["result"];
}

}  // namespace lh::mcp::test
