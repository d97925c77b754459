// HTTP abuse and load against a Streamable HTTP server with an `echo` tool: many MCP sessions,
// each on its own keep-alive connection, call tools/call in a closed loop while another thread
// keeps sending what must be refused (slow half-sent requests, wrong bearer tokens, bad Origin and
// Host, oversized bodies) and opens extra sessions against the session cap. Used by the
// lh_http_load_test ctest and by bench/bench_http_load (which prints the figures).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.hpp"

namespace lh::transport::test {

struct LoadPlan {
  int port = 0;
  std::size_t sessions = 64;
  std::size_t calls_per_session = 10000;
  std::string bearer_token;        // sent by the load sessions; the abuse sends a wrong one
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_sessions = 0;    // the server's cap, checked against session_count()
  std::function<std::size_t()> session_count;
  bool abuse = true;
  std::size_t slow_connections_per_round = 4;
};

struct LoadReport {
  std::size_t calls = 0;
  std::size_t errors = 0;
  std::string first_error;
  double seconds = 0;
  double p50_us = 0;
  double p99_us = 0;
  std::size_t rss_warm_kb = 0;
  std::size_t rss_end_kb = 0;
  // Abuse, each answered as it must be.
  std::size_t slow_408 = 0;
  std::size_t bearer_401 = 0;
  std::size_t origin_403 = 0;
  std::size_t host_403 = 0;
  std::size_t oversized_413 = 0;
  std::size_t extra_sessions = 0;     // initialize beyond the load's sessions: 200 (evicting) or 503
  std::size_t max_sessions_seen = 0;
  std::size_t abuse_wrong = 0;        // abuse answered otherwise
  std::string first_abuse_wrong;
};

inline std::size_t resident_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return static_cast<std::size_t>(std::stoull(line.substr(6)));
  }
  return 0;
}

inline std::string load_request(const std::string& body, const std::string& session, const std::string& bearer,
                                 const std::string& host = "127.0.0.1", const std::string& extra = "") {
  std::string request = "POST /mcp HTTP/1.1\r\nHost: " + host +
                        "\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\n";
  if (!session.empty()) request += "Mcp-Session-Id: " + session + "\r\nMCP-Protocol-Version: 2025-11-25\r\n";
  if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
  request += extra;
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  return request;
}

inline const std::string& initialize_body() {
  static const std::string body =
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
      R"("capabilities":{},"clientInfo":{"name":"load","version":"1"}}})";
  return body;
}

class LoadRun {
 public:
  explicit LoadRun(LoadPlan plan) : plan_(std::move(plan)) {}

