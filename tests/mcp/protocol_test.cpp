#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <condition_variable>
#include <thread>
#include <vector>

#include "mcp/protocol.hpp"
#include "support.hpp"
#include "transport/in_memory.hpp"

using lh::mcp::Json;
namespace mcp = lh::mcp;
using mcp::test::Signal;

namespace {

struct Pair {
  std::unique_ptr<mcp::Protocol> left;
  std::unique_ptr<mcp::Protocol> right;

  Pair() {
    auto [a, b] = lh::transport::make_in_memory_pair();
    left = std::make_unique<mcp::Protocol>(mcp::ProtocolOptions{.name = "left"});
    right = std::make_unique<mcp::Protocol>(mcp::ProtocolOptions{.name = "right"});
    a_end = a;
    b_end = b;
  }
  void start() {
    left->connect(a_end);
    right->connect(b_end);
  }
  std::shared_ptr<mcp::Transport> a_end, b_end;
};

// A transport driven by hand: the test calls its handlers from threads of its own.
class ManualTransport final : public mcp::Transport {
 public:
  void start(Handlers handlers) override { handlers_ = std::move(handlers); }
  void send(const Json&, const mcp::SendOptions&) override {}
  void close() override { close_called.set(); }
  Handlers handlers_;
  Signal close_called;
};

}  // namespace

TEST_CASE("responses are matched to requests in any order") {
  // Declared before the pair: a worker may still be inside release_first.wait() when a check fails.
  Signal release_first;
  Pair pair;
  pair.right->set_request_handler("echo", [&](const Json& params, mcp::RequestContext&) {
    if (params["n"] == 0) release_first.wait();
    return Json{{"n", params["n"]}};
  });
  pair.start();

  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  std::vector<Json> results(5);
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, i] {
      results[i] = pair.left->request("echo", Json{{"n", i}});
      ++done;
    });
  }
  // Requests 1..4 complete while request 0 is still held.
  const auto deadline = std::chrono::steady_clock::now() + mcp::test::kWait;
  while (done.load() < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(done.load() == 4);
  release_first.set();
  for (auto& t : threads) t.join();
  for (int i = 0; i < 5; ++i) CHECK(results[i]["n"] == i);
}

TEST_CASE("an unknown method is -32601 and a handler's McpError is passed through") {
  Pair pair;
  pair.right->set_request_handler("fail", [](const Json&, mcp::RequestContext&) -> Json {
    throw mcp::McpError(-32602, "Invalid params: nope", Json{{"field", "x"}});
  });
  pair.right->set_request_handler("crash", [](const Json&, mcp::RequestContext&) -> Json {
    throw std::runtime_error("disk on fire");
  });
  pair.start();
  try {
    pair.left->request("no/such/method");
    FAIL("expected an error");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == -32601);
    CHECK(e.message() == "Method not found: no/such/method");
  }
  try {
    pair.left->request("fail");
    FAIL("expected an error");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == -32602);
    CHECK(e.message() == "Invalid params: nope");
    REQUIRE(e.data().has_value());
    CHECK((*e.data())["field"] == "x");
  }
  try {
    pair.left->request("crash");
    FAIL("expected an error");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == -32603);
    CHECK(e.message() == "Internal error: disk on fire");
  }
}

TEST_CASE("a timeout fails the request and sends notifications/cancelled") {
  // Declared before the pair: when FAIL leaves early, the pair's destructor stops the handler, which sets it.
  Signal handler_stopped;
  Pair pair;
  pair.right->set_request_handler("hang", [&](const Json&, mcp::RequestContext& context) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait(lock, context.stop_token(), [] { return false; });
    handler_stopped.set();
    return Json::object();
  });
  pair.start();
  mcp::RequestOptions options;
  options.timeout = std::chrono::milliseconds(50);
  try {
    pair.left->request("hang", nullptr, options);
    FAIL("expected a timeout");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == mcp::error_code::request_timeout);
    CHECK(std::string(e.what()).find("hang") != std::string::npos);
  }
  CHECK(handler_stopped.wait());
}

TEST_CASE("progress reaches the callback, only increasing, and can extend the deadline") {
  // Declared before the pair, whose transport thread runs the progress callback that fills it.
  std::vector<mcp::Progress> seen;
  Pair pair;
  pair.right->set_request_handler("work", [](const Json&, mcp::RequestContext& context) {
    CHECK(context.progress_token().has_value());
    CHECK(context.progress(1, 4, "one"));
    CHECK_FALSE(context.progress(1));  // not increasing: dropped
    CHECK(context.progress(2));
    context.notify("notifications/progress", Json{{"progressToken", *context.progress_token()}, {"progress", 1.5}});
    CHECK(context.progress(4, 4));
    return Json{{"ok", true}};
  });
  pair.start();
  mcp::RequestOptions options;
  options.on_progress = [&](const mcp::Progress& p) { seen.push_back(p); };
  options.reset_timeout_on_progress = true;
  auto result = pair.left->request("work", Json::object(), options);
  CHECK(result["ok"] == true);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].progress == 1);
  CHECK(seen[0].total == 4);
  CHECK(seen[0].message == "one");
  CHECK(seen[1].progress == 2);
  CHECK(seen[2].progress == 4);
}

