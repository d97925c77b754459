// One Streamable HTTP session as the protocol engine sees it (an mcp::Transport), and the
// outboxes through which its outgoing messages reach the HTTP responses waiting for them.
// Internal to the HTTP server.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "mcp/transport.hpp"

namespace lh::transport::detail {

using Clock = std::chrono::steady_clock;

// Messages bound for one HTTP response: a POSTed request's reply or the session's GET stream.
struct Outbox {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<mcp::Json> messages;
  bool final_queued = false;  // the request's response is in `messages` (POST outboxes only)
  bool aborted = false;       // the session ended or the server is stopping
  std::string stream_id;      // prefix of this stream's SSE event ids
  std::uint64_t next_event = 0;

  void push(mcp::Json message, bool final);
  void abort();
  std::string next_event_id() { return stream_id + "-" + std::to_string(next_event++); }
};

class HttpSession final : public mcp::Transport {
 public:
  // `closed_signal` runs (once) when the session ends, so the server can retire it.
  HttpSession(std::string id, std::function<void()> closed_signal);

  const std::string& id() const { return id_; }

  // mcp::Transport. on_message may be called concurrently from several HTTP worker threads.
  void start(Handlers handlers) override;
  void send(const mcp::Json& message, const mcp::SendOptions& options = {}) override;
  void close() override;

  // --- the HTTP side ---
  // Hands an incoming message to the engine.
  void deliver(mcp::Json message);
  // Registers a POSTed request (key = its id as JSON text) before it is delivered; nullptr when
  // a request with the same id is still in progress or the session has ended.
  std::shared_ptr<Outbox> open_request(const std::string& key);
  // The HTTP response for the request is complete or gone: later messages for it are dropped.
  void finish_request(const std::string& key, const std::shared_ptr<Outbox>& outbox);
  // The standalone GET stream; nullptr when one is already open or the session has ended.
  std::shared_ptr<Outbox> open_standalone();
  void finish_standalone(const std::shared_ptr<Outbox>& outbox);

  bool closed() const;
  // Neither a request in progress nor an open GET stream.
  bool busy() const;
  Clock::time_point last_activity() const;
  void touch();
  // Fires the engine's on_close (once); the server calls it after close(), off any lock.
  void notify_engine_closed();

  // What the SessionFactory returned; released by the server when the session is retired
  // (it usually holds this transport: the release breaks that cycle).
  std::shared_ptr<void> owner;

 private:
  std::string id_;
  std::function<void()> closed_signal_;
  Handlers handlers_;
  std::atomic<bool> started_{false};
  mutable std::mutex mutex_;
  bool closed_ = false;
  std::unordered_map<std::string, std::shared_ptr<Outbox>> requests_;
  std::shared_ptr<Outbox> standalone_;
  Clock::time_point last_activity_;
  std::uint64_t streams_opened_ = 0;
  std::once_flag engine_closed_once_;
};

}  // namespace lh::transport::detail
