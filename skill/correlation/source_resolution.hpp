// Source addresses to host names, from the data itself (correlation model step 5): the host that logs
// that address as its own (principal.ip of its outbound connections, target.ip of its inbound ones),
// the 4624 WorkstationName, a PsExec pipe name (\PSEXESVC-<HOST>-<pid>-stdin), and loopback / the target's
// own address (same host: local execution).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "skill/correlation/hunt_event.hpp"

namespace lh::skill::correlation {

struct ResolvedSource {
  std::string host;         // short upper-case name, "" when unresolved
  std::string ip;
  std::string resolved_by;  // same_host, reporting_host, workstation_name, pipe_name, client_command, ""
};

// The source host a PsExec-style pipe name carries ("\PSEXESVC-WKS-017-6404-stdin" -> "WKS-017"), or "".
std::string host_from_pipe_name(std::string_view pipe_name);

class AddressBook {
 public:
  // Learns which addresses each host owns from its connections.
  void observe(const HuntEvent& event);
  const std::set<std::string>& addresses_of(const std::string& host) const;
  // The hosts that log `ip` as their own address.
  std::vector<std::string> owners_of(const std::string& ip) const;

  // Resolves `ip` seen on `target_host`; `workstation` (4624 WorkstationName) and `pipe_hosts` (names
  // read from pipes in the session) are the fallbacks, in that order.
  ResolvedSource resolve(const std::string& ip, const std::string& target_host, const std::string& workstation,
                         const std::vector<std::string>& pipe_hosts) const;

 private:
  std::map<std::string, std::set<std::string>> by_host_;
  std::map<std::string, std::set<std::string>> by_ip_;
};

}  // namespace lh::skill::correlation
