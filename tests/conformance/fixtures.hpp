// The fixtures the official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16)
// expects of a server under test: names, arguments and outputs as its server scenarios state them.
// They belong to this test program only, never to the product's tool list.
#pragma once

#include "mcp/server.hpp"

namespace lh::conformance {

void register_fixture_tools(mcp::Server& server);
void register_fixture_resources(mcp::Server& server);
void register_fixture_prompts(mcp::Server& server);

// A 1x1 red PNG and a 16-sample 8 kHz WAV, base64.
extern const char* const kTinyPngBase64;
extern const char* const kTinyWavBase64;

}  // namespace lh::conformance
