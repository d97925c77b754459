// secops-local: serves Google SecOps-compatible MCP tools over logs loaded at start.
//
//   secops-local --data logs/ more.zip [--now 2020-09-20T12:00:00Z] [--cases cases.db] [--iocs iocs.json]
//                [--http 127.0.0.1:8080] [--log-level info] [--export-udm events.jsonl]
//                [--inject-latency-ms N] [--inject-failure TOOL]...
//
// stdio by default (stdout carries only protocol lines); --http serves Streamable HTTP at /mcp.
// The --inject-* options are deliberate faults for tests and benchmarks of MCP clients: a slow upstream
// (every tools/call waits N ms first, ended early by cancellation) and failing tools (answering
// secops-mcp's payload-error shape {"error": "injected failure"}).
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "mcp/client.hpp"
#include "mcp/log.hpp"
#include "siem/server.hpp"
#include "transport/http_server.hpp"
#include "transport/in_memory.hpp"
#include "transport/stdio_server.hpp"

namespace {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Waits up to `timeout_ms` for SIGINT/SIGTERM (blocked in every thread, taken here synchronously).
bool termination_requested(long timeout_ms) {
  const sigset_t set = termination_signals();
  timespec timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  for (;;) {
    if (sigtimedwait(&set, nullptr, &timeout) > 0) return true;
    if (errno != EINTR) return false;
  }
}

struct HttpAddress {
  std::string host;
  int port = 0;
};

// "127.0.0.1:8080", "[::1]:8080", ":8080" (loopback), "8080" (loopback).
std::optional<HttpAddress> parse_http_address(const std::string& text) {
  HttpAddress address{"127.0.0.1", 0};
  std::string port_text = text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    address.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    if (colon > 0) address.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5) {
    return std::nullopt;
  }
  address.port = std::stoi(port_text);
  if (address.port > 65535) return std::nullopt;
  return address;
}

int serve_stdio(lh::mcp::Server& server) {
  auto session = server.connect(std::make_shared<lh::transport::StdioServerTransport>());
  while (!session->closed()) {
    if (termination_requested(100)) break;
  }
  session->close();
  return 0;
}

int serve_http(lh::mcp::Server& server, const HttpAddress& address) {
  lh::transport::StreamableHttpServerOptions options;
  options.host = address.host;
  options.port = address.port;
  lh::transport::StreamableHttpServer http(
      options, [&server](std::shared_ptr<lh::mcp::Transport> transport) -> std::shared_ptr<void> {
        return server.connect(std::move(transport));
      });
  http.start();
  if (address.host != "127.0.0.1" && address.host != "localhost" && address.host != "::1") {
    std::cerr << "secops-local: warning: " << address.host
              << " is not a loopback address; the server has no authentication, so anyone who can reach it can "
                 "read the logs and write cases\n";
  }
  std::cerr << "secops-local: listening on " << http.url() << std::endl;
  while (!termination_requested(1000)) {
  }
  std::cerr << "secops-local: stopping" << std::endl;
  http.stop();
  return 0;
}

struct FaultInjection {
  std::chrono::milliseconds latency{0};
  std::set<std::string> failing_tools;
  bool active() const { return latency.count() > 0 || !failing_tools.empty(); }
};

lh::mcp::ToolAnnotations annotations_from_json(const lh::mcp::Json& json) {
  lh::mcp::ToolAnnotations annotations;
  if (!json.is_object()) return annotations;
  if (json.contains("title") && json["title"].is_string()) annotations.title = json["title"].get<std::string>();
  auto flag = [&json](const char* key) -> std::optional<bool> {
    if (json.contains(key) && json[key].is_boolean()) return json[key].get<bool>();
    return std::nullopt;
  };
  annotations.read_only_hint = flag("readOnlyHint");
  annotations.destructive_hint = flag("destructiveHint");
  annotations.idempotent_hint = flag("idempotentHint");
  annotations.open_world_hint = flag("openWorldHint");
  return annotations;
}

// Waits `pause` unless the call is cancelled first; false when cancelled.
bool pause_unless_cancelled(std::chrono::milliseconds pause, const std::stop_token& cancel) {
  std::mutex mutex;
  std::condition_variable_any never_notified;
  std::unique_lock lock(mutex);
  never_notified.wait_for(lock, cancel, pause, [] { return false; });
  return !cancel.stop_requested();
}

