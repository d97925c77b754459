// The joins of the correlation model, as pure functions over events (unit-testable on hand-made ones).
//   session: an anchor's logon id = a 4624 TargetLogonId on the same host (any time: the logon opens the
//            session); a service-launched process (SYSTEM) inherits the logon of the service install
//            next to it in time.
//   network: a connection on the target from the source address on the technique's ports, inside a
//            symmetric window (either order: logs arrive out of order and clocks skew); where the 4624
//            has IpPort it must equal the connection's source port exactly.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "skill/correlation/hunt_event.hpp"
#include "skill/techniques/catalogue.hpp"

namespace lh::skill::correlation {

// |a - b| <= window: symmetric, so neither side has to come first.
bool within_window(std::int64_t a_ms, std::int64_t b_ms, std::chrono::milliseconds window);

// The 4624 on `host` whose TargetLogonId is `logon_id`; the one closest in time to `near_ms` if several.
const HuntEvent* find_logon(const std::vector<const HuntEvent*>& events, const std::string& host, const std::string& logon_id,
                            std::int64_t near_ms);

// The service install (7045/4697) on the anchor's host inside the window, preferring one whose image
// path names the anchor's image; nullptr when none.
const HuntEvent* find_service_install_for(const std::vector<const HuntEvent*>& events, const HuntEvent& process,
                                          std::chrono::milliseconds window);

struct NetworkLink {
  const HuntEvent* connection = nullptr;
  bool exact_port = false;  // 4624 IpPort = connection source port
};

// Inbound connections on `target_host` from `source_ip` that fit `profile` (any port when profile has none),
// within `window` of [first_ms, last_ms]; with `logon_port`, a connection whose source port equals it wins.
std::vector<NetworkLink> find_network_links(const std::vector<const HuntEvent*>& events, const std::string& target_host,
                                            const std::string& source_ip, const techniques::PortProfile* profile,
                                            std::optional<int> logon_port, std::int64_t first_ms, std::int64_t last_ms,
                                            std::chrono::milliseconds window);

// For a logon without a source address (WinRM Kerberos "-"): the inbound connections on the profile's
// ports nearest in time, from which the source address is taken.
std::vector<NetworkLink> find_inbound_on_profile(const std::vector<const HuntEvent*>& events, const std::string& target_host,
                                                 const techniques::PortProfile& profile, std::int64_t first_ms,
                                                 std::int64_t last_ms, std::chrono::milliseconds window);

}  // namespace lh::skill::correlation
