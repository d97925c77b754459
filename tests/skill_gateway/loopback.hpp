// Test upstreams: an in-process lh::mcp::Server behind a real loopback Streamable HTTP endpoint (so the
// gateway reaches it through its ordinary HTTP client), and helpers to run the secops-local executable.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/server.hpp"
#include "skill/gateway/config.hpp"
#include "transport/http_server.hpp"

namespace gateway_test {

using Json = nlohmann::json;

struct LoopbackUpstream {
  explicit LoopbackUpstream(std::string server_name = "loopback")
      : server(lh::mcp::ServerOptions{.info = {std::move(server_name), "1.0"}}),
        http(quick_stop_options(), [this](std::shared_ptr<lh::mcp::Transport> transport) -> std::shared_ptr<void> {
          return server.connect(std::move(transport));
        }) {}
  ~LoopbackUpstream() { http.stop(); }

  void start() { http.start(); }

  // stop() waits for idle keep-alive connections to time out: keep that short in tests.
  static lh::transport::StreamableHttpServerOptions quick_stop_options() {
    lh::transport::StreamableHttpServerOptions options;
    options.keep_alive_timeout = std::chrono::seconds(1);
    return options;
  }
  std::string url() const { return http.url(); }

  lh::mcp::Server server;
  lh::transport::StreamableHttpServer http;
};

// {"type": "object", "properties": {name: {"type": <type>}...}}
inline Json object_schema(const std::vector<std::pair<std::string, std::string>>& properties,
                          const std::vector<std::string>& required = {}) {
  Json schema{{"type", "object"}, {"properties", Json::object()}};
  for (const auto& [name, type] : properties) schema["properties"][name] = Json{{"type", type}};
  if (!required.empty()) schema["required"] = required;
  return schema;
}

// A tool that answers with the arguments it received as structuredContent, counting its calls.
inline lh::mcp::Tool echo_tool(std::string name, Json input_schema, std::shared_ptr<std::atomic<int>> calls = {}) {
  lh::mcp::Tool tool;
  tool.name = std::move(name);
  tool.description = "echoes its arguments";
  tool.input_schema = std::move(input_schema);
  tool.handler = [calls](const Json& arguments, lh::mcp::ToolContext&) {
    if (calls) ++*calls;
    return lh::mcp::ToolResult::structured(Json{{"received", arguments}});
  };
  return tool;
}

inline lh::skill::gateway::ServerConfig http_server_config(const std::string& name, const std::string& url) {
  lh::skill::gateway::ServerConfig server;
  server.name = name;
  server.launch = lh::skill::gateway::HttpServer{url, {}};
  return server;
}

}  // namespace gateway_test
