#include "skill/correlation/hunt_event.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <arpa/inet.h>

#include <fmt/format.h>

#include "skill/techniques/command_scoring.hpp"

namespace lh::skill::correlation {
namespace {

using nlohmann::json;

std::string camel_to_snake(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

// Member `key` (camelCase as search results give it) or its snake_case spelling (bare UDM).
const json* member(const json* node, std::string_view key) {
  if (node == nullptr || !node->is_object()) return nullptr;
  if (auto it = node->find(std::string(key)); it != node->end()) return &*it;
  const auto snake = camel_to_snake(key);
  if (snake != key) {
    if (auto it = node->find(snake); it != node->end()) return &*it;
  }
  return nullptr;
}

const json* at(const json& root, std::initializer_list<std::string_view> path) {
  const json* node = &root;
  for (auto key : path) {
    node = member(node, key);
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::string scalar_text(const json* node) {
  if (node == nullptr || node->is_null()) return {};
  if (node->is_string()) return node->get<std::string>();
  if (node->is_array()) return node->empty() ? std::string() : scalar_text(&(*node)[0]);
  if (node->is_boolean()) return node->get<bool>() ? "true" : "false";
  if (node->is_number()) return node->dump();
  if (node->is_object()) {
    for (const char* k : {"stringValue", "string_value", "value"}) {
      if (auto it = node->find(k); it != node->end()) return scalar_text(&*it);
    }
  }
  return {};
}

// "-" and blank are how Windows says "absent".
std::string clean(std::string text) {
  text = techniques::decode_html_entities(text);
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  text = text.substr(first, last - first + 1);
  if (text == "-") return {};
  return text;
}

std::string text_at(const json& root, std::initializer_list<std::string_view> path) {
  return clean(scalar_text(at(root, path)));
}

std::vector<std::string> texts_at(const json& root, std::initializer_list<std::string_view> path) {
  std::vector<std::string> out;
  const json* node = at(root, path);
  if (node == nullptr) return out;
  if (node->is_array()) {
    for (const auto& item : *node) {
      auto value = clean(scalar_text(&item));
      if (!value.empty()) out.push_back(std::move(value));
    }
  } else if (auto value = clean(scalar_text(node)); !value.empty()) {
    out.push_back(std::move(value));
  }
  return out;
}

// Labels come as [{"key","value"}] (search results) or as an object.
std::string map_value(const json* map, std::string_view key) {
  if (map == nullptr) return {};
  if (map->is_object()) {
    if (auto it = map->find(std::string(key)); it != map->end()) return clean(scalar_text(&*it));
    return {};
  }
  if (map->is_array()) {
    for (const auto& item : *map) {
      if (!item.is_object()) continue;
      const auto k = item.find("key");
      if (k == item.end() || !k->is_string() || *k != key) continue;
      for (const char* v : {"value", "stringValue", "string_value"}) {
        if (auto it = item.find(v); it != item.end()) return clean(scalar_text(&*it));
      }
    }
  }
  return {};
}

std::optional<std::int64_t> to_int(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int> to_port(std::string_view text) {
  auto value = to_int(text);
  if (!value || *value <= 0 || *value > 65535) return std::nullopt;
  return static_cast<int>(*value);
}

std::optional<int> logon_type_from_mechanism(std::string_view mechanism) {
  static const std::pair<std::string_view, int> table[] = {
      {"INTERACTIVE", 2}, {"NETWORK", 3}, {"BATCH", 4}, {"SERVICE", 5}, {"UNLOCK", 7}, {"NETWORK_CLEAR_TEXT", 8},
      {"NEW_CREDENTIALS", 9}, {"REMOTE_INTERACTIVE", 10}, {"CACHED_INTERACTIVE", 11}};
  for (const auto& [name, type] : table) {
    if (mechanism == name) return type;
  }
  return std::nullopt;
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string short_host_name(std::string_view host) {
  while (!host.empty() && (host.front() == '\\' || host.front() == ' ')) host.remove_prefix(1);
  if (host.empty() || host == "-") return {};
  const bool numeric = host.find_first_not_of("0123456789.") == std::string_view::npos || host.find(':') != std::string_view::npos;
  if (numeric) return std::string(host);
  const auto dot = host.find('.');
  std::string out(dot == std::string_view::npos ? host : host.substr(0, dot));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string normalise_logon_id(std::string_view logon_id) {
  auto out = lower(clean(std::string(logon_id)));
  if (out == "0x0" || out == "0") return {};
  return out;
}

bool is_system_logon_id(std::string_view id) { return id == "0x3e7" || id == "0x3e4" || id == "0x3e5"; }

std::string normalise_ip(std::string_view ip) {
  std::string text(ip);
  if (text.find(':') == std::string::npos) return text;
  if (auto percent = text.find('%'); percent != std::string::npos) text.resize(percent);  // zone index
  in6_addr address{};
  if (inet_pton(AF_INET6, text.c_str(), &address) != 1) return lower(text);
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, &address, out, sizeof out) == nullptr) return lower(text);
  std::string canonical(out);
  if (canonical.starts_with("::ffff:") && canonical.find('.') != std::string::npos) return canonical.substr(7);
  return canonical;
}

bool is_loopback_address(std::string_view ip) {
  return ip.starts_with("127.") || ip == "::1" || ip == "0:0:0:0:0:0:0:1" || ip == "::ffff:127.0.0.1";
}

std::string file_name_lower(std::string_view path) {
  const auto slash = path.find_last_of("\\/");
  auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  while (!name.empty() && (name.back() == '"' || name.back() == ' ')) name.remove_suffix(1);
  return lower(name);
}

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text) {
  // YYYY-MM-DD[T ]HH:MM:SS[.fff...][Z|+HH:MM]
  if (text.size() < 19) return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || text[4] != '-' || text[7] != '-' || text[13] != ':') return std::nullopt;
  std::int64_t ms = 0;
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (digits < 3) ms = ms * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    for (; digits < 3; ++digits) ms *= 10;
  }
  std::int64_t offset_min = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-') && text.size() >= pos + 6) {
    const auto oh = num(pos + 1, 2), om = num(pos + 4, 2);
    if (oh && om) offset_min = (text[pos] == '-' ? -1 : 1) * (*oh * 60 + *om);
  }
  const auto days = days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  return ((days * 24 + *h) * 60 + *mi - offset_min) * 60000 + static_cast<std::int64_t>(*s) * 1000 + ms;
}

std::string format_rfc3339_ms(std::int64_t ms) {
  std::int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  std::int64_t rem = ms - days * 86400000;
  // civil_from_days
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, rem / 3600000, rem / 60000 % 60, rem / 1000 % 60,
                     rem % 1000);
}

bool HuntEvent::is_inbound() const {
  if (direction == "INBOUND") return true;
  if (direction == "OUTBOUND") return false;
  return initiated.has_value() && !*initiated;
}

bool HuntEvent::is_outbound() const {
  if (direction == "OUTBOUND") return true;
  if (direction == "INBOUND") return false;
  return initiated.has_value() && *initiated;
}

std::string HuntEvent::logon_source_ip() const {
  if (!ip_address.empty()) return ip_address;
  return principal_ips.empty() ? std::string() : principal_ips.front();
}

std::optional<HuntEvent> parse_hunt_event(const nlohmann::json& event) {
  if (!event.is_object()) return std::nullopt;
  const json* udm_node = member(&event, "udm");
  const json& udm = udm_node != nullptr && udm_node->is_object() ? *udm_node : event;
  if (!udm.is_object()) return std::nullopt;

  HuntEvent e;
  e.name = scalar_text(member(&event, "name"));
  const json* fields = at(udm, {"additional", "fields"});
  auto raw = [&](std::string_view key) { return map_value(fields, key); };

  auto ts = parse_rfc3339_ms(text_at(udm, {"metadata", "eventTimestamp"}));
  if (!ts) ts = parse_rfc3339_ms(raw("UtcTime").empty() ? std::string() : raw("UtcTime").replace(10, 1, "T") + "Z");
  if (!ts) ts = parse_rfc3339_ms(raw("@timestamp"));
  if (!ts) return std::nullopt;
  e.timestamp_ms = *ts;

  e.event_type = text_at(udm, {"metadata", "eventType"});
  e.product_event_type = text_at(udm, {"metadata", "productEventType"});
  if (e.product_event_type.empty()) e.product_event_type = raw("EventID");

  auto host = text_at(udm, {"principal", "hostname"});
  if (host.empty()) host = raw("Hostname");
  e.host = short_host_name(host);

  e.principal_ips = texts_at(udm, {"principal", "ip"});
  for (auto& ip : e.principal_ips) ip = normalise_ip(ip);
  e.principal_port = to_port(text_at(udm, {"principal", "port"}));
  e.target_ips = texts_at(udm, {"target", "ip"});
  for (auto& ip : e.target_ips) ip = normalise_ip(ip);
  e.target_port = to_port(text_at(udm, {"target", "port"}));
  e.target_hostname = short_host_name(text_at(udm, {"target", "hostname"}));
  e.direction = text_at(udm, {"network", "direction"});
  if (auto initiated = lower(raw("Initiated")); initiated == "true" || initiated == "false") e.initiated = initiated == "true";
  if (e.principal_ips.empty()) {
    if (auto ip = raw("SourceIp"); !ip.empty()) e.principal_ips.push_back(normalise_ip(ip));
  }
  if (!e.principal_port) e.principal_port = to_port(raw("SourcePort"));
  if (e.target_ips.empty()) {
    if (auto ip = raw("DestinationIp"); !ip.empty()) e.target_ips.push_back(normalise_ip(ip));
  }
  if (!e.target_port) e.target_port = to_port(raw("DestinationPort"));

  e.image = text_at(udm, {"target", "process", "file", "fullPath"});
  e.command_line = text_at(udm, {"target", "process", "commandLine"});
  e.process_guid = lower(text_at(udm, {"target", "process", "productSpecificProcessId"}));
  e.pid = to_int(text_at(udm, {"target", "process", "pid"}));
  e.original_file_name = text_at(udm, {"src", "process", "file", "fullPath"});
  e.parent_image = text_at(udm, {"principal", "process", "file", "fullPath"});
  e.parent_command_line = text_at(udm, {"principal", "process", "commandLine"});
  e.parent_guid = lower(text_at(udm, {"principal", "process", "productSpecificProcessId"}));
  e.parent_pid = to_int(text_at(udm, {"principal", "process", "pid"}));
  if (e.is_process_launch()) {
    if (e.image.empty()) e.image = raw("Image").empty() ? raw("NewProcessName") : raw("Image");
    if (e.command_line.empty()) e.command_line = raw("CommandLine");
    if (e.parent_image.empty()) e.parent_image = raw("ParentImage").empty() ? raw("ParentProcessName") : raw("ParentImage");
    if (e.parent_command_line.empty()) e.parent_command_line = raw("ParentCommandLine");
    if (e.process_guid.empty()) e.process_guid = lower(raw("ProcessGuid"));
    if (e.parent_guid.empty()) e.parent_guid = lower(raw("ParentProcessGuid"));
  }
  for (const char* h : {"sha256", "md5", "sha1"}) {
    if (auto value = lower(text_at(udm, {"target", "process", "file", h})); !value.empty()) e.hashes.push_back(value);
  }

  e.user = text_at(udm, {"principal", "user", "userid"});
  e.user_domain = text_at(udm, {"principal", "administrativeDomain"});
  e.target_user = text_at(udm, {"target", "user", "userid"});
  if (e.target_user.empty()) e.target_user = raw("TargetUserName");
  e.target_domain = text_at(udm, {"target", "administrativeDomain"});
  if (e.target_domain.empty()) e.target_domain = raw("TargetDomainName");
  if (e.user.empty()) e.user = raw("SubjectUserName");
  if (e.user_domain.empty()) e.user_domain = raw("SubjectDomainName");

  if (auto mech = text_at(udm, {"extensions", "auth", "mechanism"}); !mech.empty()) e.logon_type = logon_type_from_mechanism(mech);
  if (auto type = to_int(raw("LogonType")); type) e.logon_type = static_cast<int>(*type);
  e.auth_package = raw("AuthenticationPackageName");

  const json* target_labels = at(udm, {"target", "labels"});
  const json* principal_labels = at(udm, {"principal", "labels"});
  e.target_logon_id = normalise_logon_id(map_value(target_labels, "TargetLogonId"));
  if (e.target_logon_id.empty()) e.target_logon_id = normalise_logon_id(raw("TargetLogonId"));
  e.subject_logon_id = normalise_logon_id(map_value(principal_labels, "SubjectLogonId"));
  if (e.subject_logon_id.empty()) e.subject_logon_id = normalise_logon_id(raw("SubjectLogonId"));
  if (e.is_process_launch()) {
    // Sysmon 1 LogonId is the new process's session; 4688 carries it as TargetLogonId.
    e.process_logon_id = normalise_logon_id(map_value(principal_labels, "LogonId"));
    if (e.process_logon_id.empty()) e.process_logon_id = normalise_logon_id(raw("LogonId"));
    if (e.process_logon_id.empty()) e.process_logon_id = e.target_logon_id;
    if (e.process_logon_id.empty() && e.product_event_type == "4688") e.process_logon_id = e.subject_logon_id;
  }

  e.ip_address = raw("IpAddress");
  if (e.ip_address.empty() && (e.product_event_type == "4624" || e.product_event_type == "5140" || e.product_event_type == "5145")) {
    auto ips = texts_at(udm, {"src", "ip"});
    if (ips.empty()) ips = e.principal_ips;
    if (!ips.empty()) e.ip_address = ips.front();
  }
  e.ip_address = normalise_ip(e.ip_address);
  e.ip_port = to_port(raw("IpPort"));
  if (!e.ip_port && (e.product_event_type == "4624" || e.product_event_type == "5145" || e.product_event_type == "5140")) {
    e.ip_port = e.principal_port;
  }
  auto workstation = raw("WorkstationName");
  if (workstation.empty() && e.product_event_type == "4624") workstation = text_at(udm, {"src", "hostname"});
  e.workstation_name = short_host_name(workstation);

  e.resource_name = text_at(udm, {"target", "resource", "name"});
  e.file_path = text_at(udm, {"target", "file", "fullPath"});
  e.share_name = raw("ShareName");
  e.relative_target_name = raw("RelativeTargetName");
  e.access_list = raw("AccessList");
  if (e.product_event_type == "5140" || e.product_event_type == "5145") {
    if (e.share_name.empty()) e.share_name = e.resource_name;
    if (e.relative_target_name.empty()) e.relative_target_name = e.file_path;
  }
  if (e.product_event_type == "17" || e.product_event_type == "18") {
    e.pipe_name = raw("PipeName").empty() ? e.resource_name : raw("PipeName");
  } else if (e.product_event_type == "5145" && lower(e.share_name).ends_with("ipc$")) {
    e.pipe_name = e.relative_target_name;
  }
  if (e.event_type == "SERVICE_CREATION") {
    e.service_name = text_at(udm, {"target", "application"});
    if (e.service_name.empty()) e.service_name = raw("ServiceName");
    e.service_image = e.command_line.empty() ? e.image : e.command_line;
    if (e.service_image.empty()) e.service_image = raw("ImagePath").empty() ? raw("ServiceFileName") : raw("ImagePath");
  }
  if (e.event_type.starts_with("SCHEDULED_TASK") || e.product_event_type == "4698" || e.product_event_type == "4702") {
    e.task_name = raw("TaskName").empty() ? e.resource_name : raw("TaskName");
    e.task_content = raw("TaskContent").empty() ? raw("TaskContentNew") : raw("TaskContent");
    e.client_process_id = raw("ClientProcessId");
  }
  return e;
}

}  // namespace lh::skill::correlation
