#include "mcp/server.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "mcp/log.hpp"
#include "mcp/schema_check.hpp"

namespace lh::mcp {

namespace {

McpError invalid_params(std::string detail) {
  return McpError(error_code::invalid_params, fmt::format("{}: {}", standard_message(error_code::invalid_params), detail));
}

bool valid_tool_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

const Json& member_or_null(const Json& object, std::string_view key) {
  static const Json null_value;
  if (!object.is_object()) return null_value;
  const auto& members = *object.get_ptr<const Json::object_t*>();
  auto it = members.find(key);
  return it == members.end() ? null_value : it->second;
}

// Opaque pagination cursors: "p" + the offset of the next item.
std::string make_cursor(std::size_t offset) { return fmt::format("p{}", offset); }

std::size_t parse_cursor(const Json& params, std::size_t size) {
  const Json& cursor = member_or_null(params, "cursor");
  if (cursor.is_null()) return 0;
  if (!cursor.is_string()) throw invalid_params("cursor must be a string");
  const auto& text = cursor.get_ref<const std::string&>();
  std::size_t offset = 0;
  if (text.size() < 2 || text[0] != 'p' ||
      std::from_chars(text.data() + 1, text.data() + text.size(), offset).ptr != text.data() + text.size() ||
      offset > size) {
    throw invalid_params(fmt::format("invalid cursor \"{}\"", text));
  }
  return offset;
}

template <typename Items, typename ToJson>
Json paginate(const Items& items, const Json& params, std::size_t page_size, const char* key, ToJson to_json) {
  const std::size_t offset = parse_cursor(params, items.size());
  const std::size_t end = std::min(items.size(), offset + std::max<std::size_t>(1, page_size));
  Json list = Json::array();
  for (std::size_t i = offset; i < end; ++i) list.push_back(to_json(items[i]));
  Json result = {{key, std::move(list)}};
  if (end < items.size()) result["nextCursor"] = make_cursor(end);
  return result;
}

template <typename T, typename Key>
bool erase_by(std::vector<std::shared_ptr<const T>>& items, Key key) {
  auto it = std::find_if(items.begin(), items.end(), key);
  if (it == items.end()) return false;
  items.erase(it);
  return true;
}

}  // namespace

// ------------------------------------------------------------------ value types

Json ToolAnnotations::to_json() const {
  Json json = Json::object();
  if (title) json["title"] = *title;
  if (read_only_hint) json["readOnlyHint"] = *read_only_hint;
  if (destructive_hint) json["destructiveHint"] = *destructive_hint;
  if (idempotent_hint) json["idempotentHint"] = *idempotent_hint;
  if (open_world_hint) json["openWorldHint"] = *open_world_hint;
  return json;
}

Json Tool::to_json() const {
  Json json = {{"name", name}};
  if (title) json["title"] = *title;
  json["description"] = description;
  json["inputSchema"] = input_schema;
  if (output_schema) json["outputSchema"] = *output_schema;
  if (Json hints = annotations.to_json(); !hints.empty()) json["annotations"] = std::move(hints);
  if (icons) json["icons"] = *icons;
  if (meta) json["_meta"] = *meta;
  return json;
}

Json Prompt::to_json() const {
  Json json = {{"name", name}};
  if (title) json["title"] = *title;
  if (description) json["description"] = *description;
  if (!arguments.empty()) {
    Json list = Json::array();
    for (const auto& argument : arguments) {
      Json entry = {{"name", argument.name}};
      if (argument.title) entry["title"] = *argument.title;
      if (argument.description) entry["description"] = *argument.description;
      entry["required"] = argument.required;
      list.push_back(std::move(entry));
    }
    json["arguments"] = std::move(list);
  }
  if (icons) json["icons"] = *icons;
  return json;
}

Json Resource::to_json() const {
  Json json = {{"uri", uri}, {"name", name}};
  if (title) json["title"] = *title;
  if (description) json["description"] = *description;
  if (mime_type) json["mimeType"] = *mime_type;
  if (size) json["size"] = *size;
  if (annotations) json["annotations"] = *annotations;
  return json;
}

Json ResourceTemplate::to_json() const {
  Json json = {{"uriTemplate", uri_template}, {"name", name}};
  if (title) json["title"] = *title;
  if (description) json["description"] = *description;
  if (mime_type) json["mimeType"] = *mime_type;
  if (annotations) json["annotations"] = *annotations;
  return json;
}

// ------------------------------------------------------------------ Server::Impl

struct RegisteredTool {
  Tool tool;
  Json listing;  // tools/list entry, built once
  std::shared_ptr<const SchemaCheck> input_check;
  std::shared_ptr<const SchemaCheck> output_check;
};

struct Server::Impl {
  ServerOptions options;
  std::shared_ptr<WorkerPool> pool;
  Json capabilities;

