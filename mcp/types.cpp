#include "mcp/types.hpp"

#include <algorithm>

namespace lh::mcp {

bool is_supported_protocol_version(std::string_view version) noexcept {
  return std::find(kSupportedProtocolVersions.begin(), kSupportedProtocolVersions.end(), version) !=
         kSupportedProtocolVersions.end();
}

std::string negotiate_protocol_version(std::string_view requested) {
  return std::string(is_supported_protocol_version(requested) ? requested : kLatestProtocolVersion);
}

Json Implementation::to_json() const {
  Json json = {{"name", name}, {"version", version}};
  if (title) json["title"] = *title;
  if (description) json["description"] = *description;
  if (website_url) json["websiteUrl"] = *website_url;
  if (icons) json["icons"] = *icons;
  return json;
}

Implementation Implementation::from_json(const Json& json) {
  Implementation info;
  if (!json.is_object()) return info;
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = json.find(key);
    if (it == json.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  info.name = text("name").value_or("");
  info.version = text("version").value_or("");
  info.title = text("title");
  info.description = text("description");
  info.website_url = text("websiteUrl");
  if (auto it = json.find("icons"); it != json.end()) info.icons = *it;
  return info;
}

namespace {
constexpr std::array<std::string_view, 8> kLogLevelNames = {"debug", "info",     "notice", "warning",
                                                            "error", "critical", "alert",  "emergency"};
}

std::string_view to_string(LogLevel level) noexcept { return kLogLevelNames[static_cast<std::size_t>(level)]; }

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kLogLevelNames.size(); ++i) {
    if (kLogLevelNames[i] == text) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

Json text_content(std::string text) {
  // Member by member: an initializer list would build and copy a temporary array per member, and
  // this runs for nearly every tool result.
  Json block(Json::value_t::object);
  auto& members = *block.get_ptr<Json::object_t*>();
  members.emplace("text", std::move(text));
  members.emplace("type", "text");
  return block;
}

Json image_content(std::string base64_data, std::string mime_type) {
  return Json{{"type", "image"}, {"data", std::move(base64_data)}, {"mimeType", std::move(mime_type)}};
}

Json audio_content(std::string base64_data, std::string mime_type) {
  return Json{{"type", "audio"}, {"data", std::move(base64_data)}, {"mimeType", std::move(mime_type)}};
}

Json embedded_text_resource(std::string uri, std::string mime_type, std::string text) {
  return Json{{"type", "resource"},
              {"resource", text_resource_contents(std::move(uri), std::move(mime_type), std::move(text))}};
}

Json resource_link(std::string uri, std::string name, std::optional<std::string> mime_type) {
  Json link = {{"type", "resource_link"}, {"uri", std::move(uri)}, {"name", std::move(name)}};
  if (mime_type) link["mimeType"] = std::move(*mime_type);
  return link;
}

Json text_resource_contents(std::string uri, std::string mime_type, std::string text) {
  return Json{{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"text", std::move(text)}};
}

Json blob_resource_contents(std::string uri, std::string mime_type, std::string base64_blob) {
  return Json{{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"blob", std::move(base64_blob)}};
}

ToolResult ToolResult::text(std::string text) {
  ToolResult result;
  result.content.push_back(text_content(std::move(text)));
  return result;
}

ToolResult ToolResult::error(std::string message) {
  ToolResult result = text(std::move(message));
  result.is_error = true;
  return result;
}

ToolResult ToolResult::structured(Json structured) {
  ToolResult result;
  result.structured_content = std::move(structured);
  return result;
}

ToolResult& ToolResult::add(Json content_block) {
  content.push_back(std::move(content_block));
  return *this;
}

ToolResult& ToolResult::add_text(std::string text) { return add(text_content(std::move(text))); }

std::string ToolResult::joined_text() const {
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& block : content) {
    if (!block.is_object()) continue;
    auto type = block.find("type");
    auto text = block.find("text");
    if (type == block.end() || *type != "text" || text == block.end() || !text->is_string()) continue;
    if (!out.empty()) out.push_back('\n');
    out += text->get_ref<const std::string&>();
  }
  return out;
}

Json ToolResult::to_json() const& {
  ToolResult copy = *this;
  return std::move(copy).to_json();
}

Json ToolResult::to_json() && {
  Json result = Json::object();
  result["content"] = content.is_array() ? std::move(content) : Json::array();
  if (structured_content) result["structuredContent"] = std::move(*structured_content);
  if (is_error) result["isError"] = true;
  if (meta) result["_meta"] = std::move(*meta);
  return result;
}

ToolResult ToolResult::from_json(Json result) {
  ToolResult out;
  if (!result.is_object()) return out;
  if (auto it = result.find("content"); it != result.end() && it->is_array()) out.content = std::move(*it);
  if (auto it = result.find("structuredContent"); it != result.end()) out.structured_content = std::move(*it);
  if (auto it = result.find("isError"); it != result.end() && it->is_boolean()) out.is_error = it->get<bool>();
  if (auto it = result.find("_meta"); it != result.end()) out.meta = std::move(*it);
  return out;
}

}  // namespace lh::mcp
