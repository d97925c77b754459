// lh_fault_upstream: a deliberately unreliable MCP upstream for tests. It runs a real secops-local
// behind it and relays every message, so the answers it does give are real, and breaks the
// tools/call requests its rules pick (see fault_plan.hpp):
//
//   lh_fault_upstream [--fault RULE]... [--control FILE] [--state FILE] -- secops-local --data ...
//       stdio: relays JSON lines between its own stdin/stdout and the child's.
//   lh_fault_upstream --http 127.0.0.1:0 --port-file FILE [...] -- secops-local --data ...
//       Streamable HTTP in front of `secops-local ... --http 127.0.0.1:0`.
//
// What each fault does:
//   crash             stdio: kills secops-local and exits at once (the request is never answered);
//                     HTTP: the same (the server is gone until someone restarts it).
//   hang              the request is swallowed and never answered.
//   garbage           non-JSON lines (and a response to an id nobody asked for) before the answer;
//                     over HTTP as SSE events before the real one.
//   error-payload     a successful result whose text is {"error": "...", ...}, as secops-mcp answers.
//   slow=MS           the request reaches secops-local MS milliseconds late.
//   http-404          the session is forgotten: this and every later request carrying it get 404.
//   http-5xx          HTTP 503 instead of an answer.
//   close-mid-stream  secops-local runs the call, but the SSE response is cut inside the result event.
// The http-* faults and close-mid-stream apply over HTTP only; over stdio they relay normally.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/fault_injection/fault_plan.hpp"
#include "transport/line_reader.hpp"
#include "transport/subprocess.hpp"

namespace {

using lh::test::faults::FaultKind;
using lh::test::faults::FaultPlan;
using lh::test::faults::FaultRule;
using Json = nlohmann::json;

void note(const std::string& text) {
  const std::string line = "lh_fault_upstream: " + text + "\n";
  [[maybe_unused]] auto written = ::write(2, line.data(), line.size());
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the reader is gone; nothing left to tell it
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

lh::transport::SubprocessOptions upstream_options(const std::vector<std::string>& command) {
  lh::transport::SubprocessOptions options;
  options.command = command.front();
  options.args.assign(command.begin() + 1, command.end());
  return options;
}

// The answer secops-mcp gives when a tool fails inside: isError false, the failure in the payload.
Json error_payload_response(const Json& id, const std::string& tool) {
  Json payload = {{"error", fmt::format("Error executing {}: permission denied on the Chronicle instance "
                                        "(injected error payload)", tool)}};
  if (tool == "search_udm") payload["events"] = Json::array();
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"result", {{"content", Json::array({{{"type", "text"}, {"text", payload.dump(2)}}})}, {"isError", false}}}};
}

// Lines a misbehaving Python server really prints on stdout, and a response nobody waits for.
const std::vector<std::string> kGarbageLines = {
    "WARNING: Gemini features require opt-in; falling back to raw search",
    "{\"half\": \"a JSON obj",
    "[1, 2, 3]",
    R"({"jsonrpc": "2.0", "id": 987654321, "result": {"content": []}})",
};

std::optional<FaultRule> fault_for(FaultPlan& plan, const Json& message) {
  if (!message.is_object() || message.value("method", "") != "tools/call" || !message.contains("id")) {
    return std::nullopt;
  }
  const Json params = message.value("params", Json::object());
  const std::string tool = params.is_object() ? params.value("name", "") : "";
  try {
    auto rule = plan.on_tool_call(tool);
    if (rule) note(fmt::format("{} on {} (request id {})", lh::test::faults::to_string(rule->kind), tool,
                               message["id"].dump()));
    return rule;
  } catch (const std::exception& e) {
    note(fmt::format("control file: {}", e.what()));
    return std::nullopt;
  }
}

// ---- stdio ---------------------------------------------------------------------------------------