  mutable std::shared_mutex registry_mutex;
  std::vector<std::shared_ptr<const RegisteredTool>> tools;  // registration order
  std::unordered_map<std::string, std::shared_ptr<const RegisteredTool>> tools_by_name;
  std::vector<std::shared_ptr<const Prompt>> prompts;
  std::vector<std::shared_ptr<const Resource>> resources;
  std::vector<std::shared_ptr<const ResourceTemplate>> templates;

  mutable std::mutex sessions_mutex;
  std::vector<std::weak_ptr<ServerSession>> sessions;

  explicit Impl(ServerOptions opts) : options(std::move(opts)) {
    pool = std::make_shared<WorkerPool>(options.worker_threads, options.max_worker_threads);
    if (options.capabilities) {
      capabilities = *options.capabilities;
    } else {
      capabilities = {{"tools", {{"listChanged", true}}},
                      {"prompts", {{"listChanged", true}}},
                      {"resources", {{"subscribe", true}, {"listChanged", true}}},
                      {"logging", Json::object()},
                      {"completions", Json::object()}};
    }
  }

  bool declares(const char* capability) const { return capabilities.is_object() && capabilities.contains(capability); }
  bool declares_list_changed(const char* capability) const {
    const Json& entry = member_or_null(capabilities, capability);
    const Json& flag = member_or_null(entry, "listChanged");
    return flag.is_boolean() && flag.get<bool>();
  }

  std::vector<std::shared_ptr<ServerSession>> live_sessions() const {
    std::vector<std::shared_ptr<ServerSession>> out;
    std::lock_guard lock(sessions_mutex);
    for (const auto& weak : sessions) {
      if (auto session = weak.lock(); session && !session->closed()) out.push_back(std::move(session));
    }
    return out;
  }

  void broadcast_list_changed(const char* capability, const char* method) {
    if (!declares_list_changed(capability)) return;
    for (auto& session : live_sessions()) {
      if (!session->initialized()) continue;
      try {
        session->notify(method);
      } catch (const TransportError&) {
        // The session is going away; nothing to tell it.
      }
    }
  }

  std::shared_ptr<const RegisteredTool> find_tool(const std::string& name) const {
    std::shared_lock lock(registry_mutex);
    auto it = tools_by_name.find(name);
    return it == tools_by_name.end() ? nullptr : it->second;
  }
  std::shared_ptr<const Prompt> find_prompt(const std::string& name) const {
    std::shared_lock lock(registry_mutex);
    for (const auto& prompt : prompts) {
      if (prompt->name == name) return prompt;
    }
    return nullptr;
  }
};

// ------------------------------------------------------------------ ServerSession::State

struct ServerSession::State {
  mutable std::mutex mutex;
  std::atomic<bool> initialized{false};
  std::atomic<bool> closed{false};
  // Written once by initialize (before the client may send anything else), then only read.
  std::string protocol_version;
  Json client_capabilities = Json::object();
  Implementation client_info;
  // nullopt: the client never called logging/setLevel, so every message is sent.
  std::atomic<int> min_log_level{-1};
  std::set<std::string> subscriptions;

