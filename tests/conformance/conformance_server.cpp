// lh_conformance_server: our MCP server with the conformance suite's fixtures, over Streamable HTTP
// (default; the suite's only transport) or stdio.
//   lh_conformance_server [--port 0] [--port-file FILE] | --stdio
#include <CLI/CLI.hpp>

#include "mcp/server.hpp"
#include "tests/conformance/fixtures.hpp"
#include "tests/conformance/serve.hpp"

int main(int argc, char** argv) {
  lh::testserver::block_termination_signals();
  CLI::App app{"MCP server exposing the conformance suite's fixtures"};
  lh::testserver::ServeOptions serve_options;
  lh::testserver::add_serve_flags(app, serve_options);
  CLI11_PARSE(app, argc, argv);

  lh::mcp::Server server({.info = {"lh-conformance-server", "0.1.0"}});
  lh::conformance::register_fixture_tools(server);
  lh::conformance::register_fixture_resources(server);
  lh::conformance::register_fixture_prompts(server);
  return lh::testserver::serve(server, serve_options);
}
