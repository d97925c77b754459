// HTTP/1.1 request parsing for the Streamable HTTP server: pure (no I/O), so every rule is testable
// and fuzzable on its own. The server feeds it the bytes a connection has sent so far; it answers
// "need more", "complete" (and how many bytes the request took, so a pipelined next request stays in
// the buffer), or "error" with the status to answer and what was wrong.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lh::transport::http1 {

struct HttpLimits {
  // Request line plus headers, including the blank line that ends them.
  std::size_t max_head_bytes = 16 * 1024;
  std::size_t max_header_count = 100;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
};

struct HttpRequest {
  std::string method;  // "POST", as sent (methods are case-sensitive)
  std::string target;  // "/mcp" or "/mcp?x=1", as sent
  int version_minor = 1;  // HTTP/1.<minor>
  // Names as sent; values with surrounding blanks removed. Repeated headers stay repeated.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // chunked bodies arrive here de-chunked
  // HTTP/1.1 without "Connection: close", or HTTP/1.0 with "Connection: keep-alive".
  bool keep_alive = true;

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // The path part of target (before "?").
  std::string_view path() const;
};

enum class ParseState { need_more, complete, error };

struct ParseResult {
  ParseState state = ParseState::need_more;
  // complete: the bytes of the buffer this request took.
  std::size_t consumed = 0;
  // error: the status to answer (400 malformed, 413 body too large, 431 head too large,
  // 501 unsupported Transfer-Encoding, 505 not HTTP/1.x) and what was wrong, with where
  // ("header line 3: no ':' after the name").
  int status = 0;
  std::string error;
};

// Parses one request from the start of `buffer`. `out` is filled only when the result is complete.
// need_more is returned only while the limits still allow the request to complete.
ParseResult parse_request(std::string_view buffer, const HttpLimits& limits, HttpRequest& out);

}  // namespace lh::transport::http1