  bool log_allowed(LogLevel level) const {
    const int min = min_log_level.load(std::memory_order_relaxed);
    return min < 0 || static_cast<int>(level) >= min;
  }
};

// ------------------------------------------------------------------ ToolContext

std::stop_token ToolContext::stop_token() const noexcept { return request_->stop_token(); }
bool ToolContext::cancelled() const noexcept { return request_->cancelled(); }
bool ToolContext::wants_progress() const noexcept { return request_->progress_token().has_value(); }
bool ToolContext::progress(double progress, std::optional<double> total, std::optional<std::string> message) {
  return request_->progress(progress, total, std::move(message));
}

void ToolContext::log(LogLevel level, std::string logger, Json data) {
  if (!session_->state_->log_allowed(level)) return;
  Json params = {{"level", to_string(level)}};
  if (!logger.empty()) params["logger"] = std::move(logger);
  params["data"] = std::move(data);
  try {
    request_->notify("notifications/message", std::move(params));
  } catch (const TransportError&) {
    // The client is gone; its log messages have nowhere to go.
  }
}

namespace {
// Server-to-client requests that need a declared client capability.
const char* required_client_capability(std::string_view method) {
  if (method == "sampling/createMessage") return "sampling";
  if (method == "elicitation/create") return "elicitation";
  if (method == "roots/list") return "roots";
  return nullptr;
}

void check_client_capability(const Json& capabilities, std::string_view method) {
  if (const char* needed = required_client_capability(method); needed && !capabilities.contains(needed)) {
    throw McpError(error_code::method_not_found,
                   fmt::format("Client does not support {}: it did not declare the \"{}\" capability", method, needed));
  }
}
}  // namespace

Json ToolContext::request(std::string_view method, Json params, std::chrono::milliseconds timeout) {
  check_client_capability(session_->state_->client_capabilities, method);
  return request_->request(method, std::move(params), timeout);
}

const Json& ToolContext::request_id() const noexcept { return request_->id(); }
const Json& ToolContext::meta() const noexcept { return request_->meta(); }
const Json& ToolContext::client_capabilities() const noexcept { return session_->state_->client_capabilities; }
const Implementation& ToolContext::client_info() const noexcept { return session_->state_->client_info; }
const std::string& ToolContext::protocol_version() const noexcept { return session_->state_->protocol_version; }

// ------------------------------------------------------------------ Server

Server::Server(ServerOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

Server::~Server() {
  for (auto& session : impl_->live_sessions()) session->close();
}

const Implementation& Server::info() const noexcept { return impl_->options.info; }
const std::optional<std::string>& Server::instructions() const noexcept { return impl_->options.instructions; }
Json Server::capabilities() const { return impl_->capabilities; }

std::size_t Server::session_count() const { return impl_->live_sessions().size(); }

void Server::add_tool(Tool tool) {
  if (!valid_tool_name(tool.name)) {
    throw std::invalid_argument(
        fmt::format("tool name \"{}\" must be 1-128 characters of [A-Za-z0-9_.-]", tool.name));
  }
  if (!tool.handler) throw std::invalid_argument(fmt::format("tool \"{}\" has no handler", tool.name));
  auto registered = std::make_shared<RegisteredTool>();
  try {
    registered->input_check = std::make_shared<const SchemaCheck>(tool.input_schema);
    if (tool.output_schema) registered->output_check = std::make_shared<const SchemaCheck>(*tool.output_schema);
  } catch (const std::exception& e) {
    throw std::invalid_argument(fmt::format("tool \"{}\": {}", tool.name, e.what()));
  }
  registered->listing = tool.to_json();
  registered->tool = std::move(tool);
  {
    std::unique_lock lock(impl_->registry_mutex);
    const std::string& name = registered->tool.name;
    if (auto it = impl_->tools_by_name.find(name); it != impl_->tools_by_name.end()) {
      std::replace(impl_->tools.begin(), impl_->tools.end(), it->second,
                   std::shared_ptr<const RegisteredTool>(registered));
      it->second = registered;
    } else {
      impl_->tools.push_back(registered);
      impl_->tools_by_name.emplace(name, registered);
    }
  }
  impl_->broadcast_list_changed("tools", "notifications/tools/list_changed");
}

bool Server::remove_tool(const std::string& name) {
  {
    std::unique_lock lock(impl_->registry_mutex);
    if (impl_->tools_by_name.erase(name) == 0) return false;
    erase_by(impl_->tools, [&](const auto& t) { return t->tool.name == name; });
  }
  impl_->broadcast_list_changed("tools", "notifications/tools/list_changed");
  return true;
}

void Server::add_prompt(Prompt prompt) {
  if (!prompt.handler) throw std::invalid_argument(fmt::format("prompt \"{}\" has no handler", prompt.name));
  auto shared = std::make_shared<const Prompt>(std::move(prompt));
  {
    std::unique_lock lock(impl_->registry_mutex);
    auto& list = impl_->prompts;
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p->name == shared->name; });
    if (it != list.end()) *it = shared; else list.push_back(shared);
  }
  impl_->broadcast_list_changed("prompts", "notifications/prompts/list_changed");
}

