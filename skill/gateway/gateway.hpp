// The hunt's one door to upstream MCP servers. Each configured server gets ONE long-lived mcp::Client
// session (never re-initialized per call; a dead stdio child is restarted by the client's reconnect),
// a limit on calls in flight, per-call deadlines, retries with backoff for read-only calls only, and
// payload-level failure detection ({"error": ...} objects, "Error ..." text, empty content, isError).
//
// Callers ask for a CAPABILITY (the secops-mcp tool name the hunt was written against) and the gateway
// finds the tool: the role's configured tool override first, then the names discovered with tools/list
// (secops-mcp, Google's remote server, secops-local), adapting argument names to the tool's inputSchema.
// The full routing rule (role servers first; a server assigned to no role serves any capability it has
// a tool for; a server with other roles is never borrowed; a non-capability name is a plain tool name)
// is in tool_routing.hpp, the argument rule (renames, dropped names, tenant "arguments" from the
// config) in argument_adapter.hpp, the payload rule in payload.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/config.hpp"

namespace lh::skill::gateway {

// Capabilities and the role that serves them:
//   siem:  search_udm, lookup_entity, get_ioc_matches, get_threat_intel
//   cases: list_cases, get_case_full_details, post_case_comment
//   intel: get_file_report, get_ip_address_report, get_domain_report (get_threat_intel falls back here)
inline constexpr std::string_view kCapabilities[] = {
    "search_udm",    "lookup_entity",         "get_ioc_matches",   "get_threat_intel",      "list_cases",
    "get_case_full_details", "post_case_comment", "get_file_report", "get_ip_address_report", "get_domain_report"};

// Identifier in the message: "skill.gateway.<kind>: ...", and the message always names the server and
// tool (or the capability when no server offers it), e.g.
// "skill.gateway.unreachable: upstream 'secops' (stdio: uvx ...) could not be started: ...".
class UpstreamError : public std::runtime_error {
 public:
  enum class Kind {
    not_configured,  // no server offers the capability
    unreachable,     // connect/initialize failed
    timeout,
    cancelled,
    payload_error,   // the tool answered with an error in its payload or isError
    protocol,        // JSON-RPC error from the server
  };
  UpstreamError(Kind kind, std::string server, std::string tool, const std::string& message);
  Kind kind() const noexcept { return kind_; }
  const std::string& server() const noexcept { return server_; }
  const std::string& tool() const noexcept { return tool_; }

 private:
  Kind kind_;
  std::string server_;
  std::string tool_;
};

struct CallSettings {
  // Read-only calls are retried (transient failures: timeout, connection lost, 5xx, rate limit) with
  // exponential backoff; write calls (post_case_comment) are never retried.
  bool read_only = true;
  std::optional<std::chrono::milliseconds> timeout{};  // default: the server's configured limit
  std::stop_token cancel{};
};

struct CallResult {
  std::string server;  // which upstream answered
  std::string tool;    // the tool name actually called
  // The payload: structuredContent (its "result" member unwrapped when that is the only member), else
  // the JSON parsed from the single text block, else {"text": "<all text blocks joined>"}.
  nlohmann::json value;
  std::string text;    // all text blocks joined with "\n"
  int attempts = 1;
  std::chrono::milliseconds elapsed{0};
};

struct ServerStatus {
  std::string name;
  std::string transport;  // "stdio" or "http"
  std::vector<std::string> roles;
  bool connected = false;
  std::optional<std::string> server_info;  // "name version" from initialize
  std::vector<std::string> tools;          // discovered names
  std::optional<std::string> error;        // why it is not usable
};

struct GatewayOptions {
  int max_attempts = 3;  // read-only calls, unless the server's limits.attempts says otherwise
  std::chrono::milliseconds first_backoff{200};             // doubles per attempt
  std::chrono::milliseconds connect_timeout{30000};
};

class Gateway {
 public:
  explicit Gateway(GatewayConfig config, GatewayOptions options = {});
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Connects every server in parallel, lists its tools and maps capabilities. A server that cannot be
  // reached is recorded in status() (and every capability it would have served throws `unreachable`
  // naming it), never thrown from here. Idempotent.
  void start(std::stop_token cancel = {});

  // Whether some connected server offers the capability (after start()).
  bool has(std::string_view capability) const;
  // "server/tool" that serves the capability, if any.
  std::optional<std::string> route(std::string_view capability) const;

  // Calls the tool behind `capability` with `arguments` written in secops-mcp's argument names (query,
  // hours_back, start_time, end_time, max_events, entity_value, case_id, comment, ...); names the
  // target tool calls differently are renamed from its inputSchema. Thread-safe; blocks while the
  // server's concurrency limit is reached. Throws UpstreamError.
  CallResult call(std::string_view capability, nlohmann::json arguments, const CallSettings& settings = {});

  // One entry per configured server, in name order. `connected`: discovery succeeded and the server
  // was not found gone since (a dead stdio child restarted by the next call stays connected).
  std::vector<ServerStatus> status() const;
  std::size_t calls_made() const noexcept;  // tools/call requests sent, retries included
  // Sessions established with `server` so far (1 while the first session lives; +1 per reconnect,
  // e.g. after a stdio child died); 0 for an unknown or never-connected server.
  int connection_count(std::string_view server) const;

  // The no-config default: secops-local over stdio on `data_paths` (files, folders, .zip, .evtx), as
  // the siem, cases and intel roles (its intel report tools exist only when extra_args carry --iocs).
  // `secops_local` is the executable to run; `extra_args` are appended (--now, --cases, --iocs, ...).
  static GatewayConfig local_config(const std::string& secops_local, const std::vector<std::string>& data_paths,
                                    const std::vector<std::string>& extra_args = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Finds the secops-local executable: $LH_SECOPS_LOCAL, then next to the running executable, then the
// build tree's siem/ folder relative to it, then PATH. Returns "secops-local" when nothing is found.
std::string find_secops_local();

}  // namespace lh::skill::gateway
