#include "skill/techniques/correlation_queries.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <re2/re2.h>

#include "udm/quote.hpp"

namespace lh::skill::techniques {
namespace {

std::string_view required(std::string_view value, std::string_view what) {
  if (value.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw std::invalid_argument(fmt::format("skill.techniques.query: {} must not be empty", what));
  }
  return value;
}

std::string port_condition(int port) {
  if (port < 0 || port > 65535) throw std::invalid_argument(fmt::format("skill.techniques.query: port {} is not 0-65535", port));
  return fmt::format("target.port = {}", port);
}

// The host's short name (before the first dot), unless the value is an IP address written with dots.
std::string_view short_host(std::string_view host) {
  const bool looks_numeric = host.find_first_not_of("0123456789.") == std::string_view::npos;
  if (looks_numeric) return host;
  const auto dot = host.find('.');
  return dot == std::string_view::npos || dot == 0 ? host : host.substr(0, dot);
}

std::string logon_id_condition(std::string_view logon_id) {
  required(logon_id, "logon id");
  std::vector<std::string> alternatives;
  for (const auto& [map, key] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"target.labels", "TargetLogonId"},
           {"principal.labels", "SubjectLogonId"},
           {"principal.labels", "LogonId"},
           {"additional.fields", "TargetLogonId"},
           {"additional.fields", "SubjectLogonId"},
           {"additional.fields", "LogonId"}}) {
    alternatives.push_back(udm::map_field_equals(map, key, logon_id, true));
  }
  return fmt::format("({})", fmt::join(alternatives, " OR "));
}

}  // namespace

std::string host_condition(std::string_view host) {
  required(host, "host name");
  return fmt::format("principal.hostname = /^{}(\\.|$)/ nocase", udm::quote_regex_literal(short_host(host)));
}

std::string network_to_host(std::string_view target_ip, std::string_view source_ip, const std::vector<int>& ports) {
  required(target_ip, "target address");
  required(source_ip, "source address");
  if (ports.empty()) throw std::invalid_argument("skill.techniques.query: network_to_host needs at least one port");
  std::vector<std::string> port_conditions;
  for (int port : ports) port_conditions.push_back(port_condition(port));
  return fmt::format("metadata.event_type = \"NETWORK_CONNECTION\" AND {} AND {} AND ({})", udm::field_equals("target.ip", target_ip),
                     udm::field_equals("principal.ip", source_ip), fmt::join(port_conditions, " OR "));
}

std::string network_to_host(std::string_view target_ip, std::string_view source_ip, const PortProfile& profile) {
  required(target_ip, "target address");
  required(source_ip, "source address");
  std::vector<std::string> port_conditions;
  for (int port : profile.ports) port_conditions.push_back(port_condition(port));
  if (profile.dynamic_rpc_range) {
    const auto [first, last] = *profile.dynamic_rpc_range;
    port_condition(first);
    port_condition(last);
    port_conditions.push_back(fmt::format("(target.port >= {} AND target.port <= {})", first, last));
  }
  if (port_conditions.empty()) throw std::invalid_argument(fmt::format("skill.techniques.query: port profile \"{}\" has no ports", profile.name));
  return fmt::format("metadata.event_type = \"NETWORK_CONNECTION\" AND {} AND {} AND ({})", udm::field_equals("target.ip", target_ip),
                     udm::field_equals("principal.ip", source_ip), fmt::join(port_conditions, " OR "));
}

std::string logon_session(std::string_view host, std::string_view logon_id) {
  return fmt::format("{} AND {}", host_condition(host), logon_id_condition(logon_id));
}

std::string network_logons(std::string_view host, std::string_view source_ip, std::optional<int> source_port) {
  required(source_ip, "source address");
  std::string query = fmt::format("metadata.event_type = \"USER_LOGIN\" AND metadata.product_event_type = \"4624\" AND {} AND {}",
                                  host_condition(host), udm::field_equals("principal.ip", source_ip));
  if (source_port) {
    if (*source_port < 0 || *source_port > 65535) {
      throw std::invalid_argument(fmt::format("skill.techniques.query: port {} is not 0-65535", *source_port));
    }
    query += fmt::format(" AND principal.port = {}", *source_port);
  }
  return query;
}

std::string service_installs_in_logon(std::string_view host, std::string_view logon_id) {
  required(logon_id, "logon id");
  return fmt::format("metadata.event_type = \"SERVICE_CREATION\" AND {} AND ({} OR {})", host_condition(host),
                     udm::map_field_equals("principal.labels", "SubjectLogonId", logon_id, true),
                     udm::map_field_equals("additional.fields", "SubjectLogonId", logon_id, true));
}

