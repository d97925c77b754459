// An MCP server with one quick `echo` tool behind a StreamableHttpServer, in this process: the
// target of the HTTP load test and of bench/bench_http_load.
#pragma once

#include <memory>
#include <string>

#include "mcp/server.hpp"
#include "transport/http_server.hpp"

namespace lh::transport::test {

class EchoHttpServer {
 public:
  explicit EchoHttpServer(StreamableHttpServerOptions options) {
    mcp::Tool tool;
    tool.name = "echo";
    tool.description = "Returns its text argument unchanged.";
    tool.input_schema = {{"type", "object"},
                         {"properties", {{"text", {{"type", "string"}}}}},
                         {"required", mcp::Json::array({"text"})}};
    tool.handler = [](const mcp::Json& arguments, mcp::ToolContext&) {
      return mcp::ToolResult::text(arguments.at("text").get<std::string>());
    };
    tool.quick = true;
    mcp_.add_tool(std::move(tool));
    http_ = std::make_unique<StreamableHttpServer>(std::move(options),
                                                   [this](std::shared_ptr<mcp::Transport> transport) {
                                                     return std::shared_ptr<void>(mcp_.connect(std::move(transport)));
                                                   });
    http_->start();
  }
  ~EchoHttpServer() { http_->stop(); }

  StreamableHttpServer& http() { return *http_; }

 private:
  mcp::Server mcp_;
  std::unique_ptr<StreamableHttpServer> http_;
};

}  // namespace lh::transport::test
