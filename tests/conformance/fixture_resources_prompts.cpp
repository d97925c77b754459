#include <string>
#include <vector>

#include "tests/conformance/fixtures.hpp"

namespace lh::conformance {
namespace {

using mcp::Json;
using mcp::ToolContext;

Json text_message(const std::string& text) {
  return Json{{"role", "user"}, {"content", mcp::text_content(text)}};
}

// Candidates from `pool` that start with what the client typed so far.
std::vector<std::string> starting_with(const std::vector<std::string>& pool, const std::string& prefix) {
  std::vector<std::string> matches;
  for (const std::string& candidate : pool) {
    if (candidate.rfind(prefix, 0) == 0) matches.push_back(candidate);
  }
  return matches;
}

}  // namespace

void register_fixture_resources(mcp::Server& server) {
  server.add_resource({.uri = "test://static-text",
                       .name = "static-text",
                       .description = "A static text resource",
                       .mime_type = "text/plain",
                       .read = [](const std::string& uri, ToolContext&) {
                         return Json::array({mcp::text_resource_contents(
                             uri, "text/plain", "This is the content of the static text resource.")});
                       }});
  server.add_resource({.uri = "test://static-binary",
                       .name = "static-binary",
                       .description = "A static binary resource (a 1x1 PNG)",
                       .mime_type = "image/png",
                       .read = [](const std::string& uri, ToolContext&) {
                         return Json::array({mcp::blob_resource_contents(uri, "image/png", kTinyPngBase64)});
                       }});
  server.add_resource({.uri = "test://watched-resource",
                       .name = "watched-resource",
                       .description = "A resource clients may subscribe to",
                       .mime_type = "text/plain",
                       .read = [](const std::string& uri, ToolContext&) {
                         return Json::array({mcp::text_resource_contents(uri, "text/plain", "Watched resource content")});
                       }});
  server.add_resource_template(
      {.uri_template = "test://template/{id}/data",
       .name = "template-data",
       .description = "Data for one id",
       .mime_type = "application/json",
       .read =
           [](const std::string& uri, const std::map<std::string, std::string>& variables, ToolContext&) {
             const std::string id = variables.at("id");
             // Keys in the order the suite's description shows them.
             const std::string data = R"({"id":)" + Json(id).dump() + R"(,"templateTest":true,"data":)" +
                                      Json("Data for ID: " + id).dump() + "}";
             return Json::array({mcp::text_resource_contents(uri, "application/json", data)});
           },
       .complete = [](const std::string&, const std::string& value, const Json&) {
         return starting_with({"1", "123", "42"}, value);
       }});
}

void register_fixture_prompts(mcp::Server& server) {
  server.add_prompt({.name = "test_simple_prompt",
                     .description = "A prompt without arguments",
                     .handler = [](const Json&, ToolContext&) {
                       return Json{{"messages", Json::array({text_message("This is a simple prompt for testing.")})}};
                     }});
  server.add_prompt({.name = "test_prompt_with_arguments",
                     .description = "A prompt with two required arguments",
                     .arguments = {{.name = "arg1", .description = "First test argument", .required = true},
                                   {.name = "arg2", .description = "Second test argument", .required = true}},
                     .handler =
                         [](const Json& arguments, ToolContext&) {
                           const std::string text = "Prompt with arguments: arg1='" + arguments.value("arg1", "") +
                                                    "', arg2='" + arguments.value("arg2", "") + "'";
                           return Json{{"messages", Json::array({text_message(text)})}};
                         },
                     .complete = [](const std::string& argument, const std::string& value, const Json&) {
                       if (argument == "arg1") return starting_with({"paris", "park", "party", "test", "testValue1"}, value);
                       return starting_with({"world", "testValue2"}, value);
                     }});
  server.add_prompt(
      {.name = "test_prompt_with_embedded_resource",
       .description = "A prompt that embeds a resource",
       .arguments = {{.name = "resourceUri", .description = "URI of the resource to embed", .required = true}},
       .handler = [](const Json& arguments, ToolContext&) {
         const Json resource = mcp::embedded_text_resource(arguments.value("resourceUri", ""), "text/plain",
                                                           "Embedded resource content for testing.");
         return Json{{"messages", Json::array({Json{{"role", "user"}, {"content", resource}},
                                               text_message("Please process the embedded resource above.")})}};
       }});
  server.add_prompt({.name = "test_prompt_with_image",
                     .description = "A prompt with an image",
                     .handler = [](const Json&, ToolContext&) {
                       const Json image = mcp::image_content(kTinyPngBase64, "image/png");
                       return Json{{"messages", Json::array({Json{{"role", "user"}, {"content", image}},
                                                             text_message("Please analyze the image above.")})}};
                     }});
}

}  // namespace lh::conformance
