// libFuzzer target for JSON-RPC message handling by a real MCP server engine.
//
// The input is one incoming message (text, as a transport reads it). It goes, once the text parses,
// into the engine's message entry point of two fresh sessions of the same server: one that was never
// initialized and one that was. The server has tools with input and output schemas, a prompt with a
// completer, a resource and a resource template, so every method reaches real handler code.
//
// Checked after each delivery (handlers run inline, so the answer is complete when on_message returns):
//  - a request is answered exactly once, with its own id, by a well-formed result or error;
//  - a notification, a response or an invalid message without "method" is never answered;
//  - any other invalid message gets one Invalid Request error;
//  - every message sent survives the wire round trip (to_wire, then parse) unchanged.
// Also: parse_message/to_wire round trip of the input, and the builders' output classifies as built.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/jsonrpc.hpp"
#include "mcp/log.hpp"
#include "mcp/server.hpp"
#include "mcp/types.hpp"
#include "transport/json_text.hpp"

namespace {

using lh::mcp::Json;
namespace mcp = lh::mcp;

[[noreturn]] void fail(const char* what, const Json& detail) {
  std::fprintf(stderr, "fuzz_jsonrpc: %s: %s\n", what,
               detail.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  std::abort();
}

// Records what the engine sends; delivers nothing by itself (the fuzzer calls on_message directly).
class CapturingTransport final : public mcp::Transport {
 public:
  void start(Handlers handlers) override {
    std::lock_guard lock(mutex_);
    handlers_ = std::move(handlers);
  }
  void send(const Json& message, const mcp::SendOptions&) override {
    std::lock_guard lock(mutex_);
    if (closed_) throw mcp::TransportError("closed");
    sent_.push_back(message);
  }
  void close() override {
    std::function<void()> on_close;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
      on_close = handlers_.on_close;
    }
    if (on_close) on_close();
  }

  void deliver(Json message) {
    std::function<void(Json)> on_message;
    {
      std::lock_guard lock(mutex_);
      on_message = handlers_.on_message;
    }
    if (on_message) on_message(std::move(message));
  }
  std::vector<Json> take_sent() {
    std::lock_guard lock(mutex_);
    return std::exchange(sent_, {});
  }

 private:
  std::mutex mutex_;
  Handlers handlers_;
  std::vector<Json> sent_;
  bool closed_ = false;
};

mcp::Server& server() {
  static mcp::Server* instance = [] {
    auto* s = new mcp::Server({.info = {"fuzz-server", "1.0.0"},
                               .instructions = "fuzzing",
                               .page_size = 2,
                               .worker_threads = 1,
                               .max_worker_threads = 2,
                               .run_handlers_inline = true});
    s->add_tool({.name = "search",
                 .title = "Search",
                 .description = "Searches events",
                 .input_schema = Json::parse(R"({
                   "type": "object",
                   "properties": {
                     "query": {"type": "string", "minLength": 1, "maxLength": 200},
                     "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
                     "hosts": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
                     "mode": {"type": "string", "enum": ["fast", "full"]},
                     "window": {"type": "object", "properties": {"hours": {"type": "number", "exclusiveMinimum": 0}},
                                "additionalProperties": false}
                   },
                   "required": ["query"],
                   "additionalProperties": false
                 })"),
                 .output_schema = Json::parse(R"({
                   "type": "object",
                   "properties": {"count": {"type": "integer", "minimum": 0}, "query": {"type": "string"}},
                   "required": ["count", "query"]
                 })"),
                 .handler =
                     [](const Json& args, mcp::ToolContext& context) {
                       context.log(mcp::LogLevel::info, "search", args);
                       context.progress(1, 2, "half way");
                       const auto& query = args.at("query").get_ref<const std::string&>();
                       // A handler bug the server must contain: a structured result not matching the
                       // output schema.
                       if (query == "bad") return mcp::ToolResult::structured(Json{{"count", -1}});
                       return mcp::ToolResult::structured(
                           Json{{"count", static_cast<std::int64_t>(query.size())}, {"query", query}});
                     },
                 .quick = true});
    s->add_tool({.name = "fail",
                 .description = "Fails in the way it is asked to",
                 .input_schema = Json::parse(R"({"type": "object", "properties": {"how": {"type": "string"}}})"),
                 .handler = [](const Json& args, mcp::ToolContext&) -> mcp::ToolResult {
                   auto how = args.value("how", std::string());
                   if (how == "mcp") throw mcp::McpError(mcp::error_code::invalid_params, "refused", args);
                   if (how == "throw") throw std::runtime_error("tool failed: " + how);
                   if (how == "int") throw 42;
                   return mcp::ToolResult::error("failed as asked");
                 }});
    s->add_prompt({.name = "hunt",
                   .description = "Hunt prompt",
                   .arguments = {{.name = "host", .required = true}, {.name = "days"}},
                   .handler =
                       [](const Json& args, mcp::ToolContext&) {
                         return Json{{"messages",
                                      Json::array({{{"role", "user"},
                                                    {"content", mcp::text_content("hunt on " +
                                                                                  args.value("host", std::string()))}}})}};
                       },
                   .complete = [](const std::string&, const std::string& value, const Json&) {
                     std::vector<std::string> values;
                     for (int i = 0; i < 150; ++i) values.push_back(value + std::to_string(i));
                     return values;
                   }});
    s->add_resource({.uri = "lh://readme",
                     .name = "readme",
                     .mime_type = "text/markdown",
                     .read = [](const std::string& uri, mcp::ToolContext&) {
                       return Json::array({mcp::text_resource_contents(uri, "text/markdown", "# readme")});
                     }});
    s->add_resource_template({.uri_template = "lh://cases/{id}/notes/{note}",
                              .name = "case note",
                              .read =
                                  [](const std::string& uri, const std::map<std::string, std::string>& vars,
                                     mcp::ToolContext&) {
                                    return mcp::text_resource_contents(uri, "text/plain", vars.at("id") + vars.at("note"));
                                  },
                              .complete = [](const std::string& name, const std::string& value, const Json&) {
                                return std::vector<std::string>{name + value};
                              }});
    return s;
  }();
  return *instance;
}

