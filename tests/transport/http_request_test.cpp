#include <doctest/doctest.h>

#include <string>

#include "transport/ascii.hpp"
#include "transport/http_request.hpp"

using namespace lh::transport::http1;

namespace {

struct Parsed {
  ParseResult result;
  HttpRequest request;
};

Parsed parse(std::string_view text, HttpLimits limits = {}) {
  Parsed parsed;
  parsed.result = parse_request(text, limits, parsed.request);
  return parsed;
}

}  // namespace

TEST_CASE("http request: a POST with Content-Length") {
  std::string text =
      "POST /mcp?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type:  application/json \r\n"
      "Content-Length: 7\r\n\r\n{\"a\":1}";
  auto parsed = parse(text);
  REQUIRE(parsed.result.state == ParseState::complete);
  CHECK(parsed.result.consumed == text.size());
  CHECK(parsed.request.method == "POST");
  CHECK(parsed.request.target == "/mcp?x=1");
  CHECK(parsed.request.path() == "/mcp");
  CHECK(parsed.request.version_minor == 1);
  CHECK(parsed.request.body == "{\"a\":1}");
  CHECK(parsed.request.keep_alive);
  REQUIRE(parsed.request.header("content-type"));
  CHECK(*parsed.request.header("CONTENT-TYPE") == "application/json");
  CHECK(parsed.request.header("Accept") == nullptr);
}

TEST_CASE("http request: every prefix of a request needs more; the whole completes") {
  std::string text = "POST /mcp HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
  for (std::size_t cut = 0; cut < text.size(); ++cut) {
    auto parsed = parse(text.substr(0, cut));
    INFO("cut at " << cut);
    CHECK(parsed.result.state == ParseState::need_more);
  }
  CHECK(parse(text).result.state == ParseState::complete);
}

TEST_CASE("http request: pipelined requests are taken one at a time") {
  std::string first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string second = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";
  std::string buffer = first + second + "GET /c";
  auto parsed = parse(buffer);
  REQUIRE(parsed.result.state == ParseState::complete);
  CHECK(parsed.result.consumed == first.size());
  CHECK(parsed.request.target == "/a");
  buffer.erase(0, parsed.result.consumed);
  parsed = parse(buffer);
  REQUIRE(parsed.result.state == ParseState::complete);
  CHECK(parsed.request.body == "hi");
  buffer.erase(0, parsed.result.consumed);
  CHECK(buffer == "GET /c");
  CHECK(parse(buffer).result.state == ParseState::need_more);
}

TEST_CASE("http request: chunked bodies are de-chunked, extensions and trailers skipped") {
  std::string text =
      "POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: yes\r\n\r\nNEXT";
  auto parsed = parse(text);
  REQUIRE(parsed.result.state == ParseState::complete);
  CHECK(parsed.request.body == "Wikipedia in\r\n\r\nchunks.");
  CHECK(text.substr(parsed.result.consumed) == "NEXT");
  for (std::size_t cut = 0; cut < text.size() - 4; ++cut) {
    INFO("cut at " << cut);
    CHECK(parse(text.substr(0, cut)).result.state == ParseState::need_more);
  }
}

TEST_CASE("http request: keep-alive follows the version and Connection") {
  CHECK_FALSE(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").request.keep_alive);
  CHECK_FALSE(parse("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
  auto parsed = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  CHECK(parsed.request.keep_alive);
  CHECK(parsed.request.version_minor == 0);
  CHECK(parse("GET / HTTP/1.1\r\nConnection: upgrade, keep-alive\r\n\r\n").request.keep_alive);
}

TEST_CASE("http request: leading blank lines and bare LF line ends are tolerated") {
  auto parsed = parse("\r\n\nGET /x HTTP/1.1\nHost: h\n\n");
  REQUIRE(parsed.result.state == ParseState::complete);
  CHECK(parsed.request.target == "/x");
  CHECK(*parsed.request.header("host") == "h");
}

TEST_CASE("http request: malformed requests answer 400 and say where") {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"GET\r\n\r\n", "request line: expected 'METHOD target HTTP/1.1', got 'GET'"},
      {"G(T / HTTP/1.1\r\n\r\n", "request line: method 'G(T' is not a token"},
      {"GET / HTTX/1.1\r\n\r\n", "request line: 'HTTX/1.1' is not an HTTP version"},
      {"GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n", "header line 3: no ':' after the name"},
      {"GET / HTTP/1.1\r\nBad Name: a\r\n\r\n", "header line 2: name 'Bad Name' is not a token"},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", "header line 3: folded continuation lines are not accepted"},
      {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", "header line 2: the value of A has control characters"},
      {"POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", "headers: Content-Length '12x' is not a number"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       "headers: Content-Length given twice with different values"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       "headers: both Content-Length and Transfer-Encoding are present"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk 1: size 'zz' is not a hexadecimal number"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX", "chunk 1: data not followed by CRLF"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto parsed = parse(c.text);
    REQUIRE(parsed.result.state == ParseState::error);
    CHECK(parsed.result.status == 400);
    CHECK(parsed.result.error == c.message);
  }
}

TEST_CASE("http request: limits answer 413 and 431 before the bytes arrive") {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  limits.max_head_bytes = 64;
  limits.max_header_count = 2;

  auto parsed = parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits);
  CHECK(parsed.result.status == 413);
  CHECK(parsed.result.error == "headers: the body (11 bytes) exceeds 10 bytes");
  parsed = parse("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", limits);
  CHECK(parsed.result.status == 413);
  parsed = parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n3\r\n", limits);
  CHECK(parsed.result.status == 413);
  CHECK(parsed.result.error == "chunk 2: the body exceeds 10 bytes");

  // A head longer than the limit, complete or not.
  parsed = parse("GET /" + std::string(100, 'a'), limits);
  CHECK(parsed.result.status == 431);
  parsed = parse("GET / HTTP/1.1\r\nA: " + std::string(80, 'b'), limits);
  CHECK(parsed.result.status == 431);
  parsed = parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits);
  CHECK(parsed.result.status == 431);
  CHECK(parsed.result.error == "header line 4: more than 2 headers");
}

TEST_CASE("http request: other versions 505, other transfer codings 501") {
  auto parsed = parse("GET / HTTP/2.0\r\n\r\n");
  CHECK(parsed.result.state == ParseState::error);
  CHECK(parsed.result.status == 505);
  parsed = parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  CHECK(parsed.result.status == 501);
  CHECK(parsed.result.error == "headers: Transfer-Encoding 'gzip, chunked' is not supported (only chunked is)");
}

TEST_CASE("ascii: protocol tokens compare case-insensitively in ASCII only") {
  using namespace lh::transport;
  CHECK(ascii::iequals("Content-Length", "content-LENGTH"));
  CHECK_FALSE(ascii::iequals("Content-Length", "Content-Lengtx"));
  CHECK_FALSE(ascii::iequals("abc", "abcd"));
  CHECK_FALSE(ascii::iequals("\xC4", "\xE4"));  // Latin-1 letters are not folded: only ASCII is
  CHECK(ascii::to_lower("MCP-Session-Id: A1") == "mcp-session-id: a1");
  CHECK(ascii::is_alnum('z'));
  CHECK(ascii::is_alnum('Q'));
  CHECK(ascii::is_alnum('7'));
  CHECK_FALSE(ascii::is_alnum('-'));
  CHECK_FALSE(ascii::is_alnum('\xE9'));
  CHECK_FALSE(ascii::is_alnum('@'));
  CHECK_FALSE(ascii::is_alnum('['));
}
