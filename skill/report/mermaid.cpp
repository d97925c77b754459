// render_mermaid: the movement graph as a Mermaid flowchart.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "skill/report/escape.hpp"
#include "skill/report/report.hpp"
#include "skill/report/report_json.hpp"

namespace lh::skill::report {
namespace {

using detail::Json;

struct Node {
  std::string host;
  std::vector<std::string> ips;
  bool admin = false;
  bool unresolved = false;  // named by an address the data could not tie to a host
  std::string id;
};

// Edges merged per (from, to): the correlator may emit one per technique.
struct Edge {
  std::string from;
  std::string to;
  std::vector<std::string> techniques;
  std::string first_seen;
  std::string severity;
};

void add_unique(std::vector<std::string>& items, const std::string& value) {
  for (const auto& item : items) {
    if (item == value) return;
  }
  items.push_back(value);
}

// "10:58:14 UTC" left readable: digits and colons followed by a space cannot form an entity or a style
// rewrite; anything else in a timestamp is escaped like a label.
// With `with_date` (edges on more than one day) the month and day come first: "03-05 10:58:14 UTC".
std::string clock_label(const std::string& timestamp, bool with_date) {
  const std::string clock = detail::clock_time(timestamp);
  const bool plain = clock.size() == 12 && clock.find_first_not_of("0123456789:") == 8 && clock.substr(8) == " UTC";
  if (!plain) return mermaid_label(clock);
  const std::string month_day = timestamp.substr(5, 5);
  const bool date_ok = month_day.size() == 5 && month_day.find_first_not_of("0123456789-") == std::string::npos;
  return with_date && date_ok ? month_day + " " + clock : clock;
}

}  // namespace

std::string render_mermaid(const nlohmann::json& movement_graph) {
  std::vector<Node> nodes;
  std::map<std::string, std::size_t> node_index;  // host -> nodes[i]
  const auto node_for = [&](const std::string& host) -> Node& {
    auto [it, inserted] = node_index.emplace(host, nodes.size());
    if (inserted) nodes.push_back(Node{host, {}, false, false, {}});
    return nodes[it->second];
  };

  for (const Json& item : detail::arr(movement_graph, "nodes")) {
    const auto host = detail::opt_str(item, "host");
    if (!host) continue;
    Node& node = node_for(*host);
    for (const auto& ip : detail::strings(item, "ips")) add_unique(node.ips, ip);
    node.admin = node.admin || detail::flag(item, "admin_host");
    node.unresolved = node.unresolved || detail::flag(item, "unresolved");
  }

  std::vector<Edge> edges;
  std::map<std::pair<std::string, std::string>, std::size_t> edge_index;
  for (const Json& item : detail::arr(movement_graph, "edges")) {
    const auto from = detail::opt_str(item, "from");
    const auto to = detail::opt_str(item, "to");
    if (!from || !to) continue;
    node_for(*from);
    node_for(*to);
    auto [it, inserted] = edge_index.emplace(std::make_pair(*from, *to), edges.size());
    if (inserted) edges.push_back(Edge{*from, *to, {}, {}, {}});
    Edge& edge = edges[it->second];
    for (const auto& technique : detail::strings(item, "technique_ids")) add_unique(edge.techniques, technique);
    const std::string first_seen = detail::str(item, "first_seen");
    if (!first_seen.empty() && (edge.first_seen.empty() || first_seen < edge.first_seen)) {
      edge.first_seen = first_seen;
    }
    const std::string severity = detail::str(item, "severity");
    if (detail::severity_rank(severity) > detail::severity_rank(edge.severity)) edge.severity = severity;
  }

  // Ids from the host names, made unique: "WKS-01" and "WKS_01" both sanitise to h_WKS_01.
  std::set<std::string> used_ids;
  for (Node& node : nodes) {
    const std::string base = mermaid_id_base(node.host);
    std::string id = base;
    for (int suffix = 2; used_ids.count(id) != 0; ++suffix) id = base + "_" + std::to_string(suffix);
    used_ids.insert(id);
    node.id = id;
  }

  std::string out = "flowchart LR\n";
  // Mermaid cannot draw an empty flowchart; say so instead.
  if (nodes.empty()) out += "  none[\"no host-to-host movement found\"]\n";
  bool any_admin = false;
  for (const Node& node : nodes) {
    std::string label = node.host.empty() ? std::string("(unknown host)") : mermaid_label(node.host);
    // An address-named node would only repeat its name; say instead that no host owns it.
    std::vector<std::string> other_ips;
    for (const auto& ip : node.ips) {
      if (ip != node.host) other_ips.push_back(ip);
    }
    if (node.unresolved) {
      label += "<br/>(unresolved address)";
    } else if (!other_ips.empty()) {
      label += "<br/>" + mermaid_label(detail::join(other_ips, ", "));
    }
    out += "  " + node.id + "[\"" + label + "\"]\n";
    any_admin = any_admin || node.admin;
  }
  // Times alone would mislead when the movement spans midnight.
  std::set<std::string> days;
  for (const Edge& edge : edges) {
    if (edge.first_seen.size() >= 10) days.insert(edge.first_seen.substr(0, 10));
  }
  const bool with_date = days.size() > 1;
  std::vector<std::size_t> severe_edges;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const Edge& edge = edges[i];
    std::string label =
        mermaid_label(edge.techniques.empty() ? "unknown technique" : detail::join(edge.techniques, ", "));
    if (!edge.first_seen.empty()) label += " " + clock_label(edge.first_seen, with_date);
    out += "  " + nodes[node_index.at(edge.from)].id + " -->|\"" + label + "\"| " + nodes[node_index.at(edge.to)].id +
           "\n";
    if (detail::severity_rank(edge.severity) >= detail::severity_rank("high")) severe_edges.push_back(i);
  }
  if (any_admin) {
    out += "  classDef admin fill:#e8f0fe,stroke:#1a73e8,stroke-dasharray:4 2\n";
    for (const Node& node : nodes) {
      if (node.admin) out += "  class " + node.id + " admin\n";
    }
  }
  for (const std::size_t i : severe_edges) {
    out += "  linkStyle " + std::to_string(i) + " stroke:#d93025,stroke-width:3px\n";
  }
  return out;
}

}  // namespace lh::skill::report
