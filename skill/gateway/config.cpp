#include "skill/gateway/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "mcp/log.hpp"
#include "transport/http_client.hpp"
#include "transport/stdio_client.hpp"

namespace lh::skill::gateway {
namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(std::string_view path, std::string_view problem) {
  throw ConfigError(fmt::format("{}: {}", path, problem));
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

std::string expanded_string(const Json& value, const std::string& path, const EnvironmentLookup& environment) {
  if (!value.is_string()) fail(path, "must be a string");
  return expand_variables(value.get_ref<const std::string&>(), path, environment);
}

std::map<std::string, std::string> expanded_string_map(const Json& value, const std::string& path,
                                                       const EnvironmentLookup& environment) {
  if (!value.is_object()) fail(path, "must be an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& [key, item] : value.items()) {
    std::string expanded = expanded_string(item, path + "." + key, environment);
    // Env values and headers carry tokens and API keys: keep them out of every later log line.
    mcp::log::add_secret(expanded);
    out.emplace(key, std::move(expanded));
  }
  return out;
}

// Tool arguments added to every call; string values (also inside arrays and objects) get ${VAR} expansion.
Json expanded_argument_value(const Json& value, const std::string& path, const EnvironmentLookup& environment) {
  if (value.is_string()) return expand_variables(value.get_ref<const std::string&>(), path, environment);
  if (value.is_array()) {
    Json out = Json::array();
    for (std::size_t i = 0; i < value.size(); ++i) {
      out.push_back(expanded_argument_value(value[i], fmt::format("{}[{}]", path, i), environment));
    }
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, item] : value.items()) out[key] = expanded_argument_value(item, path + "." + key, environment);
    return out;
  }
  return value;
}

Json expanded_arguments(const Json& value, const std::string& path, const EnvironmentLookup& environment) {
  if (!value.is_object()) fail(path, "must be an object of tool arguments");
  return expanded_argument_value(value, path, environment);
}

bool starts_with_http_scheme(std::string_view url) {
  auto lower = std::string(url.substr(0, 8));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0;
}

constexpr std::string_view kSecopsVariables[] = {"CHRONICLE_PROJECT_ID", "CHRONICLE_CUSTOMER_ID", "CHRONICLE_REGION"};

bool mentions_secops_mcp(const StdioServer& server) {
  if (server.command.find("secops_mcp") != std::string::npos) return true;
  return std::any_of(server.args.begin(), server.args.end(),
                     [](const std::string& arg) { return arg.find("secops_mcp") != std::string::npos; });
}

// secops_mcp without its tenant variables quietly uses a built-in tenant and then fails with a
// permission error that does not say why; say it up front.
void warn_about_secops_tenant(const std::string& path, const StdioServer& server, std::vector<std::string>& warnings) {
  if (!mentions_secops_mcp(server)) return;
  for (std::string_view variable : kSecopsVariables) {
    auto found = server.env.find(std::string(variable));
    if (found != server.env.end() && !found->second.empty()) continue;
    warnings.push_back(fmt::format(
        "{}.env.{}: not set; secops_mcp then silently falls back to a built-in tenant and fails with a "
        "permission error",
        path, variable));
  }
}

ServerConfig parse_server(const std::string& name, const Json& entry, const EnvironmentLookup& environment,
                          std::vector<std::string>& warnings) {
  const std::string path = "mcpServers." + name;
  if (!entry.is_object()) fail(path, "must be an object");
  const bool has_command = entry.contains("command");
  const bool has_url = entry.contains("url");
  if (has_command && has_url) fail(path, R"(has both "command" and "url"; use one)");
  if (!has_command && !has_url) fail(path, R"(needs either "command" or "url")");

  static const std::vector<std::string> stdio_keys = {"command", "args", "env", "cwd", "type", "arguments"};
  static const std::vector<std::string> http_keys = {"url", "headers", "type", "arguments"};
  const auto& allowed = has_command ? stdio_keys : http_keys;
  for (const auto& [key, value] : entry.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      warnings.push_back(fmt::format("{}.{}: ignored (not a setting of {} servers)", path, key,
                                     has_command ? "stdio" : "HTTP"));
    }
  }

  ServerConfig server;
  server.name = name;
  if (has_command) {
    StdioServer stdio;
    stdio.command = expanded_string(entry["command"], path + ".command", environment);
    if (stdio.command.empty()) fail(path + ".command", "must not be empty");
    if (entry.contains("args")) {
      const Json& args = entry["args"];
      if (!args.is_array()) fail(path + ".args", "must be an array of strings");
      for (std::size_t i = 0; i < args.size(); ++i) {
        stdio.args.push_back(expanded_string(args[i], fmt::format("{}.args[{}]", path, i), environment));
      }
    }
    if (entry.contains("env")) stdio.env = expanded_string_map(entry["env"], path + ".env", environment);
    if (entry.contains("cwd")) stdio.cwd = expanded_string(entry["cwd"], path + ".cwd", environment);
    warn_about_secops_tenant(path, stdio, warnings);
    server.launch = std::move(stdio);
  } else {
    HttpServer http;
    http.url = expanded_string(entry["url"], path + ".url", environment);
    if (!starts_with_http_scheme(http.url) || http.url.find("://") + 3 >= http.url.size()) {
      fail(path + ".url", "must be an http:// or https:// URL");
    }
    if (entry.contains("headers")) http.headers = expanded_string_map(entry["headers"], path + ".headers", environment);
    server.launch = std::move(http);
  }
  if (entry.contains("arguments")) server.arguments = expanded_arguments(entry["arguments"], path + ".arguments", environment);
  return server;
}

