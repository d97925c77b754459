// The seed's step 4 on its own: network connections from a source to a target around a time, on SMB
// by default or on the technique port profiles (rpc, winrm, rdp, ...) of the catalogue, so that
// movement over WMI, DCOM or WinRM is not missed the way a port-445-only search misses it.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "skill/techniques/catalogue.hpp"
#include "skill/techniques/correlation_queries.hpp"
#include "skill/workflow/hunt.hpp"
#include "skill/workflow/upstream_call.hpp"
#include "skill/workflow/validation.hpp"
#include "udm/event.hpp"
#include "udm/ip_network.hpp"
#include "udm/quote.hpp"

namespace lh::skill::workflow {
namespace {

constexpr std::size_t kMaxConnections = 1000;

const techniques::PortProfile* find_profile(const std::string& name) {
  for (const auto& technique : techniques::catalogue().techniques) {
    if (technique.port_profile.name == name) return &technique.port_profile;
  }
  return nullptr;
}

std::vector<std::string> profile_names() {
  std::set<std::string> names;
  for (const auto& technique : techniques::catalogue().techniques) names.insert(technique.port_profile.name);
  return {names.begin(), names.end()};
}

std::string port_conditions(const techniques::PortProfile& ports) {
  std::vector<std::string> conditions;
  for (int port : ports.ports) conditions.push_back(fmt::format("target.port = {}", port));
  if (ports.dynamic_rpc_range) {
    conditions.push_back(fmt::format("(target.port >= {} AND target.port <= {})", ports.dynamic_rpc_range->first,
                                     ports.dynamic_rpc_range->second));
  }
  return fmt::format("({})", fmt::join(conditions, " OR "));
}

// An address is compared as an address; a name matches its short form with or without a domain.
// Connection events name the host that LOGGED them in principal.hostname (an inbound connection
// logged on the target has the target there and the remote address in principal.ip), so a source
// name finds the connections the source logged, and a target name those the target logged or that
// name it as their destination. Addresses for both ends give the seed's exact search.
std::string endpoint_condition(const std::string& value, bool source) {
  if (udm::parse_ip(value)) return udm::field_equals(source ? "principal.ip" : "target.ip", value);
  if (source) return techniques::host_condition(value);
  const auto dot = value.find('.');
  const std::string short_name = dot == std::string::npos || dot == 0 ? value : value.substr(0, dot);
  return fmt::format("(target.hostname = /^{0}(\\.|$)/ nocase OR {1})", udm::quote_regex_literal(short_name),
                     techniques::host_condition(value));
}

std::string string_at(const nlohmann::json& node, std::initializer_list<const char*> path) {
  const nlohmann::json* at = &node;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return {};
    at = &(*at)[key];
  }
  if (at->is_array()) at = at->empty() ? nullptr : &(*at)[0];
  if (!at) return {};
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number()) return at->dump();
  return {};
}

nlohmann::json text_or_null(const std::string& text) { return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text); }

nlohmann::json connection_json(const nlohmann::json& event) {
  const auto& udm = event.contains("udm") ? event["udm"] : event;
  return {{"timestamp", text_or_null(string_at(udm, {"metadata", "eventTimestamp"}))},
          {"reporting_host", text_or_null(string_at(udm, {"principal", "hostname"}))},
          {"source", {{"host", text_or_null(string_at(udm, {"principal", "hostname"}))},
                      {"ip", text_or_null(string_at(udm, {"principal", "ip"}))},
                      {"port", text_or_null(string_at(udm, {"principal", "port"}))}}},
          {"target", {{"host", text_or_null(string_at(udm, {"target", "hostname"}))},
                      {"ip", text_or_null(string_at(udm, {"target", "ip"}))},
                      {"port", text_or_null(string_at(udm, {"target", "port"}))}}},
          {"process", text_or_null(string_at(udm, {"principal", "process", "file", "fullPath"}))},
          {"event", text_or_null(string_at(event, {"name"}))}};
}

}  // namespace

