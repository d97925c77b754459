#include "skill/gateway/gateway.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "mcp/client.hpp"
#include "mcp/log.hpp"
#include "skill/gateway/argument_adapter.hpp"
#include "skill/gateway/call_limits.hpp"
#include "skill/gateway/payload.hpp"
#include "skill/gateway/tool_routing.hpp"
#include "skill/gateway/transient.hpp"

namespace lh::skill::gateway {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr const char* kLog = "skill.gateway";

// A server that failed at start() is tried again by a call only after this pause, so that a hunt's many
// parallel calls do not each wait for the same failing launch.
constexpr auto kRediscoverAfter = std::chrono::seconds(10);
// How mcp::Client words a reconnect that failed every attempt.
constexpr std::string_view kReconnectFailed = "Could not connect";

std::string_view kind_name(UpstreamError::Kind kind) {
  switch (kind) {
    case UpstreamError::Kind::not_configured: return "not_configured";
    case UpstreamError::Kind::unreachable: return "unreachable";
    case UpstreamError::Kind::timeout: return "timeout";
    case UpstreamError::Kind::cancelled: return "cancelled";
    case UpstreamError::Kind::payload_error: return "payload_error";
    case UpstreamError::Kind::protocol: return "protocol";
  }
  return "error";
}

// "stdio: uvx --from google-secops-mcp secops_mcp" or "http: https://host/mcp"; never env or headers.
std::string launch_text(const ServerConfig& server) {
  if (server.is_stdio()) {
    std::string text = "stdio: " + server.stdio().command;
    for (const auto& arg : server.stdio().args) text += " " + arg;
    return mcp::log::redact(text);
  }
  return mcp::log::redact("http: " + server.http().url);
}

[[noreturn]] void fail(UpstreamError::Kind kind, const std::string& server, const std::string& tool,
                       const std::string& detail) {
  throw UpstreamError(kind, server, tool, detail);
}

// Waits `pause` unless `cancel` is triggered first; returns false when cancelled.
bool pause_unless_cancelled(std::chrono::milliseconds pause, const std::stop_token& cancel) {
  std::mutex mutex;
  std::condition_variable_any never_notified;
  std::unique_lock lock(mutex);
  never_notified.wait_for(lock, cancel, pause, [] { return false; });
  return !cancel.stop_requested();
}

}  // namespace

UpstreamError::UpstreamError(Kind kind, std::string server, std::string tool, const std::string& message)
    : std::runtime_error(mcp::log::redact(fmt::format("skill.gateway.{}: {}", kind_name(kind), message))),
      kind_(kind),
      server_(std::move(server)),
      tool_(std::move(tool)) {}

struct Gateway::Impl {
  struct Upstream {
    ServerConfig config;
    std::vector<std::string> roles;
    std::unique_ptr<mcp::Client> client;
    std::unique_ptr<CallSlots> slots;
    std::mutex discover_mutex;  // one (re)discovery at a time
    std::atomic<bool> tools_stale{false};
    // Guarded by Impl::mutex.
    bool reachable = false;
    bool attempted = false;
    Clock::time_point last_attempt{};
    std::optional<std::string> server_info;
    std::map<std::string, Json> tools;
    std::optional<std::string> error;
    // The config's warnings about this server (e.g. secops_mcp without CHRONICLE_PROJECT_ID), appended
    // to its call failures: the upstream's own message (a permission error) rarely says why.
    std::string config_warnings;
  };

  GatewayConfig config;
  GatewayOptions options;
  std::map<std::string, std::unique_ptr<Upstream>> upstreams;
  mutable std::mutex mutex;  // guards the Upstream discovery fields and routes
  std::map<std::string, RouteDecision, std::less<>> routes;
  std::mutex start_mutex;
  std::condition_variable_any discovery_done;
  std::size_t discovered_count = 0;  // guarded by start_mutex
  std::atomic<bool> started{false};
  std::atomic<std::size_t> calls{0};
  // Declared last: joined (stop requested first) before anything they use is destroyed.
  std::vector<std::jthread> discovery;