std::string known_roles_text() {
  std::string text;
  for (std::string_view role : kKnownRoles) {
    if (!text.empty()) text += ", ";
    text += role;
  }
  return text;
}

void require_known_role(const std::string& path, const std::string& role) {
  if (std::find(std::begin(kKnownRoles), std::end(kKnownRoles), role) == std::end(kKnownRoles)) {
    fail(path, fmt::format("unknown role (known: {})", known_roles_text()));
  }
}

std::uint64_t positive_integer(const Json& value, const std::string& path) {
  // Parsed text gives positive integers as unsigned; a config built in code may hold them signed.
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > 0) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() > 0) return static_cast<std::uint64_t>(value.get<std::int64_t>());
  fail(path, "must be a positive integer");
}

void parse_limits(const Json& limits, GatewayConfig& config) {
  if (!limits.is_object()) fail("limits", "must be an object");
  for (const auto& [name, entry] : limits.items()) {
    const std::string path = "limits." + name;
    auto server = config.servers.find(name);
    if (server == config.servers.end()) fail(path, "names no server in mcpServers");
    if (!entry.is_object()) fail(path, "must be an object");
    for (const auto& [key, value] : entry.items()) {
      if (key == "concurrency") {
        server->second.limits.concurrency = positive_integer(value, path + ".concurrency");
      } else if (key == "timeoutMs") {
        server->second.limits.timeout = std::chrono::milliseconds(positive_integer(value, path + ".timeoutMs"));
      } else if (key == "attempts") {
        const auto attempts = positive_integer(value, path + ".attempts");
        if (attempts > 10) fail(path + ".attempts", "must be at most 10");
        server->second.limits.attempts = static_cast<int>(attempts);
      } else {
        fail(path + "." + key, "unknown setting (known: concurrency, timeoutMs, attempts)");
      }
    }
  }
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += ' ';
    text += item;
  }
  return text;
}

std::string masked_map(const std::map<std::string, std::string>& values, std::string_view separator) {
  std::string text;
  for (const auto& [key, value] : values) {
    if (!text.empty()) text += ", ";
    text += fmt::format("{}{}***", key, separator);
  }
  return text;
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string expand_variables(std::string_view text, std::string_view json_path, const EnvironmentLookup& environment) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      fail(json_path, R"(unterminated "${" (write "$${" for a literal "${"))");
    }
    const std::string name(text.substr(i + 2, close - i - 2));
    if (name.empty() || !is_name_start(name.front()) || !std::all_of(name.begin(), name.end(), is_name_char)) {
      fail(json_path, fmt::format(R"("${{{}}}" is not a valid variable reference (letters, digits and _))", name));
    }
    auto value = environment(name);
    if (!value) fail(json_path, fmt::format("environment variable {} is not set", name));
    out += *value;
    i = close + 1;
  }
  return out;
}

GatewayConfig parse_config(const Json& document, const EnvironmentLookup& environment) {
  if (!document.is_object()) fail("(root)", "must be a JSON object");
  GatewayConfig config;

  if (!document.contains("mcpServers") || !document["mcpServers"].is_object()) {
    fail("mcpServers", "missing or not an object");
  }
  const Json& servers = document["mcpServers"];
  if (servers.empty()) fail("mcpServers", "names no server");
  for (const auto& [name, entry] : servers.items()) {
    config.servers.emplace(name, parse_server(name, entry, environment, config.warnings));
  }

  if (document.contains("roles")) {
    const Json& roles = document["roles"];
    if (!roles.is_object()) fail("roles", "must be an object");
    for (const auto& [role, server] : roles.items()) {
      const std::string path = "roles." + role;
      require_known_role(path, role);
      if (!server.is_string()) fail(path, "must be a string");
      const auto& server_name = server.get_ref<const std::string&>();
      if (!config.servers.contains(server_name)) {
        fail(path, fmt::format("names server \"{}\", which is not in mcpServers", server_name));
      }
      config.roles.emplace(role, server_name);
    }
  }

  if (document.contains("toolOverrides")) {
    const Json& overrides = document["toolOverrides"];
    if (!overrides.is_object()) fail("toolOverrides", "must be an object");
    for (const auto& [role, renames] : overrides.items()) {
      const std::string path = "toolOverrides." + role;
      require_known_role(path, role);
      if (!renames.is_object()) fail(path, "must be an object of strings");
      auto& target = config.tool_overrides[role];
      for (const auto& [tool, renamed] : renames.items()) {
        if (!renamed.is_string() || renamed.get_ref<const std::string&>().empty()) {
          fail(path + "." + tool, "must be a non-empty string");
        }
        target.emplace(tool, renamed.get<std::string>());
      }
    }
  }

  if (document.contains("limits")) parse_limits(document["limits"], config);
  return config;
}

GatewayConfig parse_config_text(std::string_view text, const EnvironmentLookup& environment) {
  Json document = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    // Parse again for the position-carrying message.
    try {
      document = Json::parse(text);
    } catch (const Json::exception& e) {
      // parse_error, or out_of_range for a number beyond double's range (1e400).
      fail("(root)", fmt::format("not valid JSON: {}", e.what()));
    }
  }
  return parse_config(document, environment);
}

