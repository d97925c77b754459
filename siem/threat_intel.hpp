#pragma once
// The bundled threat intelligence behind get_threat_intel: short, sourced notes on the Windows lateral
// movement techniques the hunt covers (MITRE ATT&CK ids and names, what they look like in Windows and
// Sysmon logs, and a UDM search to start from). Upstream answers free-form questions with Gemini; here a
// question is matched by technique id (T1021 matches every T1021.*) or by keywords.
#include <string>
#include <string_view>
#include <vector>

namespace lh::siem {

struct TechniqueNote {
  std::string id;         // "T1021.002"
  std::string name;       // "Remote Services: SMB/Windows Admin Shares"
  std::string tactics;    // "Lateral Movement"
  std::vector<std::string> keywords;  // lower case
  std::string summary;    // how the technique is used
  std::vector<std::string> telemetry;  // what the logs show
  std::string hunt_query;  // a UDM search to start from
  std::vector<std::string> sources;    // URLs

  std::string attack_url() const;  // https://attack.mitre.org/techniques/T1021/002/
};

const std::vector<TechniqueNote>& bundled_technique_notes();

// Notes matching `query` (ids first, then keywords), in catalogue order without duplicates.
std::vector<const TechniqueNote*> match_technique_notes(std::string_view query);

// The text get_threat_intel returns: the matching notes with their sources, or a clear
// "No bundled intelligence for ..." listing what is bundled.
std::string answer_threat_intel(std::string_view query);

}  // namespace lh::siem
