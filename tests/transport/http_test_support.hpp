// A Streamable HTTP server with test responders behind it, and raw-request helpers.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "transport/http_server.hpp"
#include "transport/sse.hpp"

namespace lh::transport::test {

inline const std::string kAcceptBoth = "application/json, text/event-stream";

struct HttpFixture {
  explicit HttpFixture(StreamableHttpServerOptions options = {}) {
    server = std::make_unique<StreamableHttpServer>(
        std::move(options), [this](std::shared_ptr<mcp::Transport> transport) -> std::shared_ptr<void> {
          auto responder = Responder::attach(std::move(transport));
          std::lock_guard lock(mutex);
          responders.push_back(responder);
          return responder;
        });
    server->start();
  }
  ~HttpFixture() { server->stop(); }

  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    c->set_read_timeout(20, 0);
    c->set_keep_alive(true);
    return c;
  }

  static httplib::Headers headers(const std::string& session = "", const std::string& version = "2025-11-25") {
    httplib::Headers h{{"Accept", kAcceptBoth}};
    if (!session.empty()) h.emplace("Mcp-Session-Id", session);
    if (!version.empty()) h.emplace("MCP-Protocol-Version", version);
    return h;
  }

  static std::string request_body(const Json& id, const std::string& method, Json params = Json::object()) {
    return Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}.dump();
  }

  // POSTs initialize and returns the new session id ("" on failure).
  std::string initialize(httplib::Client& c) const {
    auto body = request_body(0, "initialize",
                             {{"protocolVersion", "2025-11-25"},
                              {"capabilities", Json::object()},
                              {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
    auto res = c.Post("/mcp", headers("", ""), body, "application/json");
    if (!res || res->status != 200) return "";
    return res->get_header_value("Mcp-Session-Id");
  }

  std::shared_ptr<Responder> responder(std::size_t index) {
    std::lock_guard lock(mutex);
    return index < responders.size() ? responders[index] : nullptr;
  }

  std::unique_ptr<StreamableHttpServer> server;
  std::mutex mutex;
  std::vector<std::shared_ptr<Responder>> responders;
};

// Runs a hand-written httplib upstream on a thread of its own and stops and joins it when the scope
// ends by any way, a failed REQUIRE included (a joinable std::thread would abort the whole run).
class ServingThread {
 public:
  explicit ServingThread(httplib::Server& server)
      : server_(server), thread_([this] {
          server_.listen_after_bind();
          returned_ = true;
        }) {}
  ~ServingThread() { stop(); }
  ServingThread(const ServingThread&) = delete;
  ServingThread& operator=(const ServingThread&) = delete;

  void stop() {
    if (!thread_.joinable()) return;
    // stop() is ignored until the server runs: wait for that (or for listen to have given up).
    while (!server_.is_running() && !returned_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server_.stop();
    thread_.join();
  }

 private:
  httplib::Server& server_;
  std::atomic<bool> returned_{false};
  std::thread thread_;
};

inline std::vector<SseEvent> parse_sse(const std::string& body) {
  std::vector<SseEvent> events;
  SseParser parser([&](SseEvent event) { events.push_back(std::move(event)); });
  parser.feed(body);
  return events;
}

}  // namespace lh::transport::test
