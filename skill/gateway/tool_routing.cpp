#include "skill/gateway/tool_routing.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace lh::skill::gateway {
namespace {

struct CapabilitySpec {
  std::string_view capability;
  std::vector<std::string_view> roles;
  std::vector<std::string_view> names;
};

// secops-mcp / secops-soar-mcp / gti-mcp names (secops-local shares them) first, then Google's managed
// remote SecOps server's names for the same capability.
const std::vector<CapabilitySpec>& capability_specs() {
  static const std::vector<CapabilitySpec> specs = {
      {"search_udm", {"siem"}, {"search_udm", "udm_search"}},
      {"lookup_entity", {"siem"}, {"lookup_entity", "summarize_entity"}},
      {"get_ioc_matches", {"siem"}, {"get_ioc_matches", "get_ioc_match"}},
      {"get_threat_intel", {"siem", "intel"}, {"get_threat_intel"}},
      {"list_cases", {"cases"}, {"list_cases"}},
      {"get_case_full_details", {"cases"}, {"get_case_full_details", "get_case"}},
      {"post_case_comment", {"cases"}, {"post_case_comment", "create_case_comment"}},
      {"get_file_report", {"intel"}, {"get_file_report"}},
      {"get_ip_address_report", {"intel"}, {"get_ip_address_report"}},
      {"get_domain_report", {"intel"}, {"get_domain_report"}},
  };
  return specs;
}

const CapabilitySpec* find_spec(std::string_view capability) {
  for (const auto& spec : capability_specs()) {
    if (spec.capability == capability) return &spec;
  }
  return nullptr;
}

std::optional<std::string> override_for(const GatewayConfig& config, std::string_view role, std::string_view capability) {
  auto renames = config.tool_overrides.find(std::string(role));
  if (renames == config.tool_overrides.end()) return std::nullopt;
  auto renamed = renames->second.find(std::string(capability));
  if (renamed == renames->second.end()) return std::nullopt;
  return renamed->second;
}

// The tool `server` would use for the capability in `role`, when it lists one.
std::optional<std::string> pick_tool(const DiscoveredServer& server, const CapabilitySpec& spec,
                                     const std::optional<std::string>& override_name) {
  if (override_name) {
    if (server.tools.contains(*override_name)) return override_name;
    return std::nullopt;
  }
  for (std::string_view name : spec.names) {
    if (server.tools.contains(std::string(name))) return std::string(name);
  }
  return std::nullopt;
}

std::string names_text(const CapabilitySpec& spec, const std::optional<std::string>& override_name) {
  if (override_name) return fmt::format("{} (toolOverrides)", *override_name);
  std::string text;
  for (std::string_view name : spec.names) text += fmt::format("{}{}", text.empty() ? "" : " or ", name);
  return text;
}

RouteDecision route_unknown_capability(std::string_view tool, const std::map<std::string, DiscoveredServer>& servers) {
  for (const auto& [name, server] : servers) {
    if (server.reachable && server.tools.contains(std::string(tool))) return {Route{name, std::string(tool), false}, ""};
  }
  for (const auto& [name, server] : servers) {
    if (!server.reachable) return {Route{name, "", true}, ""};
  }
  return {std::nullopt, fmt::format("no upstream server lists a tool named {}", tool)};
}

}  // namespace

std::vector<std::string_view> capability_roles(std::string_view capability) {
  const auto* spec = find_spec(capability);
  return spec ? spec->roles : std::vector<std::string_view>{};
}

std::vector<std::string_view> known_tool_names(std::string_view capability) {
  const auto* spec = find_spec(capability);
  return spec ? spec->names : std::vector<std::string_view>{capability};
}

RouteDecision resolve_route(std::string_view capability, const GatewayConfig& config,
                            const std::map<std::string, DiscoveredServer>& servers) {
  const CapabilitySpec* spec = find_spec(capability);
  if (spec == nullptr) return route_unknown_capability(capability, servers);

  std::vector<std::string> reasons;
  std::optional<Route> unreachable_choice;
  for (std::string_view role : spec->roles) {
    auto assigned = config.roles.find(std::string(role));
    if (assigned == config.roles.end()) continue;
    auto server = servers.find(assigned->second);
    if (server == servers.end()) continue;
    const auto override_name = override_for(config, role, capability);
    if (!server->second.reachable) {
      if (!unreachable_choice) unreachable_choice = Route{server->first, "", true};
      continue;
    }
    if (auto tool = pick_tool(server->second, *spec, override_name)) return {Route{server->first, *tool, false}, ""};
    reasons.push_back(fmt::format("role {} is served by '{}', which has no tool {}", role, server->first,
                                  names_text(*spec, override_name)));
  }
  if (unreachable_choice) return {unreachable_choice, ""};

  std::set<std::string> assigned_servers;
  for (const auto& [role, server] : config.roles) assigned_servers.insert(server);
  std::optional<Route> unreachable_roleless;
  for (const auto& [name, server] : servers) {
    if (assigned_servers.contains(name)) continue;
    if (!server.reachable) {
      if (!unreachable_roleless) unreachable_roleless = Route{name, "", true};
      continue;
    }
    for (std::string_view role : spec->roles) {
      // A role's override speaks for role-less servers only when no server plays that role.
      const auto override_name = config.roles.contains(std::string(role)) ? std::nullopt
                                                                           : override_for(config, role, capability);
      if (auto tool = pick_tool(server, *spec, override_name)) return {Route{name, *tool, false}, ""};
    }
  }
  if (unreachable_roleless) return {unreachable_roleless, ""};

  std::string reason;
  for (const auto& item : reasons) reason += (reason.empty() ? "" : "; ") + item;
  if (reason.empty()) {
    std::string roles;
    for (std::string_view role : spec->roles) roles += fmt::format("{}{}", roles.empty() ? "" : " or ", role);
    reason = fmt::format("no server plays role {} and no role-less server lists {}", roles,
                         names_text(*spec, std::nullopt));
  }
  return {std::nullopt, reason};
}

}  // namespace lh::skill::gateway
