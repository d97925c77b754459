// The hunt's analysis: from the hits of the catalogue's hunt queries to findings a hunter can trust.
//
// It works in rounds so that the caller (the workflow) runs the searches, in parallel, through whatever
// SIEM is upstream:
//   Correlator c(settings);
//   for each hunt query: c.add_hits(query, events);          // events as search_udm returns them
//   while (auto round = c.next_requests(); !round.empty())    // at most settings.max_rounds rounds
//     for each request (in parallel): c.add_context(request.id, events) or c.context_failed(request.id, why);
//   CorrelationResult result = c.finish();
//
// Round 1 fetches target-side context around every execution anchor (network logons, inbound
// connections on the technique's ports, share/pipe access, service installs and task creations in the
// anchor's logon session); round 2 resolves remaining source addresses to host names, finds sessions that
// opened earlier, and -- for sources already resolved by round 1's data -- confirms on the source hosts
// (client commands naming the target) and looks for the sources' remote-execution history before the hunt
// window (baseline); round 3 does the last two only for sources resolved in round 2. Every value
// spliced into a query goes through skill/techniques' safe builders.
//
// The model (see ../shared/reference/lateral-movement.md): per target host, execution anchor -> session
// link (4624 TargetLogonId = anchor LogonId / 4697 / 4698 SubjectLogonId) -> network link (source IP and
// port on the technique's port profile, IpPort = SourcePort exactly when logged) -> corroboration (5145,
// pipes, System file writes) -> source resolution -> hops chained into paths; a source that is the target
// itself is local execution. Windows are symmetric (settings.window), never "network strictly before".
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/techniques/build_queries.hpp"

namespace lh::skill::correlation {

struct CorrelationSettings {
  // Symmetric join window around an anchor (network, logon, share access, service install).
  std::chrono::seconds window{60};
  // Hosts whose remote execution is expected (admin servers, jump hosts, deployment servers); short
  // names or FQDNs, any case. Their findings are capped below medium severity unless a suspicious
  // command (score >= suspicious_command_score) is run.
  std::vector<std::string> admin_hosts;
  // Service / child image file names that are ordinary under services.exe (allow list, any case).
  std::vector<std::string> known_good_services;
  // Prevalence: a services.exe child / service binary outside the Windows folders that runs on at least
  // this many distinct hosts in the hunt data is ordinary software; its findings without any other
  // indicator (no network link, no source-side confirmation, no suspicious command) are capped at low.
  // 0 turns this off.
  std::size_t prevalent_service_hosts = 5;
  // Fan-out: one source reaching at least this many distinct targets within this many minutes.
  std::size_t fan_out_hosts = 3;
  std::chrono::minutes fan_out_window{30};
  // Baseline: how far before the hunt window to look for a source's earlier remote execution.
  std::chrono::hours baseline{24 * 7};
  int suspicious_command_score = 40;
  std::size_t max_rounds = 3;
  std::size_t max_context_queries = 200;  // per round; the excess is reported as skipped
  std::size_t max_events_per_query = 1000;
  // How long after an anchor the processes it started are followed (commands run in the session).
  std::chrono::minutes session_follow{15};
  // Paths: the next hop must start within this long after the previous hop ended.
  std::chrono::hours path_max_gap{12};
  // How far back a session's 4624 is searched for when it opened before the anchor's window.
  std::chrono::hours logon_lookback{24};
  techniques::TimeFrame time_frame;  // the hunt window (context queries stay inside window +- join window)
};

// One search the correlator wants run through search_udm.
struct ContextRequest {
  std::string id;       // unique, stable, e.g. "ctx1.logons.FILESRV01.0x5ea84f0f"
  std::string purpose;  // "correlation" or "baseline"
  std::string title;    // what it looks for, for the report's query list
  std::string udm;
  techniques::TimeFrame time_frame;  // explicit start_time/end_time
  std::size_t max_events = 1000;
};

// What finish() returns; to_json() gives the hunt report's parts (schemas/tools/hunt_report.json):
// {"findings": [...], "movement_graph": {...}, "paths": [...], "fan_out": [...], "timeline": [...],
//  "entities": {"hosts": [...], "users": [...], "ips": [...], "hashes": [...], "domains": [...]},
//  "affected_processes": [{"host", "image", "command_line", "timestamp", "finding_id"}],
//  "context_queries": [{"id", "purpose", "title", "udm", "hits", "more_data_available", "note", "status", "error"}],
//  "truncated_searches": ["<context query id>", ...], "complete": bool}
// "entities" are the suspicious ones (from findings of medium severity or above) to enrich.
// A context search that returned more than it was allowed to (the upstream's more_data_available, or as
// many events as its max_events) is never silent: it is listed in truncated_searches, its entry says so,
// the findings on the hosts/addresses it covered get a reason line, and complete is false.
struct CorrelationResult {
  nlohmann::json findings = nlohmann::json::array();
  nlohmann::json movement_graph = {{"nodes", nlohmann::json::array()}, {"edges", nlohmann::json::array()}};
  nlohmann::json paths = nlohmann::json::array();
  nlohmann::json fan_out = nlohmann::json::array();
  nlohmann::json timeline = nlohmann::json::array();
  nlohmann::json entities = nlohmann::json::object();
  nlohmann::json affected_processes = nlohmann::json::array();
  nlohmann::json context_queries = nlohmann::json::array();
  std::vector<std::string> truncated_searches;  // ids of context searches whose results were cut off
  bool complete = true;  // false when a context search failed, was skipped or was truncated

  nlohmann::json to_json() const;
};

class Correlator {
 public:
  explicit Correlator(CorrelationSettings settings);
  ~Correlator();
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;

  // The events a hunt query returned (Chronicle result shape {"name", "udm": {...}} camelCase, or a bare
  // UDM object). Unparseable events are counted and ignored, never thrown.
  void add_hits(const techniques::BuiltQuery& query, const std::vector<nlohmann::json>& events);

  // The next round of searches; empty when the analysis needs nothing more.
  std::vector<ContextRequest> next_requests();
  // more_data_available: the upstream said the search had more events than it returned.
  void add_context(const std::string& request_id, const std::vector<nlohmann::json>& events, bool more_data_available = false);
  void context_failed(const std::string& request_id, const std::string& error);

  CorrelationResult finish() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lh::skill::correlation
