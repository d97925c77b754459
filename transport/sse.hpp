// Server-Sent Events (text/event-stream) framing: an incremental parser that accepts the stream
// in arbitrary chunks, and the writer side used by the Streamable HTTP server.
//
// Parsing follows the WHATWG event-stream rules: lines end in CRLF, LF or CR (also when a CRLF is
// split across chunks); a blank line dispatches the event; "data:" lines are joined with "\n";
// "event:", "id:" (ignored when it contains NUL; the last id persists across events) and
// "retry:" (digits only) fields; lines starting with ":" are comments; one leading space after
// the colon is removed; a leading UTF-8 BOM is skipped; an event without data is not dispatched
// (but its id still updates last_event_id()); "data:" with an empty value dispatches an event
// with empty data (the MCP priming event: consumers skip it); an unterminated event at end of
// stream is dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lh::transport {

struct SseEvent {
  std::string type = "message";
  std::string data;
  // The stream's last event id when this event was dispatched (empty when none was ever set).
  std::string id;
};

class SseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SseParser {
 public:
  using EventHandler = std::function<void(SseEvent event)>;

  // max_event_bytes bounds the memory one line or one event may take; exceeding it throws SseError
  // from feed() (a hostile or broken peer must not exhaust memory).
  explicit SseParser(EventHandler on_event, std::size_t max_event_bytes = 64 * 1024 * 1024);

  // Consumes the next chunk of the stream; dispatches every completed event.
  void feed(std::string_view chunk);

  const std::string& last_event_id() const { return last_event_id_; }
  // The latest valid "retry:" value in milliseconds.
  std::optional<std::uint64_t> retry_ms() const { return retry_ms_; }

 private:
  void feed_lines(std::string_view chunk);
  void process_line(std::string_view line);
  void dispatch();

  EventHandler on_event_;
  std::size_t max_event_bytes_;
  std::string line_;
  bool skipped_cr_ = false;  // the previous chunk ended in "\r": a "\n" first in the next one is part of it
  bool at_stream_start_ = true;
  std::string start_bytes_;
  std::string data_;
  std::string type_;
  std::string last_event_id_;
  std::optional<std::uint64_t> retry_ms_;
};

// One SSE event: "id: <id>\n" (when given), "event: <type>\n" (when given), one "data: " line per
// line of data (empty data gives one empty "data: " line, as a priming event has), then the
// blank line.
std::string format_sse_event(std::string_view data, std::string_view id = {}, std::string_view type = {});

// The event that opens a stream: an id, the reconnection delay, and empty data.
std::string format_sse_priming_event(std::string_view id, std::uint64_t retry_ms);

}  // namespace lh::transport
