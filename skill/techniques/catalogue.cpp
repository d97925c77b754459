#include "skill/techniques/catalogue.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <re2/re2.h>

#include "lh_skill_techniques_schemas.hpp"
#include "udm/query_parser.hpp"

namespace lh::skill::techniques {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw CatalogueError(fmt::format("skill.techniques.catalogue: {}: {}", where, what));
}

const json& member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object()) fail(where, "expected an object");
  const auto found = object.find(key);
  if (found == object.end()) fail(where, fmt::format("missing \"{}\"", key));
  return *found;
}

std::string text(const json& object, const char* key, const std::string& where, bool allow_empty = false) {
  const json& value = member(object, key, where);
  if (!value.is_string()) fail(fmt::format("{}.{}", where, key), "expected a string");
  auto out = value.get<std::string>();
  if (out.empty() && !allow_empty) fail(fmt::format("{}.{}", where, key), "must not be empty");
  return out;
}

std::vector<std::string> texts(const json& object, const char* key, const std::string& where) {
  const json& value = member(object, key, where);
  if (!value.is_array()) fail(fmt::format("{}.{}", where, key), "expected an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string() || value[i].get_ref<const std::string&>().empty()) {
      fail(fmt::format("{}.{}[{}]", where, key, i), "expected a non-empty string");
    }
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

int port_number(const json& value, const std::string& where) {
  if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > 65535) {
    fail(where, "expected a port number 0-65535");
  }
  return value.get<int>();
}

void check_regex(const std::string& pattern, const std::string& where) {
  RE2 compiled(pattern, RE2::Quiet);
  if (!compiled.ok()) fail(where, fmt::format("bad RE2 pattern /{}/: {}", pattern, compiled.error()));
}

template <typename Enum, std::size_t N>
Enum enum_value(const json& object, const char* key, const std::string& where,
                const std::array<std::pair<std::string_view, Enum>, N>& names) {
  const std::string value = text(object, key, where);
  for (const auto& [name, e] : names) {
    if (name == value) return e;
  }
  std::string known;
  for (const auto& [name, e] : names) known += (known.empty() ? "" : ", ") + std::string(name);
  fail(fmt::format("{}.{}", where, key), fmt::format("\"{}\" is not one of {}", value, known));
}

constexpr std::array<std::pair<std::string_view, Side>, 2> kSides{{{"source", Side::source}, {"target", Side::target}}};
constexpr std::array<std::pair<std::string_view, Severity>, 5> kSeverities{{{"info", Severity::info},
                                                                            {"low", Severity::low},
                                                                            {"medium", Severity::medium},
                                                                            {"high", Severity::high},
                                                                            {"critical", Severity::critical}}};
constexpr std::array<std::pair<std::string_view, Confidence>, 3> kConfidences{
    {{"low", Confidence::low}, {"medium", Confidence::medium}, {"high", Confidence::high}}};

// Parsing with lh_udm enforces Chronicle's rules (known fields, no regex on enums, no CONTAINS/IN).
void check_udm(const std::string& query, const std::string& where) {
  try {
    udm::parse_query(query);
  } catch (const udm::ParseError& e) {
    fail(where, fmt::format("invalid UDM query, {} (query: {})", e.what(), query));
  }
}

HuntQuery parse_query_entry(const json& node, const std::string& technique_id, const std::string& where) {
  HuntQuery q;
  q.id = text(node, "id", where);
  const std::string named = fmt::format("technique \"{}\" query \"{}\" ({})", technique_id, q.id, where);
  q.title = text(node, "title", named);
  q.finds = text(node, "finds", named);
  q.udm = text(node, "udm", named);
  q.event_ids = texts(node, "event_ids", named);
  q.side = enum_value(node, "side", named, kSides);
  q.severity = enum_value(node, "severity", named, kSeverities);
  q.confidence = enum_value(node, "confidence", named, kConfidences);
  check_udm(q.udm, named);
  return q;
}

