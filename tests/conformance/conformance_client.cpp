// lh_conformance_client: our lh::mcp::Client as the program under test of the conformance suite's
// client mode. The suite starts its own server for a scenario and runs
//   lh_conformance_client SERVER_URL        with MCP_CONFORMANCE_SCENARIO=<scenario>
// then judges what the client did. Scenarios handled: initialize, tools_call,
// elicitation-sep1034-client-defaults, sse-retry (the OAuth scenarios are out of scope: our client
// authenticates with static headers only).
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "mcp/client.hpp"
#include "transport/http_client.hpp"

namespace {

using lh::mcp::Json;

// An elicitation answer that accepts every default the requested schema offers, as a user who
// just presses "submit" would (SEP-1034).
Json accept_defaults(const Json& params, lh::mcp::RequestContext&) {
  Json content = Json::object();
  const Json& properties = params.value("/requestedSchema/properties"_json_pointer, Json::object());
  for (const auto& [name, schema] : properties.items()) {
    if (schema.is_object() && schema.contains("default")) content[name] = schema["default"];
  }
  return Json{{"action", "accept"}, {"content", content}};
}

std::string text_of(const lh::mcp::ToolResult& result) { return result.joined_text(); }

int run(const std::string& scenario, const std::string& url) {
  lh::mcp::ClientOptions options;
  options.info = {"lh-conformance-client", "0.1.0"};
  options.request_timeout = std::chrono::seconds(20);
  lh::mcp::Client client(
      [url] {
        lh::transport::StreamableHttpClientOptions http;
        http.url = url;
        http.name = "conformance";
        // Servers may send requests outside any POST (the SEP-1034 scenario's server does), as
        // the TypeScript SDK client also listens for.
        http.open_get_stream = true;
        return std::make_shared<lh::transport::StreamableHttpClientTransport>(http);
      },
      options);
  if (scenario == "elicitation-sep1034-client-defaults") client.set_request_handler("elicitation/create", accept_defaults);

  client.connect();
  const auto tools = client.list_tools();
  std::cerr << "connected to " << client.server().info.name << "; " << tools.size() << " tool(s)" << std::endl;
  if (scenario == "tools_call") {
    std::cerr << text_of(client.call_tool("add_numbers", Json{{"a", 5}, {"b", 3}})) << std::endl;
  } else if (scenario == "elicitation-sep1034-client-defaults") {
    std::cerr << text_of(client.call_tool("test_client_elicitation_defaults", Json::object())) << std::endl;
  } else if (scenario == "sse-retry") {
    std::cerr << text_of(client.call_tool("test_reconnection", Json::object())) << std::endl;
  } else if (scenario != "initialize") {
    std::cerr << "lh_conformance_client: scenario '" << scenario << "' is not supported" << std::endl;
    return 2;
  }
  client.close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* scenario = std::getenv("MCP_CONFORMANCE_SCENARIO");
  if (argc != 2 || scenario == nullptr) {
    std::cerr << "usage: MCP_CONFORMANCE_SCENARIO=<scenario> lh_conformance_client SERVER_URL" << std::endl;
    return 2;
  }
  try {
    return run(scenario, argv[1]);
  } catch (const std::exception& error) {
    std::cerr << "lh_conformance_client: " << scenario << ": " << error.what() << std::endl;
    return 1;
  }
}