int run_stdio(FaultPlan& plan, const std::vector<std::string>& command) {
  plan.on_process_start();
  std::unique_ptr<lh::transport::Subprocess> child;
  try {
    child = lh::transport::Subprocess::spawn(upstream_options(command));
  } catch (const std::exception& e) {
    note(e.what());
    return 1;
  }
  std::mutex stdout_mutex;
  std::mutex child_stdin_mutex;
  std::atomic<bool> input_ended{false};
  auto to_client = [&](std::string_view line) {
    std::lock_guard lock(stdout_mutex);
    write_all(1, std::string(line) + "\n");
  };
  auto to_child = [&](std::string_view line) {
    std::lock_guard lock(child_stdin_mutex);
    if (child->stdin_fd() >= 0) write_all(child->stdin_fd(), std::string(line) + "\n");
  };

  std::thread answers([&] {
    lh::transport::LineReader reader(child->stdout_fd());
    reader.run([&](std::string_view line) { to_client(line); });
    if (!input_ended.load()) {
      note(fmt::format("secops-local ended on its own ({})", child->describe_status()));
      ::_exit(1);
    }
  });
  std::thread diagnostics([&] {
    lh::transport::LineReader reader(child->stderr_fd());
    reader.run([&](std::string_view line) { write_all(2, std::string(line) + "\n"); });
  });

  lh::transport::LineReader requests(0);
  requests.run([&](std::string_view line) {
    Json message = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (message.is_object() && message.value("method", "") == "initialize") plan.on_initialize();
    const auto rule = fault_for(plan, message);
    if (!rule) return to_child(line);
    switch (rule->kind) {
      case FaultKind::crash:
        child->signal_group(SIGKILL);
        ::_exit(70);
      case FaultKind::hang:
        return;
      case FaultKind::garbage:
        for (const auto& garbage : kGarbageLines) to_client(garbage);
        return to_child(line);
      case FaultKind::error_payload:
        return to_client(error_payload_response(message["id"], message["params"].value("name", "")).dump());
      case FaultKind::slow:
        std::thread([&to_child, request = std::string(line), delay = rule->slow_ms] {
          std::this_thread::sleep_for(std::chrono::milliseconds(delay));
          to_child(request);
        }).detach();
        return;
      case FaultKind::http_404:
      case FaultKind::http_5xx:
      case FaultKind::close_mid_stream:
        return to_child(line);
    }
  });
  input_ended.store(true);
  {
    std::lock_guard lock(child_stdin_mutex);
    child->close_stdin();
  }
  if (!child->wait_for_exit(std::chrono::seconds(5))) child->signal_group(SIGKILL);
  answers.join();
  diagnostics.join();
  // Slow requests may still sleep on detached threads: leave without unwinding them.
  std::fflush(nullptr);
  ::_exit(0);
}

// ---- Streamable HTTP -----------------------------------------------------------------------------

struct UpstreamUrl {
  std::string base;  // "http://127.0.0.1:PORT"
  std::string path;  // "/mcp"
};

std::optional<UpstreamUrl> split_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  const auto path = url.find('/', scheme + 3);
  if (path == std::string::npos) return UpstreamUrl{url, "/"};
  return UpstreamUrl{url.substr(0, path), url.substr(path)};
}

class HttpFront {
 public:
  HttpFront(FaultPlan& plan, UpstreamUrl upstream) : plan_(plan), upstream_(std::move(upstream)) {}