CommandPattern parse_pattern(const json& node, const std::string& where, bool scored) {
  CommandPattern p;
  p.id = text(node, "id", where);
  p.regex = text(node, "regex", where);
  p.description = text(node, "description", where);
  if (scored) {
    const json& weight = member(node, "weight", where);
    if (!weight.is_number_integer() || weight.get<int>() <= 0 || weight.get<int>() > 100) {
      fail(where + ".weight", "expected an integer 1-100");
    }
    p.weight = weight.get<int>();
    p.attack_ids = texts(node, "attack_ids", where);
  }
  check_regex(p.regex, fmt::format("pattern \"{}\" ({})", p.id, where));
  return p;
}

PortProfile parse_port_profile(const json& node, const std::string& where) {
  PortProfile profile;
  profile.name = text(node, "name", where);
  const json& ports = member(node, "ports", where);
  if (!ports.is_array()) fail(where + ".ports", "expected an array of port numbers");
  for (std::size_t i = 0; i < ports.size(); ++i) profile.ports.push_back(port_number(ports[i], fmt::format("{}.ports[{}]", where, i)));
  if (node.contains("dynamic_rpc_range")) {
    const json& range = node["dynamic_rpc_range"];
    if (!range.is_array() || range.size() != 2) fail(where + ".dynamic_rpc_range", "expected [first, last]");
    const int first = port_number(range[0], where + ".dynamic_rpc_range[0]");
    const int last = port_number(range[1], where + ".dynamic_rpc_range[1]");
    if (first > last) fail(where + ".dynamic_rpc_range", "first port is after last port");
    profile.dynamic_rpc_range = std::pair{first, last};
    profile.dynamic_port_owners = texts(node, "dynamic_port_owners", where);
  }
  return profile;
}

std::string lower(std::string_view in) {
  std::string out(in);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Technique parse_technique(const json& node, const std::string& where) {
  Technique t;
  t.id = text(node, "id", where);
  const std::string named = fmt::format("technique \"{}\" ({})", t.id, where);
  t.name = text(node, "name", named);
  t.attack_ids = texts(node, "attack_ids", named);
  if (t.attack_ids.empty()) fail(named + ".attack_ids", "at least one ATT&CK id is needed");
  t.description = text(node, "description", named);
  const json& queries = member(node, "queries", named);
  if (!queries.is_array() || queries.empty()) fail(named + ".queries", "expected a non-empty array");
  std::set<std::string> query_ids;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    t.queries.push_back(parse_query_entry(queries[i], t.id, fmt::format("{}.queries[{}]", where, i)));
    if (!query_ids.insert(t.queries.back().id).second) {
      fail(named, fmt::format("query id \"{}\" appears twice", t.queries.back().id));
    }
  }
  t.port_profile = parse_port_profile(member(node, "port_profile", named), named + ".port_profile");
  for (auto& name : texts(node, "anchor_parents", named)) t.anchor_parents.push_back(lower(name));
  for (auto& name : texts(node, "child_processes", named)) t.child_processes.push_back(lower(name));
  const json& patterns = member(node, "command_patterns", named);
  if (!patterns.is_array()) fail(named + ".command_patterns", "expected an array");
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    t.command_patterns.push_back(parse_pattern(patterns[i], fmt::format("{}.command_patterns[{}]", named, i), false));
  }
  t.pipe_patterns = texts(node, "pipe_patterns", named);
  for (std::size_t i = 0; i < t.pipe_patterns.size(); ++i) check_regex(t.pipe_patterns[i], fmt::format("{}.pipe_patterns[{}]", named, i));
  t.service_name_patterns = texts(node, "service_name_patterns", named);
  for (std::size_t i = 0; i < t.service_name_patterns.size(); ++i) {
    check_regex(t.service_name_patterns[i], fmt::format("{}.service_name_patterns[{}]", named, i));
  }
  return t;
}

}  // namespace

std::string_view to_string(Side side) noexcept { return side == Side::source ? "source" : "target"; }

std::string_view to_string(Severity severity) noexcept {
  for (const auto& [name, e] : kSeverities) {
    if (e == severity) return name;
  }
  return "medium";
}