bool Server::remove_prompt(const std::string& name) {
  {
    std::unique_lock lock(impl_->registry_mutex);
    if (!erase_by(impl_->prompts, [&](const auto& p) { return p->name == name; })) return false;
  }
  impl_->broadcast_list_changed("prompts", "notifications/prompts/list_changed");
  return true;
}

void Server::add_resource(Resource resource) {
  if (!resource.read) throw std::invalid_argument(fmt::format("resource \"{}\" has no reader", resource.uri));
  auto shared = std::make_shared<const Resource>(std::move(resource));
  {
    std::unique_lock lock(impl_->registry_mutex);
    auto& list = impl_->resources;
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& r) { return r->uri == shared->uri; });
    if (it != list.end()) *it = shared; else list.push_back(shared);
  }
  impl_->broadcast_list_changed("resources", "notifications/resources/list_changed");
}

bool Server::remove_resource(const std::string& uri) {
  {
    std::unique_lock lock(impl_->registry_mutex);
    if (!erase_by(impl_->resources, [&](const auto& r) { return r->uri == uri; })) return false;
  }
  impl_->broadcast_list_changed("resources", "notifications/resources/list_changed");
  return true;
}

void Server::add_resource_template(ResourceTemplate resource_template) {
  if (!resource_template.read) {
    throw std::invalid_argument(fmt::format("resource template \"{}\" has no reader", resource_template.uri_template));
  }
  {
    // Fill every {var} with "x" and match the template against that: fails for unbalanced braces,
    // empty or adjacent variables.
    std::string probe;
    bool in_variable = false;
    for (char c : resource_template.uri_template) {
      if (c == '{') {
        in_variable = true;
        probe += 'x';
      } else if (c == '}') {
        in_variable = false;
      } else if (!in_variable) {
        probe += c;
      }
    }
    if (in_variable || !match_uri_template(resource_template.uri_template, probe)) {
      throw std::invalid_argument(
          fmt::format("resource template \"{}\" is not a valid level-1 URI template", resource_template.uri_template));
    }
  }
  auto shared = std::make_shared<const ResourceTemplate>(std::move(resource_template));
  {
    std::unique_lock lock(impl_->registry_mutex);
    auto& list = impl_->templates;
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const auto& t) { return t->uri_template == shared->uri_template; });
    if (it != list.end()) *it = shared; else list.push_back(shared);
  }
  impl_->broadcast_list_changed("resources", "notifications/resources/list_changed");
}

bool Server::remove_resource_template(const std::string& uri_template) {
  {
    std::unique_lock lock(impl_->registry_mutex);
    if (!erase_by(impl_->templates, [&](const auto& t) { return t->uri_template == uri_template; })) return false;
  }
  impl_->broadcast_list_changed("resources", "notifications/resources/list_changed");
  return true;
}

void Server::notify_resource_updated(const std::string& uri) {
  for (auto& session : impl_->live_sessions()) {
    bool subscribed = false;
    {
      std::lock_guard lock(session->state_->mutex);
      subscribed = session->state_->subscriptions.count(uri) > 0;
    }
    if (!subscribed) continue;
    try {
      session->notify("notifications/resources/updated", Json{{"uri", uri}});
    } catch (const TransportError&) {
      // Session closing.
    }
  }
}

// ------------------------------------------------------------------ request handlers

namespace {

struct SessionHandlers {
  ServerSession& session;
  Server::Impl& server;
  ServerSession::State& state;