  void handle_post(const httplib::Request& req, httplib::Response& res) {
    const std::string session = req.get_header_value("Mcp-Session-Id");
    if (forgotten(session)) return not_found(res);
    Json message = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (message.is_object() && message.value("method", "") == "initialize") plan_.on_initialize();
    const auto rule = fault_for(plan_, message);
    if (!rule) return forward(req, res);
    switch (rule->kind) {
      case FaultKind::crash:
        note("crash: the HTTP upstream exits");
        std::raise(SIGTERM);
        return not_found(res);
      case FaultKind::hang:
        // Never answered; the thread is let go when the client has long given up or the front stops.
        for (int waited = 0; waited < 120000 && !stopping_.load(); waited += 50) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        res.status = 504;
        return;
      case FaultKind::slow:
        std::this_thread::sleep_for(std::chrono::milliseconds(rule->slow_ms));
        return forward(req, res);
      case FaultKind::error_payload:
        res.set_content(error_payload_response(message["id"], message["params"].value("name", "")).dump(),
                        "application/json");
        return;
      case FaultKind::http_404: {
        std::lock_guard lock(mutex_);
        forgotten_.insert(session);
        return not_found(res);
      }
      case FaultKind::http_5xx:
        res.status = 503;
        res.set_content("upstream overloaded (injected 503)", "text/plain");
        return;
      case FaultKind::garbage: {
        forward(req, res);
        if (res.status != 200) return;
        std::string stream = "data: this is not JSON\n\ndata: {\"half\": \n\n";
        if (res.get_header_value("Content-Type").rfind("text/event-stream", 0) == 0) {
          stream += res.body;
        } else {
          stream += "event: message\ndata: " + res.body + "\n\n";
        }
        res.set_content(stream, "text/event-stream");
        return;
      }
      case FaultKind::close_mid_stream: {
        forward(req, res);  // the upstream did the work; its answer is lost on the way
        const std::string partial = fmt::format(
            ": stream opened\n\nevent: message\ndata: {{\"jsonrpc\": \"2.0\", \"id\": {}, \"resu", message["id"].dump());
        res.body.clear();
        res.status = 200;
        res.set_chunked_content_provider("text/event-stream", [partial](std::size_t, httplib::DataSink& sink) {
          sink.write(partial.data(), partial.size());
          return false;  // aborts the response: the connection closes without the rest
        });
        return;
      }
    }
  }

  void handle_delete(const httplib::Request& req, httplib::Response& res) {
    if (forgotten(req.get_header_value("Mcp-Session-Id"))) return not_found(res);
    httplib::Client client(upstream_.base);
    auto result = client.Delete(upstream_.path.c_str(), relayed_headers(req));
    res.status = result ? result->status : 502;
  }

  void stop() { stopping_.store(true); }

 private:
  bool forgotten(const std::string& session) {
    std::lock_guard lock(mutex_);
    return !session.empty() && forgotten_.count(session) > 0;
  }

  static void not_found(httplib::Response& res) {
    res.status = 404;
    res.set_content("unknown session", "text/plain");
  }

  static httplib::Headers relayed_headers(const httplib::Request& req) {
    httplib::Headers headers;
    for (const char* name : {"Mcp-Session-Id", "MCP-Protocol-Version", "Accept", "Last-Event-ID"}) {
      if (req.has_header(name)) headers.emplace(name, req.get_header_value(name));
    }
    return headers;
  }

  void forward(const httplib::Request& req, httplib::Response& res) {
    httplib::Client client(upstream_.base);
    client.set_read_timeout(120, 0);
    auto result = client.Post(upstream_.path.c_str(), relayed_headers(req), req.body,
                              req.get_header_value("Content-Type").c_str());
    if (!result) {
      res.status = 502;
      res.set_content(fmt::format("secops-local did not answer: {}", httplib::to_string(result.error())), "text/plain");
      return;
    }
    res.status = result->status;
    if (result->has_header("Mcp-Session-Id")) res.set_header("Mcp-Session-Id", result->get_header_value("Mcp-Session-Id"));
    res.set_content(result->body, result->get_header_value("Content-Type").c_str());
  }

  FaultPlan& plan_;
  UpstreamUrl upstream_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::set<std::string> forgotten_;
};

