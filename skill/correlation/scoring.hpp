// Severity and confidence of a finding, each with the reasons that set it (one fact per line).
//   severity: the anchor queries' base severity; a suspicious command raises it; an unexpected
//   workstation source raises it; a configured admin host caps it below medium unless it ran a
//   suspicious command; a source with remote-execution history before the window (known_remote_admin)
//   lowers it; local execution is not movement (at most medium); fan-out raises it.
//   confidence: the session link, the network link (exact when IpPort = SourcePort) and each
//   corroboration (pipes, share access, source-side confirmation) raise it.
#pragma once

#include <string>
#include <vector>

#include "skill/techniques/catalogue.hpp"

namespace lh::skill::correlation {

struct ScoreInput {
  techniques::Severity base = techniques::Severity::medium;
  std::string kind;          // lateral_movement, local_execution, suspected_lateral_movement, source_activity
  std::string source_class;  // admin_host, known_remote_admin, unexpected, unknown, local
  bool source_is_workstation = false;
  int max_command_score = 0;
  int suspicious_command_score = 40;
  bool session_link = false;
  bool network_link = false;
  bool exact_port = false;
  int corroborations = 0;
  bool source_confirmed = false;
  bool fan_out = false;
  bool rdp_to_admin_host = false;  // a remote desktop logon into a configured admin / jump host
  bool rdp = false;                // the finding is a remote desktop logon
};

struct Score {
  techniques::Severity severity = techniques::Severity::medium;
  techniques::Confidence confidence = techniques::Confidence::medium;
  std::vector<std::string> reasons;
};

Score score_finding(const ScoreInput& input);

// "WKS-017" / "WORKSTATION5" / "DESKTOP-..." / "LAPTOP-..." look like user workstations.
bool looks_like_workstation(const std::string& host);

}  // namespace lh::skill::correlation