  Json initialize(const Json& params) {
    const Json& requested = member_or_null(params, "protocolVersion");
    if (!requested.is_string()) throw invalid_params("initialize needs a string \"protocolVersion\"");
    const Json& capabilities = member_or_null(params, "capabilities");
    if (!capabilities.is_null() && !capabilities.is_object()) {
      throw invalid_params("\"capabilities\" must be an object");
    }
    const Json& client_info = member_or_null(params, "clientInfo");
    {
      std::lock_guard lock(state.mutex);
      state.protocol_version = negotiate_protocol_version(requested.get_ref<const std::string&>());
      state.client_capabilities = capabilities.is_object() ? capabilities : Json::object();
      state.client_info = Implementation::from_json(client_info);
    }
    state.initialized.store(true, std::memory_order_release);
    log::debug("mcp.server", "initialize from {} {} (asked {}, answering {})", state.client_info.name,
               state.client_info.version, requested.get_ref<const std::string&>(), state.protocol_version);
    Json result = {{"protocolVersion", state.protocol_version},
                   {"capabilities", server.capabilities},
                   {"serverInfo", server.options.info.to_json()}};
    if (server.options.instructions) result["instructions"] = *server.options.instructions;
    return result;
  }

  Json list_tools(const Json& params) {
    std::shared_lock lock(server.registry_mutex);
    return paginate(server.tools, params, server.options.page_size, "tools",
                    [](const auto& tool) { return tool->listing; });
  }

  Json call_tool(const Json& params, RequestContext& request) {
    const Json& name = member_or_null(params, "name");
    if (!name.is_string()) throw invalid_params("tools/call needs a string \"name\"");
    const auto& tool_name = name.get_ref<const std::string&>();
    auto tool = server.find_tool(tool_name);
    if (!tool) throw invalid_params(fmt::format("unknown tool \"{}\"", tool_name));
    static const Json no_arguments = Json::object();
    const Json& given = member_or_null(params, "arguments");
    if (!given.is_null() && !given.is_object()) {
      throw invalid_params(fmt::format("tools/call \"arguments\" must be an object, got {}", given.type_name()));
    }
    const Json& arguments = given.is_null() ? no_arguments : given;

    if (auto problems = tool->input_check->check(arguments, "arguments"); !problems.empty()) {
      return ToolResult::error(fmt::format("Invalid arguments for tool {}: {}", tool_name, problems)).to_json();
    }

    ToolContext context = make_context(request);
    ToolResult result;
    try {
      result = tool->tool.handler(arguments, context);
    } catch (const McpError&) {
      throw;
    } catch (const std::exception& e) {
      log::debug("mcp.server", "tool {} failed: {}", tool_name, e.what());
      return ToolResult::error(e.what()).to_json();
    }
    if (!result.is_error && tool->output_check) {
      if (!result.structured_content) {
        return ToolResult::error(fmt::format(
                   "Internal error: tool {} declares an outputSchema but returned no structuredContent", tool_name))
            .to_json();
      }
      if (server.options.validate_structured_content) {
        if (auto problems = tool->output_check->check(*result.structured_content, "structuredContent");
            !problems.empty()) {
          log::error("mcp.server", "tool {} returned invalid structuredContent: {}", tool_name, problems);
          return ToolResult::error(fmt::format("Internal error: tool {} returned structuredContent that does not "
                                               "match its outputSchema: {}",
                                               tool_name, problems))
              .to_json();
        }
      }
    }
    // Older clients only read content: give them the structured result as text.
    if (result.structured_content && (!result.content.is_array() || result.content.empty())) {
      result.content = Json::array({text_content(result.structured_content->dump())});
    }
    return std::move(result).to_json();
  }

  ToolContext make_context(RequestContext& request) { return ToolContext(session, request); }

  Json list_prompts(const Json& params) {
    std::shared_lock lock(server.registry_mutex);
    return paginate(server.prompts, params, server.options.page_size, "prompts",
                    [](const auto& prompt) { return prompt->to_json(); });
  }

