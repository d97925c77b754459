#include <algorithm>
#include <cstdlib>

#include "skill/correlation/joins.hpp"

namespace lh::skill::correlation {
namespace {

bool in_span(std::int64_t t, std::int64_t first_ms, std::int64_t last_ms, std::chrono::milliseconds window) {
  return t >= first_ms - window.count() && t <= last_ms + window.count();
}

std::int64_t distance(std::int64_t t, std::int64_t first_ms, std::int64_t last_ms) {
  if (t < first_ms) return first_ms - t;
  if (t > last_ms) return t - last_ms;
  return 0;
}

bool fits_profile(const HuntEvent& c, const techniques::PortProfile* profile) {
  if (profile == nullptr || (profile->ports.empty() && !profile->dynamic_rpc_range)) return true;
  if (!c.target_port) return false;
  return profile->matches(*c.target_port, c.parent_image);
}

bool inbound_to(const HuntEvent& c, const std::string& target_host) {
  if (c.event_type != "NETWORK_CONNECTION" || c.host != target_host) return false;
  // Recorded on the target: inbound, or (when the shipper lost direction) not initiated by it.
  return c.is_inbound() || !c.is_outbound();
}

}  // namespace

std::vector<NetworkLink> find_network_links(const std::vector<const HuntEvent*>& events, const std::string& target_host,
                                            const std::string& source_ip, const techniques::PortProfile* profile,
                                            std::optional<int> logon_port, std::int64_t first_ms, std::int64_t last_ms,
                                            std::chrono::milliseconds window) {
  std::vector<NetworkLink> links;
  for (const auto* c : events) {
    if (!inbound_to(*c, target_host)) continue;
    if (std::find(c->principal_ips.begin(), c->principal_ips.end(), source_ip) == c->principal_ips.end()) continue;
    const bool exact = logon_port && c->principal_port && *c->principal_port == *logon_port;
    // The exact port join holds whatever the port profile says (the logon proves the connection).
    if (!exact && !fits_profile(*c, profile)) continue;
    if (!in_span(c->timestamp_ms, first_ms, last_ms, window)) continue;
    links.push_back({c, exact});
  }
  std::stable_sort(links.begin(), links.end(), [&](const NetworkLink& a, const NetworkLink& b) {
    if (a.exact_port != b.exact_port) return a.exact_port;
    return distance(a.connection->timestamp_ms, first_ms, last_ms) < distance(b.connection->timestamp_ms, first_ms, last_ms);
  });
  return links;
}

std::vector<NetworkLink> find_inbound_on_profile(const std::vector<const HuntEvent*>& events, const std::string& target_host,
                                                 const techniques::PortProfile& profile, std::int64_t first_ms,
                                                 std::int64_t last_ms, std::chrono::milliseconds window) {
  std::vector<NetworkLink> links;
  for (const auto* c : events) {
    if (!inbound_to(*c, target_host) || c->principal_ips.empty()) continue;
    if (!fits_profile(*c, &profile)) continue;
    if (!in_span(c->timestamp_ms, first_ms, last_ms, window)) continue;
    links.push_back({c, false});
  }
  std::stable_sort(links.begin(), links.end(), [&](const NetworkLink& a, const NetworkLink& b) {
    return distance(a.connection->timestamp_ms, first_ms, last_ms) < distance(b.connection->timestamp_ms, first_ms, last_ms);
  });
  return links;
}

}  // namespace lh::skill::correlation
