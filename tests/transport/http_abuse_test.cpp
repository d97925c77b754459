// The HTTP engine under the Streamable HTTP server against clients that misbehave: slow senders,
// too many connections, pipelining, malformed requests.
#include <doctest/doctest.h>

#include <memory>

#include <fmt/format.h>
#include <vector>

#include "http_test_support.hpp"
#include "raw_http.hpp"
#include "transport/json_text.hpp"

using namespace lh::transport;
using namespace lh::transport::test;

namespace {

std::string initialize_request_body() {
  return HttpFixture::request_body(0, "initialize",
                                   {{"protocolVersion", "2025-11-25"},
                                    {"capabilities", Json::object()},
                                    {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
}

// Opens a session on a raw connection; "" on failure.
std::string raw_initialize(RawConnection& connection) {
  if (!connection.send(raw_post(initialize_request_body()))) return "";
  auto response = connection.read_response();
  if (!response || response->status != 200) return "";
  return response->header("mcp-session-id");
}

std::string error_message(const RawResponse& response) {
  auto parsed = parse_json(response.body);
  if (!parsed) return "";
  return (*parsed)["error"].value("message", std::string());
}

}  // namespace

TEST_CASE("http engine: slow senders beyond the worker count do not starve a normal client; they get 408") {
  StreamableHttpServerOptions options;
  options.worker_threads = 2;
  options.request_timeout = std::chrono::milliseconds(500);
  HttpFixture fx(options);

  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 40; ++i) {
    auto connection = std::make_unique<RawConnection>(fx.server->port());
    REQUIRE(connection->connected());
    if (i % 2 == 0) {
      CHECK(connection->send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: appl"));
    } else {
      CHECK(connection->send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{\"js"));
    }
    slow.push_back(std::move(connection));
  }

  auto c = fx.client();
  auto session = fx.initialize(*c);
  REQUIRE_FALSE(session.empty());
  for (int i = 1; i <= 20; ++i) {
    auto res = c->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(i, "echo"),
                       "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
  }

  for (auto& connection : slow) {
    auto response = connection->read_response();
    REQUIRE(response);
    CHECK(response->status == 408);
    CHECK(error_message(*response) == "Request Timeout: the request did not arrive within 500 ms");
    CHECK(connection->wait_closed());
  }
}

TEST_CASE("http engine: beyond max_connections a connection gets 503; a freed slot is usable again") {
  StreamableHttpServerOptions options;
  options.max_connections = 4;
  HttpFixture fx(options);

  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(fx.server->port()));
    REQUIRE(held.back()->connected());
    // An answer proves the server took the connection before the next one arrives.
    REQUIRE_FALSE(raw_initialize(*held.back()).empty());
  }
  RawConnection extra(fx.server->port());
  auto refused = extra.read_response();
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(error_message(*refused).find("4 open connections") != std::string::npos);
  CHECK(extra.wait_closed());

  // The held ones still work.
  REQUIRE(held[0]->send(raw_post(HttpFixture::request_body(1, "ping"))));
  auto answer = held[0]->read_response();
  REQUIRE(answer);
  CHECK(answer->status == 400);  // no session id on a request other than initialize: served, and refused
  held.pop_back();
  bool served = false;
  for (int attempt = 0; attempt < 200 && !served; ++attempt) {
    RawConnection again(fx.server->port());
    served = !raw_initialize(again).empty();
    if (!served) std::this_thread::sleep_for(10ms);
  }
  CHECK(served);
}

TEST_CASE("http engine: pipelined requests are answered in order, across a streamed answer") {
  HttpFixture fx;
  RawConnection connection(fx.server->port());
  auto session = raw_initialize(connection);
  REQUIRE_FALSE(session.empty());
  std::string batch = raw_post(HttpFixture::request_body(1, "echo", {{"n", 1}}), session) +
                      raw_post(HttpFixture::request_body(2, "slow"), session) +
                      raw_post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session) +
                      raw_post(HttpFixture::request_body(3, "echo", {{"n", 3}}), session);
  REQUIRE(connection.send(batch));

  auto first = connection.read_response();
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(parse_json(first->body).value()["id"] == 1);

  auto streamed = connection.read_response();
  REQUIRE(streamed);
  CHECK(streamed->status == 200);
  CHECK(streamed->header("content-type") == "text/event-stream");
  auto events = parse_sse(streamed->body);
  REQUIRE(events.size() == 4);
  CHECK(parse_json(events[3].data).value()["id"] == 2);

  auto accepted = connection.read_response();
  REQUIRE(accepted);
  CHECK(accepted->status == 202);

  auto last = connection.read_response();
  REQUIRE(last);
  CHECK(last->status == 200);
  CHECK(parse_json(last->body).value()["result"]["echo"]["n"] == 3);
}

TEST_CASE("http engine: malformed requests get 400/501/505/413 with what was wrong, then the connection closes") {
  HttpFixture fx;
  struct Case {
    std::string request;
    int status;
    std::string message;
  };
  const Case cases[] = {
      {"GARBAGE\r\n\r\n", 400, "Bad Request: request line: expected 'METHOD target HTTP/1.1', got 'GARBAGE'"},
      {"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n", 400,
       "Bad Request: header line 3: no ':' after the name"},
      {"GET /mcp HTTP/2.0\r\n\r\n", 505,
       "HTTP Version Not Supported: request line: HTTP/2.0 is not supported (HTTP/1.0 and HTTP/1.1 are)"},
      {"POST /mcp HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
       "Not Implemented: headers: Transfer-Encoding 'gzip' is not supported (only chunked is)"},
      {"POST /mcp HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n", 413,
       "Payload Too Large: headers: the body (999999999 bytes) exceeds 4194304 bytes"},
  };
  for (const auto& c : cases) {
    INFO(c.request);
    RawConnection connection(fx.server->port());
    REQUIRE(connection.send(c.request));
    auto response = connection.read_response();
    REQUIRE(response);
    CHECK(response->status == c.status);
    CHECK(error_message(*response) == c.message);
    CHECK(connection.wait_closed());
  }
  // The server still serves, including a chunked body.
  RawConnection connection(fx.server->port());
  auto body = initialize_request_body();
  std::string chunked =
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n"
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
      fmt::format("{:x}\r\n{}\r\n", 10, body.substr(0, 10)) +
      fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", body.size() - 10, body.substr(10));
  REQUIRE(connection.send(chunked));
  auto response = connection.read_response();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->header("mcp-session-id").size() == 32);
}

TEST_CASE("http engine: Expect: 100-continue gets 100 before the body; Connection: close is honoured") {
  HttpFixture fx;
  RawConnection connection(fx.server->port());
  auto body = initialize_request_body();
  REQUIRE(connection.send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n"
                          "Content-Type: application/json\r\nExpect: 100-continue\r\nConnection: close\r\n"
                          "Content-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = connection.read_response(false);
  REQUIRE(interim);
  CHECK(interim->status == 100);
  REQUIRE(connection.send(body));
  auto response = connection.read_response();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->header("connection") == "close");
  CHECK(connection.wait_closed());
}
