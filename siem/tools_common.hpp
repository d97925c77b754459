#pragma once
// Shared by the tool files: input schemas spelled the way FastMCP renders a Python signature, and
// results in FastMCP's wire shape.
//
// FastMCP (the Python SDK behind secops-mcp and secops-soar-mcp) turns `hours_back: int = 24` into
// {"default": 24, "title": "Hours Back", "type": "integer"}, `x: Optional[str] = None` into
// {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null, "title": "X"}, `x: str = None` into
// {"default": null, "title": "X", "type": "string"}, and lists parameters without a default in "required".
// A dict return value becomes one text block of JSON indented by 2 (plus structuredContent when the
// function is annotated `-> Dict[str, Any]`/`-> dict`); a str return value becomes one text block.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/server.hpp"

namespace lh::siem::tools {

using Json = nlohmann::json;

class Signature {
 public:
  explicit Signature(std::string tool_name) : tool_name_(std::move(tool_name)) {}

  // `name: str` (required).
  Signature& required_string(std::string_view name, std::string_view description = {});
  // `name: List[str]` (required).
  Signature& required_string_list(std::string_view name, std::string_view description = {});
  // `name: str` (required) restricted to `values` (json_schema_extra enum).
  Signature& required_enum(std::string_view name, const std::vector<std::string>& values,
                           std::string_view description = {});
  // `name: int = value`.
  Signature& integer(std::string_view name, std::int64_t value, std::string_view description = {});
  // `name: bool = value`.
  Signature& boolean(std::string_view name, bool value, std::string_view description = {});
  // `name: str = "value"`.
  Signature& string_default(std::string_view name, std::string_view value, std::string_view description = {});
  // `name: str = None` (a str annotation with a None default: null is not a valid value).
  Signature& string_none(std::string_view name, std::string_view description = {});
  // `name: Optional[T] = None` for T in string, integer, boolean, List[str].
  Signature& optional_string(std::string_view name, std::string_view description = {});
  Signature& optional_integer(std::string_view name, std::string_view description = {});
  Signature& optional_boolean(std::string_view name, std::string_view description = {});
  Signature& optional_string_list(std::string_view name, std::string_view description = {});
  // project_id, customer_id, region as `Optional[str] = None` (ignored: one local tenant).
  Signature& tenant_optional();
  // ... or as `str = None`, the way some upstream tools declare them.
  Signature& tenant_str_none();

  Json schema() const;

 private:
  Signature& add(std::string_view name, Json property, bool required, std::string_view description);

  std::string tool_name_;
  Json properties_ = Json::object();
  std::vector<std::string> required_;
};

// "hours_back" -> "Hours Back" (pydantic's default field title).
std::string title_of(std::string_view name);

// outputSchema of a function annotated `-> Dict[str, Any]` / `-> dict`.
Json dict_output_schema(std::string_view tool_name);

// A dict result: pretty JSON text block (+ structuredContent when `structured`).
mcp::ToolResult dict_result(Json dict, bool structured);
// A str result: one text block.
mcp::ToolResult text_result(std::string text);

// Argument readers (the input schema has already been checked by the server).
std::optional<std::string> optional_string(const Json& arguments, std::string_view name);
std::string string_or(const Json& arguments, std::string_view name, std::string fallback);
std::int64_t integer_or(const Json& arguments, std::string_view name, std::int64_t fallback);
std::optional<std::int64_t> optional_integer(const Json& arguments, std::string_view name);
std::optional<bool> optional_boolean(const Json& arguments, std::string_view name);
std::vector<std::string> string_list(const Json& arguments, std::string_view name);

// Registers `tool` with its handler guarded: an argument the input schema does not declare is refused
// (isError naming the argument and the ones the tool takes) instead of being silently ignored, so a
// misspelt max_events cannot quietly turn into the default. The tenant arguments (project_id,
// customer_id, region) are accepted by every tool. FastMCP's schemas leave
// additionalProperties open, so the listed schema stays as upstream renders it.
void add_tool(mcp::Server& server, mcp::Tool tool);

// Largest hours_back any tool accepts: a century, far beyond any log, small enough that hours in
// microseconds stay inside a 64-bit clock.
inline constexpr std::int64_t kMaxHoursBack = 24 * 366 * 100;
// "<what>: hours_back must be 1-878400, got N" when out of range, else nullopt.
std::optional<std::string> hours_back_problem(std::string_view what, std::int64_t hours_back);

// Annotations: local data only, so openWorldHint is false everywhere.
mcp::ToolAnnotations read_only_annotations(std::string title);
mcp::ToolAnnotations write_annotations(std::string title, bool destructive, bool idempotent);

// ASCII lower case.
std::string lower(std::string_view text);

}  // namespace lh::siem::tools
