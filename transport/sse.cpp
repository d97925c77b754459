#include "transport/sse.hpp"

#include <fmt/format.h>

namespace lh::transport {

SseParser::SseParser(EventHandler on_event, std::size_t max_event_bytes)
    : on_event_(std::move(on_event)), max_event_bytes_(max_event_bytes) {}

void SseParser::feed(std::string_view chunk) {
  if (at_stream_start_) {
    // A UTF-8 BOM may open the stream, possibly split across chunks: hold back the first bytes
    // until it is clear whether they are one.
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    start_bytes_.append(chunk);
    if (start_bytes_.size() < kBom.size() && kBom.substr(0, start_bytes_.size()) == start_bytes_) return;
    at_stream_start_ = false;
    std::string first = std::move(start_bytes_);
    start_bytes_.clear();
    std::string_view rest = first;
    if (rest.substr(0, kBom.size()) == kBom) rest.remove_prefix(kBom.size());
    feed_lines(rest);
    return;
  }
  feed_lines(chunk);
}

void SseParser::feed_lines(std::string_view chunk) {
  std::size_t pos = 0;
  if (skipped_cr_ && !chunk.empty()) {
    if (chunk.front() == '\n') pos = 1;
    skipped_cr_ = false;
  }
  while (pos < chunk.size()) {
    auto end = chunk.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      if (line_.size() + (chunk.size() - pos) > max_event_bytes_) {
        throw SseError(fmt::format("SSE line longer than {} bytes", max_event_bytes_));
      }
      line_.append(chunk.substr(pos));
      return;
    }
    std::string_view piece = chunk.substr(pos, end - pos);
    if (line_.empty()) {
      process_line(piece);
    } else {
      if (line_.size() + piece.size() > max_event_bytes_) {
        throw SseError(fmt::format("SSE line longer than {} bytes", max_event_bytes_));
      }
      line_.append(piece);
      process_line(line_);
      line_.clear();
    }
    if (chunk[end] == '\r') {
      if (end + 1 == chunk.size()) {
        skipped_cr_ = true;
        pos = end + 1;
        continue;
      }
      if (chunk[end + 1] == '\n') ++end;
    }
    pos = end + 1;
  }
}

void SseParser::process_line(std::string_view line) {
  if (line.empty()) {
    dispatch();
    return;
  }
  if (line.front() == ':') return;
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (data_.size() + value.size() + 1 > max_event_bytes_) {
      throw SseError(fmt::format("SSE event data longer than {} bytes", max_event_bytes_));
    }
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    if (!value.empty() && value.size() <= 18 && value.find_first_not_of("0123456789") == std::string_view::npos) {
      std::uint64_t ms = 0;
      for (char c : value) ms = ms * 10 + static_cast<std::uint64_t>(c - '0');
      retry_ms_ = ms;
    }
  }
  // Any other field name is ignored, as the format requires.
}

void SseParser::dispatch() {
  if (data_.empty()) {
    type_.clear();
    return;
  }
  data_.pop_back();  // the "\n" appended after the last data line
  SseEvent event;
  event.type = type_.empty() ? std::string("message") : std::move(type_);
  event.data = std::move(data_);
  event.id = last_event_id_;
  data_.clear();
  type_.clear();
  on_event_(std::move(event));
}

std::string format_sse_event(std::string_view data, std::string_view id, std::string_view type) {
  std::string out;
  out.reserve(data.size() + id.size() + type.size() + 32);
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  if (!type.empty()) {
    out += "event: ";
    out += type;
    out += '\n';
  }
  std::size_t start = 0;
  for (;;) {
    auto newline = data.find('\n', start);
    out += "data: ";
    out += data.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
    out += '\n';
    if (newline == std::string_view::npos) break;
    start = newline + 1;
  }
  out += '\n';
  return out;
}

std::string format_sse_priming_event(std::string_view id, std::uint64_t retry_ms) {
  return fmt::format("id: {}\nretry: {}\ndata: \n\n", id, retry_ms);
}

}  // namespace lh::transport
