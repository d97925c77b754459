// The analysis behind both the rounds and the result: anchors grouped into sessions, each group joined to
// its logon, its network link, its corroboration and its source, with the commands it ran.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "skill/correlation/anchors.hpp"
#include "skill/correlation/correlator.hpp"
#include "skill/correlation/joins.hpp"
#include "skill/correlation/source_resolution.hpp"

namespace lh::skill::correlation {

struct StoredEvent {
  HuntEvent event;
  std::vector<std::string> query_ids;
  bool from_hunt = false;
  techniques::Severity hunt_severity = techniques::Severity::info;
  std::vector<std::string> hunt_techniques;
};

struct EvidenceRef {
  const StoredEvent* stored = nullptr;
  std::string role;
};

struct CommandRun {
  std::string command_line;
  std::int64_t timestamp_ms = 0;
  const StoredEvent* stored = nullptr;
};

struct SessionGroup {
  std::string host;
  std::string logon_id;
  std::vector<const StoredEvent*> anchors;
  std::vector<AnchorInfo> anchor_infos;
  std::int64_t first_ms = 0, last_ms = 0;
  std::string technique_id;
  const HuntEvent* logon = nullptr;
  std::string source_ip;
  std::optional<int> source_port;
  ResolvedSource source;
  std::vector<NetworkLink> links;
  bool exact_port = false;
  std::vector<std::string> corroborations;  // reason lines
  std::vector<std::string> confirmations;   // reason lines (source side)
  std::vector<EvidenceRef> evidence;
  std::vector<CommandRun> commands;
  std::string account;
  std::string attribution;   // how the session was chosen when the anchor's own logon is local
  std::string kind;          // lateral_movement / local_execution / suspected_lateral_movement
  bool known_remote_admin = false;
};

struct Analysis {
  AddressBook addresses;
  std::vector<SessionGroup> groups;
};

Analysis analyse(const std::vector<const StoredEvent*>& events, const CorrelationSettings& settings);

}  // namespace lh::skill::correlation