  Json get_prompt(const Json& params, RequestContext& request) {
    const Json& name = member_or_null(params, "name");
    if (!name.is_string()) throw invalid_params("prompts/get needs a string \"name\"");
    auto prompt = server.find_prompt(name.get<std::string>());
    if (!prompt) throw invalid_params(fmt::format("unknown prompt \"{}\"", name.get<std::string>()));
    const Json& given = member_or_null(params, "arguments");
    if (!given.is_null() && !given.is_object()) throw invalid_params("prompts/get \"arguments\" must be an object");
    Json arguments = given.is_null() ? Json::object() : given;
    for (const auto& [key, value] : arguments.items()) {
      if (!value.is_string()) {
        throw invalid_params(fmt::format("prompt argument \"{}\" must be a string, got {}", key, value.type_name()));
      }
    }
    for (const auto& argument : prompt->arguments) {
      if (argument.required && !arguments.contains(argument.name)) {
        throw invalid_params(
            fmt::format("prompt \"{}\" requires argument \"{}\"", prompt->name, argument.name));
      }
    }
    ToolContext context = make_context(request);
    Json result = prompt->handler(arguments, context);
    if (!result.is_object() || !result.contains("messages")) {
      throw McpError(error_code::internal_error,
                     fmt::format("Internal error: prompt \"{}\" produced no \"messages\"", prompt->name));
    }
    if (!result.contains("description") && prompt->description) result["description"] = *prompt->description;
    return result;
  }

  Json list_resources(const Json& params) {
    std::shared_lock lock(server.registry_mutex);
    return paginate(server.resources, params, server.options.page_size, "resources",
                    [](const auto& resource) { return resource->to_json(); });
  }

  Json list_templates(const Json& params) {
    std::shared_lock lock(server.registry_mutex);
    return paginate(server.templates, params, server.options.page_size, "resourceTemplates",
                    [](const auto& t) { return t->to_json(); });
  }

  static McpError resource_not_found(const std::string& uri) {
    return McpError(error_code::resource_not_found, fmt::format("Resource not found: {}", uri), Json{{"uri", uri}});
  }

  Json read_resource(const Json& params, RequestContext& request) {
    const Json& uri_json = member_or_null(params, "uri");
    if (!uri_json.is_string()) throw invalid_params("resources/read needs a string \"uri\"");
    const std::string uri = uri_json.get<std::string>();
    std::shared_ptr<const Resource> resource;
    std::shared_ptr<const ResourceTemplate> matched;
    std::map<std::string, std::string> variables;
    {
      std::shared_lock lock(server.registry_mutex);
      for (const auto& candidate : server.resources) {
        if (candidate->uri == uri) {
          resource = candidate;
          break;
        }
      }
      if (!resource) {
        for (const auto& candidate : server.templates) {
          if (auto found = match_uri_template(candidate->uri_template, uri)) {
            matched = candidate;
            variables = std::move(*found);
            break;
          }
        }
      }
    }
    ToolContext context = make_context(request);
    Json contents;
    if (resource) {
      contents = resource->read(uri, context);
    } else if (matched) {
      contents = matched->read(uri, variables, context);
    } else {
      throw resource_not_found(uri);
    }
    if (contents.is_object() && contents.contains("contents")) return contents;
    if (contents.is_object()) contents = Json::array({std::move(contents)});
    return Json{{"contents", std::move(contents)}};
  }

  Json subscribe(const Json& params, bool add) {
    const Json& uri = member_or_null(params, "uri");
    if (!uri.is_string()) throw invalid_params(fmt::format("resources/{} needs a string \"uri\"", add ? "subscribe" : "unsubscribe"));
    std::lock_guard lock(state.mutex);
    if (add) {
      state.subscriptions.insert(uri.get<std::string>());
    } else {
      state.subscriptions.erase(uri.get<std::string>());
    }
    return Json::object();
  }

