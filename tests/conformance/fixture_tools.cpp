#include <chrono>
#include <string>
#include <thread>

#include "tests/conformance/fixtures.hpp"

namespace lh::conformance {

const char* const kTinyPngBase64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
const char* const kTinyWavBase64 =
    "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YRAAAACAgICAgICAgICAgICAgICA";

namespace {

using mcp::Json;
using mcp::ToolContext;
using mcp::ToolResult;
using namespace std::chrono_literals;

const Json kNoArguments = Json{{"type", "object"}, {"properties", Json::object()}};

Json string_arguments_schema(const std::string& name, const std::string& description) {
  return Json{{"type", "object"},
              {"properties", {{name, {{"type", "string"}, {"description", description}}}}},
              {"required", Json::array({name})}};
}

void require_client_capability(ToolContext& context, const std::string& capability) {
  if (!context.client_capabilities().contains(capability)) {
    throw std::runtime_error("the client did not declare the '" + capability + "' capability");
  }
}

// The text of a sampling result: content is one block, or (2025-11-25) possibly an array of them.
std::string sampled_text(const Json& result) {
  const Json& content = result.contains("content") ? result["content"] : Json();
  if (content.is_object()) return content.value("text", "");
  if (content.is_array()) {
    std::string text;
    for (const Json& block : content) {
      if (block.value("type", "") == "text") text += block.value("text", "");
    }
    return text;
  }
  return "";
}

std::string elicitation_summary(const Json& result) {
  return "action=" + result.value("action", "") + ", content=" +
         (result.contains("content") ? result["content"].dump() : std::string("{}"));
}

void add_content_tools(mcp::Server& server) {
  server.add_tool({.name = "test_simple_text",
                   .description = "Returns one text block",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext&) {
                     return ToolResult::text("This is a simple text response for testing.");
                   }});
  server.add_tool({.name = "test_image_content",
                   .description = "Returns one image block (a 1x1 PNG)",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext&) {
                     ToolResult result;
                     result.add(mcp::image_content(kTinyPngBase64, "image/png"));
                     return result;
                   }});
  server.add_tool({.name = "test_audio_content",
                   .description = "Returns one audio block (a tiny WAV)",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext&) {
                     ToolResult result;
                     result.add(mcp::audio_content(kTinyWavBase64, "audio/wav"));
                     return result;
                   }});
  server.add_tool({.name = "test_embedded_resource",
                   .description = "Returns one embedded text resource",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext&) {
                     ToolResult result;
                     result.add(mcp::embedded_text_resource("test://embedded-resource", "text/plain",
                                                            "This is an embedded resource content."));
                     return result;
                   }});
  server.add_tool({.name = "test_multiple_content_types",
                   .description = "Returns text, image and embedded resource blocks",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext&) {
                     ToolResult result;
                     result.add_text("Multiple content types test:");
                     result.add(mcp::image_content(kTinyPngBase64, "image/png"));
                     result.add(mcp::embedded_text_resource("test://mixed-content-resource", "application/json",
                                                            R"({"test":"data","value":123})"));
                     return result;
                   }});
  server.add_tool({.name = "test_error_handling",
                   .description = "Always fails with an isError result",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext&) {
                     return ToolResult::error("This tool intentionally returns an error for testing");
                   }});
  server.add_tool({.name = "json_schema_2020_12_tool",
                   .description = "Tool with JSON Schema 2020-12 features",
                   .input_schema = Json::parse(R"({
                     "$schema": "https://json-schema.org/draft/2020-12/schema",
                     "type": "object",
                     "$defs": {
                       "address": {
                         "type": "object",
                         "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
                       }
                     },
                     "properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
                     "additionalProperties": false
                   })"),
                   .handler = [](const Json& arguments, ToolContext&) {
                     return ToolResult::text("Received: " + arguments.dump());
                   }});
}

void add_notification_tools(mcp::Server& server) {
  server.add_tool({.name = "test_tool_with_logging",
                   .description = "Sends three info log messages while it runs",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext& context) {
                     context.log(mcp::LogLevel::info, "conformance", "Tool execution started");
                     std::this_thread::sleep_for(50ms);
                     context.log(mcp::LogLevel::info, "conformance", "Tool processing data");
                     std::this_thread::sleep_for(50ms);
                     context.log(mcp::LogLevel::info, "conformance", "Tool execution completed");
                     return ToolResult::text("Tool with logging executed successfully");
                   }});
  server.add_tool({.name = "test_tool_with_progress",
                   .description = "Reports progress 0, 50 and 100 of 100",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext& context) {
                     context.progress(0, 100);
                     std::this_thread::sleep_for(50ms);
                     context.progress(50, 100);
                     std::this_thread::sleep_for(50ms);
                     context.progress(100, 100);
                     return ToolResult::text("Tool with progress executed successfully");
                   }});
  // The suite checks that a server may end a POST's SSE stream mid-call and deliver the result
  // after the client reconnects with Last-Event-ID. Our transport cannot end a stream early yet,
  // so the result follows a short pause; the log message first makes the answer an SSE stream,
  // whose priming event the suite does check.
  server.add_tool({.name = "test_reconnection",
                   .description = "Answers after a short pause on an SSE stream (reconnection fixture)",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext& context) {
                     context.log(mcp::LogLevel::info, "conformance", "Reconnection test started");
                     std::this_thread::sleep_for(100ms);
                     return ToolResult::text("Reconnection test completed successfully");
                   }});
}