nlohmann::json correlate_smb(gateway::Gateway& gateway, const SmbCorrelationRequest& request, std::stop_token cancel) {
  using detail::reject;
  auto blank = [](const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; };
  if (blank(request.source)) reject("source", "is empty", "pass the source host name or IP address");
  if (blank(request.target)) reject("target", "is empty", "pass the target host name or IP address");
  if (request.window.count() <= 0 || request.window > std::chrono::hours(24 * 7)) {
    reject("window_seconds", fmt::format("must be 1 to {} seconds, got {}", 7 * 24 * 3600, request.window.count()),
           "pass 300 for five minutes either side of the time");
  }
  techniques::PortProfile ports;
  ports.name = "requested";
  for (std::size_t i = 0; i < request.ports.size(); ++i) {
    if (request.ports[i] < 1 || request.ports[i] > 65535) {
      reject(fmt::format("ports[{}]", i), fmt::format("{} is not a port", request.ports[i]), "pass 1-65535, e.g. 445");
    }
    if (std::find(ports.ports.begin(), ports.ports.end(), request.ports[i]) == ports.ports.end()) ports.ports.push_back(request.ports[i]);
  }
  for (std::size_t i = 0; i < request.port_profiles.size(); ++i) {
    const auto* profile = find_profile(request.port_profiles[i]);
    if (!profile) {
      reject(fmt::format("port_profiles[{}]", i), fmt::format("\"{}\" is not a port profile", request.port_profiles[i]),
             fmt::format("use one of {}", fmt::join(profile_names(), ", ")));
    }
    for (int port : profile->ports) {
      if (std::find(ports.ports.begin(), ports.ports.end(), port) == ports.ports.end()) ports.ports.push_back(port);
    }
    if (profile->dynamic_rpc_range) ports.dynamic_rpc_range = profile->dynamic_rpc_range;
  }
  if (ports.ports.empty() && !ports.dynamic_rpc_range) reject("ports", "is empty", "pass [445] or a port profile such as \"rpc\"");
  std::sort(ports.ports.begin(), ports.ports.end());

  techniques::TimeFrame frame = request.time_frame;
  if (request.time) {
    const auto at = udm::parse_rfc3339_us(*request.time);
    if (!at) reject("time", fmt::format("\"{}\" is not an RFC 3339 time", *request.time), "write it like 2024-03-05T10:58:14Z");
    const std::int64_t window_us = static_cast<std::int64_t>(request.window.count()) * 1000000;
    frame.start_time = udm::format_rfc3339(*at - window_us);
    frame.end_time = udm::format_rfc3339(*at + window_us);
  } else {
    detail::validate_time_frame(frame);
  }

  std::string udm_query;
  const bool both_addresses = udm::parse_ip(request.source) && udm::parse_ip(request.target);
  try {
    udm_query = both_addresses
                    ? techniques::network_to_host(request.target, request.source, ports)
                    : fmt::format("metadata.event_type = \"NETWORK_CONNECTION\" AND {} AND {} AND {}",
                                  endpoint_condition(request.target, false), endpoint_condition(request.source, true),
                                  port_conditions(ports));
  } catch (const std::invalid_argument& error) {
    reject("source/target", error.what(), "pass host names or IP addresses without control characters");
  }

  detail::CallCounter counter;
  const auto outcome = detail::search_udm(gateway, counter, udm_query, frame, kMaxConnections, cancel);
  nlohmann::json connections = nlohmann::json::array();
  for (const auto& event : outcome.events) connections.push_back(connection_json(event));
  std::string summary;
  if (outcome.status == "ok") {
    summary = fmt::format("{} connection{} from {} to {} on ports {}{}{}", outcome.hits, outcome.hits == 1 ? "" : "s",
                          request.source, request.target, fmt::join(ports.ports, ", "),
                          ports.dynamic_rpc_range ? fmt::format(" and {}-{}", ports.dynamic_rpc_range->first, ports.dynamic_rpc_range->second) : "",
                          outcome.more_data_available ? " (more available)" : "");
  } else {
    summary = fmt::format("the search {}: {}", outcome.status, outcome.error.value_or(outcome.status));
  }
  nlohmann::json port_list = ports.ports;
  return {{"source", request.source},
          {"target", request.target},
          {"ports", port_list},
          {"dynamic_rpc_range", ports.dynamic_rpc_range ? nlohmann::json{ports.dynamic_rpc_range->first, ports.dynamic_rpc_range->second}
                                                        : nlohmann::json(nullptr)},
          {"time_frame", {{"hours_back", frame.hours_back},
                          {"start_time", frame.start_time ? nlohmann::json(*frame.start_time) : nlohmann::json(nullptr)},
                          {"end_time", frame.end_time ? nlohmann::json(*frame.end_time) : nlohmann::json(nullptr)}}},
          {"udm", udm_query},
          {"status", outcome.status},
          {"error", outcome.error ? nlohmann::json(*outcome.error) : nlohmann::json(nullptr)},
          {"hits", outcome.hits},
          {"more_data_available", outcome.more_data_available},
          {"connections", std::move(connections)},
          {"summary", summary},
          {"upstream_calls", counter.calls.load()}};
}

}  // namespace lh::skill::workflow