GatewayConfig load_config_file(const std::string& path, const EnvironmentLookup& environment) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConfigError(fmt::format("{}: cannot open the gateway config", path));
  std::ostringstream content;
  content << file.rdbuf();
  try {
    return parse_config_text(content.str(), environment);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", path, e.what()));
  }
}

std::string GatewayConfig::describe() const {
  std::string text;
  for (const auto& [name, server] : servers) {
    if (server.is_stdio()) {
      const auto& stdio = server.stdio();
      text += fmt::format("{}: stdio {}", name, joined([&] {
                            std::vector<std::string> words{stdio.command};
                            words.insert(words.end(), stdio.args.begin(), stdio.args.end());
                            return words;
                          }()));
      if (!stdio.env.empty()) text += fmt::format(" env {{{}}}", masked_map(stdio.env, "="));
      if (!stdio.cwd.empty()) text += fmt::format(" cwd {}", stdio.cwd);
    } else {
      const auto& http = server.http();
      text += fmt::format("{}: http {}", name, http.url);
      if (!http.headers.empty()) text += fmt::format(" headers {{{}}}", masked_map(http.headers, ": "));
    }
    if (!server.arguments.empty()) {
      std::string keys;
      for (const auto& [key, value] : server.arguments.items()) keys += (keys.empty() ? "" : ", ") + key;
      text += fmt::format(" arguments {{{}}}", keys);
    }
    text += fmt::format(" (concurrency {}, timeout {} ms", server.limits.concurrency, server.limits.timeout.count());
    if (server.limits.attempts > 0) text += fmt::format(", {} attempts", server.limits.attempts);
    text += ")\n";
  }
  for (const auto& [role, server] : roles) text += fmt::format("role {} -> {}\n", role, server);
  for (const auto& [role, renames] : tool_overrides) {
    for (const auto& [tool, renamed] : renames) text += fmt::format("role {}: tool {} is {}\n", role, tool, renamed);
  }
  // Args and URLs may hold a token that also appears as a registered secret elsewhere.
  return mcp::log::redact(text);
}

mcp::TransportFactory make_transport_factory(const ServerConfig& server) {
  if (server.is_stdio()) {
    transport::StdioClientOptions options;
    options.name = server.name;
    options.process.command = server.stdio().command;
    options.process.args = server.stdio().args;
    options.process.env = server.stdio().env;
    options.process.working_directory = server.stdio().cwd;
    return [options]() -> std::shared_ptr<mcp::Transport> {
      return std::make_shared<transport::StdioClientTransport>(options);
    };
  }
  transport::StreamableHttpClientOptions options;
  options.name = server.name;
  options.url = server.http().url;
  options.headers = server.http().headers;
  // The gateway limits tool calls itself (with cancellable waits); the headroom keeps tools/list and
  // ping from queueing behind a full set of slow calls.
  options.max_concurrent_requests = std::max<std::size_t>(1, server.limits.concurrency) + 2;
  // A request the client has given up on (its deadline passed) must not keep its connection and worker
  // until the transport's default read timeout (10 minutes): hung calls would soon take every connection
  // the server's limit allows. Silence longer than the call deadline ends the request.
  const auto deadline_seconds = std::chrono::ceil<std::chrono::seconds>(server.limits.timeout);
  options.read_timeout = deadline_seconds + std::chrono::seconds(1);
  return [options]() -> std::shared_ptr<mcp::Transport> {
    return std::make_shared<transport::StreamableHttpClientTransport>(options);
  };
}

}  // namespace lh::skill::gateway
