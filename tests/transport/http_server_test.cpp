#include <doctest/doctest.h>

#include <future>

#include "http_test_support.hpp"
#include "transport/json_text.hpp"

using namespace lh::transport;
using namespace lh::transport::test;

namespace {

Json body_json(const httplib::Result& res) {
  auto parsed = parse_json(res->body);
  return parsed ? *parsed : Json();
}

// Waits (bounded) until `condition` holds; no assertion on how long it took.
template <typename Condition>
bool eventually(Condition condition) {
  auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

}  // namespace

TEST_CASE("http server: initialize creates a session, requests get JSON, notifications get 202") {
  HttpFixture fx;
  auto c = fx.client();
  auto session = fx.initialize(*c);
  REQUIRE(session.size() == 32);
  CHECK(session.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(fx.server->session_count() == 1);

  auto res = c->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(1, "echo", {{"q", "hi"}}),
                     "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  auto answer = body_json(res);
  CHECK(answer["id"] == 1);
  CHECK(answer["result"]["echo"]["q"] == "hi");

  // Without MCP-Protocol-Version the server assumes 2025-03-26 and accepts the request.
  res = c->Post("/mcp", HttpFixture::headers(session, ""), HttpFixture::request_body("s-2", "echo"),
                "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(body_json(res)["id"] == "s-2");

  res = c->Post("/mcp", HttpFixture::headers(session),
                R"({"jsonrpc":"2.0","method":"notifications/initialized"})", "application/json");
  REQUIRE(res);
  CHECK(res->status == 202);
  CHECK(res->body.empty());

  // A response from the client (to a server-initiated request) is accepted the same way.
  res = c->Post("/mcp", HttpFixture::headers(session), R"({"jsonrpc":"2.0","id":"srv-1","result":{}})",
                "application/json");
  REQUIRE(res);
  CHECK(res->status == 202);

  auto responder = fx.responder(0);
  REQUIRE(responder);
  REQUIRE(responder->received.wait(2));
  CHECK(responder->received.items[0]["method"] == "notifications/initialized");
  CHECK(responder->received.items[1]["id"] == "srv-1");
}

TEST_CASE("http server: header and body validation answers 400/404/405/406/415") {
  HttpFixture fx;
  auto c = fx.client();
  auto session = fx.initialize(*c);
  REQUIRE_FALSE(session.empty());
  auto post = [&](const httplib::Headers& headers, const std::string& body,
                  const std::string& type = "application/json") { return c->Post("/mcp", headers, body, type); };

  SUBCASE("Accept without text/event-stream: 406") {
    auto res = post({{"Accept", "application/json"}, {"Mcp-Session-Id", session}},
                    HttpFixture::request_body(1, "echo"));
    REQUIRE(res);
    CHECK(res->status == 406);
  }
  SUBCASE("Content-Type not JSON: 415") {
    auto res = post(HttpFixture::headers(session), HttpFixture::request_body(1, "echo"), "text/plain");
    REQUIRE(res);
    CHECK(res->status == 415);
  }
  SUBCASE("invalid JSON: 400 with a -32700 body") {
    auto res = post(HttpFixture::headers(session), "{not json");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(body_json(res)["error"]["code"] == -32700);
    CHECK(body_json(res)["id"].is_null());
  }
  SUBCASE("a batch or a non-message: 400 with -32600") {
    auto res = post(HttpFixture::headers(session), "[" + HttpFixture::request_body(1, "echo") + "]");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(body_json(res)["error"]["code"] == -32600);
    res = post(HttpFixture::headers(session), R"({"hello":"world"})");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(body_json(res)["error"]["code"] == -32600);
  }
  SUBCASE("no session id on a request other than initialize: 400") {
    auto res = post(HttpFixture::headers(), HttpFixture::request_body(1, "echo"));
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(body_json(res)["error"]["message"].get<std::string>().find("Mcp-Session-Id") != std::string::npos);
  }
  SUBCASE("unknown session: 404") {
    auto res = post(HttpFixture::headers("0123456789abcdef0123456789abcdef"), HttpFixture::request_body(1, "echo"));
    REQUIRE(res);
    CHECK(res->status == 404);
  }
  SUBCASE("unsupported MCP-Protocol-Version: 400") {
    auto res = post(HttpFixture::headers(session, "1999-01-01"), HttpFixture::request_body(1, "echo"));
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(body_json(res)["error"]["message"].get<std::string>().find("1999-01-01") != std::string::npos);
  }
  SUBCASE("PUT: 405 with Allow") {
    auto res = c->Put("/mcp", HttpFixture::headers(session), "{}", "application/json");
    REQUIRE(res);
    CHECK(res->status == 405);
    CHECK(res->get_header_value("Allow") == "GET, POST, DELETE");
  }
  SUBCASE("GET without Accept text/event-stream: 406") {
    auto res = c->Get("/mcp", {{"Accept", "application/json"}, {"Mcp-Session-Id", session}});
    REQUIRE(res);
    CHECK(res->status == 406);
  }
  SUBCASE("another path: 404") {
    auto res = c->Post("/other", HttpFixture::headers(session), HttpFixture::request_body(1, "echo"),
                       "application/json");
    REQUIRE(res);
    CHECK(res->status == 404);
  }
  SUBCASE("the same request id twice while the first is in progress: 400") {
    auto slow_client = fx.client();
    auto pending = std::async(std::launch::async, [&] {
      return slow_client->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(77, "never"),
                               "application/json");
    });
    bool rejected = eventually([&] {
      auto res = post(HttpFixture::headers(session), HttpFixture::request_body(77, "echo"));
      return res && res->status == 400;
    });
    CHECK(rejected);
    // Ending the session releases the request that never got an answer.
    auto del = c->Delete("/mcp", HttpFixture::headers(session));
    REQUIRE(del);
    auto never = pending.get();
    REQUIRE(never);
    CHECK(never->status == 404);
  }
}

TEST_CASE("http server: Origin and Host protection (403)") {
  HttpFixture fx;
  auto c = fx.client();
  auto session = fx.initialize(*c);
  REQUIRE_FALSE(session.empty());
  auto headers = HttpFixture::headers(session);

  auto evil_origin = headers;
  evil_origin.emplace("Origin", "http://evil.example.com");
  auto res = c->Post("/mcp", evil_origin, HttpFixture::request_body(1, "echo"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 403);

  auto local_origin = headers;
  local_origin.emplace("Origin", "http://localhost:6274");
  res = c->Post("/mcp", local_origin, HttpFixture::request_body(2, "echo"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);

  auto evil_host = headers;
  evil_host.emplace("Host", "evil.example.com");
  res = c->Post("/mcp", evil_host, HttpFixture::request_body(3, "echo"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 403);
  // Also before any session exists (what the conformance suite probes).
  evil_host = HttpFixture::headers();
  evil_host.emplace("Host", "evil.example.com");
  res = c->Post("/mcp", evil_host, HttpFixture::request_body(4, "initialize"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(fx.server->session_count() == 1);
}

TEST_CASE("http server: body size cap answers 413") {
  StreamableHttpServerOptions options;
  options.max_body_bytes = 1024;
  HttpFixture fx(options);
  auto c = fx.client();
  auto session = fx.initialize(*c);
  REQUIRE_FALSE(session.empty());
  auto res = c->Post("/mcp", HttpFixture::headers(session),
                     HttpFixture::request_body(1, "echo", {{"pad", std::string(4096, 'x')}}), "application/json");
  REQUIRE(res);
  CHECK(res->status == 413);
  // A fresh connection still works.
  auto c2 = fx.client();
  res = c2->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(2, "echo"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("http server: bearer token authentication (401 with WWW-Authenticate)") {
  StreamableHttpServerOptions options;
  options.bearer_token = "s3cret-token-value";
  HttpFixture fx(options);
  auto c = fx.client();
  auto body = HttpFixture::request_body(0, "initialize", {{"protocolVersion", "2025-11-25"}});

  auto res = c->Post("/mcp", HttpFixture::headers(), body, "application/json");
  REQUIRE(res);
  CHECK(res->status == 401);
  CHECK(res->get_header_value("WWW-Authenticate").find("Bearer") == 0);

  auto wrong = HttpFixture::headers();
  wrong.emplace("Authorization", "Bearer not-the-token");
  res = c->Post("/mcp", wrong, body, "application/json");
  REQUIRE(res);
  CHECK(res->status == 401);
  CHECK(res->get_header_value("WWW-Authenticate").find("invalid_token") != std::string::npos);

  auto right = HttpFixture::headers();
  right.emplace("Authorization", "Bearer s3cret-token-value");
  res = c->Post("/mcp", right, body, "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK_FALSE(res->get_header_value("Mcp-Session-Id").empty());
}

TEST_CASE("http server: a request with related notifications switches to SSE with a priming event") {
  HttpFixture fx;
  auto c = fx.client();
  auto session = fx.initialize(*c);
  REQUIRE_FALSE(session.empty());
  auto res = c->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(5, "slow"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/event-stream");
  auto events = parse_sse(res->body);
  REQUIRE(events.size() == 4);
  CHECK(events[0].data.empty());  // priming: an id and empty data
  CHECK_FALSE(events[0].id.empty());
  std::set<std::string> ids;
  for (const auto& event : events) ids.insert(event.id);
  CHECK(ids.size() == 4);  // every event has its own id
  auto first = *parse_json(events[1].data);
  auto second = *parse_json(events[2].data);
  auto last = *parse_json(events[3].data);
  CHECK(first["method"] == "notifications/progress");
  CHECK(first["params"]["progress"] == 1);
  CHECK(second["params"]["progress"] == 2);
  CHECK(last["id"] == 5);
  CHECK(last["result"]["done"] == true);

  // The same connection serves the next request (keep-alive) on the JSON fast path.
  res = c->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(6, "echo"), "application/json");
  REQUIRE(res);
  CHECK(res->get_header_value("Content-Type") == "application/json");
}

TEST_CASE("http server: GET opens the standalone stream, one per session, DELETE ends it and the session") {
  HttpFixture fx;
  auto c = fx.client();
  auto session = fx.initialize(*c);
  REQUIRE_FALSE(session.empty());

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<SseEvent> events;
  int get_status = 0;
  auto stream_client = fx.client();
  // A jthread: a failed REQUIRE below must not leave a joinable std::thread behind (that aborts).
  std::jthread reader([&] {
    SseParser parser([&](SseEvent event) {
      std::lock_guard lock(mutex);
      events.push_back(std::move(event));
      cv.notify_all();
    });
    auto headers = HttpFixture::headers(session);
    headers.erase("Accept");
    headers.emplace("Accept", "text/event-stream");
    auto res = stream_client->Get(
        "/mcp", headers,
        [&](const httplib::Response& response) {
          std::lock_guard lock(mutex);
          get_status = response.status;
          cv.notify_all();
          return true;
        },
        [&](const char* data, size_t size) {
          parser.feed(std::string_view(data, size));
          return true;
        });
  });
  // On an early exit the stream is cut first, so that joining the reader cannot wait for the server.
  struct CutStreamOnExit {
    httplib::Client& client;
    std::jthread& thread;
    ~CutStreamOnExit() {
      if (thread.joinable()) client.stop();
    }
  } cut_stream_on_exit{*stream_client, reader};
  {
    std::unique_lock lock(mutex);
    REQUIRE(cv.wait_for(lock, kPatience, [&] { return !events.empty(); }));  // the priming event
    CHECK(get_status == 200);
  }

  auto second_get_headers = HttpFixture::headers(session);
  second_get_headers.erase("Accept");
  second_get_headers.emplace("Accept", "text/event-stream");
  auto conflict = c->Get("/mcp", second_get_headers);
  REQUIRE(conflict);
  CHECK(conflict->status == 409);

  auto res =
      c->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(9, "broadcast"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(body_json(res)["id"] == 9);
  {
    std::unique_lock lock(mutex);
    REQUIRE(cv.wait_for(lock, kPatience, [&] { return events.size() >= 2; }));
    CHECK(parse_json(events[1].data).value()["method"] == "notifications/tools/list_changed");
  }

  auto del = c->Delete("/mcp", HttpFixture::headers(session));
  REQUIRE(del);
  CHECK(del->status == 200);
  reader.join();  // the stream ended with the session
  auto responder = fx.responder(0);
  REQUIRE(responder);
  CHECK(eventually([&] { return responder->closed.load(); }));

  res = c->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(10, "echo"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 404);
  del = c->Delete("/mcp", HttpFixture::headers(session));
  REQUIRE(del);
  CHECK(del->status == 404);
  CHECK(fx.server->session_count() == 0);
}

TEST_CASE("http server: server-initiated messages without a GET stream are dropped, not fatal") {
  HttpFixture fx;
  auto c = fx.client();
  auto session = fx.initialize(*c);
  auto res =
      c->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(1, "broadcast"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(body_json(res)["result"] == Json::object());
}

TEST_CASE("http server: idle sessions expire (404 afterwards, on_close fired)") {
  StreamableHttpServerOptions options;
  options.session_idle_timeout = std::chrono::seconds(1);
  HttpFixture fx(options);
  auto c = fx.client();
  auto session = fx.initialize(*c);
  REQUIRE_FALSE(session.empty());
  auto responder = fx.responder(0);
  REQUIRE(responder);
  CHECK(eventually([&] { return responder->closed.load(); }));
  auto res = c->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(1, "echo"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK(fx.server->session_count() == 0);
}

TEST_CASE("http server: session cap evicts the least recently used idle session, 503 when all are busy") {
  StreamableHttpServerOptions options;
  options.max_sessions = 2;
  HttpFixture fx(options);
  auto c = fx.client();
  auto first = fx.initialize(*c);
  auto second = fx.initialize(*c);
  REQUIRE_FALSE(first.empty());
  REQUIRE_FALSE(second.empty());
  // Touch the first so the second is the least recently used.
  std::this_thread::sleep_for(5ms);
  REQUIRE(c->Post("/mcp", HttpFixture::headers(first), HttpFixture::request_body(1, "echo"), "application/json"));

  auto third = fx.initialize(*c);
  REQUIRE_FALSE(third.empty());
  CHECK(fx.server->session_count() == 2);
  auto res = c->Post("/mcp", HttpFixture::headers(second), HttpFixture::request_body(2, "echo"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 404);
  res = c->Post("/mcp", HttpFixture::headers(first), HttpFixture::request_body(3, "echo"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);

  // Both live sessions busy with a request that never ends: no room, 503.
  auto busy1 = fx.client();
  auto busy2 = fx.client();
  auto pending1 = std::async(std::launch::async, [&] {
    return busy1->Post("/mcp", HttpFixture::headers(first), HttpFixture::request_body(4, "never"), "application/json");
  });
  auto pending2 = std::async(std::launch::async, [&] {
    return busy2->Post("/mcp", HttpFixture::headers(third), HttpFixture::request_body(5, "never"), "application/json");
  });
  // Give both requests time to reach the server (the loop below copes if they are late).
  std::this_thread::sleep_for(100ms);
  bool refused = eventually([&] {
    auto body = HttpFixture::request_body(0, "initialize", {{"protocolVersion", "2025-11-25"}});
    auto r = c->Post("/mcp", HttpFixture::headers("", ""), body, "application/json");
    if (r && r->status == 200) {
      // Raced ahead of a pending request: end the extra session and retry.
      c->Delete("/mcp", HttpFixture::headers(r->get_header_value("Mcp-Session-Id")));
      return false;
    }
    return r && r->status == 503;
  });
  CHECK(refused);
  REQUIRE(c->Delete("/mcp", HttpFixture::headers(first)));
  REQUIRE(c->Delete("/mcp", HttpFixture::headers(third)));
  CHECK(pending1.get()->status == 404);
  CHECK(pending2.get()->status == 404);
}

TEST_CASE("http server: stop() releases a request that never gets an answer") {
  auto fx = std::make_unique<HttpFixture>();
  auto c = fx->client();
  auto session = fx->initialize(*c);
  REQUIRE_FALSE(session.empty());
  auto waiting = fx->client();
  auto pending = std::async(std::launch::async, [&] {
    return waiting->Post("/mcp", HttpFixture::headers(session), HttpFixture::request_body(1, "never"),
                         "application/json");
  });
  auto responder = fx->responder(0);
  // Wait until the request is inside the server before stopping it.
  std::this_thread::sleep_for(50ms);
  fx->server->stop();
  auto res = pending.get();
  if (res) CHECK((res->status == 503 || res->status == 404));
  CHECK(eventually([&] { return responder->closed.load(); }));
}

TEST_CASE("http server: a client that loses a POST stream resumes it with Last-Event-ID") {
  HttpFixture fx;
  auto c = fx.client();
  auto session = fx.initialize(*c);
  REQUIRE_FALSE(session.empty());

  // Read the stream up to the first progress notification, then hang up.
  std::string first_progress_id;
  std::string priming_retry;
  {
    auto streaming = fx.client();
    SseParser parser([&](SseEvent event) {
      if (!event.data.empty() && first_progress_id.empty()) first_progress_id = event.id;
    });
    httplib::Request req;
    req.method = "POST";
    req.path = "/mcp";
    req.headers = HttpFixture::headers(session);
    req.headers.emplace("Content-Type", "application/json");
    req.body = HttpFixture::request_body(50, "held");
    std::string raw;
    req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
      raw.append(data, size);
      parser.feed(std::string_view(data, size));
      return first_progress_id.empty();  // false: disconnect
    };
    httplib::Response res;
    httplib::Error error;
    streaming->send(req, res, error);
    CHECK(raw.find("retry: 1000") != std::string::npos);  // the priming event announces a retry delay
  }
  REQUIRE_FALSE(first_progress_id.empty());

  // More progress while nobody listens; the server notices the broken connection on a write.
  auto notify = [&](const std::string& method) {
    auto res = c->Post("/mcp", HttpFixture::headers(session), Json{{"jsonrpc", "2.0"}, {"method", method}}.dump(),
                       "application/json");
    REQUIRE(res);
    CHECK(res->status == 202);
  };
  for (int i = 0; i < 4; ++i) {
    notify("test/nudge");
    std::this_thread::sleep_for(20ms);
  }
  notify("test/release");

  auto headers = HttpFixture::headers(session);
  headers.erase("Accept");
  headers.emplace("Accept", "text/event-stream");
  headers.emplace("Last-Event-ID", first_progress_id);
  auto resumed = c->Get("/mcp", headers);
  REQUIRE(resumed);
  CHECK(resumed->status == 200);
  auto events = parse_sse(resumed->body);
  REQUIRE(events.size() >= 2);
  // Every progress after the one we saw, in order, then the answer; the stream then ended.
  std::vector<int> progress;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    auto message = parse_json(events[i].data).value();
    CHECK(message["method"] == "notifications/progress");
    progress.push_back(message["params"]["progress"].get<int>());
    CHECK(events[i].id.substr(0, events[i].id.find('-')) == first_progress_id.substr(0, first_progress_id.find('-')));
  }
  CHECK(progress == std::vector<int>{2, 3, 4, 5});
  auto answer = parse_json(events.back().data).value();
  CHECK(answer["id"] == 50);
  CHECK(answer["result"]["released"] == true);
}