  LoadReport run() {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::vector<float>> latencies(plan_.sessions);
    std::vector<std::thread> sessions;
    for (std::size_t i = 0; i < plan_.sessions; ++i) {
      sessions.emplace_back([this, i, &latencies] { session_loop(latencies[i]); });
    }
    std::thread abuse;
    if (plan_.abuse) abuse = std::thread([this] { abuse_loop(); });
    const std::size_t total = plan_.sessions * plan_.calls_per_session;
    while (done_sessions_.load() < plan_.sessions) {
      if (report_.rss_warm_kb == 0 && completed_.load() >= total / 5) report_.rss_warm_kb = resident_kb();
      sample_sessions();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (auto& thread : sessions) thread.join();
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    load_done_ = true;
    if (abuse.joinable()) abuse.join();
    report_.rss_end_kb = resident_kb();
    if (report_.rss_warm_kb == 0) report_.rss_warm_kb = report_.rss_end_kb;

    std::vector<float> all;
    for (auto& part : latencies) all.insert(all.end(), part.begin(), part.end());
    std::sort(all.begin(), all.end());
    auto percentile = [&](double fraction) {
      if (all.empty()) return 0.0;
      auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(all.size())));
      return static_cast<double>(all[std::min(all.size() - 1, rank == 0 ? 0 : rank - 1)]);
    };
    report_.p50_us = percentile(0.5);
    report_.p99_us = percentile(0.99);
    report_.calls = completed_.load();
    report_.errors = errors_.load();
    return report_;
  }

 private:
  void error(const std::string& what) {
    ++errors_;
    std::lock_guard lock(mutex_);
    if (report_.first_error.empty()) report_.first_error = what;
  }

  void wrong(const std::string& what) {
    std::lock_guard lock(mutex_);
    ++report_.abuse_wrong;
    if (report_.first_abuse_wrong.empty()) report_.first_abuse_wrong = what;
  }

  void count(std::size_t LoadReport::*field) {
    std::lock_guard lock(mutex_);
    ++(report_.*field);
  }

  void sample_sessions() {
    if (!plan_.session_count) return;
    auto live = plan_.session_count();
    std::lock_guard lock(mutex_);
    report_.max_sessions_seen = std::max(report_.max_sessions_seen, live);
  }

  // Opens a connection and an MCP session on it; "" on failure.
  std::string open_session(std::unique_ptr<RawConnection>& connection) {
    connection = std::make_unique<RawConnection>(plan_.port);
    if (!connection->connected() || !connection->send(load_request(initialize_body(), "", plan_.bearer_token))) {
      return "";
    }
    auto response = connection->read_response();
    if (!response || response->status != 200) return "";
    auto session = response->header("mcp-session-id");
    connection->send(load_request(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session,
                                  plan_.bearer_token));
    auto accepted = connection->read_response();
    if (!accepted || accepted->status != 202) return "";
    return session;
  }

  void session_loop(std::vector<float>& latencies) {
    latencies.reserve(plan_.calls_per_session);
    std::unique_ptr<RawConnection> connection;
    auto session = open_session(connection);
    if (session.empty()) {
      error("could not open a session");
      errors_ += plan_.calls_per_session - 1;
      ++done_sessions_;
      return;
    }
    for (std::size_t call = 1; call <= plan_.calls_per_session; ++call) {
      auto id = std::to_string(call);
      auto body = R"({"jsonrpc":"2.0","id":)" + id +
                  R"(,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}})";
      auto sent_at = std::chrono::steady_clock::now();
      if (!connection->send(load_request(body, session, plan_.bearer_token))) {
        error("send failed");
        connection = std::make_unique<RawConnection>(plan_.port);
        continue;
      }
      auto response = connection->read_response();
      auto elapsed = std::chrono::duration<float, std::micro>(std::chrono::steady_clock::now() - sent_at).count();
      ++completed_;
      if (!response) {
        error("no response to call " + id + " (connection closed or timed out)");
        connection = std::make_unique<RawConnection>(plan_.port);
        continue;
      }
      latencies.push_back(elapsed);
      if (response->status != 200 || response->body.find(R"("id":)" + id + ",") == std::string::npos ||
          response->body.find(R"("text":"hello")") == std::string::npos ||
          response->body.find(R"("isError":true)") != std::string::npos) {
        error("call " + id + ": HTTP " + std::to_string(response->status) + " " + response->body.substr(0, 200));
      }
    }
    ++done_sessions_;
  }

  void expect(RawConnection& connection, const std::string& request, int status, std::size_t LoadReport::*field,
              const std::string& what) {
    if (!connection.send(request)) {
      wrong(what + ": send failed");
      return;
    }
    auto response = connection.read_response();
    if (!response || response->status != status) {
      wrong(what + ": got " + (response ? std::to_string(response->status) : std::string("no response")));
      return;
    }
    count(field);
  }

  void abuse_loop() {
    const std::string call = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";
    while (!load_done_.load()) {
      // Half-sent requests: a head that never ends, and a body that never completes.
      std::vector<std::unique_ptr<RawConnection>> slow;
      for (std::size_t i = 0; i < plan_.slow_connections_per_round; ++i) {
        auto connection = std::make_unique<RawConnection>(plan_.port);
        if (i % 2 == 0) {
          connection->send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: applic");
        } else {
          connection->send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"");
        }
        slow.push_back(std::move(connection));
      }
      {
        RawConnection connection(plan_.port);
        expect(connection, load_request(initialize_body(), "", "not-the-token"), 401, &LoadReport::bearer_401,
               "wrong bearer token");
      }
      {
        RawConnection connection(plan_.port);
        expect(connection,
               load_request(initialize_body(), "", plan_.bearer_token, "127.0.0.1",
                            "Origin: http://evil.example.com\r\n"),
               403, &LoadReport::origin_403, "bad Origin");
      }
      {
        RawConnection connection(plan_.port);
        expect(connection, load_request(initialize_body(), "", plan_.bearer_token, "evil.example.com"), 403,
               &LoadReport::host_403, "bad Host");
      }
      {
        RawConnection connection(plan_.port);
        std::string oversized = load_request(call, "", plan_.bearer_token);
        auto length_at = oversized.find("Content-Length: ");
        oversized = oversized.substr(0, length_at) + "Content-Length: " + std::to_string(plan_.max_body_bytes + 1) +
                    "\r\n\r\n" + std::string(4096, 'x');
        expect(connection, oversized, 413, &LoadReport::oversized_413, "oversized body");
      }
      {
        RawConnection connection(plan_.port);
        if (connection.send(load_request(initialize_body(), "", plan_.bearer_token))) {
          auto response = connection.read_response();
          if (response && (response->status == 200 || response->status == 503)) {
            count(&LoadReport::extra_sessions);
          } else {
            wrong("extra session: got " + (response ? std::to_string(response->status) : std::string("no response")));
          }
        }
        sample_sessions();
      }
      for (auto& connection : slow) {
        auto response = connection->read_response();
        if (response && response->status == 408) {
          count(&LoadReport::slow_408);
        } else {
          wrong("slow sender: got " + (response ? std::to_string(response->status) : std::string("no response")));
        }
      }
    }
  }

  LoadPlan plan_;
  LoadReport report_;
  std::mutex mutex_;
  std::atomic<std::size_t> completed_{0};
  std::atomic<std::size_t> errors_{0};
  std::atomic<std::size_t> done_sessions_{0};
  std::atomic<bool> load_done_{false};
};

}  // namespace lh::transport::test
