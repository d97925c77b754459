#include <arpa/inet.h>
#include <atomic>
#include <thread>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_test_support.hpp"
#include "transport/http_client.hpp"
#include "transport/json_text.hpp"

using namespace lh::transport;
using namespace lh::transport::test;

namespace {

Json request(const Json& id, const std::string& method, Json params = Json::object()) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

Json initialize_request(const Json& id) {
  return request(id, "initialize",
                 {{"protocolVersion", "2025-06-18"},
                  {"capabilities", Json::object()},
                  {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
}

std::shared_ptr<StreamableHttpClientTransport> connect_client(const std::string& url, Recorder& recorder,
                                                              bool get_stream = false) {
  StreamableHttpClientOptions options;
  options.url = url;
  options.name = "test-upstream";
  options.read_timeout = std::chrono::seconds(20);
  options.open_get_stream = get_stream;
  auto transport = std::make_shared<StreamableHttpClientTransport>(options);
  transport->start(recorder.handlers());
  return transport;
}

}  // namespace

TEST_CASE("http client <-> server: initialize, JSON answers, SSE progress in order, DELETE on close") {
  HttpFixture fx;
  Recorder recorder;
  auto client = connect_client(fx.server->url(), recorder);

  client->send(initialize_request(1));
  auto init = recorder.wait_response(1);
  REQUIRE(init.is_object());
  CHECK(init["result"]["serverInfo"]["name"] == "test-responder");
  CHECK(client->session_id().size() == 32);

  client->send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  client->send(request(2, "echo", {{"n", 1}}));
  auto echo = recorder.wait_response(2);
  REQUIRE(echo.is_object());
  CHECK(echo["result"]["echo"]["n"] == 1);

  auto before = recorder.messages().size();
  client->send(request("slow-1", "slow"));
  auto done = recorder.wait_response("slow-1");
  REQUIRE(done.is_object());
  CHECK(done["result"]["done"] == true);
  auto all = recorder.messages();
  REQUIRE(all.size() == before + 3);
  CHECK(all[before]["method"] == "notifications/progress");
  CHECK(all[before]["params"]["progress"] == 1);
  CHECK(all[before + 1]["params"]["progress"] == 2);
  CHECK(all[before + 2]["id"] == "slow-1");

  // A JSON-RPC error answer passes through unchanged.
  client->send(request(3, "fail"));
  auto failed = recorder.wait_response(3);
  REQUIRE(failed.is_object());
  CHECK(failed["error"]["code"] == -32602);

  // Concurrent requests each get their own answer.
  for (int i = 100; i < 116; ++i) client->send(request(i, "echo", {{"i", i}}));
  for (int i = 100; i < 116; ++i) {
    auto answer = recorder.wait_response(i);
    REQUIRE(answer.is_object());
    CHECK(answer["result"]["echo"]["i"] == i);
  }

  auto responder = fx.responder(0);
  REQUIRE(responder);
  client->close();
  CHECK(recorder.wait_closed());
  // close() sent DELETE: the server ended the session.
  for (int i = 0; i < 2000 && !responder->closed.load(); ++i) std::this_thread::sleep_for(10ms);
  CHECK(responder->closed.load());
  CHECK(fx.server->session_count() == 0);
  CHECK_THROWS_AS(client->send(request(4, "echo")), lh::mcp::TransportError);
}

TEST_CASE("http client: a 404 for a known session surfaces as session expiry and closes the transport") {
  HttpFixture fx;
  Recorder recorder;
  auto client = connect_client(fx.server->url(), recorder);
  client->send(initialize_request(1));
  REQUIRE(recorder.wait_response(1).is_object());
  auto session = client->session_id();
  REQUIRE_FALSE(session.empty());

  // The server forgets the session (as after a restart or expiry).
  auto raw = fx.client();
  auto del = raw->Delete("/mcp", HttpFixture::headers(session));
  REQUIRE(del);
  REQUIRE(del->status == 200);

  client->send(request(2, "echo"));
  auto answer = recorder.wait_response(2);
  REQUIRE(answer.is_object());
  CHECK(answer["error"]["code"] == -32000);
  CHECK(answer["error"]["data"]["sessionExpired"] == true);
  CHECK(answer["error"]["message"].get<std::string>().find("session expired") != std::string::npos);
  CHECK(recorder.wait_closed());
  CHECK(client->session_expired());
  CHECK_THROWS_AS(client->send(request(3, "echo")), SessionExpiredError);
  CHECK(recorder.closes() == 1);
}

TEST_CASE("http client: a server without sessions that refuses the GET stream keeps the connection usable") {
  for (int get_status : {404, 405}) {
    CAPTURE(get_status);
    // Stateless, no Mcp-Session-Id, and no GET stream: answers GET with get_status.
    httplib::Server upstream;
    std::atomic<int> gets{0};
    upstream.Post("/mcp", [&](const httplib::Request& req, httplib::Response& res) {
      auto message = Json::parse(req.body);
      if (!message.contains("id")) {
        res.status = 202;
        return;
      }
      Json result = message["method"] == "initialize" ? Json{{"protocolVersion", "2025-06-18"}}
                                                      : Json{{"content", Json::array({{{"type", "text"}, {"text", "ok"}}})}};
      res.set_content(Json{{"jsonrpc", "2.0"}, {"id", message["id"]}, {"result", result}}.dump(), "application/json");
    });
    upstream.Get("/mcp", [&](const httplib::Request&, httplib::Response& res) {
      ++gets;
      res.status = get_status;
    });
    int port = upstream.bind_to_any_port("127.0.0.1");
    ServingThread serving(upstream);

    StreamableHttpClientOptions options;  // the GET stream is on by default
    options.url = "http://127.0.0.1:" + std::to_string(port) + "/mcp";
    CHECK(options.open_get_stream);
    Recorder recorder;
    auto client = std::make_shared<StreamableHttpClientTransport>(options);
    client->start(recorder.handlers());
    client->send(initialize_request(1));
    REQUIRE(recorder.wait_response(1).is_object());
    CHECK(client->session_id().empty());
    CHECK_NOTHROW(client->send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}));
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (gets.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    CHECK(gets.load() == 1);

    client->send(request(2, "tools/call", {{"name", "add"}}));
    auto answer = recorder.wait_response(2);
    REQUIRE(answer.is_object());
    CHECK(answer["result"]["content"][0]["text"] == "ok");
    CHECK_FALSE(client->session_expired());
    CHECK(recorder.closes() == 0);
    CHECK_NOTHROW(client->send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 9}}}}));
    client->close();
    CHECK(recorder.closes() == 1);
    serving.stop();
  }
}

