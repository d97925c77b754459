#pragma once
// The hunt's techniques catalogue: what each Windows lateral-movement technique looks like in UDM
// (hunt queries), on the wire (port profile) and in process trees (anchor parents, children, command-line,
// pipe and service-name patterns), plus the seed skill's five queries corrected and the suspicious-command
// scoring table. The data lives in catalogue.json, compiled into the library and validated when first used:
// every UDM query is parsed with lh_udm and every pattern compiled with RE2, so bad data fails loudly with
// the technique and query named instead of producing a query Chronicle would reject.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::skill::techniques {

// Which host logs the evidence: the one the attacker moved TO, or the one it came FROM.
enum class Side { source, target };
enum class Severity { info, low, medium, high, critical };
enum class Confidence { low, medium, high };

std::string_view to_string(Side side) noexcept;
std::string_view to_string(Severity severity) noexcept;
std::string_view to_string(Confidence confidence) noexcept;

struct HuntQuery {
  std::string id;
  std::string title;
  std::string finds;  // what a hit means
  std::string udm;    // UDM search text, parsed at load
  std::vector<std::string> event_ids;  // Windows event ids it targets ("7045", "1", ...)
  Side side = Side::target;
  Severity severity = Severity::medium;    // base severity of a hit before correlation
  Confidence confidence = Confidence::medium;
};

// The ports a technique's network evidence uses. Fixed ports (445, 5985, ...) plus, for RPC-based
// techniques, the dynamic range whose listener is owned by one of `dynamic_port_owners`.
struct PortProfile {
  std::string name;  // "smb", "rpc", "winrm", "rdp", ...
  std::vector<int> ports;
  std::optional<std::pair<int, int>> dynamic_rpc_range;  // inclusive
  std::vector<std::string> dynamic_port_owners;          // image file names, lower case ("svchost.exe")

  // True when `port` belongs to the profile. For a dynamic port the owning image (a full path or a
  // file name, any case) must be one of the owners; an empty `owner_image` skips that check.
  bool matches(int port, std::string_view owner_image = {}) const;
};

// An RE2 pattern over a command line (or pipe / service name). `weight` and `attack_ids` are used by the
// suspicious-command table; technique patterns leave them empty.
struct CommandPattern {
  std::string id;
  std::string regex;
  std::string description;
  int weight = 0;
  std::vector<std::string> attack_ids;
};

struct Technique {
  std::string id;
  std::string name;
  std::vector<std::string> attack_ids;
  std::string description;
  std::vector<HuntQuery> queries;
  PortProfile port_profile;
  std::vector<std::string> anchor_parents;   // image file names, lower case
  std::vector<std::string> child_processes;  // image file names, lower case
  std::vector<CommandPattern> command_patterns;
  std::vector<std::string> pipe_patterns;          // RE2
  std::vector<std::string> service_name_patterns;  // RE2
};

// One of the seed skill's queries: the text as published (not valid UDM) and the corrected query.
struct SeedQuery {
  std::string id;
  std::string title;
  std::string original;
  std::string corrected;
  std::string what_was_wrong;
  std::string technique;  // technique id the corrected query belongs with
};

struct Catalogue {
  std::vector<Technique> techniques;
  std::vector<SeedQuery> seed_queries;
  std::vector<CommandPattern> suspicious_commands;

  const Technique* find(std::string_view technique_id) const noexcept;
  std::vector<std::string> technique_ids() const;  // catalogue order
};

// Identifier "skill.techniques.catalogue"; the message names the JSON path, technique and query.
class CatalogueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The embedded catalogue, parsed and validated once (thread-safe). Throws CatalogueError if the embedded
// data is bad (a build that ships bad data fails its tests).
const Catalogue& catalogue();

// Parses and validates catalogue JSON (the embedded one, or test data). Throws CatalogueError.
Catalogue parse_catalogue(const nlohmann::json& document);

// The embedded JSON text as compiled in.
const nlohmann::json& catalogue_json();

}  // namespace lh::skill::techniques