void check_wire_round_trip(const Json& message) {
  const std::string wire = lh::transport::to_wire(message);
  auto back = lh::transport::parse_json(wire);
  if (!back) fail("a sent message is not JSON on the wire", message);
  // Strings that were not valid UTF-8 are replaced on the wire; everything else must survive as is.
  std::string strict;
  try {
    strict = message.dump();
  } catch (const Json::type_error&) {
    return;
  }
  if (*back != message) fail("a sent message changed on the wire", message);
}

bool is_response(const Json& message) {
  return message.is_object() && (message.contains("result") || message.contains("error"));
}

void check_response_shape(const Json& response, const Json& id) {
  if (!response.is_object() || response.value("jsonrpc", Json()) != "2.0") fail("response without jsonrpc 2.0", response);
  if (!response.contains("id") || response["id"] != id) fail("response with the wrong id", response);
  if (response.contains("result") == response.contains("error")) fail("response needs exactly one of result/error", response);
  if (response.contains("result") && !response["result"].is_object()) fail("result is not an object", response);
  if (response.contains("error")) {
    const Json& error = response["error"];
    if (!error.is_object() || !error.contains("code") || !error["code"].is_number_integer() ||
        !error.contains("message") || !error["message"].is_string()) {
      fail("malformed error object", response);
    }
  }
  const auto check = mcp::inspect_message(response);
  if (check.kind != mcp::MessageKind::response && check.kind != mcp::MessageKind::error) {
    fail("the engine's own response does not classify as one", response);
  }
}