int run_http(FaultPlan& plan, std::vector<std::string> command, const std::string& address,
             const std::string& port_file) {
  plan.on_process_start();
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    note(fmt::format("--http \"{}\": expected HOST:PORT", address));
    return 2;
  }
  const std::string host = address.substr(0, colon);
  const int port = std::atoi(address.c_str() + colon + 1);

  // SIGTERM/SIGINT end the front; blocked before any thread starts so that sigwait gets them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  command.push_back("--http");
  command.push_back("127.0.0.1:0");
  std::unique_ptr<lh::transport::Subprocess> child;
  try {
    child = lh::transport::Subprocess::spawn(upstream_options(command), [](const lh::transport::Subprocess& ended) {
      note(fmt::format("secops-local ended ({})", ended.describe_status()));
      ::kill(::getpid(), SIGTERM);
    });
  } catch (const std::exception& e) {
    note(e.what());
    return 1;
  }
  // secops-local says where it listens on stderr; everything it says is passed on.
  std::mutex url_mutex;
  std::condition_variable url_found;
  std::string upstream_url;
  std::thread diagnostics([&] {
    lh::transport::LineReader reader(child->stderr_fd());
    reader.run([&](std::string_view line) {
      write_all(2, std::string(line) + "\n");
      constexpr std::string_view kListening = "listening on ";
      if (const auto at = line.find(kListening); at != std::string_view::npos) {
        std::lock_guard lock(url_mutex);
        upstream_url = std::string(line.substr(at + kListening.size()));
        url_found.notify_all();
      }
    });
    std::lock_guard lock(url_mutex);
    url_found.notify_all();
  });
  {
    std::unique_lock lock(url_mutex);
    url_found.wait_for(lock, std::chrono::seconds(120), [&] { return !upstream_url.empty() || child->exited(); });
  }
  const auto upstream = split_url(upstream_url);
  if (!upstream) {
    note("secops-local did not say where it listens");
    child->signal_group(SIGKILL);
    diagnostics.join();
    return 1;
  }

  HttpFront front(plan, *upstream);
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.Post(upstream->path, [&front](const httplib::Request& req, httplib::Response& res) { front.handle_post(req, res); });
  server.Delete(upstream->path,
                [&front](const httplib::Request& req, httplib::Response& res) { front.handle_delete(req, res); });
  // No stream for server-initiated messages: secops-local sends none a test needs.
  server.Get(upstream->path, [](const httplib::Request&, httplib::Response& res) { res.status = 405; });
  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    note(fmt::format("cannot listen on {}", address));
    child->signal_group(SIGKILL);
    diagnostics.join();
    return 1;
  }
  std::thread listener([&server] { server.listen_after_bind(); });
  if (!port_file.empty()) {
    std::ofstream out(port_file + ".tmp");
    out << bound << "\n";
    out.close();
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  note(fmt::format("listening on http://{}:{}{} in front of {}", host, bound, upstream->path, upstream_url));

  int received = 0;
  sigwait(&stop_signals, &received);
  front.stop();
  server.stop();
  listener.join();
  child->signal_group(SIGTERM);
  if (!child->wait_for_exit(std::chrono::seconds(5))) child->signal_group(SIGKILL);
  diagnostics.join();
  std::fflush(nullptr);
  ::_exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<FaultRule> rules;
  std::string control_path, state_path, http_address, port_file;
  std::vector<std::string> command;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--") {
        command.assign(argv + i + 1, argv + argc);
        break;
      }
      if (arg == "--fault") {
        rules.push_back(lh::test::faults::parse_rule(value()));
      } else if (arg == "--control") {
        control_path = value();
      } else if (arg == "--state") {
        state_path = value();
      } else if (arg == "--http") {
        http_address = value();
      } else if (arg == "--port-file") {
        port_file = value();
      } else {
        throw std::invalid_argument("unknown option " + arg);
      }
    }
    if (command.empty()) throw std::invalid_argument("no upstream command after --");
  } catch (const std::exception& e) {
    std::cerr << "lh_fault_upstream: " << e.what()
              << "\nusage: lh_fault_upstream [--fault TOOL:KIND@CALLS]... [--control FILE] [--state FILE] "
                 "[--http HOST:PORT --port-file FILE] -- UPSTREAM [ARGS...]\n";
    return 2;
  }
  FaultPlan plan(std::move(rules), control_path, state_path);
  return http_address.empty() ? run_stdio(plan, command) : run_http(plan, command, http_address, port_file);
}