// The real tools stay untouched: a front server lists the same tools (same schemas and annotations) and
// forwards each call over an in-process MCP session, after the injected delay, unless the tool is one of
// the failing ones.
class FaultInjectingFront {
 public:
  FaultInjectingFront(lh::mcp::Server& backend, FaultInjection faults) : front_(front_options()) {
    auto [client_end, server_end] = lh::transport::make_in_memory_pair();
    backend_session_ = backend.connect(server_end);
    lh::mcp::ClientOptions client_options;
    client_options.info = lh::mcp::Implementation{"secops-local-fault-injection", "0.1.0"};
    client_options.request_timeout = std::chrono::hours(1);
    client_options.connect_attempts = 1;
    client_options.worker_threads = 1;
    backend_client_ = std::make_unique<lh::mcp::Client>(
        [transport = client_end]() mutable { return std::exchange(transport, nullptr); }, client_options);
    backend_client_->connect();

    std::set<std::string> unknown = faults.failing_tools;
    for (const auto& listed : backend_client_->list_tools()) {
      const std::string name = listed.value("name", "");
      unknown.erase(name);
      const bool fails = faults.failing_tools.contains(name);
      lh::mcp::Tool tool;
      tool.name = name;
      if (listed.contains("title") && listed["title"].is_string()) tool.title = listed["title"].get<std::string>();
      tool.description = listed.value("description", "");
      tool.input_schema = listed.value("inputSchema", lh::mcp::Json{{"type", "object"}});
      // A failing tool answers with an error payload that its result schema would reject.
      if (!fails && listed.contains("outputSchema")) tool.output_schema = listed["outputSchema"];
      if (listed.contains("annotations")) tool.annotations = annotations_from_json(listed["annotations"]);
      tool.handler = [client = backend_client_.get(), name, fails, latency = faults.latency](
                         const lh::mcp::Json& arguments, lh::mcp::ToolContext& context) -> lh::mcp::ToolResult {
        if (latency.count() > 0 && !pause_unless_cancelled(latency, context.stop_token())) {
          return lh::mcp::ToolResult::error("cancelled");
        }
        if (fails) return lh::mcp::ToolResult::text(lh::mcp::Json{{"error", "injected failure"}}.dump(2));
        lh::mcp::CallOptions options;
        options.cancel = context.stop_token();
        return client->call_tool(name, arguments, options);
      };
      front_.add_tool(std::move(tool));
    }
    for (const auto& name : unknown) {
      std::cerr << "secops-local: warning: --inject-failure " << name << ": no such tool\n";
    }
    if (faults.latency.count() > 0) {
      std::cerr << "secops-local: injecting " << faults.latency.count() << " ms before every tool call\n";
    }
    for (const auto& name : faults.failing_tools) std::cerr << "secops-local: injecting failures into " << name << "\n";
  }

  lh::mcp::Server& server() { return front_; }

 private:
  static lh::mcp::ServerOptions front_options() {
    auto options = lh::siem::secops_local_server_options();
    // Delayed calls hold a worker each while they wait.
    options.max_worker_threads = 512;
    // The backend already checked its structuredContent.
    options.validate_structured_content = false;
    return options;
  }

  std::shared_ptr<lh::mcp::ServerSession> backend_session_;
  std::unique_ptr<lh::mcp::Client> backend_client_;
  lh::mcp::Server front_;
};