TEST_CASE("http client: the GET stream delivers server-initiated messages") {
  HttpFixture fx;
  Recorder recorder;
  auto client = connect_client(fx.server->url(), recorder, true);
  client->send(initialize_request(1));
  REQUIRE(recorder.wait_response(1).is_object());
  client->send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  // The stream opens asynchronously; broadcast until the notification arrives through it.
  Json seen;
  for (int attempt = 0; attempt < 200 && seen.is_null(); ++attempt) {
    client->send(request(10 + attempt, "broadcast"));
    REQUIRE(recorder.wait_response(10 + attempt).is_object());
    seen = recorder.wait_for([](const Json& m) { return m.value("method", "") == "notifications/tools/list_changed"; });
  }
  CHECK(seen["method"] == "notifications/tools/list_changed");
  client->close();
}

TEST_CASE("http client: connection failures and HTTP errors become error answers to the request") {
  // A port that is bound and immediately released: nothing listens there.
  int dead_port = 0;
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    dead_port = ntohs(address.sin_port);
    ::close(fd);
  }
  Recorder recorder;
  auto client = connect_client("http://127.0.0.1:" + std::to_string(dead_port) + "/mcp", recorder);
  client->send(request(1, "echo"));
  auto answer = recorder.wait_response(1);
  REQUIRE(answer.is_object());
  CHECK(answer["error"]["code"] == -32000);
  CHECK(answer["error"]["message"].get<std::string>().find("test-upstream") != std::string::npos);
  CHECK_THROWS_AS(client->send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}),
                  lh::mcp::TransportError);

  StreamableHttpServerOptions options;
  options.bearer_token = "right-token";
  HttpFixture fx(options);
  Recorder unauthorized;
  auto no_token = connect_client(fx.server->url(), unauthorized);
  no_token->send(initialize_request(1));
  auto refused = unauthorized.wait_response(1);
  REQUIRE(refused.is_object());
  CHECK(refused["error"]["message"].get<std::string>().find("HTTP 401") != std::string::npos);
}

