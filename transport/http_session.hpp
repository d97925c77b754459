// One Streamable HTTP session as the protocol engine sees it (an mcp::Transport), and the
// outboxes through which its outgoing messages reach the HTTP responses waiting for them.
// Internal to the HTTP server.
//
// Resumability: every SSE event carries an id "<stream>-<seq>". When the connection of a POST's
// SSE stream breaks before the response was written, its outbox stays with the session
// ("detached") and keeps collecting messages; a GET with Last-Event-ID naming that stream
// replays what followed that event and continues until the response. The standalone GET stream
// likewise buffers while no GET is connected. A dropped connection is never a cancellation.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mcp/transport.hpp"

namespace lh::transport::detail {

using Clock = std::chrono::steady_clock;

// Messages bound for one SSE stream or JSON answer: a POSTed request's reply or the session's
// standalone GET stream. All fields are guarded by `mutex`.
struct Outbox {
  // Bounds on what is kept while nobody reads (a detached stream) and for replay.
  static constexpr std::size_t kMaxQueued = 1000;
  static constexpr std::size_t kMaxHistoryEvents = 256;
  static constexpr std::size_t kMaxHistoryBytes = 16 * 1024 * 1024;

  std::mutex mutex;
  std::condition_variable ready;
  std::deque<mcp::Json> messages;  // not yet written
  bool final_queued = false;       // the request's response is in `messages` (POST outboxes)
  bool final_written = false;      // ... and has been written to a client
  bool aborted = false;            // the session ended or the server is stopping
  bool attached = true;            // an HTTP response is streaming it right now
  std::string stream_id;           // prefix of this stream's SSE event ids
  std::uint64_t next_seq = 0;
  // Events already written (seq, wire text), for a client that resumes with Last-Event-ID.
  std::deque<std::pair<std::uint64_t, std::string>> history;
  std::size_t history_bytes = 0;

  void push(mcp::Json message, bool final);
  void abort();
  // Formats one event with the next id and records it in the history. Caller holds `mutex`.
  std::string format_event_locked(const mcp::Json& message);
};

class HttpSession final : public mcp::Transport {
 public:
  // Detached POST streams kept per session for resumption; the oldest goes first.
  static constexpr std::size_t kMaxDetachedStreams = 64;

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
  // The response for the request has been written (or the session ended): forget the stream.
  void finish_request(const std::string& key, const std::shared_ptr<Outbox>& outbox);
  // The client went away before the response was written: keep collecting for a resume.
  void detach_stream(const std::shared_ptr<Outbox>& outbox);
  // The standalone GET stream (created, or re-attached with what it buffered meanwhile); nullptr
  // when one is already attached or the session has ended.
  std::shared_ptr<Outbox> open_standalone();
  // A detached stream named by a Last-Event-ID ("<stream>-<seq>"), re-attached; nullptr when
  // unknown, attached elsewhere, or the session ended. `after_seq` receives <seq>.
  std::shared_ptr<Outbox> resume(const std::string& last_event_id, std::uint64_t& after_seq);
  // A streaming response ended: finished (forget it) or broken (detach it for a resume).
  void release_stream(const std::shared_ptr<Outbox>& outbox);

  bool closed() const;
  // A request in progress or an attached GET stream.
  bool busy() const;
  Clock::time_point last_activity() const;
  void touch();
  // Fires the engine's on_close (once); the server calls it after close(), off any lock.
  void notify_engine_closed();

  // What the SessionFactory returned; released by the server when the session is retired
  // (it usually holds this transport: the release breaks that cycle).
  std::shared_ptr<void> owner;

 private:
  std::shared_ptr<Outbox> new_outbox_locked();
  void forget_locked(const std::shared_ptr<Outbox>& outbox);

  std::string id_;
  std::function<void()> closed_signal_;
  Handlers handlers_;
  std::atomic<bool> started_{false};
  mutable std::mutex mutex_;
  bool closed_ = false;
  // Requests whose response has not been sent yet, by id key.
  std::unordered_map<std::string, std::shared_ptr<Outbox>> requests_;
  // Detached POST streams by stream id, oldest first.
  std::deque<std::shared_ptr<Outbox>> detached_;
  std::shared_ptr<Outbox> standalone_;
  Clock::time_point last_activity_;
  std::uint64_t streams_opened_ = 0;
  std::once_flag engine_closed_once_;
};

}  // namespace lh::transport::detail
