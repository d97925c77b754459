#include "skill/correlation/source_resolution.hpp"

#include <re2/re2.h>

namespace lh::skill::correlation {

std::string host_from_pipe_name(std::string_view pipe_name) {
  static const RE2 pipe(R"((?i)^\\?(?:psexesvc|paexec|remcom|csexec)[^-]*-(.+)-(\d+)-(?:stdin|stdout|stderr)$)");
  std::string host;
  if (RE2::FullMatch(pipe_name, pipe, &host)) return short_host_name(host);
  return {};
}

void AddressBook::observe(const HuntEvent& e) {
  if (e.event_type != "NETWORK_CONNECTION" || e.host.empty()) return;
  const auto& own = e.is_outbound() ? e.principal_ips : e.is_inbound() ? e.target_ips : std::vector<std::string>{};
  for (const auto& ip : own) {
    if (ip.empty() || is_loopback_address(ip) || ip == "0.0.0.0") continue;
    by_host_[e.host].insert(ip);
    by_ip_[ip].insert(e.host);
  }
}

const std::set<std::string>& AddressBook::addresses_of(const std::string& host) const {
  static const std::set<std::string> none;
  auto it = by_host_.find(host);
  return it == by_host_.end() ? none : it->second;
}

std::vector<std::string> AddressBook::owners_of(const std::string& ip) const {
  auto it = by_ip_.find(ip);
  if (it == by_ip_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

ResolvedSource AddressBook::resolve(const std::string& ip, const std::string& target_host, const std::string& workstation,
                                    const std::vector<std::string>& pipe_hosts) const {
  ResolvedSource out{.ip = ip};
  if (!ip.empty() && is_loopback_address(ip)) return {target_host, ip, "same_host"};
  if (!ip.empty() && addresses_of(target_host).contains(ip)) return {target_host, ip, "same_host"};
  if (!ip.empty()) {
    const auto owners = owners_of(ip);
    if (owners.size() == 1) return {owners.front(), ip, "reporting_host"};
  }
  // A remote interactive logon names the target itself as its workstation: only a name that differs from
  // the target, or an address that is the target's own, says anything about the source.
  const bool own_or_unknown = ip.empty() || addresses_of(target_host).contains(ip);
  if (!workstation.empty() && (workstation != target_host || own_or_unknown)) {
    return {workstation, ip, workstation == target_host ? "same_host" : "workstation_name"};
  }
  for (const auto& host : pipe_hosts) {
    if (!host.empty()) return {host, ip, host == target_host ? "same_host" : "pipe_name"};
  }
  return out;
}

}  // namespace lh::skill::correlation