TEST_CASE("http client: sends the configured headers, the session id and the negotiated protocol version") {
  // A hand-written upstream that records headers and answers in its own style (SSE with CRLF).
  httplib::Server upstream;
  std::mutex mutex;
  std::vector<httplib::Headers> seen;
  upstream.Post("/mcp", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mutex);
      seen.push_back(req.headers);
    }
    auto message = Json::parse(req.body);
    if (!message.contains("id")) {
      res.status = 202;
      return;
    }
    Json result = message["method"] == "initialize" ? Json{{"protocolVersion", "2025-06-18"}} : Json::object();
    Json answer{{"jsonrpc", "2.0"}, {"id", message["id"]}, {"result", result}};
    res.set_header("Mcp-Session-Id", "upstream-session-1");
    res.set_content(": hello\r\nid: 1\r\ndata: \r\n\r\nevent: message\r\ndata: " + answer.dump() + "\r\n\r\n",
                    "text/event-stream");
  });
  int port = upstream.bind_to_any_port("127.0.0.1");
  ServingThread serving(upstream);

  StreamableHttpClientOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(port) + "/mcp";
  options.headers = {{"Authorization", "Bearer abc"}, {"x-goog-user-project", "proj-9"}};
  Recorder recorder;
  auto client = std::make_shared<StreamableHttpClientTransport>(options);
  client->start(recorder.handlers());
  client->send(initialize_request(1));
  REQUIRE(recorder.wait_response(1).is_object());
  client->send(Json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  client->send(request(2, "tools/list"));
  REQUIRE(recorder.wait_response(2).is_object());
  client->close();
  serving.stop();

  std::lock_guard lock(mutex);
  REQUIRE(seen.size() == 3);
  for (const auto& headers : seen) {
    CHECK(headers.find("Accept")->second == "application/json, text/event-stream");
    CHECK(headers.find("Content-Type")->second == "application/json");
    CHECK(headers.find("Authorization")->second == "Bearer abc");
    CHECK(headers.find("x-goog-user-project")->second == "proj-9");
  }
  CHECK(seen[0].count("Mcp-Session-Id") == 0);
  CHECK(seen[0].count("MCP-Protocol-Version") == 0);
  CHECK(seen[1].find("Mcp-Session-Id")->second == "upstream-session-1");
  CHECK(seen[1].find("MCP-Protocol-Version")->second == "2025-06-18");
  CHECK(seen[2].find("MCP-Protocol-Version")->second == "2025-06-18");
}

TEST_CASE("http client: a URL that is not http(s) is rejected up front") {
  StreamableHttpClientOptions options;
  options.url = "ftp://example.com/mcp";
  CHECK_THROWS_AS(StreamableHttpClientTransport{options}, lh::mcp::TransportError);
  options.url = "not a url";
  CHECK_THROWS_AS(StreamableHttpClientTransport{options}, lh::mcp::TransportError);
}