  Json complete(const Json& params) {
    const Json& ref = member_or_null(params, "ref");
    const Json& argument = member_or_null(params, "argument");
    const Json& type = member_or_null(ref, "type");
    const Json& argument_name = member_or_null(argument, "name");
    const Json& argument_value = member_or_null(argument, "value");
    if (!type.is_string()) throw invalid_params("completion/complete needs \"ref\" with a string \"type\"");
    if (!argument_name.is_string() || !argument_value.is_string()) {
      throw invalid_params("completion/complete needs \"argument\" with string \"name\" and \"value\"");
    }
    const Json& context_arguments = member_or_null(member_or_null(params, "context"), "arguments");
    Completer completer;
    if (type == "ref/prompt") {
      const Json& name = member_or_null(ref, "name");
      if (!name.is_string()) throw invalid_params("ref/prompt needs a string \"name\"");
      auto prompt = server.find_prompt(name.get<std::string>());
      if (!prompt) throw invalid_params(fmt::format("unknown prompt \"{}\"", name.get<std::string>()));
      completer = prompt->complete;
    } else if (type == "ref/resource") {
      const Json& uri = member_or_null(ref, "uri");
      if (!uri.is_string()) throw invalid_params("ref/resource needs a string \"uri\"");
      bool known = false;
      std::shared_lock lock(server.registry_mutex);
      for (const auto& t : server.templates) {
        if (t->uri_template == uri.get_ref<const std::string&>()) {
          completer = t->complete;
          known = true;
          break;
        }
      }
      for (const auto& r : server.resources) known = known || r->uri == uri.get_ref<const std::string&>();
      if (!known) throw invalid_params(fmt::format("unknown resource template \"{}\"", uri.get<std::string>()));
    } else {
      throw invalid_params(fmt::format("unknown ref type \"{}\"", type.get<std::string>()));
    }
    std::vector<std::string> values;
    if (completer) {
      values = completer(argument_name.get<std::string>(), argument_value.get<std::string>(), context_arguments);
    }
    constexpr std::size_t kMaxValues = 100;
    const std::size_t total = values.size();
    if (values.size() > kMaxValues) values.resize(kMaxValues);
    return Json{{"completion", {{"values", values}, {"total", total}, {"hasMore", total > kMaxValues}}}};
  }

  Json set_level(const Json& params) {
    const Json& level = member_or_null(params, "level");
    if (!level.is_string()) throw invalid_params("logging/setLevel needs a string \"level\"");
    auto parsed = parse_log_level(level.get_ref<const std::string&>());
    if (!parsed) {
      throw invalid_params(fmt::format("unknown logging level \"{}\" (expected one of debug, info, notice, warning, "
                                       "error, critical, alert, emergency)",
                                       level.get<std::string>()));
    }
    state.min_log_level.store(static_cast<int>(*parsed), std::memory_order_relaxed);
    return Json::object();
  }
};

}  // namespace

std::shared_ptr<ServerSession> Server::connect(std::shared_ptr<Transport> transport) {
  std::shared_ptr<ServerSession> session(new ServerSession(impl_));
  {
    std::lock_guard lock(impl_->sessions_mutex);
    // Drop sessions that ended, so a long-running HTTP server does not accumulate them.
    std::erase_if(impl_->sessions, [](const auto& weak) { return weak.expired(); });
    impl_->sessions.push_back(session);
  }
  session->protocol_->connect(std::move(transport));
  return session;
}

// ------------------------------------------------------------------ ServerSession