TEST_CASE("a request without a progress token sends no progress") {
  Pair pair;
  pair.right->set_request_handler("work", [](const Json&, mcp::RequestContext& context) {
    return Json{{"sent", context.progress(1)}};
  });
  pair.start();
  CHECK(pair.left->request("work")["sent"] == false);
}

TEST_CASE("cancelling through a stop_token stops the peer's handler") {
  // Declared before the pair: when FAIL leaves early, the pair's destructor stops the handler, which sets them.
  Signal started, stopped;
  Pair pair;
  pair.right->set_request_handler("hang", [&](const Json&, mcp::RequestContext& context) {
    started.set();
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait(lock, context.stop_token(), [] { return false; });
    stopped.set();
    return Json::object();
  });
  pair.start();
  std::stop_source stop;
  std::jthread canceller([&] {
    started.wait();
    stop.request_stop();
  });
  mcp::RequestOptions options;
  options.cancel = stop.get_token();
  try {
    pair.left->request("hang", nullptr, options);
    FAIL("expected cancellation");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == mcp::error_code::request_cancelled);
  }
  CHECK(stopped.wait());
}

TEST_CASE("closing the transport fails pending requests with a clear error") {
  // Signals outlive the pair: its threads may still call the handlers while it shuts down.
  Signal started;
  Signal closed;
  Pair pair;
  pair.right->set_request_handler("hang", [&](const Json&, mcp::RequestContext& context) {
    started.set();
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait(lock, context.stop_token(), [] { return false; });
    return Json::object();
  });
  pair.left->set_close_handler([&] { closed.set(); });
  pair.start();
  std::jthread closer([&] {
    started.wait();
    pair.b_end->close();
  });
  try {
    pair.left->request("hang");
    FAIL("expected connection closed");
  } catch (const mcp::McpError& e) {
    CHECK(e.code() == mcp::error_code::connection_closed);
    CHECK(std::string(e.what()).find("Connection closed") == 0);
  }
  CHECK(closed.wait());
  CHECK(pair.left->closed());
  // After close, new requests fail at once instead of hanging.
  CHECK_THROWS_AS(pair.left->request("hang"), mcp::McpError);
}

TEST_CASE("the worker pool grows past its minimum when every thread is busy") {
  // Declared before the pool: its destructor waits for the workers, which still read both.
  Signal release;
  std::atomic<int> running{0};
  auto pool = std::make_shared<mcp::WorkerPool>(1, 8);
  for (int i = 0; i < 4; ++i) {
    pool->post([&] {
      ++running;
      release.wait();
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + mcp::test::kWait;
  while (running.load() < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(running.load() == 4);
  release.set();
}

TEST_CASE("an id with neither method nor result is answered -32600 and a malformed response is not") {
  // Declared before the pair, whose delivery thread writes them until the pair is gone.
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<Json> received;
  auto [raw, engine_end] = lh::transport::make_in_memory_pair();
  mcp::Protocol engine(mcp::ProtocolOptions{.name = "engine"});
  engine.connect(engine_end);

  raw->start({[&](Json message) {
                std::lock_guard lock(mutex);
                received.push_back(std::move(message));
                arrived.notify_all();
              },
              [](const std::string&) {}, [] {}});
  raw->send(Json::parse(R"({"jsonrpc":"2.0","id":3})"));
  raw->send(Json::parse(R"({"jsonrpc":"2.0","id":4,"result":{},"error":{"code":1,"message":"x"}})"));
  raw->send(Json::parse(R"({"jsonrpc":"2.0","id":5,"method":"ping"})"));

  std::unique_lock lock(mutex);
  REQUIRE(arrived.wait_for(lock, std::chrono::seconds(30), [&] {
    return std::any_of(received.begin(), received.end(), [](const Json& m) { return m.value("id", Json()) == 5; });
  }));
  REQUIRE(received.size() == 2);
  CHECK(received[0]["id"] == 3);
  CHECK(received[0]["error"]["code"] == -32600);
  CHECK(received[0]["error"]["message"] ==
        "Invalid Request: message has neither \"method\" nor \"result\"/\"error\"");
  CHECK(received[1]["id"] == 5);
  CHECK(received[1].contains("result"));
}

TEST_CASE("the destructor waits for a close handler running on the transport's thread") {
  // Everything the threads touch is declared before the engine and the threads.
  Signal in_handler;
  Signal destroyed;
  std::atomic<bool> destroyed_under_handler{false};
  auto transport = std::make_shared<ManualTransport>();
  auto engine = std::make_unique<mcp::Protocol>(mcp::ProtocolOptions{.name = "engine"});
  engine->set_close_handler([&] {
    in_handler.set();
    // The destructor has begun once it closed the transport; it must not finish while this runs. The
    // short wait only gives a destructor that does not wait the time to finish; it never delays a pass.
    transport->close_called.wait();
    destroyed_under_handler = destroyed.wait(std::chrono::milliseconds(200));
  });
  engine->connect(transport);
  std::jthread transport_thread([&] { transport->handlers_.on_close(); });
  REQUIRE(in_handler.wait());
  std::jthread destroyer([&] {
    engine.reset();
    destroyed.set();
  });
  destroyer.join();
  transport_thread.join();
  CHECK_FALSE(destroyed_under_handler.load());
}
