// The context searches of each round, built only with skill/techniques' safe query builders, each with an
// explicit start/end (anchor +- window). Anchors are grouped per host into time clusters so that the
// number of searches grows with hosts x clusters, not with events.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "skill/correlation/correlator.hpp"

namespace lh::skill::correlation {

struct TimeCluster {
  std::int64_t first_ms = 0, last_ms = 0;
};
// Sorted times split where two neighbours are more than `gap` apart.
std::vector<TimeCluster> cluster_times(std::vector<std::int64_t> times, std::chrono::milliseconds gap);

techniques::TimeFrame explicit_frame(std::int64_t start_ms, std::int64_t end_ms);

// Round 1, per target host and cluster: logons, connections, share/pipe access, service installs, tasks,
// file writes (joins) and the process launches that follow (what was run).
ContextRequest join_context_request(const std::string& host, const TimeCluster& cluster, std::chrono::milliseconds window,
                                    std::size_t max_events);
ContextRequest process_context_request(const std::string& host, const TimeCluster& cluster, std::chrono::milliseconds window,
                                       std::chrono::milliseconds follow, std::size_t max_events);
// The same for several hosts at once (used when one search per host and cluster would exceed the budget).
ContextRequest join_context_request(const std::vector<std::string>& hosts, const TimeCluster& cluster, std::chrono::milliseconds window,
                                    std::size_t max_events);
ContextRequest process_context_request(const std::vector<std::string>& hosts, const TimeCluster& cluster,
                                       std::chrono::milliseconds window, std::chrono::milliseconds follow, std::size_t max_events);

struct HostCluster {
  std::string host;
  TimeCluster cluster;
};
struct HostBatch {
  std::vector<std::string> hosts;
  TimeCluster cluster;
};
// Host clusters merged into batches of at most `max_hosts` hosts whose anchors fall within `max_span`.
std::vector<HostBatch> batch_host_clusters(std::vector<HostCluster> clusters, std::size_t max_hosts, std::chrono::milliseconds max_span);
// Round 2: a session whose 4624 was outside the first window; which host owns a source address.
ContextRequest logon_by_id_request(const std::string& host, const std::string& logon_id, std::int64_t anchor_ms,
                                   std::chrono::milliseconds lookback, std::chrono::milliseconds window, std::size_t max_events);
ContextRequest address_owner_request(const std::string& ip, const TimeCluster& cluster, std::chrono::milliseconds window,
                                     std::size_t max_events);
// Round 3: the client command on the source naming the target; the source's remote execution before the hunt.
ContextRequest client_command_request(const std::string& source_host, const std::string& target_host, const TimeCluster& cluster,
                                      std::chrono::milliseconds window, std::size_t max_events);
ContextRequest baseline_request(const std::string& source_host, std::int64_t hunt_start_ms, std::chrono::milliseconds baseline,
                                std::size_t max_events);

}  // namespace lh::skill::correlation
