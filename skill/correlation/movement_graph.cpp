#include "skill/correlation/movement_graph.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "skill/correlation/hunt_event.hpp"
#include "skill/techniques/catalogue.hpp"

namespace lh::skill::correlation {
namespace {

std::string severity_name(int s) { return std::string(techniques::to_string(static_cast<techniques::Severity>(s))); }

template <class T>
void add_unique(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

}  // namespace

nlohmann::json movement_graph_json(const std::vector<Hop>& hops, const std::vector<std::string>& admin_hosts) {
  std::map<std::string, std::set<std::string>> nodes;
  struct Edge {
    std::vector<std::string> techniques, findings, accounts;
    std::int64_t first = 0;
    int severity = 0;
  };
  std::map<std::pair<std::string, std::string>, Edge> edges;
  std::vector<std::pair<std::string, std::string>> order;
  std::set<std::string> unresolved;
  for (const auto& hop : hops) {
    if (hop.from_unresolved) unresolved.insert(hop.from);
    for (const auto& ip : hop.from_ips) nodes[hop.from].insert(ip);
    for (const auto& ip : hop.to_ips) nodes[hop.to].insert(ip);
    nodes[hop.from];
    nodes[hop.to];
    const auto key = std::make_pair(hop.from, hop.to);
    auto [it, inserted] = edges.try_emplace(key);
    auto& edge = it->second;
    if (inserted) {
      order.push_back(key);
      edge.first = hop.first_ms;
    }
    add_unique(edge.techniques, hop.technique_id);
    add_unique(edge.findings, hop.finding_id);
    if (!hop.account.empty()) add_unique(edge.accounts, hop.account);
    edge.first = std::min(edge.first, hop.first_ms);
    edge.severity = std::max(edge.severity, hop.severity);
  }
  nlohmann::json out{{"nodes", nlohmann::json::array()}, {"edges", nlohmann::json::array()}};
  std::set<std::string> admins;
  for (const auto& a : admin_hosts) admins.insert(short_host_name(a));
  for (const auto& [host, ips] : nodes) {
    nlohmann::json node{{"host", host}, {"ips", std::vector<std::string>(ips.begin(), ips.end())}, {"admin_host", admins.contains(host)}};
    if (unresolved.contains(host)) node["unresolved"] = true;
    out["nodes"].push_back(std::move(node));
  }
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) { return edges[a].first < edges[b].first; });
  for (const auto& key : order) {
    const auto& edge = edges[key];
    out["edges"].push_back({{"from", key.first}, {"to", key.second}, {"technique_ids", edge.techniques}, {"finding_ids", edge.findings},
                            {"accounts", edge.accounts}, {"first_seen", format_rfc3339_ms(edge.first)},
                            {"severity", severity_name(edge.severity)}});
  }
  return out;
}

nlohmann::json movement_paths_json(const std::vector<Hop>& all_hops, int min_severity, std::chrono::milliseconds skew,
                                   std::chrono::milliseconds max_gap) {
  std::vector<const Hop*> hops;
  for (const auto& hop : all_hops) {
    if (hop.severity >= min_severity && hop.from != hop.to && !hop.from.empty()) hops.push_back(&hop);
  }
  std::sort(hops.begin(), hops.end(), [](const Hop* a, const Hop* b) { return a->first_ms < b->first_ms; });
  auto follows = [&](const Hop& prev, const Hop& next) {
    return next.from == prev.to && next.first_ms >= prev.first_ms - skew.count() && next.first_ms <= prev.last_ms + max_gap.count();
  };
  std::vector<std::vector<const Hop*>> chains;
  std::vector<const Hop*> current;
  std::set<std::string> visited;
  auto extend = [&](auto&& self) -> void {
    const Hop& last = *current.back();
    bool extended = false;
    for (const Hop* next : hops) {
      if (next == &last || !follows(last, *next) || visited.contains(next->to)) continue;
      extended = true;
      current.push_back(next);
      visited.insert(next->to);
      self(self);
      visited.erase(next->to);
      current.pop_back();
    }
    if (!extended && current.size() >= 2) chains.push_back(current);
  };
  for (const Hop* start : hops) {
    const bool has_predecessor = std::any_of(hops.begin(), hops.end(), [&](const Hop* p) {
      return p != start && follows(*p, *start) && p->from != start->to;
    });
    if (has_predecessor) continue;
    current = {start};
    visited = {start->from, start->to};
    extend(extend);
  }
  // Several findings on one edge give chains that differ only in finding ids: keep one per host sequence.
  nlohmann::json out = nlohmann::json::array();
  std::set<std::vector<std::string>> seen;
  for (const auto& chain : chains) {
    std::vector<std::string> hosts{chain.front()->from};
    std::vector<std::string> findings, techniques_used;
    for (const Hop* hop : chain) {
      hosts.push_back(hop->to);
      findings.push_back(hop->finding_id);
      add_unique(techniques_used, hop->technique_id);
    }
    if (!seen.insert(hosts).second) continue;
    out.push_back({{"hosts", hosts}, {"finding_ids", findings}, {"technique_ids", techniques_used},
                   {"first_seen", format_rfc3339_ms(chain.front()->first_ms)},
                   {"last_seen", format_rfc3339_ms(chain.back()->last_ms)}});
  }
  return out;
}

std::vector<FanOut> detect_fan_out(const std::vector<Hop>& all_hops, std::size_t min_targets, std::chrono::milliseconds window) {
  std::map<std::string, std::vector<const Hop*>> by_source;
  for (const auto& hop : all_hops) {
    if (!hop.from.empty() && hop.from != hop.to) by_source[hop.from].push_back(&hop);
  }
  std::vector<FanOut> out;
  for (auto& [source, hops] : by_source) {
    std::sort(hops.begin(), hops.end(), [](const Hop* a, const Hop* b) { return a->first_ms < b->first_ms; });
    std::size_t begin = 0;
    FanOut best;
    for (std::size_t end = 0; end < hops.size(); ++end) {
      while (hops[end]->first_ms - hops[begin]->first_ms > window.count()) ++begin;
      std::set<std::string> targets;
      for (std::size_t i = begin; i <= end; ++i) targets.insert(hops[i]->to);
      if (targets.size() >= min_targets && targets.size() > best.targets.size()) {
        best = FanOut{source, {}, {}, hops[begin]->first_ms, hops[end]->last_ms};
        for (std::size_t i = begin; i <= end; ++i) {
          add_unique(best.targets, hops[i]->to);
          best.finding_ids.push_back(hops[i]->finding_id);
        }
      }
    }
    if (!best.targets.empty()) out.push_back(std::move(best));
  }
  return out;
}

}  // namespace lh::skill::correlation
