#pragma once
// A secops-local backend with a few hand-made events, its tools on an mcp::Server, and a Client linked to
// it in memory: every test goes through tools/call exactly as a remote client would.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "mcp/client.hpp"
#include "mcp/server.hpp"
#include "siem/server.hpp"
#include "transport/in_memory.hpp"
#include "udm/event.hpp"

namespace lh::siem::test {

using Json = nlohmann::json;

inline std::int64_t at(const char* rfc3339) { return *udm::parse_rfc3339_us(rfc3339); }

// The events every test sees (newest last here; results come newest first).
inline void add_sample_events(EventStore& store) {
  std::size_t line = 0;
  auto add = [&](udm::Event event) { store.add_event(event, "sample.jsonl", ++line); };
  add(std::move(udm::Event(at("2020-09-20T10:00:00Z"))
                    .set("metadata.event_type", "USER_LOGIN")
                    .set("metadata.product_event_type", "4624")
                    .set("principal.hostname", "srv01.acme.local")
                    .set("principal.ip", "10.0.0.5")
                    .set("target.user.userid", "alice")
                    .set("extensions.auth.mechanism", "NETWORK")));
  add(std::move(udm::Event(at("2020-09-20T10:00:01Z"))
                    .set("metadata.event_type", "SERVICE_CREATION")
                    .set("metadata.product_event_type", "7045")
                    .set("principal.hostname", "srv01.acme.local")
                    .set("target.application", "PSEXESVC")
                    .set("target.process.file.full_path", "%SystemRoot%\\PSEXESVC.exe")));
  add(std::move(udm::Event(at("2020-09-20T10:00:02Z"))
                    .set("metadata.event_type", "PROCESS_LAUNCH")
                    .set("metadata.product_event_type", "1")
                    .set("principal.hostname", "srv01.acme.local")
                    .set("principal.process.file.full_path", "C:\\Windows\\System32\\services.exe")
                    .set("target.process.file.full_path", "C:\\Windows\\PSEXESVC.exe")
                    .set("principal.user.userid", "NT AUTHORITY\\SYSTEM")));
  add(std::move(udm::Event(at("2020-09-20T10:00:03Z"))
                    .set("metadata.event_type", "PROCESS_LAUNCH")
                    .set("metadata.product_event_type", "1")
                    .set("principal.hostname", "srv01.acme.local")
                    .set("principal.process.file.full_path", "C:\\Windows\\PSEXESVC.exe")
                    .set("target.process.file.full_path", "C:\\Windows\\System32\\cmd.exe")
                    .set("target.process.command_line", "cmd.exe /c whoami")
                    .set("principal.user.userid", "ACME\\alice")));
  add(std::move(udm::Event(at("2020-09-20T10:00:04Z"))
                    .set("metadata.event_type", "NETWORK_CONNECTION")
                    .set("metadata.product_event_type", "3")
                    .set("principal.hostname", "ws07.acme.local")
                    .set("principal.ip", "10.0.0.5")
                    .set("target.ip", "10.0.0.9")
                    .set("target.port", 445)));
  store.finish();
}

// Backend + server + in-memory client. `case_database` defaults to a private in-memory store.
struct ToolFixture {
  std::unique_ptr<SiemBackend> backend;
  std::unique_ptr<mcp::Server> server;
  std::mutex mutex;
  std::vector<std::shared_ptr<mcp::ServerSession>> sessions;
  std::unique_ptr<mcp::Client> client;

  explicit ToolFixture(const std::filesystem::path& case_database = ":memory:", bool with_events = true) {
    backend = std::make_unique<SiemBackend>(case_database);
    if (with_events) add_sample_events(backend->events);
    server = std::make_unique<mcp::Server>(secops_local_server_options());
    add_secops_tools(*server, *backend);
    client = std::make_unique<mcp::Client>([this] {
      auto [server_end, client_end] = transport::make_in_memory_pair();
      std::lock_guard lock(mutex);
      sessions.push_back(server->connect(server_end));
      return client_end;
    });
  }
  ~ToolFixture() {
    client.reset();
    std::lock_guard lock(mutex);
    sessions.clear();
  }

  mcp::ToolResult call(const std::string& name, Json arguments = Json::object()) {
    return client->call_tool(name, std::move(arguments));
  }
  // A dict tool: the text block parsed (and checked against structuredContent when present).
  Json call_json(const std::string& name, Json arguments = Json::object()) {
    const auto result = call(name, std::move(arguments));
    REQUIRE_MESSAGE(!result.is_error, result.joined_text());
    REQUIRE(result.content.size() == 1);
    const Json parsed = Json::parse(result.content[0]["text"].get<std::string>());
    if (result.structured_content) CHECK(*result.structured_content == parsed);
    return parsed;
  }
  std::string call_text(const std::string& name, Json arguments = Json::object()) {
    const auto result = call(name, std::move(arguments));
    REQUIRE_MESSAGE(!result.is_error, result.joined_text());
    REQUIRE(result.content.size() == 1);
    return result.content[0]["text"].get<std::string>();
  }
};

// A fresh file path in the temp folder, removed (with SQLite's side files) when the object dies.
struct TempDatabase {
  std::filesystem::path path;
  TempDatabase() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("lh_siem_server_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".db");
  }
  ~TempDatabase() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path.string() + suffix, ec);
  }
};

inline std::vector<std::string> event_names(const Json& result) {
  std::vector<std::string> out;
  for (const auto& event : result["events"]) out.push_back(event["udm"]["metadata"]["productEventType"].get<std::string>());
  return out;
}

}  // namespace lh::siem::test
