#pragma once
// The Windows → UDM mapping table as data: per (log source, event id) the UDM event type and which raw
// key goes to which UDM field with which conversion. Paths are resolved against the udm catalogue once.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "siem/normalise.hpp"
#include "udm/fields.hpp"

namespace lh::siem {

enum class Conversion : std::uint8_t {
  text,          // string as given ("-" and "" are placeholders and skipped)
  integer,       // decimal or 0x-hex → integer field
  pid,           // decimal or 0x-hex process id → decimal string (Sysmon and Security spell them differently)
  ip,            // address; "::ffff:a.b.c.d" → "a.b.c.d"
  label,         // <noun>.labels[<raw key>] = value
  hashes,        // "SHA1=..,MD5=..,SHA256=.." → <prefix>.sha1/.md5/.sha256
  ip_protocol,   // "tcp"/"udp"/"6"/"17" → network.ip_protocol enum
  logon_type,    // 2,3,4,5,7,8,9,10,11 → extensions.auth.mechanism enum
  direction,     // Sysmon 3 Initiated "true"/"false" → network.direction OUTBOUND/INBOUND
};

enum class Special : std::uint8_t { none, logon_allow, logon_block };

struct FieldRule {
  std::string raw_key;
  std::string path;  // snake_case UDM path; for hashes the file prefix ("target.process.file")
  Conversion conversion = Conversion::text;
};

struct EventRule {
  LogSource source;
  std::int64_t event_id;
  udm::EventType event_type;
  std::vector<FieldRule> fields;
  Special special = Special::none;
  std::string product_name;  // overrides the provider name when not empty
};

// The table (see normalise_rules.cpp); also used by tests to check every path resolves.
const std::vector<EventRule>& windows_event_rules();

}  // namespace lh::siem
