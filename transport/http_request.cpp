#include "transport/http_request.hpp"

#include "transport/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace lh::transport::http1 {

namespace {

bool iequals(std::string_view a, std::string_view b) { return ascii::iequals(a, b); }

// RFC 9110 tchar: the characters of methods and header names.
bool is_token_char(unsigned char c) {
  if (ascii::is_alnum(static_cast<char>(c))) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return is_token_char(c); });
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Shows a piece of hostile input in an error message without control characters or great length.
std::string printable(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out;
  for (unsigned char c : text.substr(0, kMax)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (text.size() > kMax) out += "...";
  return out;
}

ParseResult fail(int status, std::string message) {
  ParseResult result;
  result.state = ParseState::error;
  result.status = status;
  result.error = std::move(message);
  return result;
}

// Finds the next line ending at or after `from`: LF, optionally preceded by CR. Returns the
// position of the line's end (the CR or LF) and sets `next` past the LF; npos when incomplete.
std::size_t find_line_end(std::string_view buffer, std::size_t from, std::size_t& next) {
  auto lf = buffer.find('\n', from);
  if (lf == std::string_view::npos) return std::string_view::npos;
  next = lf + 1;
  return lf > from && buffer[lf - 1] == '\r' ? lf - 1 : lf;
}

bool has_control_chars(std::string_view value) {
  return std::any_of(value.begin(), value.end(),
                     [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

bool connection_has(std::string_view value, std::string_view option) {
  std::size_t start = 0;
  while (start <= value.size()) {
    auto comma = value.find(',', start);
    auto item = trim_blanks(value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (iequals(item, option)) return true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

struct Head {
  std::size_t end = 0;  // offset just past the blank line
  std::string method;
  std::string target;
  int version_minor = 1;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Parses the request line and headers. need_more while the blank line has not arrived yet.
ParseResult parse_head(std::string_view buffer, const HttpLimits& limits, Head& head) {
  std::size_t position = 0;
  // A robust server ignores empty lines before the request line (RFC 9112 2.2).
  while (position < buffer.size() && (buffer[position] == '\r' || buffer[position] == '\n')) {
    ++position;
    if (position > limits.max_head_bytes) {
      return fail(431, fmt::format("request head: more than {} bytes", limits.max_head_bytes));
    }
  }
  const std::size_t head_start = position;
  auto too_long = [&](std::size_t upto) { return upto - head_start > limits.max_head_bytes; };

  std::size_t next = 0;
  auto line_end = find_line_end(buffer, position, next);
  if (line_end == std::string_view::npos) {
    if (too_long(buffer.size())) {
      return fail(431, fmt::format("request line: longer than the {}-byte head limit", limits.max_head_bytes));
    }
    return {};
  }
  if (too_long(next)) {
    return fail(431, fmt::format("request line: longer than the {}-byte head limit", limits.max_head_bytes));
  }
  auto request_line = buffer.substr(position, line_end - position);
  auto first_space = request_line.find(' ');
  auto last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    return fail(400, fmt::format("request line: expected 'METHOD target HTTP/1.1', got '{}'", printable(request_line)));
  }
  auto method = request_line.substr(0, first_space);
  auto target = request_line.substr(first_space + 1, last_space - first_space - 1);
  auto version = request_line.substr(last_space + 1);
  if (!is_token(method)) {
    return fail(400, fmt::format("request line: method '{}' is not a token", printable(method)));
  }
  if (target.empty() || std::any_of(target.begin(), target.end(),
                                    [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
    return fail(400, fmt::format("request line: target '{}' is empty or has blanks or control characters",
                                 printable(target)));
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !ascii::is_digit(version[5]) ||
      version[6] != '.' || !ascii::is_digit(version[7])) {
    return fail(400, fmt::format("request line: '{}' is not an HTTP version", printable(version)));
  }
  if (version[5] != '1') {
    return fail(505, fmt::format("request line: {} is not supported (HTTP/1.0 and HTTP/1.1 are)", printable(version)));
  }
  head.method = std::string(method);
  head.target = std::string(target);
  head.version_minor = version[7] - '0';

  std::size_t line_number = 1;
  position = next;
  for (;;) {
    line_end = find_line_end(buffer, position, next);
    if (line_end == std::string_view::npos) {
      if (too_long(buffer.size())) {
        return fail(431, fmt::format("request head: more than {} bytes", limits.max_head_bytes));
      }
      return {};
    }
    if (too_long(next)) return fail(431, fmt::format("request head: more than {} bytes", limits.max_head_bytes));
    ++line_number;
    auto line = buffer.substr(position, line_end - position);
    position = next;
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      return fail(400, fmt::format("header line {}: folded continuation lines are not accepted", line_number));
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return fail(400, fmt::format("header line {}: no ':' after the name", line_number));
    }
    auto name = line.substr(0, colon);
    if (!is_token(name)) {
      return fail(400, fmt::format("header line {}: name '{}' is not a token", line_number, printable(name)));
    }
    auto value = trim_blanks(line.substr(colon + 1));
    if (has_control_chars(value)) {
      return fail(400, fmt::format("header line {}: the value of {} has control characters", line_number,
                                   printable(name)));
    }
    if (head.headers.size() >= limits.max_header_count) {
      return fail(431, fmt::format("header line {}: more than {} headers", line_number, limits.max_header_count));
    }
    head.headers.emplace_back(std::string(name), std::string(value));
  }
  head.end = position;
  ParseResult result;
  result.state = ParseState::complete;
  return result;
}

// Reads a chunked body starting at `position`. On complete, `end` is past the trailers and
// `body` holds the data (only when `body` is not null: a need_more pass skips the copying).
ParseResult parse_chunked(std::string_view buffer, std::size_t position, const HttpLimits& limits,
                          std::string* body, std::size_t& end) {
  std::size_t total = 0;
  std::size_t chunk_number = 0;
  const std::size_t trailer_start_limit = limits.max_head_bytes;
  for (;;) {
    ++chunk_number;
    std::size_t next = 0;
    auto line_end = find_line_end(buffer, position, next);
    if (line_end == std::string_view::npos) {
      // A size line is a few bytes; extensions may not grow it without bound.
      if (buffer.size() - position > 1025) {
        return fail(400, fmt::format("chunk {}: size line longer than 1024 bytes", chunk_number));
      }
      return {};
    }
    auto line = buffer.substr(position, line_end - position);
    if (line.size() > 1024) return fail(400, fmt::format("chunk {}: size line longer than 1024 bytes", chunk_number));
    auto size_text = trim_blanks(line.substr(0, line.find(';')));
    std::uint64_t size = 0;
    auto [stop, error] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || error != std::errc() || stop != size_text.data() + size_text.size()) {
      return fail(400, fmt::format("chunk {}: size '{}' is not a hexadecimal number", chunk_number,
                                   printable(size_text)));
    }
    if (size > limits.max_body_bytes || total + size > limits.max_body_bytes) {
      return fail(413, fmt::format("chunk {}: the body exceeds {} bytes", chunk_number, limits.max_body_bytes));
    }
    position = next;
    if (size == 0) break;
    if (buffer.size() - position < size + 1) return {};
    if (body) body->append(buffer.substr(position, size));
    total += size;
    position += size;
    // The chunk's data ends with CRLF (or a bare LF).
    if (buffer[position] == '\r') {
      if (buffer.size() - position < 2) return {};
      if (buffer[position + 1] != '\n') {
        return fail(400, fmt::format("chunk {}: data not followed by CRLF", chunk_number));
      }
      position += 2;
    } else if (buffer[position] == '\n') {
      position += 1;
    } else {
      return fail(400, fmt::format("chunk {}: data not followed by CRLF", chunk_number));
    }
  }
  // Trailer fields, ignored, up to the blank line.
  const std::size_t trailers_begin = position;
  for (;;) {
    std::size_t next = 0;
    auto line_end = find_line_end(buffer, position, next);
    if (line_end == std::string_view::npos) {
      if (buffer.size() - trailers_begin > trailer_start_limit) {
        return fail(431, fmt::format("chunked trailers: more than {} bytes", limits.max_head_bytes));
      }
      return {};
    }
    if (next - trailers_begin > trailer_start_limit) {
      return fail(431, fmt::format("chunked trailers: more than {} bytes", limits.max_head_bytes));
    }
    auto line = buffer.substr(position, line_end - position);
    position = next;
    if (line.empty()) break;
    if (line.find(':') == std::string_view::npos) {
      return fail(400, "chunked trailers: a line without ':'");
    }
  }
  end = position;
  ParseResult result;
  result.state = ParseState::complete;
  return result;
}

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

std::string_view HttpRequest::path() const {
  std::string_view text = target;
  return text.substr(0, text.find('?'));
}

ParseResult parse_request(std::string_view buffer, const HttpLimits& limits, HttpRequest& out) {
  Head head;
  auto result = parse_head(buffer, limits, head);
  if (result.state != ParseState::complete) return result;

  const std::string* content_length = nullptr;
  const std::string* transfer_encoding = nullptr;
  bool close = false;
  bool keep_alive_token = false;
  for (const auto& [name, value] : head.headers) {
    if (iequals(name, "Content-Length")) {
      if (content_length && *content_length != value) {
        return fail(400, "headers: Content-Length given twice with different values");
      }
      content_length = &value;
    } else if (iequals(name, "Transfer-Encoding")) {
      if (transfer_encoding) return fail(501, "headers: Transfer-Encoding given more than once");
      transfer_encoding = &value;
    } else if (iequals(name, "Connection")) {
      close = close || connection_has(value, "close");
      keep_alive_token = keep_alive_token || connection_has(value, "keep-alive");
    }
  }
  if (content_length && transfer_encoding) {
    // Either could be what an intermediary used to frame the message: refuse rather than guess.
    return fail(400, "headers: both Content-Length and Transfer-Encoding are present");
  }

  std::size_t end = head.end;
  std::string body;
  if (transfer_encoding) {
    if (!iequals(*transfer_encoding, "chunked")) {
      return fail(501, fmt::format("headers: Transfer-Encoding '{}' is not supported (only chunked is)",
                                   printable(*transfer_encoding)));
    }
    // A first pass without copying tells whether the body is all here.
    result = parse_chunked(buffer, head.end, limits, nullptr, end);
    if (result.state != ParseState::complete) return result;
    body.reserve(end - head.end);
    parse_chunked(buffer, head.end, limits, &body, end);
  } else if (content_length) {
    std::uint64_t length = 0;
    auto [stop, error] =
        std::from_chars(content_length->data(), content_length->data() + content_length->size(), length);
    if (content_length->empty() || stop != content_length->data() + content_length->size() ||
        (error != std::errc() && error != std::errc::result_out_of_range)) {
      return fail(400, fmt::format("headers: Content-Length '{}' is not a number", printable(*content_length)));
    }
    if (error == std::errc::result_out_of_range || length > limits.max_body_bytes) {
      return fail(413, fmt::format("headers: the body ({} bytes) exceeds {} bytes", printable(*content_length),
                                   limits.max_body_bytes));
    }
    if (buffer.size() - head.end < length) return {};
    body.assign(buffer.substr(head.end, length));
    end = head.end + length;
  }

  out.method = std::move(head.method);
  out.target = std::move(head.target);
  out.version_minor = head.version_minor;
  out.headers = std::move(head.headers);
  out.body = std::move(body);
  out.keep_alive = out.version_minor >= 1 ? !close : keep_alive_token && !close;
  result = {};
  result.state = ParseState::complete;
  result.consumed = end;
  return result;
}

}  // namespace lh::transport::http1