ServerSession::ServerSession(std::shared_ptr<Server::Impl> server)
    : server_(std::move(server)), state_(std::make_unique<State>()) {
  ProtocolOptions protocol_options;
  protocol_options.name = "mcp.server";
  protocol_options.pool = server_->pool;
  protocol_options.run_handlers_inline = server_->options.run_handlers_inline;
  protocol_ = std::make_unique<Protocol>(std::move(protocol_options));

  auto handlers = std::make_shared<SessionHandlers>(SessionHandlers{*this, *server_, *state_});
  Protocol& p = *protocol_;
  auto bind_plain = [&](const char* method, Json (SessionHandlers::*fn)(const Json&)) {
    p.set_request_handler(method, [handlers, fn](const Json& params, RequestContext&) { return ((*handlers).*fn)(params); });
  };
  auto bind_context = [&](const char* method, Json (SessionHandlers::*fn)(const Json&, RequestContext&)) {
    p.set_request_handler(method, [handlers, fn](const Json& params, RequestContext& request) {
      return ((*handlers).*fn)(params, request);
    });
  };

  bind_plain("initialize", &SessionHandlers::initialize);
  if (server_->declares("tools")) {
    bind_plain("tools/list", &SessionHandlers::list_tools);
    bind_context("tools/call", &SessionHandlers::call_tool);
  }
  if (server_->declares("prompts")) {
    bind_plain("prompts/list", &SessionHandlers::list_prompts);
    bind_context("prompts/get", &SessionHandlers::get_prompt);
  }
  if (server_->declares("resources")) {
    bind_plain("resources/list", &SessionHandlers::list_resources);
    bind_plain("resources/templates/list", &SessionHandlers::list_templates);
    bind_context("resources/read", &SessionHandlers::read_resource);
    const Json& subscribe_flag = member_or_null(member_or_null(server_->capabilities, "resources"), "subscribe");
    if (subscribe_flag.is_boolean() && subscribe_flag.get<bool>()) {
      p.set_request_handler("resources/subscribe",
                            [handlers](const Json& params, RequestContext&) { return handlers->subscribe(params, true); });
      p.set_request_handler("resources/unsubscribe", [handlers](const Json& params, RequestContext&) {
        return handlers->subscribe(params, false);
      });
    }
  }
  if (server_->declares("completions")) bind_plain("completion/complete", &SessionHandlers::complete);
  if (server_->declares("logging")) bind_plain("logging/setLevel", &SessionHandlers::set_level);

  // Registry look-ups and quick tools are answered on the delivering thread (see Tool::quick).
  std::weak_ptr<Server::Impl> weak_server = server_;
  p.set_inline_filter([weak_server](const std::string& method, const Json& params) {
    if (method == "tools/call") {
      auto server = weak_server.lock();
      if (!server) return false;
      const Json& name = member_or_null(params, "name");
      if (!name.is_string()) return true;  // answered with invalid params at once
      auto tool = server->find_tool(name.get_ref<const std::string&>());
      return !tool || tool->tool.quick;  // an unknown tool is an immediate error
    }
    static const std::set<std::string> registry_methods = {
        "initialize",     "tools/list",          "prompts/list",          "resources/list",
        "resources/templates/list", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"};
    return registry_methods.count(method) > 0;
  });
  p.set_notification_handler("notifications/initialized", [](const Json&) {});
  State* state = state_.get();
  // Before initialize only initialize (and ping, answered by the engine) are served; unknown methods
  // still get -32601 at once, which is what dual-era clients probing server/discover rely on.
  p.set_request_gate([state](const std::string& method) -> std::optional<McpError> {
    if (method == "initialize" || state->initialized.load(std::memory_order_acquire)) return std::nullopt;
    static const std::set<std::string> known = {"tools/list",      "tools/call",         "prompts/list",
                                                "prompts/get",     "resources/list",     "resources/templates/list",
                                                "resources/read",  "resources/subscribe", "resources/unsubscribe",
                                                "completion/complete", "logging/setLevel"};
    if (!known.count(method)) return std::nullopt;
    return McpError(error_code::invalid_request,
                    fmt::format("{}: server not initialized; send initialize before {}",
                                standard_message(error_code::invalid_request), method));
  });
  p.set_close_handler([state] { state->closed.store(true, std::memory_order_release); });
}

ServerSession::~ServerSession() { protocol_.reset(); }

bool ServerSession::initialized() const noexcept { return state_->initialized.load(std::memory_order_acquire); }

std::string ServerSession::protocol_version() const {
  std::lock_guard lock(state_->mutex);
  return state_->protocol_version;
}

Json ServerSession::client_capabilities() const {
  std::lock_guard lock(state_->mutex);
  return state_->client_capabilities;
}

Implementation ServerSession::client_info() const {
  std::lock_guard lock(state_->mutex);
  return state_->client_info;
}

Json ServerSession::request(std::string_view method, Json params, const RequestOptions& options) {
  check_client_capability(client_capabilities(), method);
  return protocol_->request(method, std::move(params), options);
}

void ServerSession::notify(std::string_view method, Json params) { protocol_->notify(method, std::move(params)); }

void ServerSession::log(LogLevel level, std::string logger, Json data) {
  if (!state_->log_allowed(level)) return;
  Json params = {{"level", to_string(level)}};
  if (!logger.empty()) params["logger"] = std::move(logger);
  params["data"] = std::move(data);
  try {
    notify("notifications/message", std::move(params));
  } catch (const TransportError&) {
  }
}

void ServerSession::close() {
  state_->closed.store(true, std::memory_order_release);
  protocol_->close();
}

bool ServerSession::closed() const noexcept {
  return state_->closed.load(std::memory_order_acquire) || protocol_->closed();
}

}  // namespace lh::mcp
