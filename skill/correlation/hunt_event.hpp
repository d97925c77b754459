// A flat view of one search_udm result event: the fields the correlation model joins on, read from the
// UDM first and from additional.fields (the raw Windows EventData) as a fallback, normalised once
// (HTML entities decoded, "-" and "" as absent, logon ids lower case, host names short upper case).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::skill::correlation {

struct HuntEvent {
  std::string name;             // upstream event name (".../events/<id>"), may be empty
  std::string host;             // the host that logged it, short upper-case name
  std::int64_t timestamp_ms = 0;
  std::string event_type;          // metadata.eventType
  std::string product_event_type;  // Windows event id as logged ("4624", "1")

  std::vector<std::string> principal_ips;
  std::optional<int> principal_port;
  std::vector<std::string> target_ips;
  std::optional<int> target_port;
  std::string target_hostname;  // target.hostname (4648 server, Sysmon 3 destination name), short upper
  std::string direction;        // "INBOUND" / "OUTBOUND" / ""
  std::optional<bool> initiated;

  // The launched process (PROCESS_LAUNCH) and its parent.
  std::string image, command_line, process_guid, original_file_name;
  std::optional<std::int64_t> pid;
  std::string parent_image, parent_command_line, parent_guid;
  std::optional<std::int64_t> parent_pid;
  std::string process_logon_id;  // Sysmon 1 LogonId / 4688 TargetLogonId of the new process
  std::vector<std::string> hashes;

  std::string user;        // principal.user.userid
  std::string user_domain; // principal.administrativeDomain
  std::string target_user;
  std::string target_domain;
  std::optional<int> logon_type;
  std::string auth_package;
  std::string target_logon_id;   // 4624 TargetLogonId
  std::string subject_logon_id;  // 4697/4698/5145 SubjectLogonId
  std::string ip_address;        // 4624/5145 IpAddress
  std::optional<int> ip_port;    // 4624/5145 IpPort
  std::string workstation_name;  // 4624 WorkstationName (src.hostname), short upper

  std::string share_name, relative_target_name, access_list;
  std::string file_path;  // target.file.fullPath (Sysmon 11 TargetFilename, 5145 RelativeTargetName)
  std::string pipe_name;
  std::string service_name, service_image;
  std::string task_name, task_content;
  std::string resource_name;  // target.resource.name as logged
  std::string client_process_id;  // 4698 ClientProcessId

  bool is_inbound() const;   // a connection recorded on its destination
  bool is_outbound() const;  // a connection recorded on its origin
  bool is_process_launch() const { return event_type == "PROCESS_LAUNCH"; }
  // The 4624 source address, or the first principal ip, or "".
  std::string logon_source_ip() const;
};

// Reads one result event; std::nullopt when it is not an object or carries no usable time.
std::optional<HuntEvent> parse_hunt_event(const nlohmann::json& event);

// "WORKSTATION6.theshire.local" -> "WORKSTATION6"; an IP address is returned unchanged.
std::string short_host_name(std::string_view host);
// Lower case; "-", "", "0x0" -> "".
std::string normalise_logon_id(std::string_view logon_id);
// 0x3e7 (SYSTEM), 0x3e4 (NETWORK SERVICE), 0x3e5 (LOCAL SERVICE): service-launched, not a user's session.
bool is_system_logon_id(std::string_view normalised_logon_id);
bool is_loopback_address(std::string_view ip);
// One spelling per address: IPv6 compressed lower case ("fe80:0:0:0:90e:..." and "fe80::90e:..." are the same),
// "::ffff:a.b.c.d" as a.b.c.d; anything unparseable is returned trimmed.
std::string normalise_ip(std::string_view ip);
// The file name of a Windows path, lower case ("C:\\Windows\\System32\\cmd.exe" -> "cmd.exe").
std::string file_name_lower(std::string_view path);
std::string lower(std::string_view text);

// RFC 3339 (with or without fraction / offset) -> ms since the epoch.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);
// ms since the epoch -> "2024-03-05T10:58:14.708Z".
std::string format_rfc3339_ms(std::int64_t ms);

}  // namespace lh::skill::correlation
