// Execution anchors (lateral-movement.md, correlation model step 1): the target-side events that say
// "something was executed here from elsewhere", with the techniques each one points to. Also the
// source-side reading of client commands (which host a psexec / wmic / schtasks / sc / winrs names).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "skill/correlation/hunt_event.hpp"

namespace lh::skill::correlation {

struct AnchorInfo {
  std::vector<std::string> techniques;  // candidate catalogue ids, most specific first
  std::string role;                     // anchor, service_install, task, file_write, share_access, logon
  std::string what;                     // one line for the reasons
};

// Whether `event` is an execution anchor. `known_good` lists image / service file names (lower case)
// that are ordinary under services.exe and never anchor.
std::optional<AnchorInfo> classify_anchor(const HuntEvent& event, const std::vector<std::string>& known_good = {});

// The remote host a client command line names (psexec \\H, wmic /node:H, schtasks /s H, sc \\H,
// winrs -r:H, -ComputerName H, MMC20 GetTypeFromProgID(..., 'H')), short upper case; "" when none.
std::string client_command_target(std::string_view command_line);

// The evidence role of a context event: logon, network, share_access, pipe, service_install, task,
// file_write, explicit_credentials, process, other.
std::string evidence_role(const HuntEvent& event);

// "2020-09-20T06:57:47.857Z 4624 on WORKSTATION6: ..." style one-line summary of what an event says.
std::string summarise(const HuntEvent& event);

}  // namespace lh::skill::correlation