int export_udm(const lh::siem::EventStore& events, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) {
    std::cerr << "secops-local: --export-udm: cannot write " << path.string() << std::endl;
    return 1;
  }
  for (std::uint32_t i = 0; i < events.size(); ++i) {
    out << events.event_json(i).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  out.close();
  if (!out) {
    std::cerr << "secops-local: --export-udm: writing " << path.string() << " failed" << std::endl;
    return 1;
  }
  std::cerr << "secops-local: exported " << events.size() << " events to " << path.string() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so that every thread inherits the blocked signals.
  {
    const sigset_t set = termination_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
  }

  CLI::App app{"secops-local: Google SecOps (secops-mcp / secops-soar-mcp) tools over local Windows logs"};
  std::vector<std::string> data;
  std::string now_text, cases_path = ":memory:", iocs_path, http_text, log_level = "info", export_path;
  app.add_option("--data", data, "Log files or folders (JSON lines, JSON arrays, .zip, .evtx)")->required();
  app.add_option("--now", now_text, "The current time for hours_back (RFC 3339); default: the newest event");
  app.add_option("--cases", cases_path, "Case store database (SQLite; created when missing)")->capture_default_str();
  app.add_option("--iocs", iocs_path, "IoC feed for get_ioc_matches (JSON or CSV of type,value,source)");
  app.add_option("--http", http_text, "Serve Streamable HTTP at ADDR (e.g. 127.0.0.1:8080) instead of stdio");
  app.add_option("--log-level", log_level, "debug, info, warn, error or off")->capture_default_str();
  std::size_t max_result_bytes = lh::siem::SiemBackend::kDefaultMaxResultBytes;
  app.add_option("--max-result-bytes", max_result_bytes,
                 "Largest search result text; beyond it the oldest events are dropped (more_data_available)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30));
  app.add_option("--export-udm", export_path, "Write every loaded event as one UDM JSON per line to FILE and exit");
  long inject_latency_ms = 0;
  std::vector<std::string> inject_failures;
  app.add_option("--inject-latency-ms", inject_latency_ms,
                 "Fault injection (tests, benchmarks): every tools/call waits N ms before it is answered")
      ->check(CLI::Range(0L, 3600L * 1000L));
  app.add_option("--inject-failure", inject_failures,
                 "Fault injection (tests): TOOL answers {\"error\": \"injected failure\"} (repeatable)")
      ->allow_extra_args(false);
  CLI11_PARSE(app, argc, argv);

  lh::mcp::log::Level level{};
  if (!lh::mcp::log::parse_level(log_level, level)) {
    std::cerr << "secops-local: --log-level: \"" << log_level << "\" is not one of debug, info, warn, error, off\n";
    return 2;
  }
  lh::mcp::log::set_level(level);

  std::vector<std::filesystem::path> paths;
  for (const auto& item : data) {
    std::error_code ec;
    if (!std::filesystem::exists(item, ec)) {
      std::cerr << "secops-local: --data: " << item << ": no such file or directory\n";
      return 2;
    }
    paths.emplace_back(item);
  }
  std::optional<std::int64_t> now;
  if (!now_text.empty()) {
    now = lh::udm::parse_rfc3339_us(now_text);
    if (!now) {
      std::cerr << "secops-local: --now: \"" << now_text << "\" is not an RFC 3339 time (e.g. 2020-09-20T12:00:00Z)\n";
      return 2;
    }
  }
  std::optional<HttpAddress> http_address;
  if (!http_text.empty()) {
    http_address = parse_http_address(http_text);
    if (!http_address) {
      std::cerr << "secops-local: --http: \"" << http_text << "\" is not HOST:PORT (e.g. 127.0.0.1:8080)\n";
      return 2;
    }
  }

  std::unique_ptr<lh::siem::SiemBackend> backend;
  try {
    if (cases_path != ":memory:") {
      const auto parent = std::filesystem::path(cases_path).parent_path();
      std::error_code ec;
      if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
        std::cerr << "secops-local: --cases: " << cases_path << ": the folder " << parent.string()
                  << " does not exist\n";
        return 2;
      }
    }
    backend = std::make_unique<lh::siem::SiemBackend>(cases_path);
    backend->max_result_bytes = max_result_bytes;
  } catch (const std::exception& error) {
    std::cerr << "secops-local: --cases: " << cases_path << ": " << error.what() << "\n";
    return 2;
  }
  if (!iocs_path.empty()) {
    try {
      backend->iocs = lh::siem::load_ioc_feed(iocs_path);
      std::cerr << "secops-local: IoC feed " << iocs_path << ": " << backend->iocs->entries.size() << " IoCs\n";
    } catch (const std::exception& error) {
      std::cerr << "secops-local: --iocs: " << error.what() << "\n";
      return 2;
    }
  }

  try {
    const auto report = backend->events.load(paths);
    std::cerr << report.summary();
    if (!report.summary().empty() && report.summary().back() != '\n') std::cerr << '\n';
  } catch (const std::exception& error) {
    std::cerr << "secops-local: loading --data failed: " << error.what() << "\n";
    return 1;
  }
  backend->events.set_now_us(now);
  if (backend->events.size() > 0) {
    std::cerr << fmt::format("secops-local: {} events from {} to {}; now = {}\n", backend->events.size(),
                             lh::udm::format_rfc3339(*backend->events.oldest_us()),
                             lh::udm::format_rfc3339(*backend->events.newest_us()),
                             lh::udm::format_rfc3339(backend->events.now_us()));
  } else {
    std::cerr << "secops-local: warning: no events were loaded\n";
  }

  if (!export_path.empty()) return export_udm(backend->events, export_path);

  lh::mcp::Server server(lh::siem::secops_local_server_options());
  lh::siem::add_secops_tools(server, *backend);
  FaultInjection faults;
  faults.latency = std::chrono::milliseconds(inject_latency_ms);
  faults.failing_tools.insert(inject_failures.begin(), inject_failures.end());
  try {
    std::unique_ptr<FaultInjectingFront> front;
    if (faults.active()) front = std::make_unique<FaultInjectingFront>(server, faults);
    lh::mcp::Server& served = front ? front->server() : server;
    return http_address ? serve_http(served, *http_address) : serve_stdio(served);
  } catch (const std::exception& error) {
    std::cerr << "secops-local: " << error.what() << "\n";
    return 1;
  }
}
