// Host-to-host movement from the lateral findings: the graph (one edge per source -> target), the
// multi-hop paths whose hops follow each other in time (A -> B, then B -> C), and fan-out (one source
// reaching many targets within minutes).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::skill::correlation {

struct Hop {
  std::string finding_id;
  std::string from, to;
  std::vector<std::string> from_ips, to_ips;
  std::string technique_id;
  std::string account;
  std::int64_t first_ms = 0, last_ms = 0;
  int severity = 0;  // techniques::Severity as int
  bool from_unresolved = false;  // `from` is the source address: no host could be found for it
};

// Nodes: {"host", "ips", "admin_host"} plus "unresolved": true for a source known only by its address.
nlohmann::json movement_graph_json(const std::vector<Hop>& hops, const std::vector<std::string>& admin_hosts);

// Chains of at least two hops: each next hop leaves the previous hop's target no earlier than `skew` before
// the previous hop began and no later than `max_gap` after it ended; a host is never revisited. Only hops of
// at least `min_severity` take part; only maximal chains are returned, ordered by first hop time.
nlohmann::json movement_paths_json(const std::vector<Hop>& hops, int min_severity, std::chrono::milliseconds skew,
                                   std::chrono::milliseconds max_gap);

struct FanOut {
  std::string source;
  std::vector<std::string> targets;
  std::vector<std::string> finding_ids;
  std::int64_t first_ms = 0, last_ms = 0;
};
std::vector<FanOut> detect_fan_out(const std::vector<Hop>& hops, std::size_t min_targets, std::chrono::milliseconds window);

}  // namespace lh::skill::correlation
