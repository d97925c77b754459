// Which upstream tool serves a capability.
//
// The rule, per capability (see kCapabilities in gateway.hpp):
//  1. For each role that serves the capability (its own role; get_threat_intel also falls back to
//     intel), when the config assigns that role to a server: the role's toolOverrides entry for the
//     capability names the tool; otherwise the first of the capability's known names the server lists
//     (secops-mcp's and secops-local's name first, then Google's remote server's name).
//  2. Otherwise a server that is assigned to no role at all, in name order, that lists a known name
//     (a role's override applies there too when no server is assigned that role). A server assigned
//     to some other role is never used for the capability.
//  3. A name that is not one of the capabilities is taken as a tool name, routed to the first server
//     (role servers and role-less ones alike, in name order) that lists it.
// A server that could not be reached cannot be checked for tools: when it is assigned the role (or,
// role-less, when nothing else serves the capability) the route says so, and a call fails naming it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/config.hpp"

namespace lh::skill::gateway {

// The role that serves the capability first, then fallbacks; empty for an unknown capability.
std::vector<std::string_view> capability_roles(std::string_view capability);
// Tool names known to implement the capability, in order of preference.
std::vector<std::string_view> known_tool_names(std::string_view capability);

// What discovery learnt about one server.
struct DiscoveredServer {
  std::string name;
  bool reachable = false;
  std::map<std::string, nlohmann::json> tools;  // tool name -> tools/list entry
};

struct Route {
  std::string server;
  std::string tool;         // empty when unreachable
  bool unreachable = false;  // the server that should serve it could not be reached
};

struct RouteDecision {
  std::optional<Route> route;
  // When there is no route: why (e.g. "role siem is served by 'secops', which has no tool search_udm").
  std::string reason;
};

RouteDecision resolve_route(std::string_view capability, const GatewayConfig& config,
                            const std::map<std::string, DiscoveredServer>& servers);

}  // namespace lh::skill::gateway