  Impl(GatewayConfig config_in, GatewayOptions options_in) : config(std::move(config_in)), options(options_in) {
    for (const auto& [name, server] : config.servers) {
      auto upstream = std::make_unique<Upstream>();
      upstream->config = server;
      for (const auto& [role, role_server] : config.roles) {
        if (role_server == name) upstream->roles.push_back(role);
      }
      mcp::ClientOptions client_options;
      client_options.request_timeout = server.limits.timeout;
      client_options.initialize_timeout = options.connect_timeout;
      upstream->client = std::make_unique<mcp::Client>(make_transport_factory(server), client_options);
      // Runs on the transport's thread: only mark; the next call lists again.
      upstream->client->set_notification_handler(
          "notifications/tools/list_changed",
          [stale = &upstream->tools_stale](const Json&) { stale->store(true); });
      upstream->slots = std::make_unique<CallSlots>(server.limits.concurrency);
      const std::string prefix = "mcpServers." + name + ".";
      for (const auto& warning : config.warnings) {
        if (warning.rfind(prefix, 0) != 0) continue;
        upstream->config_warnings += (upstream->config_warnings.empty() ? "" : "; ") + warning;
      }
      upstreams.emplace(name, std::move(upstream));
    }
  }

  // Connects (the client keeps this one session), lists tools, records the outcome. `wanted` is
  // checked again once this thread has the server's discovery to itself: callers that queued behind a
  // discovery which already did the work return at once.
  void discover(Upstream& upstream, const std::stop_token& cancel, const std::function<bool()>& wanted = {}) {
    std::lock_guard discovering(upstream.discover_mutex);
    if (wanted && !wanted()) return;
    upstream.tools_stale.store(false);
    std::optional<std::string> info;
    std::map<std::string, Json> tools;
    std::optional<std::string> error;
    try {
      upstream.client->connect();
      mcp::CallOptions list_options;
      list_options.timeout = options.connect_timeout;
      list_options.cancel = cancel;
      for (auto& tool : upstream.client->list_tools(list_options)) {
        if (tool.is_object() && tool.contains("name") && tool["name"].is_string()) {
          std::string name = tool["name"].get<std::string>();
          tools.emplace(std::move(name), std::move(tool));
        }
      }
      const auto description = upstream.client->server();
      info = fmt::format("{} {}", description.info.name, description.info.version);
    } catch (const std::exception& e) {
      error = mcp::log::redact(fmt::format("could not be started or reached ({}): {}", launch_text(upstream.config), e.what()));
    }
    {
      std::lock_guard lock(mutex);
      upstream.attempted = true;
      upstream.last_attempt = Clock::now();
      upstream.reachable = !error;
      upstream.error = error;
      if (!error) {
        upstream.server_info = info;
        upstream.tools = std::move(tools);
      }
      compute_routes_locked();
    }
    if (error) {
      mcp::log::warn(kLog, "upstream '{}' {}", upstream.config.name, *error);
    } else {
      mcp::log::info(kLog, "upstream '{}' ({}) connected: {}, {} tools", upstream.config.name,
                     launch_text(upstream.config), info.value_or("?"), upstream_tool_count(upstream));
    }
  }

  std::size_t upstream_tool_count(const Upstream& upstream) const {
    std::lock_guard lock(mutex);
    return upstream.tools.size();
  }

  void compute_routes_locked() {
    std::map<std::string, DiscoveredServer> discovered;
    for (const auto& [name, upstream] : upstreams) {
      DiscoveredServer server;
      server.name = name;
      server.reachable = upstream->reachable;
      server.tools = upstream->tools;
      discovered.emplace(name, std::move(server));
    }
    routes.clear();
    for (std::string_view capability : kCapabilities) {
      routes.emplace(std::string(capability), resolve_route(capability, config, discovered));
    }
  }

  RouteDecision route_for(std::string_view capability) const {
    std::lock_guard lock(mutex);
    if (auto found = routes.find(capability); found != routes.end()) return found->second;
    // Not a capability: a tool name, resolved on demand.
    std::map<std::string, DiscoveredServer> discovered;
    for (const auto& [name, upstream] : upstreams) {
      discovered.emplace(name, DiscoveredServer{name, upstream->reachable, upstream->tools});
    }
    return resolve_route(capability, config, discovered);
  }

  // Connects every server in parallel. A cancelled start returns at once; the connections it began
  // finish in the background (a later start() or call() waits for them) and are joined by ~Impl.
  void start(const std::stop_token& cancel) {
    std::unique_lock lock(start_mutex);
    if (started.load()) return;
    if (discovery.empty()) {
      for (const auto& warning : config.warnings) mcp::log::warn(kLog, "config: {}", warning);
      for (auto& [name, upstream] : upstreams) {
        discovery.emplace_back([this, raw = upstream.get()](std::stop_token stop) {
          discover(*raw, stop);
          {
            std::lock_guard done_lock(start_mutex);
            ++discovered_count;
          }
          discovery_done.notify_all();
        });
      }
    }
    if (!discovery_done.wait(lock, cancel, [this] { return discovered_count == upstreams.size(); })) return;
    {
      std::lock_guard routes_lock(mutex);
      compute_routes_locked();
    }
    started.store(true);
  }