std::string_view to_string(Confidence confidence) noexcept {
  for (const auto& [name, e] : kConfidences) {
    if (e == confidence) return name;
  }
  return "medium";
}

bool PortProfile::matches(int port, std::string_view owner_image) const {
  if (std::find(ports.begin(), ports.end(), port) != ports.end()) return true;
  if (!dynamic_rpc_range || port < dynamic_rpc_range->first || port > dynamic_rpc_range->second) return false;
  if (owner_image.empty() || dynamic_port_owners.empty()) return true;
  const auto slash = owner_image.find_last_of("\\/");
  const std::string name = lower(slash == std::string_view::npos ? owner_image : owner_image.substr(slash + 1));
  return std::find(dynamic_port_owners.begin(), dynamic_port_owners.end(), name) != dynamic_port_owners.end();
}

const Technique* Catalogue::find(std::string_view technique_id) const noexcept {
  for (const auto& t : techniques) {
    if (t.id == technique_id) return &t;
  }
  return nullptr;
}

std::vector<std::string> Catalogue::technique_ids() const {
  std::vector<std::string> ids;
  for (const auto& t : techniques) ids.push_back(t.id);
  return ids;
}

Catalogue parse_catalogue(const json& document) {
  Catalogue out;
  const json& techniques = member(document, "techniques", "$");
  if (!techniques.is_array() || techniques.empty()) fail("$.techniques", "expected a non-empty array");
  std::set<std::string> technique_ids;
  std::set<std::string> query_ids;  // unique across the catalogue: results are keyed by query id
  for (std::size_t i = 0; i < techniques.size(); ++i) {
    out.techniques.push_back(parse_technique(techniques[i], fmt::format("$.techniques[{}]", i)));
    const Technique& t = out.techniques.back();
    if (!technique_ids.insert(t.id).second) fail(fmt::format("$.techniques[{}]", i), fmt::format("technique id \"{}\" appears twice", t.id));
    for (const auto& q : t.queries) {
      if (!query_ids.insert(q.id).second) {
        fail(fmt::format("technique \"{}\"", t.id), fmt::format("query id \"{}\" is already used by another technique", q.id));
      }
    }
  }

  const json& seeds = member(document, "seed_queries", "$");
  if (!seeds.is_array()) fail("$.seed_queries", "expected an array");
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    const std::string where = fmt::format("$.seed_queries[{}]", i);
    SeedQuery s;
    s.id = text(seeds[i], "id", where);
    const std::string named = fmt::format("seed query \"{}\" ({})", s.id, where);
    s.title = text(seeds[i], "title", named);
    s.original = text(seeds[i], "original", named);
    s.corrected = text(seeds[i], "corrected", named);
    s.what_was_wrong = text(seeds[i], "what_was_wrong", named);
    s.technique = text(seeds[i], "technique", named);
    if (!technique_ids.count(s.technique)) fail(named + ".technique", fmt::format("unknown technique \"{}\"", s.technique));
    check_udm(s.corrected, named + ".corrected");
    out.seed_queries.push_back(std::move(s));
  }

  const json& scoring = member(document, "suspicious_commands", "$");
  if (!scoring.is_array() || scoring.empty()) fail("$.suspicious_commands", "expected a non-empty array");
  std::set<std::string> pattern_ids;
  for (std::size_t i = 0; i < scoring.size(); ++i) {
    out.suspicious_commands.push_back(parse_pattern(scoring[i], fmt::format("$.suspicious_commands[{}]", i), true));
    if (!pattern_ids.insert(out.suspicious_commands.back().id).second) {
      fail(fmt::format("$.suspicious_commands[{}]", i), fmt::format("pattern id \"{}\" appears twice", out.suspicious_commands.back().id));
    }
  }
  return out;
}

const nlohmann::json& catalogue_json() { return embedded::schema("catalogue"); }

const Catalogue& catalogue() {
  static const Catalogue parsed = parse_catalogue(catalogue_json());
  return parsed;
}

}  // namespace lh::skill::techniques