void check_answers(const Json& message, const std::vector<Json>& sent) {
  for (const auto& out : sent) check_wire_round_trip(out);
  std::vector<Json> responses;
  for (const auto& out : sent) {
    if (is_response(out)) responses.push_back(out);
  }
  const auto check = mcp::inspect_message(message);
  switch (check.kind) {
    case mcp::MessageKind::request:
      if (responses.size() != 1) fail("a request was not answered exactly once", message);
      check_response_shape(responses.front(), check.id);
      return;
    case mcp::MessageKind::notification:
    case mcp::MessageKind::response:
    case mcp::MessageKind::error:
      if (!responses.empty()) fail("a notification or response was answered", message);
      return;
    case mcp::MessageKind::invalid:
      // A malformed response (it carries "result" or "error") is never answered; anything else
      // invalid, including an id with neither method nor result, gets exactly one -32600.
      if (message.is_object() && !message.contains("method") &&
          (message.contains("result") || message.contains("error"))) {
        if (!responses.empty()) fail("an invalid response was answered", message);
        return;
      }
      if (responses.size() != 1) fail("an invalid request was not answered exactly once", message);
      check_response_shape(responses.front(), check.id);
      if (responses.front()["error"]["code"] != mcp::error_code::invalid_request) {
        fail("an invalid request was not answered with Invalid Request", responses.front());
      }
      return;
  }
}

void run_session(const Json& message, bool initialize_first) {
  auto transport = std::make_shared<CapturingTransport>();
  auto session = server().connect(transport);
  if (initialize_first) {
    transport->deliver(mcp::make_request("init", "initialize",
                                         Json{{"protocolVersion", "2025-06-18"},
                                              {"capabilities", Json::object()},
                                              {"clientInfo", {{"name", "fuzz"}, {"version", "1"}}}}));
    transport->deliver(mcp::make_notification("notifications/initialized"));
    auto setup = transport->take_sent();
    if (setup.size() != 1 || !setup.front().contains("result")) fail("initialize failed", setup);
  }
  transport->deliver(message);
  check_answers(message, transport->take_sent());
  session->close();
}

void check_builders(const Json& value) {
  // Whatever the peer sent as params, a message built around it classifies as what was built.
  Json params = value.is_object() || value.is_array() ? value : Json(nullptr);
  if (mcp::inspect_message(mcp::make_request(7, "x/y", params)).kind != mcp::MessageKind::request) {
    fail("make_request does not build a request", params);
  }
  if (mcp::inspect_message(mcp::make_notification("x/y", params)).kind != mcp::MessageKind::notification) {
    fail("make_notification does not build a notification", params);
  }
  if (mcp::inspect_message(mcp::make_result("id", value)).kind != mcp::MessageKind::response) {
    fail("make_result does not build a response", value);
  }
  const auto error = mcp::McpError::from_json(value);
  if (mcp::inspect_message(mcp::make_error(nullptr, error)).kind != mcp::MessageKind::error) {
    fail("make_error does not build an error", value);
  }
  if (mcp::is_valid_id(value) && mcp::id_key(value).empty()) fail("empty id key", value);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Exercise the log formatting (user text in format arguments) without writing it anywhere.
  lh::mcp::log::set_level(lh::mcp::log::Level::debug);
  lh::mcp::log::set_sink([](std::string_view) {});
  server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The engine's parser and the transports' parser must agree on what is JSON.
  bool engine_parsed = true;
  try {
    (void)mcp::parse_message(text);
  } catch (const mcp::McpError& e) {
    if (e.code() != mcp::error_code::parse_error) fail("parse failure with the wrong code", Json(e.what()));
    engine_parsed = false;
  }
  std::string problem;
  auto parsed = lh::transport::parse_json(text, &problem);
  if (parsed.has_value() != engine_parsed) fail("engine and transport parsers disagree", Json(problem));
  if (!parsed) {
    if (problem.empty()) fail("a parse failure without a description", Json(nullptr));
    return 0;
  }
  Json message = std::move(*parsed);
  // Parsed JSON holds valid UTF-8 only, so it must print and re-parse to itself.
  if (mcp::parse_message(lh::transport::to_wire(message)) != message) fail("parse/serialise round trip", message);
  check_builders(message);
  run_session(message, false);
  run_session(message, true);
  return 0;
}
