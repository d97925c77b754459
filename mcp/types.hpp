// Value types shared by the MCP server and client: protocol versions, implementation info, tool
// results, content blocks, progress and log levels.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/jsonrpc.hpp"

namespace lh::mcp {

// Newest first. The first entry is what we answer to an unknown requested version.
inline constexpr std::array<std::string_view, 4> kSupportedProtocolVersions = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
inline constexpr std::string_view kLatestProtocolVersion = kSupportedProtocolVersions[0];
// What a Streamable HTTP server assumes when the MCP-Protocol-Version header is absent.
inline constexpr std::string_view kDefaultHttpProtocolVersion = "2025-03-26";

bool is_supported_protocol_version(std::string_view version) noexcept;
// The requested version when supported, else kLatestProtocolVersion.
std::string negotiate_protocol_version(std::string_view requested);

// serverInfo / clientInfo.
struct Implementation {
  std::string name{};
  std::string version{};
  std::optional<std::string> title{};
  std::optional<std::string> description{};
  std::optional<std::string> website_url{};
  std::optional<Json> icons{};

  Json to_json() const;
  static Implementation from_json(const Json& json);  // tolerant: missing fields stay empty
};

// MCP (RFC 5424) logging levels, in increasing severity.
enum class LogLevel { debug, info, notice, warning, error, critical, alert, emergency };
std::string_view to_string(LogLevel level) noexcept;
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;

// notifications/progress payload.
struct Progress {
  double progress = 0;
  std::optional<double> total{};
  std::optional<std::string> message{};
};
using ProgressCallback = std::function<void(const Progress&)>;

// Content block builders.
Json text_content(std::string text);
Json image_content(std::string base64_data, std::string mime_type);
Json audio_content(std::string base64_data, std::string mime_type);
// An embedded resource: {"type":"resource","resource":{uri, mimeType, text}}.
Json embedded_text_resource(std::string uri, std::string mime_type, std::string text);
Json resource_link(std::string uri, std::string name, std::optional<std::string> mime_type = std::nullopt);
// One entry of resources/read "contents".
Json text_resource_contents(std::string uri, std::string mime_type, std::string text);
Json blob_resource_contents(std::string uri, std::string mime_type, std::string base64_blob);

// A tools/call result, both what a server handler returns and what the client receives.
struct ToolResult {
  Json content = Json::array();           // content blocks
  std::optional<Json> structured_content{};  // must conform to the tool's outputSchema
  bool is_error = false;
  std::optional<Json> meta{};               // "_meta"

  static ToolResult text(std::string text);
  static ToolResult error(std::string message);  // isError with one text block
  // structuredContent only; the server adds the same JSON as a text block when sending.
  static ToolResult structured(Json structured);

  ToolResult& add(Json content_block);
  ToolResult& add_text(std::string text);

  // Concatenated text of the text blocks (newline-separated); handy in tests and clients.
  std::string joined_text() const;

  Json to_json() const&;
  Json to_json() &&;  // moves the content out
  static ToolResult from_json(Json result);
};

}  // namespace lh::mcp
