#include "skill/correlation/requests.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "skill/correlation/hunt_event.hpp"
#include "skill/techniques/correlation_queries.hpp"

namespace lh::skill::correlation {
namespace {

// Ids must be stable and readable; values from events go in only through a hash-free, character-safe form.
std::string id_part(std::string_view value) {
  std::string out;
  for (char c : value) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return out.substr(0, 48);
}

}  // namespace

std::vector<TimeCluster> cluster_times(std::vector<std::int64_t> times, std::chrono::milliseconds gap) {
  std::sort(times.begin(), times.end());
  std::vector<TimeCluster> out;
  for (auto t : times) {
    if (out.empty() || t - out.back().last_ms > gap.count()) out.push_back({t, t});
    else out.back().last_ms = t;
  }
  return out;
}

techniques::TimeFrame explicit_frame(std::int64_t start_ms, std::int64_t end_ms) {
  techniques::TimeFrame frame;
  frame.start_time = format_rfc3339_ms(start_ms);
  frame.end_time = format_rfc3339_ms(end_ms);
  frame.hours_back = std::max(1.0, static_cast<double>(end_ms - start_ms) / 3600000.0);
  return frame;
}

namespace {

const std::vector<std::string>& join_event_ids() {
  static const std::vector<std::string> ids{"4624", "4648", "3", "5140", "5145", "4697", "7045", "4698", "4702", "17", "18", "11"};
  return ids;
}

std::string hosts_id(const std::vector<std::string>& hosts) {
  return hosts.size() == 1 ? id_part(hosts.front()) : fmt::format("{}+{}", id_part(hosts.front()), hosts.size() - 1);
}

std::string hosts_query(const std::vector<std::string>& hosts, const std::vector<std::string>& ids) {
  return hosts.size() == 1 ? techniques::host_events(hosts.front(), ids) : techniques::hosts_events(hosts, ids);
}

}  // namespace

ContextRequest join_context_request(const std::vector<std::string>& hosts, const TimeCluster& c, std::chrono::milliseconds window,
                                    std::size_t max_events) {
  return {fmt::format("ctx.joins.{}.{}", hosts_id(hosts), c.first_ms), "correlation",
          fmt::format("logons, connections, share/pipe access, services, tasks and file writes on {} around the anchors",
                      fmt::join(hosts, ", ")),
          hosts_query(hosts, join_event_ids()), explicit_frame(c.first_ms - window.count(), c.last_ms + window.count()), max_events};
}

ContextRequest process_context_request(const std::vector<std::string>& hosts, const TimeCluster& c, std::chrono::milliseconds window,
                                       std::chrono::milliseconds follow, std::size_t max_events) {
  return {fmt::format("ctx.processes.{}.{}", hosts_id(hosts), c.first_ms), "correlation",
          fmt::format("process launches on {} during and after the anchors (what was run)", fmt::join(hosts, ", ")),
          hosts_query(hosts, {"1", "4688"}), explicit_frame(c.first_ms - window.count(), c.last_ms + std::max(window, follow).count()),
          max_events};
}

ContextRequest join_context_request(const std::string& host, const TimeCluster& c, std::chrono::milliseconds window,
                                    std::size_t max_events) {
  return join_context_request(std::vector<std::string>{host}, c, window, max_events);
}

ContextRequest process_context_request(const std::string& host, const TimeCluster& c, std::chrono::milliseconds window,
                                       std::chrono::milliseconds follow, std::size_t max_events) {
  return process_context_request(std::vector<std::string>{host}, c, window, follow, max_events);
}

std::vector<HostBatch> batch_host_clusters(std::vector<HostCluster> clusters, std::size_t max_hosts, std::chrono::milliseconds max_span) {
  std::sort(clusters.begin(), clusters.end(), [](const HostCluster& a, const HostCluster& b) { return a.cluster.first_ms < b.cluster.first_ms; });
  std::vector<HostBatch> out;
  for (const auto& hc : clusters) {
    if (!out.empty()) {
      auto& batch = out.back();
      const bool has_host = std::find(batch.hosts.begin(), batch.hosts.end(), hc.host) != batch.hosts.end();
      const bool fits = (has_host || batch.hosts.size() < max_hosts) && hc.cluster.last_ms - batch.cluster.first_ms <= max_span.count();
      if (fits) {
        if (!has_host) batch.hosts.push_back(hc.host);
        batch.cluster.last_ms = std::max(batch.cluster.last_ms, hc.cluster.last_ms);
        continue;
      }
    }
    out.push_back({{hc.host}, hc.cluster});
  }
  return out;
}

ContextRequest logon_by_id_request(const std::string& host, const std::string& logon_id, std::int64_t anchor_ms,
                                   std::chrono::milliseconds lookback, std::chrono::milliseconds window, std::size_t max_events) {
  return {fmt::format("ctx.logon.{}.{}", id_part(host), id_part(logon_id)), "correlation",
          fmt::format("the network logon {} on {} (session of the anchor)", logon_id, host),
          techniques::network_logon_by_id(host, logon_id), explicit_frame(anchor_ms - lookback.count(), anchor_ms + window.count()),
          max_events};
}

ContextRequest address_owner_request(const std::string& ip, const TimeCluster& c, std::chrono::milliseconds window,
                                     std::size_t max_events) {
  const auto span = std::max<std::chrono::milliseconds>(window * 10, std::chrono::minutes(10));
  return {fmt::format("ctx.address.{}.{}", id_part(ip), c.first_ms), "correlation",
          fmt::format("which host uses {} as its own address (source resolution)", ip), techniques::connections_from_address(ip),
          explicit_frame(c.first_ms - span.count(), c.last_ms + span.count()), max_events};
}

ContextRequest client_command_request(const std::string& source_host, const std::string& target_host, const TimeCluster& c,
                                      std::chrono::milliseconds window, std::size_t max_events) {
  const auto before = std::max<std::chrono::milliseconds>(window * 5, std::chrono::minutes(5));
  return {fmt::format("ctx.client.{}.{}.{}", id_part(source_host), id_part(target_host), c.first_ms), "correlation",
          fmt::format("the client command on {} naming {} (source-side confirmation)", source_host, target_host),
          techniques::client_commands_naming(source_host, target_host),
          explicit_frame(c.first_ms - before.count(), c.last_ms + window.count()), max_events};
}

ContextRequest baseline_request(const std::string& source_host, std::int64_t hunt_start_ms, std::chrono::milliseconds baseline,
                                std::size_t max_events) {
  return {fmt::format("baseline.{}", id_part(source_host)), "baseline",
          fmt::format("remote execution from {} before the hunt window", source_host), techniques::remote_execution_commands(source_host),
          explicit_frame(hunt_start_ms - baseline.count(), hunt_start_ms), max_events};
}

}  // namespace lh::skill::correlation