void add_client_request_tools(mcp::Server& server) {
  server.add_tool({.name = "test_sampling",
                   .description = "Asks the client to sample an LLM completion for the prompt",
                   .input_schema = string_arguments_schema("prompt", "The prompt to send to the LLM"),
                   .handler = [](const Json& arguments, ToolContext& context) {
                     require_client_capability(context, "sampling");
                     const Json params = {
                         {"messages", Json::array({{{"role", "user"},
                                                    {"content", {{"type", "text"},
                                                                 {"text", arguments.value("prompt", "")}}}}})},
                         {"maxTokens", 100}};
                     const Json result = context.request("sampling/createMessage", params);
                     return ToolResult::text("LLM response: " + sampled_text(result));
                   }});
  server.add_tool({.name = "test_elicitation",
                   .description = "Asks the client for a username and an email address",
                   .input_schema = string_arguments_schema("message", "The message to show the user"),
                   .handler = [](const Json& arguments, ToolContext& context) {
                     require_client_capability(context, "elicitation");
                     const Json params = {
                         {"message", arguments.value("message", "")},
                         {"requestedSchema",
                          {{"type", "object"},
                           {"properties",
                            {{"username", {{"type", "string"}, {"description", "User's response"}}},
                             {"email", {{"type", "string"}, {"description", "User's email address"}}}}},
                           {"required", Json::array({"username", "email"})}}}};
                     const Json result = context.request("elicitation/create", params);
                     return ToolResult::text("User response: " + elicitation_summary(result));
                   }});
  server.add_tool({.name = "test_elicitation_sep1034_defaults",
                   .description = "Elicitation whose schema has a default for every primitive type",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext& context) {
                     require_client_capability(context, "elicitation");
                     const Json params = {
                         {"message", "Please review the defaults"},
                         {"requestedSchema", Json::parse(R"({
                           "type": "object",
                           "properties": {
                             "name": {"type": "string", "description": "User name", "default": "John Doe"},
                             "age": {"type": "integer", "description": "User age", "default": 30},
                             "score": {"type": "number", "description": "User score", "default": 95.5},
                             "status": {"type": "string", "description": "User status",
                                        "enum": ["active", "inactive", "pending"], "default": "active"},
                             "verified": {"type": "boolean", "description": "Verification status", "default": true}
                           }
                         })")}};
                     const Json result = context.request("elicitation/create", params);
                     return ToolResult::text("Elicitation completed: " + elicitation_summary(result));
                   }});
  server.add_tool({.name = "test_elicitation_sep1330_enums",
                   .description = "Elicitation with every enum schema variant",
                   .input_schema = kNoArguments,
                   .handler = [](const Json&, ToolContext& context) {
                     require_client_capability(context, "elicitation");
                     const Json params = {
                         {"message", "Please pick some options"},
                         {"requestedSchema", Json::parse(R"({
                           "type": "object",
                           "properties": {
                             "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
                             "titledSingle": {"type": "string", "oneOf": [
                               {"const": "value1", "title": "First Option"},
                               {"const": "value2", "title": "Second Option"},
                               {"const": "value3", "title": "Third Option"}]},
                             "legacyEnum": {"type": "string", "enum": ["opt1", "opt2", "opt3"],
                                            "enumNames": ["Option One", "Option Two", "Option Three"]},
                             "untitledMulti": {"type": "array",
                                               "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
                             "titledMulti": {"type": "array", "items": {"anyOf": [
                               {"const": "value1", "title": "First Choice"},
                               {"const": "value2", "title": "Second Choice"},
                               {"const": "value3", "title": "Third Choice"}]}}
                           }
                         })")}};
                     const Json result = context.request("elicitation/create", params);
                     return ToolResult::text("Elicitation completed: " + elicitation_summary(result));
                   }});
}

}  // namespace

void register_fixture_tools(mcp::Server& server) {
  add_content_tools(server);
  add_notification_tools(server);
  add_client_request_tools(server);
}

}  // namespace lh::conformance
