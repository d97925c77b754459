// Reading a tools/call result the way upstream SecOps servers really answer: most of their failures come
// back with isError false, as an {"error": ...} object, a text starting "Error", or no content at all
// (secops-soar-mcp swallows HTTP failures that way), so the payload has to be inspected, not the flag.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp/types.hpp"

namespace lh::skill::gateway {

struct PayloadReading {
  // structuredContent ({"result": X} unwrapped to X), else the single text block parsed as JSON, else
  // {"text": <all text blocks joined>}.
  nlohmann::json value;
  std::string text;  // all text blocks joined with "\n"
  // Why the answer is a failure, when it is one (already shortened for an error message).
  std::optional<std::string> error;
};

PayloadReading read_payload(const mcp::ToolResult& result);

// True for text whose first word (after leading whitespace) is "error" in any case: "Error: x",
// "ERROR retrieving x", but not "Errors found: 0".
bool starts_with_error_word(std::string_view text);

}  // namespace lh::skill::gateway
