#pragma once
// UDM searches for the correlation steps of the hunt, built from values taken from events or from the
// user (host names, addresses, logon ids). Every value goes through lh_udm's quote builders, so whatever it
// holds it stays a value: it cannot close its literal, add conditions or change the query's shape.
// Each builder throws std::invalid_argument (identifier "skill.techniques.query" or lh_udm's "udm.quote")
// for an empty value, a bad port, or a value a UDM literal cannot carry (control characters).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skill/techniques/catalogue.hpp"

namespace lh::skill::techniques {

// Host names are logged both short and fully qualified: the condition matches the short name with or
// without a domain suffix, case-insensitively (on principal.hostname, the reporting host).
std::string host_condition(std::string_view host);

// Connections from source_ip to target_ip on any of `ports` (the seed's network step, for every port).
std::string network_to_host(std::string_view target_ip, std::string_view source_ip, const std::vector<int>& ports);
// The same on a technique's port profile: its fixed ports, plus its dynamic RPC range when it has one.
std::string network_to_host(std::string_view target_ip, std::string_view source_ip, const PortProfile& profile);

// Every event on `host` that belongs to the logon session `logon_id` (4624 TargetLogonId, 4697/4698/5145
// SubjectLogonId, Sysmon 1 LogonId, 4688 TargetLogonId), through the mapped labels and the raw
// additional.fields. Logon ids compare case-insensitively (0x3E7 = 0x3e7).
std::string logon_session(std::string_view host, std::string_view logon_id);

// Network logons (4624) on `host` from `source_ip`; with `source_port`, the exact one whose IpPort equals
// an inbound Sysmon 3 SourcePort.
std::string network_logons(std::string_view host, std::string_view source_ip, std::optional<int> source_port = std::nullopt);

// Services installed (7045/4697) on `host` inside the logon `logon_id` (4697 SubjectLogonId).
std::string service_installs_in_logon(std::string_view host, std::string_view logon_id);

// Process launches on `host` whose parent image matches `parent_regex` (RE2, case-insensitive). The regex
// is checked with RE2 and its slashes escaped, so it cannot end the regex literal early.
std::string process_by_parent(std::string_view host, std::string_view parent_regex);
// Process launches on `host` whose parent image file name is exactly `parent_image` ("services.exe").
std::string process_by_parent_image(std::string_view host, std::string_view parent_image);

// Share and pipe access (5140/5145) on `host` from `source_ip`: svcctl, atsvc, PSEXESVC, ADMIN$/C$ writes.
std::string share_access_from(std::string_view host, std::string_view source_ip);

// The client command on a source host naming `target_host` (psexec \\H, wmic /node:H, schtasks /S H,
// sc \\H, winrs -r:H, -ComputerName H), short or fully qualified.
std::string client_commands_naming(std::string_view source_host, std::string_view target_host);

// Events on `host` whose Windows event id (metadata.product_event_type) is one of `event_ids` (digits only):
// the correlator's context around execution anchors, one search per host and time cluster.
std::string host_events(std::string_view host, const std::vector<std::string>& event_ids);

// The same for several hosts in one search (a busy hunt batches hosts whose anchors are close in time).
std::string hosts_events(const std::vector<std::string>& hosts, const std::vector<std::string>& event_ids);

// Connections logged with `ip` as the host's own address (outbound from it): which host owns a source address.
std::string connections_from_address(std::string_view ip);

// The 4624 on `host` whose TargetLogonId is `logon_id` (the logon that opened an anchor's session).
std::string network_logon_by_id(std::string_view host, std::string_view logon_id);

// Process launches on `host` whose command line drives another machine (psexec \\H, wmic /node:, schtasks /s,
// sc \\H, winrs -r:, -ComputerName): a source's remote-execution history (baseline).
std::string remote_execution_commands(std::string_view host);

}  // namespace lh::skill::techniques