  // The server failed before: try once more when the last attempt is old enough.
  void maybe_rediscover(Upstream& upstream, const std::stop_token& cancel) {
    auto due = [this, &upstream] {
      std::lock_guard lock(mutex);
      return !upstream.reachable && Clock::now() - upstream.last_attempt >= kRediscoverAfter;
    };
    if (due()) discover(upstream, cancel, due);
  }

  // A server announced notifications/tools/list_changed: list its tools again before routing.
  void refresh_stale_tools(const std::stop_token& cancel) {
    for (auto& [name, upstream] : upstreams) {
      if (!upstream->tools_stale.load()) continue;
      Upstream* raw = upstream.get();
      discover(*raw, cancel, [raw] { return raw->tools_stale.load(); });
    }
  }

  void mark_unreachable(Upstream& upstream, const std::string& why) {
    std::lock_guard lock(mutex);
    upstream.reachable = false;
    upstream.error = mcp::log::redact(why);
    upstream.last_attempt = Clock::now();
    compute_routes_locked();
  }

  std::string unreachable_message(const Upstream& upstream, std::string_view capability) const {
    std::lock_guard lock(mutex);
    return fmt::format("upstream '{}' ({}) is unreachable, so {} cannot be called: {}", upstream.config.name,
                       launch_text(upstream.config), capability, upstream.error.value_or("not connected"));
  }

  Json tool_schema(const Upstream& upstream, const std::string& tool) const {
    std::lock_guard lock(mutex);
    auto found = upstream.tools.find(tool);
    if (found == upstream.tools.end()) return Json::object();
    return found->second.value("inputSchema", Json::object());
  }

  CallResult call(std::string_view capability, Json arguments, const CallSettings& settings);
};

CallResult Gateway::Impl::call(std::string_view capability, Json arguments, const CallSettings& settings) {
  const auto began = Clock::now();
  const std::stop_token& cancel = settings.cancel;
  if (cancel.stop_requested()) {
    fail(UpstreamError::Kind::cancelled, "", std::string(capability),
         fmt::format("{} was cancelled before it was sent", capability));
  }

  refresh_stale_tools(cancel);
  RouteDecision decision = route_for(capability);
  if (decision.route && decision.route->unreachable) {
    maybe_rediscover(*upstreams.at(decision.route->server), cancel);
    decision = route_for(capability);
  }
  if (!decision.route) {
    fail(UpstreamError::Kind::not_configured, "", std::string(capability),
         fmt::format("no upstream offers {}: {}", capability, decision.reason));
  }
  Upstream& upstream = *upstreams.at(decision.route->server);
  const std::string& server = upstream.config.name;
  if (decision.route->unreachable) {
    fail(UpstreamError::Kind::unreachable, server, std::string(capability), unreachable_message(upstream, capability));
  }
  const std::string tool = decision.route->tool;
  const std::string where = fmt::format("upstream '{}' tool {}", server, tool);

  const Json schema = tool_schema(upstream, tool);
  AdaptedArguments adapted = adapt_arguments(arguments, schema, upstream.config.arguments);
  // The upstream would only reject it, often with a message that does not say which argument or where
  // it should come from (tenant ids: the server's "arguments" in the config).
  if (const auto missing = missing_required(adapted.arguments, schema); !missing.empty()) {
    std::string names;
    for (const auto& name : missing) names += (names.empty() ? "" : ", ") + name;
    fail(UpstreamError::Kind::protocol, server, tool,
         fmt::format("{} (for {}) requires {}, which the call does not give; values that are the same on every "
                     "call (project_id, customer_id, region) belong in mcpServers.{}.arguments of the gateway config",
                     where, capability, names, server));
  }
  if (!adapted.changes.empty()) {
    std::string changes;
    for (const auto& change : adapted.changes) changes += (changes.empty() ? "" : ", ") + change;
    mcp::log::debug(kLog, "{} (for {}): arguments adapted: {}", where, capability, changes);
  }

  mcp::CallOptions call_options;
  call_options.timeout = settings.timeout.value_or(upstream.config.limits.timeout);
  call_options.cancel = cancel;
  const int configured_attempts =
      upstream.config.limits.attempts > 0 ? upstream.config.limits.attempts : options.max_attempts;
  const int max_attempts = settings.read_only ? std::max(1, configured_attempts) : 1;
  auto backoff = options.first_backoff;

  auto cancelled = [&](int attempt) {
    fail(UpstreamError::Kind::cancelled, server, tool,
         fmt::format("{} was cancelled (attempt {}, after {} ms)", where, attempt,
                     std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began).count()));
  };

  for (int attempt = 1;; ++attempt) {
    UpstreamError::Kind kind = UpstreamError::Kind::protocol;
    std::string detail;
    bool transient = false;
    {
      CallSlots::Held slot = upstream.slots->hold(cancel);
      if (!slot || cancel.stop_requested()) cancelled(attempt);
      calls.fetch_add(1);
      try {
        mcp::ToolResult result = upstream.client->call_tool(tool, adapted.arguments, call_options);
        slot.reset();
        PayloadReading reading = read_payload(result);
        if (!reading.error) {
          CallResult out;
          out.server = server;
          out.tool = tool;
          out.value = std::move(reading.value);
          out.text = std::move(reading.text);
          out.attempts = attempt;
          out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
          return out;
        }
        kind = UpstreamError::Kind::payload_error;
        detail = *reading.error;
        transient = mentions_transient_http_failure(detail);
      } catch (const mcp::McpError& e) {
        if (cancel.stop_requested() || e.code() == mcp::error_code::request_cancelled) cancelled(attempt);
        transient = is_transient(e);
        detail = e.what();
        if (e.code() == mcp::error_code::request_timeout) {
          kind = UpstreamError::Kind::timeout;
        } else if (e.code() == mcp::error_code::connection_closed) {
          kind = UpstreamError::Kind::unreachable;
          detail = fmt::format("{} (connection lost or could not be re-established; {})", e.what(),
                               launch_text(upstream.config));
          if (e.message().rfind(kReconnectFailed, 0) == 0) {
            // The client already tried its connect attempts: further calls fail fast until a later rediscovery.
            mark_unreachable(upstream, detail);
            transient = false;
          }
        } else {
          kind = UpstreamError::Kind::protocol;
        }
      } catch (const std::exception& e) {
        if (cancel.stop_requested()) cancelled(attempt);
        kind = UpstreamError::Kind::unreachable;
        detail = fmt::format("{} ({})", e.what(), launch_text(upstream.config));
        transient = true;
      }
    }
    if (!transient || attempt >= max_attempts) {
      const std::string attempts_text =
          attempt > 1 ? fmt::format(" (after {} attempts)", attempt)
                      : (!settings.read_only && transient ? " (not retried: the call writes)" : "");
      const std::string hint =
          upstream.config_warnings.empty() ? "" : fmt::format(" [config warning: {}]", upstream.config_warnings);
      fail(kind, server, tool,
           fmt::format("{} (for {}) failed{}: {}{}", where, capability, attempts_text, detail, hint));
    }
    mcp::log::info(kLog, "{}: attempt {}/{} failed, retrying in {} ms: {}", where, attempt, max_attempts,
                   backoff.count(), mcp::log::redact(detail));
    if (!pause_unless_cancelled(backoff, cancel)) cancelled(attempt);
    backoff *= 2;
  }
}

