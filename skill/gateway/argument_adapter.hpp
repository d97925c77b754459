// Arguments written in secops-mcp's names, adapted to the tool actually called, from its inputSchema:
//  - a name the tool declares is kept;
//  - a name it does not declare is renamed to an equivalent it does declare (entity_value -> entity or
//    query, case_id -> case or name, comment -> comment_text, the camelCase spelling, ...), when the
//    call does not already set that name;
//  - hours_back becomes start_time/end_time (now - hours .. now, RFC 3339 UTC) for a tool that declares
//    those but not hours_back;
//  - anything else the tool does not declare is dropped (the upstream would reject or ignore it);
//  - the server's configured "arguments" (tenant ids) fill the names the tool declares and the call left
//    unset.
// A schema without "properties" says nothing about names: the arguments pass unchanged.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::skill::gateway {

struct AdaptedArguments {
  nlohmann::json arguments = nlohmann::json::object();
  // "entity_value -> entity", "dropped max_events", ... for debug logs.
  std::vector<std::string> changes;
};

// The names the schema's "required" lists that `arguments` does not set (in schema order).
std::vector<std::string> missing_required(const nlohmann::json& arguments, const nlohmann::json& input_schema);

AdaptedArguments adapt_arguments(const nlohmann::json& arguments, const nlohmann::json& input_schema,
                                 const nlohmann::json& server_arguments,
                                 std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace lh::skill::gateway
