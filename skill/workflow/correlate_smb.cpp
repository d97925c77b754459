// The seed's step 4 on its own: network connections from a source to a target around a time, on SMB
// by default or on the technique port profiles (rpc, winrm, rdp, ...) of the catalogue, so that
// movement over WMI, DCOM or WinRM is not missed the way a port-445-only search misses it.
#include <algorithm>
#include <map>
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
// Connections a host logged, read to learn its own addresses; a few hundred show every address it used.
constexpr std::size_t kMaxResolutionEvents = 500;
constexpr std::size_t kMaxAddressesPerHost = 8;

// A plain address, or a host name as Windows and DNS write them. Anything else (quotes, spaces,
// parentheses, UDM operators) is refused rather than cut to a prefix or searched as text.
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool is_plain_ip(const std::string& value) {
  const bool address_characters = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
  });
  return address_characters && udm::parse_ip(value).has_value();
}

// Labels of letters, digits, '-' and '_' separated by single dots (one trailing dot allowed).
bool is_host_name(const std::string& value) {
  if (value.empty() || value.size() > 255 || !is_alnum(value.front())) return false;
  char previous = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '.') {
      if (previous == '.') return false;
    } else if (!is_alnum(c) && c != '-' && c != '_') {
      return false;
    }
    previous = c;
  }
  return true;
}

void check_endpoint(const char* argument, const std::string& value) {
  if (is_plain_ip(value) || is_host_name(value)) return;
  detail::reject(argument, fmt::format("\"{}\" is not a plain IP address or host name", value),
                 "pass an IPv4 or IPv6 address such as 10.20.0.18, or a host name of letters, digits, '-', '_' and "
                 "'.' such as WKS-017 or wks-017.acme.local, with no quotes, spaces or operators");
}

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

// How a host name became addresses: the host's own connections in the data (principal.ip of those it
// initiated, target.ip of those it accepted), most used first.
struct Endpoint {
  std::string value;
  bool is_address = false;
  std::vector<std::string> addresses;  // the value itself for an address
  nlohmann::json resolution;
};

bool is_loopback_or_unspecified(const std::string& ip) {
  return ip.rfind("127.", 0) == 0 || ip == "::1" || ip == "0.0.0.0" || ip == "::" || ip == "-";
}

Endpoint resolve_endpoint(gateway::Gateway& gateway, detail::CallCounter& counter, const std::string& value,
                          const techniques::TimeFrame& frame, const std::stop_token& cancel) {
  Endpoint endpoint{value, is_plain_ip(value), {}, nlohmann::json::object()};
  if (endpoint.is_address) {
    endpoint.addresses = {value};
    endpoint.resolution = {{"value", value}, {"kind", "ip"}, {"addresses", {value}}, {"how", "an IP address, used as given"}};
    return endpoint;
  }
  const std::string query =
      fmt::format("metadata.event_type = \"NETWORK_CONNECTION\" AND {}", techniques::host_condition(value));
  const auto outcome = detail::search_udm(gateway, counter, query, frame, kMaxResolutionEvents, cancel);
  std::map<std::string, std::size_t> uses;
  for (const auto& event : outcome.events) {
    const auto& udm = event.contains("udm") ? event["udm"] : event;
    const std::string direction = string_at(udm, {"network", "direction"});
    const std::string own = direction == "INBOUND" ? string_at(udm, {"target", "ip"}) : string_at(udm, {"principal", "ip"});
    if (!own.empty() && !is_loopback_or_unspecified(own) && udm::parse_ip(own)) ++uses[own];
  }
  std::vector<std::pair<std::string, std::size_t>> ranked(uses.begin(), uses.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [ip, count] : ranked) {
    if (endpoint.addresses.size() == kMaxAddressesPerHost) break;
    endpoint.addresses.push_back(ip);
  }
  std::string how;
  if (outcome.status != "ok") {
    how = fmt::format("not resolved: the search for {}'s own connections {}: {}; matched by host name instead", value,
                      outcome.status, outcome.error.value_or(outcome.status));
  } else if (endpoint.addresses.empty()) {
    how = fmt::format("not resolved: {} logged no connection with an address of its own in the time frame; matched "
                      "by host name instead",
                      value);
  } else {
    how = fmt::format("resolved from {} connection{} that {} logged itself (principal.ip of outbound, target.ip of "
                      "inbound): {}",
                      outcome.events.size(), outcome.events.size() == 1 ? "" : "s", value,
                      fmt::join(endpoint.addresses, ", "));
  }
  endpoint.resolution = {{"value", value},
                         {"kind", "host"},
                         {"addresses", endpoint.addresses},
                         {"how", how},
                         {"resolution_query", query}};
  return endpoint;
}

std::string any_address(const char* field, const std::vector<std::string>& addresses) {
  std::vector<std::string> conditions;
  for (const auto& ip : addresses) conditions.push_back(udm::field_equals(field, ip));
  return conditions.size() == 1 ? conditions[0] : fmt::format("({})", fmt::join(conditions, " OR "));
}

}  // namespace

nlohmann::json correlate_smb(gateway::Gateway& gateway, const SmbCorrelationRequest& request, std::stop_token cancel) {
  using detail::reject;
  auto blank = [](const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; };
  if (blank(request.source)) reject("source", "is empty", "pass the source host name or IP address");
  if (blank(request.target)) reject("target", "is empty", "pass the target host name or IP address");
  check_endpoint("source", request.source);
  check_endpoint("target", request.target);
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

  detail::CallCounter counter;
  // Names become the addresses the host used across the whole time frame (not just the window around
  // `time`: a host keeps its address longer than one connection), so the search is the exact IP one.
  techniques::TimeFrame resolution_frame = request.time_frame;
  Endpoint source = resolve_endpoint(gateway, counter, request.source, resolution_frame, cancel);
  Endpoint target = resolve_endpoint(gateway, counter, request.target, resolution_frame, cancel);

  std::string udm_query;
  try {
    if (source.addresses.size() == 1 && target.addresses.size() == 1) {
      udm_query = techniques::network_to_host(target.addresses[0], source.addresses[0], ports);
    } else {
      const std::string target_condition =
          target.addresses.empty() ? endpoint_condition(request.target, false) : any_address("target.ip", target.addresses);
      const std::string source_condition =
          source.addresses.empty() ? endpoint_condition(request.source, true) : any_address("principal.ip", source.addresses);
      udm_query = fmt::format("metadata.event_type = \"NETWORK_CONNECTION\" AND {} AND {} AND {}", target_condition,
                              source_condition, port_conditions(ports));
    }
  } catch (const std::invalid_argument& error) {
    reject("source/target", error.what(), "pass host names or IP addresses without control characters");
  }

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
  for (const Endpoint* endpoint : {&source, &target}) {
    if (!endpoint->is_address) summary += fmt::format("\n{}: {}", endpoint->value, endpoint->resolution.value("how", ""));
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
          {"resolution", {{"source", source.resolution}, {"target", target.resolution}}},
          {"status", outcome.status},
          {"error", outcome.error ? nlohmann::json(*outcome.error) : nlohmann::json(nullptr)},
          {"hits", outcome.hits},
          {"more_data_available", outcome.more_data_available},
          {"connections", std::move(connections)},
          {"summary", summary},
          {"upstream_calls", counter.calls.load()}};
}

}  // namespace lh::skill::workflow