Gateway::Gateway(GatewayConfig config, GatewayOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), options)) {}

Gateway::~Gateway() = default;

void Gateway::start(std::stop_token cancel) { impl_->start(cancel); }

bool Gateway::has(std::string_view capability) const {
  const auto decision = impl_->route_for(capability);
  return decision.route && !decision.route->unreachable;
}

std::optional<std::string> Gateway::route(std::string_view capability) const {
  const auto decision = impl_->route_for(capability);
  if (!decision.route || decision.route->unreachable) return std::nullopt;
  return decision.route->server + "/" + decision.route->tool;
}

CallResult Gateway::call(std::string_view capability, nlohmann::json arguments, const CallSettings& settings) {
  if (!impl_->started.load()) impl_->start(settings.cancel);
  return impl_->call(capability, std::move(arguments), settings);
}

std::vector<ServerStatus> Gateway::status() const {
  std::vector<ServerStatus> out;
  std::lock_guard lock(impl_->mutex);
  for (const auto& [name, upstream] : impl_->upstreams) {
    ServerStatus status;
    status.name = name;
    status.transport = upstream->config.is_stdio() ? "stdio" : "http";
    status.roles = upstream->roles;
    status.connected = upstream->reachable;
    status.server_info = upstream->server_info;
    for (const auto& [tool, entry] : upstream->tools) status.tools.push_back(tool);
    status.error = upstream->attempted ? upstream->error : std::optional<std::string>("not started");
    out.push_back(std::move(status));
  }
  return out;
}

std::size_t Gateway::calls_made() const noexcept { return impl_->calls.load(); }

int Gateway::connection_count(std::string_view server) const {
  auto found = impl_->upstreams.find(std::string(server));
  if (found == impl_->upstreams.end()) return 0;
  return found->second->client->connection_count();
}

}  // namespace lh::skill::gateway
