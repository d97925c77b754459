// MCP server (spec 2025-11-25, also speaks 2025-06-18, 2025-03-26, 2024-11-05).
//
// A Server holds the registries (tools, prompts, resources, resource templates, completions) and
// the server description; connect() starts one ServerSession over a transport.
//
// Where handlers run: initialize, ping, tools/list, prompts/list, resources/list,
// resources/templates/list, logging/setLevel, resources/(un)subscribe and tools/call of a tool
// declared `quick` are answered on the thread that delivered the request; tools/call of any other
// tool, prompts/get, resources/read and completion/complete run on the worker pool (they call
// application code that may be slow or wait for the client). Many sessions may
// share one Server concurrently (Streamable HTTP creates one per HTTP session); registries may change
// at run time and every live session is told with a list_changed notification.
//
//   lh::mcp::Server server({.info = {"lateral-hunt", "0.1.0"}});
//   server.add_tool({.name = "echo", .description = "Echo", .input_schema = schema,
//                    .handler = [](const Json& args, ToolContext&) { return ToolResult::text(args["text"]); }});
//   auto session = server.connect(transport);
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "mcp/transport.hpp"
#include "mcp/types.hpp"

namespace lh::mcp {

class ServerSession;

// Everything a tool / prompt / resource / completion handler may use while it runs. Valid only
// during the handler call.
class ToolContext {
 public:
  // Cancellation: requested on notifications/cancelled or when the session closes.
  std::stop_token stop_token() const noexcept;
  bool cancelled() const noexcept;

  // notifications/progress; sent only when the request carried _meta.progressToken and `progress`
  // is strictly greater than the previous value. Returns whether it was sent.
  bool progress(double progress, std::optional<double> total = std::nullopt,
                std::optional<std::string> message = std::nullopt);
  bool wants_progress() const noexcept;

  // notifications/message, dropped when below the level the client set with logging/setLevel.
  void log(LogLevel level, std::string logger, Json data);

  // Server-to-client request (sampling/createMessage, elicitation/create, roots/list, ping) on the
  // same related request. Throws McpError (peer error, timeout, cancelled, closed).
  Json request(std::string_view method, Json params = nullptr,
               std::chrono::milliseconds timeout = std::chrono::seconds(60));

  const Json& request_id() const noexcept;
  // params._meta of the request, or null.
  const Json& meta() const noexcept;
  const Json& client_capabilities() const noexcept;
  const Implementation& client_info() const noexcept;
  const std::string& protocol_version() const noexcept;
  ServerSession& session() noexcept { return *session_; }

  // Built by the session for each handler call.
  ToolContext(ServerSession& session, RequestContext& request) : session_(&session), request_(&request) {}

 private:
  ServerSession* session_;
  RequestContext* request_;
};

struct ToolAnnotations {
  std::optional<std::string> title{};
  std::optional<bool> read_only_hint{};
  std::optional<bool> destructive_hint{};
  std::optional<bool> idempotent_hint{};
  std::optional<bool> open_world_hint{};
  Json to_json() const;
};

// Handler exceptions: McpError → JSON-RPC error; anything else → isError result with its message.
using ToolHandler = std::function<ToolResult(const Json& arguments, ToolContext& context)>;

struct Tool {
  std::string name{};  // 1-128 chars of [A-Za-z0-9_.-]
  std::optional<std::string> title{};
  std::string description{};
  Json input_schema = Json{{"type", "object"}};
  std::optional<Json> output_schema{};
  ToolAnnotations annotations{};
  std::optional<Json> icons{};
  std::optional<Json> meta{};  // "_meta"
  ToolHandler handler{};
  // Execution hint, not sent to clients. A quick tool's handler returns promptly (microseconds to
  // a few milliseconds, no I/O that may block), never calls ToolContext::request (it throws
  // McpError at once if it does) and needs no live progress. Its calls then run on the thread that
  // delivered them (the stdio reader, the HTTP server's epoll thread) instead of the shared worker
  // pool: no thread hand-off, so a trivial call costs a fraction of the CPU and latency. While it
  // runs, that thread reads nothing else: over stdio a slow "quick" tool stalls its session, over
  // HTTP every connection served by the same epoll thread; leave it false whenever in doubt.
  // Non-quick tools always run on the pool, so they never hold up ping or other calls.
  bool quick = false;

  // The tools/list entry.
  Json to_json() const;
};

// Completion callback for a prompt argument or a template variable: candidate values for `value`
// typed so far; `context_arguments` are the already-resolved arguments (may be null).
using Completer = std::function<std::vector<std::string>(const std::string& argument_name,
                                                         const std::string& value,
                                                         const Json& context_arguments)>;

struct PromptArgument {
  std::string name{};
  std::optional<std::string> title{};
  std::optional<std::string> description{};
  bool required = false;
};

// Returns the prompts/get result: {"description"?, "messages": [{role, content}]}. Missing required
// arguments are rejected (-32602) before it runs; arguments is an object of strings.
using PromptHandler = std::function<Json(const Json& arguments, ToolContext& context)>;

struct Prompt {
  std::string name{};
  std::optional<std::string> title{};
  std::optional<std::string> description{};
  std::vector<PromptArgument> arguments{};
  std::optional<Json> icons{};
  PromptHandler handler{};
  Completer complete{};  // optional