std::string process_by_parent(std::string_view host, std::string_view parent_regex) {
  required(parent_regex, "parent regex");
  RE2 check(std::string(parent_regex), RE2::Quiet);
  if (!check.ok()) {
    throw std::invalid_argument(fmt::format("skill.techniques.query: parent regex /{}/ is not RE2: {}", parent_regex, check.error()));
  }
  // Inside /.../ only "\/" is special to the UDM lexer; every other escape passes to RE2 unchanged.
  // A "/" is escaped, "\x" pairs are copied whole, control characters become \x{..}.
  std::string body;
  for (std::size_t i = 0; i < parent_regex.size(); ++i) {
    const char c = parent_regex[i];
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\' && i + 1 < parent_regex.size()) {
      const auto next = static_cast<unsigned char>(parent_regex[i + 1]);
      if (next < 0x20 || next == 0x7f) {
        body += fmt::format("\\x{{{:02x}}}", static_cast<unsigned>(next));
      } else {
        body += c;
        body += parent_regex[i + 1];
      }
      ++i;
    } else if (c == '/') {
      body += "\\/";
    } else if (byte < 0x20 || byte == 0x7f) {
      body += fmt::format("\\x{{{:02x}}}", static_cast<unsigned>(byte));
    } else {
      body += c;
    }
  }
  return fmt::format("metadata.event_type = \"PROCESS_LAUNCH\" AND {} AND principal.process.file.full_path = /{}/ nocase",
                     host_condition(host), body);
}

std::string process_by_parent_image(std::string_view host, std::string_view parent_image) {
  required(parent_image, "parent image");
  return fmt::format("metadata.event_type = \"PROCESS_LAUNCH\" AND {} AND principal.process.file.full_path = /(^|\\\\){}$/ nocase",
                     host_condition(host), udm::quote_regex_literal(parent_image));
}

std::string share_access_from(std::string_view host, std::string_view source_ip) {
  required(source_ip, "source address");
  return fmt::format("(metadata.product_event_type = \"5140\" OR metadata.product_event_type = \"5145\") AND {} AND {}",
                     host_condition(host), udm::field_equals("principal.ip", source_ip));
}

std::string client_commands_naming(std::string_view source_host, std::string_view target_host) {
  required(target_host, "target host");
  const std::string name = udm::quote_regex_literal(short_host(target_host));
  return fmt::format(
      "metadata.event_type = \"PROCESS_LAUNCH\" AND {} AND target.process.command_line = "
      "/(\\\\\\\\|\\/node:\\s*\"?|\\s\\/s\\s+|-r(emote)?:|-computername\\s+\"?|\\/computername:\"?){}(\\.[^\\s\"\\\\]*)?([\\s\"\\\\]|$)/ nocase",
      host_condition(source_host), name);
}

namespace {

std::string event_id_condition(const std::vector<std::string>& event_ids) {
  if (event_ids.empty()) throw std::invalid_argument("skill.techniques.query: host_events needs at least one event id");
  for (const auto& id : event_ids) {
    if (id.empty() || id.size() > 6 || id.find_first_not_of("0123456789") != std::string::npos) {
      throw std::invalid_argument(fmt::format("skill.techniques.query: event id \"{}\" is not a Windows event number", id));
    }
  }
  return udm::any_of("metadata.product_event_type", event_ids, false);
}

}  // namespace

std::string host_events(std::string_view host, const std::vector<std::string>& event_ids) {
  return fmt::format("{} AND {}", host_condition(host), event_id_condition(event_ids));
}

std::string hosts_events(const std::vector<std::string>& hosts, const std::vector<std::string>& event_ids) {
  if (hosts.empty()) throw std::invalid_argument("skill.techniques.query: hosts_events needs at least one host");
  std::vector<std::string> names;
  for (const auto& host : hosts) names.push_back(udm::quote_regex_literal(short_host(required(host, "host name"))));
  return fmt::format("principal.hostname = /^({})(\\.|$)/ nocase AND {}", fmt::join(names, "|"), event_id_condition(event_ids));
}

std::string connections_from_address(std::string_view ip) {
  required(ip, "address");
  return fmt::format(
      "metadata.event_type = \"NETWORK_CONNECTION\" AND {} AND (network.direction = \"OUTBOUND\" OR "
      "additional.fields[\"Initiated\"] = \"true\")",
      udm::field_equals("principal.ip", ip));
}

std::string network_logon_by_id(std::string_view host, std::string_view logon_id) {
  required(logon_id, "logon id");
  return fmt::format("metadata.product_event_type = \"4624\" AND {} AND ({} OR {})", host_condition(host),
                     udm::map_field_equals("target.labels", "TargetLogonId", logon_id, true),
                     udm::map_field_equals("additional.fields", "TargetLogonId", logon_id, true));
}

std::string remote_execution_commands(std::string_view host) {
  return fmt::format(
      "metadata.event_type = \"PROCESS_LAUNCH\" AND {} AND target.process.command_line = "
      "/((psexec(64)?|paexec)(\\.exe)?\"?\\s.*\\\\\\\\[^\\\\\\s]+|\\/node:|schtasks(\\.exe)?\"?\\s.*\\s\\/s\\s|\\bsc(\\.exe)?\"?\\s+\\\\\\\\|winrs(\\.exe)?\"?\\s.*-r(emote)?:|-computername\\s)/ nocase",
      host_condition(host));
}

}  // namespace lh::skill::techniques