TEST_CASE("http client: a POST stream that ends before the answer is resumed with GET and Last-Event-ID") {
  httplib::Server upstream;
  std::mutex mutex;
  std::vector<std::string> resume_ids;
  upstream.Post("/mcp", [&](const httplib::Request& req, httplib::Response& res) {
    auto message = Json::parse(req.body);
    if (!message.contains("id")) {
      res.status = 202;
      return;
    }
    Json progress{{"jsonrpc", "2.0"}, {"method", "notifications/progress"}, {"params", {{"progress", 1}}}};
    // Priming, one notification, then the server closes the stream early (as SEP-1699 allows).
    res.set_content("id: s1-0\nretry: 10\ndata: \n\nid: s1-1\ndata: " + progress.dump() + "\n\n",
                    "text/event-stream");
  });
  upstream.Get("/mcp", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mutex);
      resume_ids.push_back(req.get_header_value("Last-Event-ID"));
    }
    Json answer{{"jsonrpc", "2.0"}, {"id", 7}, {"result", {{"resumed", true}}}};
    res.set_content("id: s1-2\ndata: " + answer.dump() + "\n\n", "text/event-stream");
  });
  int port = upstream.bind_to_any_port("127.0.0.1");
  ServingThread serving(upstream);

  Recorder recorder;
  auto client = connect_client("http://127.0.0.1:" + std::to_string(port) + "/mcp", recorder);
  client->send(request(7, "tools/call"));
  auto answer = recorder.wait_response(7);
  REQUIRE(answer.is_object());
  CHECK(answer["result"]["resumed"] == true);
  auto messages = recorder.messages();
  REQUIRE(messages.size() == 2);
  CHECK(messages[0]["method"] == "notifications/progress");
  client->close();
  serving.stop();
  std::lock_guard lock(mutex);
  REQUIRE(resume_ids.size() == 1);
  CHECK(resume_ids[0] == "s1-1");
}

TEST_CASE("http client: close() aborts a request that is still waiting for its answer") {
  HttpFixture fx;
  Recorder recorder;
  StreamableHttpClientOptions options;
  options.url = fx.server->url();
  options.read_timeout = std::chrono::seconds(600);  // close() must not wait for this
  auto client = std::make_shared<StreamableHttpClientTransport>(options);
  client->start(recorder.handlers());
  client->send(initialize_request(1));
  REQUIRE(recorder.wait_response(1).is_object());
  client->send(request(2, "never"));
  std::this_thread::sleep_for(50ms);  // let the POST reach the server
  client->close();
  CHECK(recorder.wait_closed());
  CHECK(recorder.closes() == 1);
}

TEST_CASE("http client: close() racing with requests from other threads leaves no thread behind") {
  // Each round: several threads keep sending requests while close() runs, then the last owner drops the
  // transport. A request worker started after close() had joined the others used to stay joinable and
  // end the process in ~thread (std::terminate); now such a send() is refused instead.
  HttpFixture fx;
  constexpr int kRounds = 40;
  constexpr int kSenders = 12;
  int refused_after_close = 0;
  for (int round = 0; round < kRounds; ++round) {
    Recorder recorder;
    StreamableHttpClientOptions options;
    options.url = fx.server->url();
    options.max_concurrent_requests = 512;  // a new worker for nearly every request: the racy path
    auto client = std::make_shared<StreamableHttpClientTransport>(options);
    client->start(recorder.handlers());
    std::atomic<int> refused{0};
    std::vector<std::thread> senders;
    for (int t = 0; t < kSenders; ++t) {
      senders.emplace_back([&, t] {
        for (int i = 0;; ++i) {  // until the closed transport refuses
          try {
            client->send(request(t * 1000000 + i, "ping"));
          } catch (const lh::mcp::TransportError&) {
            ++refused;
            return;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200 + 50 * (round % 10)));
    client->close();
    for (auto& sender : senders) sender.join();
    refused_after_close += refused.load();
    // A send after close() is refused, never queued.
    CHECK_THROWS_AS(client->send(request(-1, "ping")), lh::mcp::TransportError);
    client.reset();
  }
  // Every round's senders met the closed transport (the test exercised the race it is about).
  CHECK(refused_after_close == kSenders * kRounds);
}
