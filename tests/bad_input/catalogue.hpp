// The bad-input catalogue: one row per bad input, each with the outcome it must get. The same rows run
// against the real server over stdio and over Streamable HTTP.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::test {

using Json = nlohmann::json;

enum class Category {
  wrong_type,
  out_of_range,
  huge,
  invalid_utf8,
  malformed_query,
  injection,
  unknown_technique,
  nonexistent_id,
  missing_field,
  unknown_field,
  empty_string,
  null_value,
  protocol,
};
const char* to_string(Category category);

struct Expect {
  enum class Kind {
    rpc_error,    // a JSON-RPC error with `code`
    tool_error,   // a tool result with isError true
    tool_result,  // a tool result with isError false (a refusal in the tool's own result shape, or a
                  // value that had to stay a value: `check` says how)
    http_status,  // HTTP only: the status `code` (e.g. 413), whatever the body
  };
  Kind kind = Kind::tool_error;
  int code = 0;
  // Each must occur in the error message (rpc_error) or in the result's text (tool results).
  std::vector<std::string> text_has;
  // Extra check of the tool result object; returns "" when it holds, else what was wrong.
  std::function<std::string(const Json& result)> check;
  // What came back must stay below this size (an error must not echo a huge value back).
  std::size_t max_wire_bytes = 256 * 1024;
};

Expect rpc_error(int code, std::vector<std::string> text_has = {});
Expect tool_error(std::vector<std::string> text_has);
Expect tool_result(std::vector<std::string> text_has, std::function<std::string(const Json&)> check = {});
Expect http_status(int status);

enum class Only { both, stdio, http };

struct Row {
  std::string name;
  Category category;
  std::string tool;  // tools/call name; empty for `raw` rows
  Json arguments;    // tools/call arguments (any JSON, so that wrong shapes can be sent)
  // Raw message bytes instead (stdio: one line). "{ID}" is replaced by the request id.
  std::optional<std::string> raw;
  Expect expect;
  Only only = Only::both;
  // The row needs the id of a stored hunt report: "{REPORT}" in string arguments is replaced by it.
  bool needs_report = false;
};

// lateral-hunt serve: the seven hunt tools.
std::vector<Row> lateral_hunt_rows();
// secops-local: the SecOps SIEM, SOAR and intel tools.
std::vector<Row> secops_local_rows();

// The tool result's text blocks joined.
std::string result_text(const Json& result);

}  // namespace lh::test