  Json to_json() const;
};

// Returns the "contents" array of resources/read (see text_resource_contents/blob_resource_contents).
// Throw McpError(resource_not_found, ...) when the resource vanished.
using ResourceReader = std::function<Json(const std::string& uri, ToolContext& context)>;

struct Resource {
  std::string uri{};
  std::string name{};
  std::optional<std::string> title{};
  std::optional<std::string> description{};
  std::optional<std::string> mime_type{};
  std::optional<std::int64_t> size{};
  std::optional<Json> annotations{};
  ResourceReader read{};

  Json to_json() const;
};

// Reader for a templated URI; `variables` are the values matched for each {var}.
using TemplateReader = std::function<Json(const std::string& uri,
                                          const std::map<std::string, std::string>& variables,
                                          ToolContext& context)>;

struct ResourceTemplate {
  std::string uri_template{};  // RFC 6570 level 1, e.g. "test://template/{id}/data"
  std::string name{};
  std::optional<std::string> title{};
  std::optional<std::string> description{};
  std::optional<std::string> mime_type{};
  std::optional<Json> annotations{};
  TemplateReader read{};
  Completer complete{};  // optional, for the template's variables

  Json to_json() const;
};

// Matches `uri` against an RFC 6570 level-1 template; each {var} matches one or more characters
// other than '/'. Returns the variables or nullopt.
std::optional<std::map<std::string, std::string>> match_uri_template(std::string_view uri_template,
                                                                     std::string_view uri);

struct ServerOptions {
  Implementation info{"lateral-hunt", "0.1.0"};
  std::optional<std::string> instructions{};
  // Page size of tools/list, prompts/list, resources/list, resources/templates/list.
  std::size_t page_size = 100;
  // Handler threads shared by all sessions of this server (grows to max when all are busy).
  std::size_t worker_threads = 4;
  std::size_t max_worker_threads = 64;
  // See ProtocolOptions::run_handlers_inline; applies to sessions started by connect().
  bool run_handlers_inline = false;
  // Check structuredContent against outputSchema (a failure becomes an isError result).
  bool validate_structured_content = true;
  // Declared capabilities; when null, all of tools{listChanged}, prompts{listChanged},
  // resources{subscribe, listChanged}, logging, completions are declared.
  std::optional<Json> capabilities{};
  // Default timeout of ToolContext::request / ServerSession::request.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(60);
};

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();  // closes every live session
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts a session over `transport` (calls transport->start). The session lives while the caller
  // holds it; it closes when the transport closes or on ServerSession::close().
  std::shared_ptr<ServerSession> connect(std::shared_ptr<Transport> transport);

  // Registries (thread-safe; a registration replaces one with the same key; changes are announced
  // to live sessions with notifications/<kind>/list_changed). add_tool throws std::invalid_argument
  // for a bad name or an unusable schema.
  void add_tool(Tool tool);
  bool remove_tool(const std::string& name);
  void add_prompt(Prompt prompt);
  bool remove_prompt(const std::string& name);
  void add_resource(Resource resource);
  bool remove_resource(const std::string& uri);
  void add_resource_template(ResourceTemplate resource_template);
  bool remove_resource_template(const std::string& uri_template);

  // notifications/resources/updated {uri} to every session subscribed to `uri`.
  void notify_resource_updated(const std::string& uri);

  const Implementation& info() const noexcept;
  const std::optional<std::string>& instructions() const noexcept;
  Json capabilities() const;
  std::size_t session_count() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_{};
};

class ServerSession : public std::enable_shared_from_this<ServerSession> {
 public:
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // After initialize: the negotiated version and what the client declared.
  bool initialized() const noexcept;
  std::string protocol_version() const;
  Json client_capabilities() const;
  Implementation client_info() const;

  // Server-initiated traffic outside a tool call (Streamable HTTP sends it on the GET stream).
  Json request(std::string_view method, Json params = nullptr, const RequestOptions& options = {});
  void notify(std::string_view method, Json params = nullptr);
  // notifications/message honouring logging/setLevel.
  void log(LogLevel level, std::string logger, Json data);

  void close();
  bool closed() const noexcept;

  struct State;

 private:
  friend class Server;
  friend class ToolContext;
  explicit ServerSession(std::shared_ptr<Server::Impl> server);
  std::shared_ptr<Server::Impl> server_{};
  std::unique_ptr<State> state_{};
  std::unique_ptr<Protocol> protocol_{};
};

}  // namespace lh::mcp
