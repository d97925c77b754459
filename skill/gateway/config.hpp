// The gateway's config file: which upstream MCP servers the hunt talks to, in the `mcpServers` format
// MCP clients share (stdio servers: command/args/env/cwd; HTTP servers: url/headers), plus which server
// plays which role, per-role tool renames and per-server limits.
//
// ${VAR} in command, args, env, cwd, url, headers and the string values of "arguments" is replaced from
// the environment ("$${" is a literal "${").
//
// Besides the mcpServers keys every client knows, a server entry may carry "arguments": an object of
// tool arguments the gateway adds to each call of that server's tools whose inputSchema declares them
// and that the call does not set itself, e.g. the tenant ids Google's remote SecOps server wants on
// every call: "arguments": {"project_id": "${PROJECT}", "customer_id": "...", "region": "us"}. Every expanded env and header value is registered with mcp::log::add_secret, so
// tokens never reach a log line; describe() shows those values as "***".
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/client.hpp"

namespace lh::skill::gateway {

// Every message starts with the JSON path of the offending value, e.g.
// "mcpServers.secops.args[2]: must be a string".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StdioServer {
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string cwd;  // empty: the parent's working directory
};

struct HttpServer {
  std::string url;  // http:// or https://
  std::map<std::string, std::string> headers;
};

// "limits": {"<server>": {"concurrency": N, "timeoutMs": N, "attempts": N}}. A read-only call may take up
// to attempts x timeoutMs plus the backoff between attempts; a write is sent once and takes at most timeoutMs.
struct ServerLimits {
  std::size_t concurrency = 4;                 // calls in flight at once
  std::chrono::milliseconds timeout{60000};    // per tool call attempt
  int attempts = 0;                            // read-only calls; 0: GatewayOptions::max_attempts
};

struct ServerConfig {
  std::string name;
  std::variant<StdioServer, HttpServer> launch;
  ServerLimits limits;
  // The entry's "arguments" object (always an object; empty when absent).
  nlohmann::json arguments = nlohmann::json::object();

  bool is_stdio() const { return std::holds_alternative<StdioServer>(launch); }
  const StdioServer& stdio() const { return std::get<StdioServer>(launch); }
  const HttpServer& http() const { return std::get<HttpServer>(launch); }
};

// The roles the hunt needs a server for.
inline constexpr std::string_view kKnownRoles[] = {"cases", "intel", "siem"};

struct GatewayConfig {
  std::map<std::string, ServerConfig> servers;
  // role -> server name (always a key of servers)
  std::map<std::string, std::string> roles;
  // role -> (tool name the hunt uses -> tool name the server has)
  std::map<std::string, std::map<std::string, std::string>> tool_overrides;
  // Things that are allowed but will probably not work (e.g. secops_mcp without its CHRONICLE_* vars).
  std::vector<std::string> warnings;

  // Multi-line summary for logs and reports; env and header values are "***".
  std::string describe() const;
};

// Returns the variable's value, or nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
// Reads this process's environment (getenv).
std::optional<std::string> process_environment(const std::string& name);

// Replaces ${NAME} with its value; "$${" stands for a literal "${"; any other "$" is kept.
// Throws ConfigError("<json_path>: ...") for an unset variable or a malformed reference.
std::string expand_variables(std::string_view text, std::string_view json_path, const EnvironmentLookup& environment);

// Throws ConfigError for anything invalid.
GatewayConfig parse_config(const nlohmann::json& document,
                           const EnvironmentLookup& environment = process_environment);
GatewayConfig parse_config_text(std::string_view text, const EnvironmentLookup& environment = process_environment);
// Error messages for unreadable or non-JSON files start with the file path.
GatewayConfig load_config_file(const std::string& path, const EnvironmentLookup& environment = process_environment);

// A factory for mcp::Client: each call makes a fresh StdioClientTransport (child not started yet)
// or StreamableHttpClientTransport for this server.
mcp::TransportFactory make_transport_factory(const ServerConfig& server);

}  // namespace lh::skill::gateway
