#include "skill/correlation/correlator.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <re2/re2.h>

#include "skill/correlation/analysis.hpp"
#include "skill/correlation/movement_graph.hpp"
#include "skill/correlation/requests.hpp"
#include "skill/correlation/scoring.hpp"
#include "skill/techniques/command_scoring.hpp"

namespace lh::skill::correlation {
namespace {

using nlohmann::json;
using techniques::Severity;

std::string event_key(const HuntEvent& e) {
  if (!e.name.empty()) return e.name;
  return fmt::format("{}|{}|{}|{}|{}|{}|{}", e.host, e.timestamp_ms, e.product_event_type, e.image, e.command_line,
                     e.principal_ips.empty() ? "" : e.principal_ips.front(), e.principal_port.value_or(0));
}

bool is_admin(const std::vector<std::string>& admins, const std::string& host) {
  return !host.empty() && std::any_of(admins.begin(), admins.end(), [&](const std::string& a) { return short_host_name(a) == host; });
}

// Binaries shipped in the Windows system folders are not indicators; what was dropped elsewhere is.
bool is_windows_binary(const std::string& image) {
  const auto path = lower(image);
  return path.find("\\windows\\system32\\") != std::string::npos || path.find("\\windows\\syswow64\\") != std::string::npos;
}

std::vector<std::string> url_hosts(const std::string& text) {
  static const RE2 url(R"((?i)https?://([a-z0-9.-]+))");
  std::vector<std::string> out;
  re2::StringPiece input(text);
  std::string host;
  while (RE2::FindAndConsume(&input, url, &host)) out.push_back(lower(host));
  return out;
}

}  // namespace

struct Correlator::Impl {
  CorrelationSettings settings;
  mutable std::mutex mutex;
  std::vector<std::unique_ptr<StoredEvent>> events;
  std::map<std::string, StoredEvent*> by_key;
  std::size_t unparseable = 0;
  std::size_t rounds_issued = 0;
  std::int64_t newest_ms = 0;
  std::map<std::string, std::size_t> context_index;
  json context_queries = json::array();
  std::set<std::string> baseline_ids;
  // What each context search covered (hosts and addresses), so that a truncated one names the findings
  // whose evidence it may have cut off.
  std::map<std::string, std::vector<std::string>> request_scope;
  std::map<std::string, std::size_t> request_max_events;
  std::vector<std::string> truncated;
  bool complete = true;

  void store(const json& raw, const std::string& query_id, const techniques::BuiltQuery* hunt) {
    auto parsed = parse_hunt_event(raw);
    if (!parsed) {
      ++unparseable;
      return;
    }
    const auto key = event_key(*parsed);
    StoredEvent* s = nullptr;
    if (auto it = by_key.find(key); it != by_key.end()) {
      s = it->second;
    } else {
      events.push_back(std::make_unique<StoredEvent>());
      s = events.back().get();
      s->event = std::move(*parsed);
      by_key[key] = s;
    }
    newest_ms = std::max(newest_ms, s->event.timestamp_ms);
    if (std::find(s->query_ids.begin(), s->query_ids.end(), query_id) == s->query_ids.end()) s->query_ids.push_back(query_id);
    if (hunt != nullptr) {
      s->from_hunt = true;
      s->hunt_severity = std::max(s->hunt_severity, hunt->severity);
      if (std::find(s->hunt_techniques.begin(), s->hunt_techniques.end(), hunt->technique_id) == s->hunt_techniques.end()) {
        s->hunt_techniques.push_back(hunt->technique_id);
      }
    }
  }

  std::vector<const StoredEvent*> all() const {
    std::vector<const StoredEvent*> out;
    out.reserve(events.size());
    for (const auto& e : events) out.push_back(e.get());
    return out;
  }

  std::int64_t hunt_start_ms() const {
    if (settings.time_frame.start_time) {
      if (auto t = parse_rfc3339_ms(*settings.time_frame.start_time)) return *t;
    }
    // Without an explicit start the hunt window ends at the upstream's "now"; the newest event seen stands in.
    return newest_ms - static_cast<std::int64_t>(settings.time_frame.hours_back * 3600000.0);
  }

  // Whether a search with the id of `request` less its last part (its time) was already issued: the same
  // source-side question asked again because a group's times moved is not asked twice.
  bool asked_before(const ContextRequest& request) const {
    const auto prefix = request.id.substr(0, request.id.rfind('.') + 1);
    const auto it = context_index.lower_bound(prefix);
    return it != context_index.end() && it->first.starts_with(prefix);
  }

  std::vector<ContextRequest> plan_round(std::size_t round, const Analysis& analysis, std::vector<std::string>& unbuildable,
                                         std::map<std::string, std::vector<std::string>>& scopes) const {
    std::vector<ContextRequest> out;
    const auto window = std::chrono::duration_cast<std::chrono::milliseconds>(settings.window);
    const auto max_events = settings.max_events_per_query;
    // Values from events go into the builders; one a UDM literal cannot carry (a control character in a host
    // name) costs that search, never the hunt.
    auto add = [&](const std::vector<std::string>& scope, auto&& build, bool once_per_prefix = false) {
      ContextRequest request;
      try {
        request = build();
      } catch (const std::exception& error) {
        unbuildable.push_back(error.what());
        return;
      }
      if (context_index.contains(request.id)) return;
      if (once_per_prefix && asked_before(request)) return;
      if (std::any_of(out.begin(), out.end(), [&](const ContextRequest& r) { return r.id == request.id; })) return;
      scopes[request.id] = scope;
      out.push_back(std::move(request));
    };
    // Source side: the client command naming the target and the source's remote execution before the hunt,
    // for every lateral finding whose source host is known by now (round 2 for sources round 1's data
    // resolved, round 3 only for those resolved in round 2).
    auto add_source_side = [&] {
      std::set<std::string> sources;
      for (const auto& g : analysis.groups) {
        if (g.kind != "lateral_movement" || g.source.host.empty()) continue;
        if (g.confirmations.empty()) {
          add({g.source.host, g.host},
              [&] { return client_command_request(g.source.host, g.host, {g.first_ms, g.last_ms}, window, max_events); }, true);
        }
        sources.insert(g.source.host);
      }
      if (settings.baseline.count() > 0) {
        for (const auto& source : sources) {
          add({source}, [&] {
            return baseline_request(source, hunt_start_ms(), std::chrono::duration_cast<std::chrono::milliseconds>(settings.baseline), max_events);
          });
        }
      }
    };
    if (round == 0) {
      std::map<std::string, std::vector<std::int64_t>> times;
      for (const auto& g : analysis.groups) {
        for (const auto* a : g.anchors) times[g.host].push_back(a->event.timestamp_ms);
      }
      std::vector<HostCluster> clusters;
      for (const auto& [host, list] : times) {
        for (const auto& cluster : cluster_times(list, std::max<std::chrono::milliseconds>(window * 5, std::chrono::minutes(5)))) {
          clusters.push_back({host, cluster});
        }
      }
      if (clusters.size() * 2 <= settings.max_context_queries) {
        for (const auto& hc : clusters) {
          add({hc.host}, [&] { return join_context_request(hc.host, hc.cluster, window, max_events); });
          add({hc.host}, [&] { return process_context_request(hc.host, hc.cluster, window, settings.session_follow, max_events); });
        }
      } else {
        // Over budget: hosts whose anchors are close in time share a search.
        for (const auto& batch : batch_host_clusters(clusters, 10, std::chrono::minutes(30))) {
          add(batch.hosts, [&] { return join_context_request(batch.hosts, batch.cluster, window, max_events); });
          add(batch.hosts, [&] { return process_context_request(batch.hosts, batch.cluster, window, settings.session_follow, max_events); });
        }
      }
    } else if (round == 1) {
      for (const auto& g : analysis.groups) {
        if (!g.logon_id.empty() && g.logon == nullptr) {
          add({g.host}, [&] { return logon_by_id_request(g.host, g.logon_id, g.first_ms, settings.logon_lookback, window, max_events); });
        }
        const bool weak = g.source.resolved_by.empty() || g.source.resolved_by == "workstation_name" ||
                          g.source.resolved_by == "pipe_name" || g.source.resolved_by == "client_command";
        if (!g.source_ip.empty() && weak && !is_loopback_address(g.source_ip)) {
          add({g.source_ip}, [&] { return address_owner_request(g.source_ip, {g.first_ms, g.last_ms}, window, max_events); });
        }
      }
      add_source_side();
    } else if (round == 2) {
      add_source_side();
    }
    return out;
  }

  void record_request(const ContextRequest& r, const std::string& status) {
    context_index[r.id] = context_queries.size();
    request_max_events[r.id] = r.max_events;
    context_queries.push_back({{"id", r.id}, {"purpose", r.purpose}, {"title", r.title}, {"udm", r.udm}, {"hits", 0},
                               {"more_data_available", false}, {"status", status},
                               {"error", nullptr}, {"start_time", r.time_frame.start_time.value_or("")},
                               {"end_time", r.time_frame.end_time.value_or("")}});
  }

  CorrelationResult build_result() const;
};

Correlator::Correlator(CorrelationSettings settings) : impl_(std::make_unique<Impl>()) { impl_->settings = std::move(settings); }
Correlator::~Correlator() = default;

void Correlator::add_hits(const techniques::BuiltQuery& query, const std::vector<nlohmann::json>& events) {
  std::lock_guard lock(impl_->mutex);
  for (const auto& e : events) impl_->store(e, query.query_id, &query);
}

std::vector<ContextRequest> Correlator::next_requests() {
  std::lock_guard lock(impl_->mutex);
  auto& im = *impl_;
  while (im.rounds_issued < im.settings.max_rounds && im.rounds_issued < 3) {
    const auto analysis = analyse(im.all(), im.settings);
    std::vector<std::string> unbuildable;
    std::map<std::string, std::vector<std::string>> scopes;
    auto requests = im.plan_round(im.rounds_issued, analysis, unbuildable, scopes);
    for (auto& [id, scope] : scopes) im.request_scope[id] = std::move(scope);
    for (const auto& error : unbuildable) {
      im.context_index[fmt::format("unbuilt.{}", im.context_queries.size())] = im.context_queries.size();
      im.context_queries.push_back({{"id", fmt::format("unbuilt.{}", im.context_queries.size())}, {"purpose", "correlation"},
                                    {"title", "a context search that could not be built"}, {"udm", ""}, {"hits", 0},
                                    {"status", "skipped"}, {"error", error}});
      im.complete = false;
    }
    ++im.rounds_issued;
    if (requests.empty()) continue;
    if (requests.size() > im.settings.max_context_queries) {
      for (std::size_t i = im.settings.max_context_queries; i < requests.size(); ++i) im.record_request(requests[i], "skipped");
      requests.resize(im.settings.max_context_queries);
      im.complete = false;
    }
    for (const auto& r : requests) im.record_request(r, "pending");
    return requests;
  }
  return {};
}

void Correlator::add_context(const std::string& request_id, const std::vector<nlohmann::json>& events, bool more_data_available) {
  std::lock_guard lock(impl_->mutex);
  auto& im = *impl_;
  for (const auto& e : events) im.store(e, request_id, nullptr);
  // A search that filled its cap may have had more to say even when the upstream does not flag it.
  const auto cap = im.request_max_events.find(request_id);
  const bool at_cap = cap != im.request_max_events.end() && cap->second > 0 && events.size() >= cap->second;
  const bool truncated = more_data_available || at_cap;
  if (truncated && std::find(im.truncated.begin(), im.truncated.end(), request_id) == im.truncated.end()) {
    im.truncated.push_back(request_id);
    im.complete = false;
  }
  if (auto it = im.context_index.find(request_id); it != im.context_index.end()) {
    auto& entry = im.context_queries[it->second];
    entry["hits"] = events.size();
    entry["status"] = "ok";
    entry["more_data_available"] = truncated;
    if (truncated) {
      entry["note"] = fmt::format("truncated: the search returned {} events{} and had more; evidence it covers may be incomplete", events.size(),
                                  cap != im.request_max_events.end() ? fmt::format(" (limit {})", cap->second) : std::string());
    }
  }
}

void Correlator::context_failed(const std::string& request_id, const std::string& error) {
  std::lock_guard lock(impl_->mutex);
  auto& im = *impl_;
  im.complete = false;
  if (auto it = im.context_index.find(request_id); it != im.context_index.end()) {
    im.context_queries[it->second]["status"] = "failed";
    im.context_queries[it->second]["error"] = error;
  }
}

CorrelationResult Correlator::finish() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->build_result();
}

CorrelationResult Correlator::Impl::build_result() const {
  CorrelationResult result;
  const auto analysis = analyse(all(), settings);
  const auto window = std::chrono::duration_cast<std::chrono::milliseconds>(settings.window);

  // Sources with remote execution before the hunt window (baseline searches).
  std::set<std::string> known_remote;
  for (const auto& e : events) {
    for (const auto& q : e->query_ids) {
      if (q.starts_with("baseline.") && e->event.timestamp_ms < hunt_start_ms()) known_remote.insert(e->event.host);
    }
  }

  // Hops first (for fan-out), then findings with their scores.
  struct Draft {
    const SessionGroup* group;
    std::string id;
    std::string source_class;
    int max_score = 0;
    json commands = json::array();
  };
  std::vector<Draft> drafts;
  for (std::size_t i = 0; i < analysis.groups.size(); ++i) {
    const auto& g = analysis.groups[i];
    Draft d{&g, fmt::format("F{}", i + 1)};
    if (g.kind == "local_execution") d.source_class = "local";
    else if (g.kind == "source_activity" && is_admin(settings.admin_hosts, g.source.host)) d.source_class = "admin_host";
    else if (is_admin(settings.admin_hosts, g.source.host)) d.source_class = "admin_host";
    else if (known_remote.contains(g.source.host)) d.source_class = "known_remote_admin";
    else if (!g.source.host.empty()) d.source_class = "unexpected";
    else d.source_class = "unknown";
    for (const auto& c : g.commands) {
      const auto score = techniques::score_command(c.command_line);
      d.max_score = std::max(d.max_score, score.score);
      json cmd{{"command_line", c.command_line}, {"timestamp", format_rfc3339_ms(c.timestamp_ms)}, {"score", score.score},
               {"patterns", score.pattern_ids}, {"attack_ids", score.attack_ids}, {"decoded", nullptr}};
      if (auto decoded = techniques::decode_encoded_powershell(c.command_line); !decoded.empty()) cmd["decoded"] = decoded;
      d.commands.push_back(std::move(cmd));
    }
    drafts.push_back(std::move(d));
  }
  std::vector<Hop> hops;
  for (const auto& d : drafts) {
    const auto& g = *d.group;
    if (g.kind != "lateral_movement") continue;
    // A source known only by its address is still a node (named by the address): the graph shows every hop.
    const bool unresolved = g.source.host.empty();
    if (unresolved && (g.source_ip.empty() || is_loopback_address(g.source_ip))) continue;
    Hop hop{d.id, unresolved ? g.source_ip : g.source.host, g.host};
    hop.from_unresolved = unresolved;
    if (!g.source_ip.empty()) hop.from_ips.push_back(g.source_ip);
    hop.technique_id = g.technique_id;
    hop.account = g.account;
    hop.first_ms = g.first_ms;
    hop.last_ms = g.last_ms;
    hops.push_back(hop);
  }
  const auto fan_outs = detect_fan_out(hops, settings.fan_out_hosts, std::chrono::duration_cast<std::chrono::milliseconds>(settings.fan_out_window));
  std::set<std::string> fanned;
  for (const auto& f : fan_outs) fanned.insert(f.finding_ids.begin(), f.finding_ids.end());

  // Service binaries by the hosts they run on under services.exe (or are installed as a service) in all
  // the data seen: one that is everywhere is ordinary software, not an attacker's drop.
  std::map<std::string, std::set<std::string>> service_binary_hosts;
  auto service_binary = [](const HuntEvent& e) -> std::string {
    if (e.is_process_launch() && file_name_lower(e.parent_image) == "services.exe" && !is_windows_binary(e.image)) return file_name_lower(e.image);
    if (e.event_type == "SERVICE_CREATION" && !e.service_image.empty() && !is_windows_binary(e.service_image)) {
      auto path = e.service_image;
      if (const auto space = lower(path).find(".exe "); space != std::string::npos) path.resize(space + 4);  // drop arguments
      const auto name = file_name_lower(path);
      return name.ends_with(".exe") ? name : std::string();
    }
    return {};
  };
  if (settings.prevalent_service_hosts > 0) {
    for (const auto& e : events) {
      if (const auto name = service_binary(e->event); !name.empty() && !e->event.host.empty()) service_binary_hosts[name].insert(e->event.host);
    }
  }
  // The binary every anchor of a group runs as, when all of them are services.exe children / service installs
  // of one prevalent binary; "" otherwise.
  auto prevalent_binary = [&](const SessionGroup& g) -> std::string {
    std::string common;
    for (const auto* a : g.anchors) {
      const auto name = service_binary(a->event);
      if (name.empty() || (!common.empty() && name != common)) return {};
      common = name;
    }
    const auto it = service_binary_hosts.find(common);
    return it != service_binary_hosts.end() && it->second.size() >= settings.prevalent_service_hosts ? common : std::string();
  };
  // Which truncated searches covered a group's hosts or addresses.
  auto truncated_for = [&](const SessionGroup& g) {
    std::vector<std::string> ids;
    for (const auto& id : truncated) {
      const auto scope = request_scope.find(id);
      if (scope == request_scope.end()) continue;
      for (const auto& value : scope->second) {
        if (!value.empty() && (value == g.host || value == g.source.host || value == g.source_ip)) {
          ids.push_back(id);
          break;
        }
      }
    }
    return ids;
  };

  std::map<std::string, int> severity_of;
  json entity_hosts = json::array(), entity_users = json::array(), entity_ips = json::array(), entity_hashes = json::array(),
       entity_domains = json::array();
  auto add_entity = [](json& list, const std::string& value) {
    if (value.empty()) return;
    for (const auto& v : list) {
      if (v == value) return;
    }
    list.push_back(value);
  };
  for (const auto& d : drafts) {
    const auto& g = *d.group;
    const auto* technique = techniques::catalogue().find(g.technique_id);
    Severity base = Severity::info;
    for (const auto* a : g.anchors) base = std::max(base, a->hunt_severity);
    ScoreInput in;
    in.base = base;
    in.kind = g.kind;
    in.source_class = d.source_class;
    in.source_is_workstation = looks_like_workstation(g.source.host);
    in.max_command_score = d.max_score;
    in.suspicious_command_score = settings.suspicious_command_score;
    in.session_link = g.logon != nullptr;
    in.network_link = !g.links.empty();
    in.exact_port = g.exact_port;
    in.corroborations = static_cast<int>(g.corroborations.size());
    in.source_confirmed = !g.confirmations.empty();
    in.fan_out = fanned.contains(d.id);
    in.rdp_to_admin_host = g.technique_id == "rdp" && is_admin(settings.admin_hosts, g.host);
    in.rdp = g.technique_id == "rdp";
    auto score = score_finding(in);
    // Prevalence: a service binary on many hosts with nothing else against it is ordinary.
    if (const auto binary = prevalent_binary(g); !binary.empty() && g.links.empty() && g.confirmations.empty() &&
                                                 d.max_score < settings.suspicious_command_score && !in.fan_out &&
                                                 (g.source.host.empty() || g.kind == "local_execution")) {
      score.severity = std::min(score.severity, Severity::low);
      score.reasons.push_back(fmt::format("ordinary service: {} runs under services.exe on {} hosts in the hunt data (at least {}) and "
                                          "nothing else points to lateral movement; capped at low",
                                          binary, service_binary_hosts[binary].size(), settings.prevalent_service_hosts));
    }
    severity_of[d.id] = static_cast<int>(score.severity);

    json reasons = json::array();
    for (const auto& info : g.anchor_infos) {
      const auto line = "execution anchor: " + info.what;
      if (std::find(reasons.begin(), reasons.end(), line) == reasons.end()) reasons.push_back(line);
      if (reasons.size() >= 4) break;
    }
    if (!g.attribution.empty()) reasons.push_back(g.attribution);
    if (g.logon != nullptr) {
      reasons.push_back(fmt::format("session link: logon id {} is the TargetLogonId of a type {} logon of {} from {}{}", g.logon->target_logon_id,
                                    g.logon->logon_type ? std::to_string(*g.logon->logon_type) : "?", g.account,
                                    g.logon->ip_address.empty() ? "an unlogged address (-)" : g.logon->ip_address,
                                    g.logon->ip_port ? fmt::format(":{}", *g.logon->ip_port) : ""));
    } else if (!g.logon_id.empty()) {
      reasons.push_back(fmt::format("logon id {} seen on the anchors, but its 4624 was not found", g.logon_id));
    }
    if (!g.links.empty()) {
      const auto* c = g.links.front().connection;
      reasons.push_back(fmt::format("network link: inbound {}:{} -> port {} on {}{}", g.source_ip, c->principal_port.value_or(0),
                                    c->target_port.value_or(0), g.host,
                                    g.exact_port ? " (its source port equals the logon's IpPort)" : " inside the join window"));
    }
    for (const auto& c : g.corroborations) reasons.push_back("corroboration: " + c);
    for (const auto& c : g.confirmations) reasons.push_back("source side: " + c);
    if (!g.source.host.empty()) {
      reasons.push_back(fmt::format("source {} ({}) resolved by {}", g.source.host, g.source_ip.empty() ? "no address" : g.source_ip,
                                    g.source.resolved_by));
    } else if (!g.source_ip.empty()) {
      reasons.push_back(fmt::format("source address {} could not be resolved to a host from the data", g.source_ip));
    } else {
      reasons.push_back("no source could be joined: target-side indicators only");
    }
    if (g.kind == "local_execution") reasons.push_back("local execution: the source is the target itself, not lateral movement");
    if (g.kind == "source_activity") {
      reasons.push_back(fmt::format("seen on the source only: no execution on {} was found in its logs (it may not be collected)", g.host));
    }
    for (const auto& c : d.commands) {
      if (c["score"].get<int>() >= settings.suspicious_command_score) {
        reasons.push_back(fmt::format("suspicious command (score {}, {}): {:.160}", c["score"].get<int>(),
                                      fmt::join(c["patterns"].get<std::vector<std::string>>(), ", "), c["command_line"].get<std::string>()));
      }
    }
    for (const auto& r : score.reasons) reasons.push_back(r);
    if (const auto cut = truncated_for(g); !cut.empty()) {
      reasons.push_back(fmt::format("evidence may be incomplete: context search {} returned more events than its limit", fmt::join(cut, ", ")));
    }

    json evidence = json::array();
    std::vector<const EvidenceRef*> ordered;
    for (const auto& ev : g.evidence) ordered.push_back(&ev);
    std::stable_sort(ordered.begin(), ordered.end(), [](const EvidenceRef* a, const EvidenceRef* b) {
      return a->stored->event.timestamp_ms < b->stored->event.timestamp_ms;
    });
    std::set<std::string> query_ids;
    for (const auto* ev : ordered) {
      const auto& e = ev->stored->event;
      evidence.push_back({{"event", e.name.empty() ? json(nullptr) : json(e.name)}, {"timestamp", format_rfc3339_ms(e.timestamp_ms)},
                          {"host", e.host}, {"event_type", e.event_type}, {"product_event_type", e.product_event_type},
                          {"summary", summarise(e)}, {"query_id", ev->stored->query_ids.empty() ? json(nullptr) : json(ev->stored->query_ids.front())},
                          {"role", ev->role}});
      query_ids.insert(ev->stored->query_ids.begin(), ev->stored->query_ids.end());
      result.timeline.push_back({{"timestamp", format_rfc3339_ms(e.timestamp_ms)}, {"host", e.host},
                                 {"summary", fmt::format("[{}] {}", ev->role, summarise(e))}, {"finding_id", d.id}});
    }
    for (const auto& c : g.commands) {
      result.timeline.push_back({{"timestamp", format_rfc3339_ms(c.timestamp_ms)}, {"host", g.host},
                                 {"summary", fmt::format("[command] {:.200}", c.command_line)}, {"finding_id", d.id}});
    }

    json finding{{"id", d.id},
                 {"kind", g.kind},
                 {"technique_id", g.technique_id},
                 {"technique_name", technique != nullptr ? technique->name : g.technique_id},
                 {"attack_ids", technique != nullptr ? technique->attack_ids : std::vector<std::string>{}},
                 {"severity", techniques::to_string(score.severity)},
                 {"confidence", techniques::to_string(score.confidence)},
                 {"source", {{"host", g.source.host.empty() ? json(nullptr) : json(g.source.host)},
                             {"ip", g.source_ip.empty() ? json(nullptr) : json(g.source_ip)},
                             {"resolved_by", g.source.resolved_by.empty() ? json(nullptr) : json(g.source.resolved_by)}}},
                 {"target", {{"host", g.host}, {"ip", nullptr}, {"resolved_by", "reporting_host"}}},
                 {"account", g.account.empty() ? json(nullptr) : json(g.account)},
                 {"logon_id", g.logon_id.empty() ? json(nullptr) : json(g.logon_id)},
                 {"logon_type", g.logon != nullptr && g.logon->logon_type ? json(*g.logon->logon_type) : json(nullptr)},
                 {"auth_package", g.logon != nullptr && !g.logon->auth_package.empty() ? json(g.logon->auth_package) : json(nullptr)},
                 {"source_class", d.source_class},
                 {"first_seen", format_rfc3339_ms(g.first_ms)},
                 {"last_seen", format_rfc3339_ms(g.last_ms)},
                 {"commands", d.commands},
                 {"reasons", reasons},
                 {"evidence", evidence},
                 {"query_ids", std::vector<std::string>(query_ids.begin(), query_ids.end())}};
    const auto& target_ips = analysis.addresses.addresses_of(g.host);
    if (target_ips.size() == 1) finding["target"]["ip"] = *target_ips.begin();
    result.findings.push_back(std::move(finding));

    if (static_cast<int>(score.severity) >= static_cast<int>(Severity::medium)) {
      add_entity(entity_hosts, g.host);
      if (g.kind != "local_execution") add_entity(entity_hosts, g.source.host);
      add_entity(entity_users, g.account);
      if (!g.source_ip.empty() && !is_loopback_address(g.source_ip)) add_entity(entity_ips, g.source_ip);
      for (const auto& c : g.commands) {
        if (c.stored != nullptr) {
          if (!is_windows_binary(c.stored->event.image)) {
            for (const auto& h : c.stored->event.hashes) add_entity(entity_hashes, h);
          }
          result.affected_processes.push_back({{"host", g.host}, {"image", c.stored->event.image}, {"command_line", c.command_line},
                                               {"timestamp", format_rfc3339_ms(c.timestamp_ms)}, {"finding_id", d.id}});
        }
        for (const auto& domain : url_hosts(c.command_line + " " + techniques::decode_encoded_powershell(c.command_line))) {
          add_entity(entity_domains, domain);
        }
      }
      for (const auto* a : g.anchors) {
        if (!is_windows_binary(a->event.image)) {
          for (const auto& h : a->event.hashes) add_entity(entity_hashes, h);
        }
      }
    }
  }

  for (auto& hop : hops) hop.severity = severity_of[hop.finding_id];
  result.movement_graph = movement_graph_json(hops, settings.admin_hosts);
  result.paths = movement_paths_json(hops, static_cast<int>(Severity::medium), window,
                                     std::chrono::duration_cast<std::chrono::milliseconds>(settings.path_max_gap));
  for (const auto& f : fan_outs) {
    int severity = static_cast<int>(is_admin(settings.admin_hosts, f.source) ? Severity::low : Severity::high);
    result.fan_out.push_back({{"source", f.source}, {"targets", f.targets},
                              {"window_minutes", std::chrono::duration<double, std::ratio<60>>(settings.fan_out_window).count()},
                              {"first_seen", format_rfc3339_ms(f.first_ms)}, {"last_seen", format_rfc3339_ms(f.last_ms)},
                              {"finding_ids", f.finding_ids},
                              {"severity", techniques::to_string(static_cast<Severity>(severity))}});
  }
  std::stable_sort(result.timeline.begin(), result.timeline.end(),
                   [](const json& a, const json& b) { return a["timestamp"].get<std::string>() < b["timestamp"].get<std::string>(); });
  result.entities = {{"hosts", entity_hosts}, {"users", entity_users}, {"ips", entity_ips}, {"hashes", entity_hashes}, {"domains", entity_domains}};
  result.context_queries = context_queries;
  for (auto& q : result.context_queries) {
    q.erase("start_time");
    q.erase("end_time");
  }
  result.truncated_searches = truncated;
  result.complete = complete;
  for (const auto& q : context_queries) {
    if (q["status"] == "pending") result.complete = false;
  }
  return result;
}

nlohmann::json CorrelationResult::to_json() const {
  return {{"findings", findings}, {"movement_graph", movement_graph}, {"paths", paths}, {"fan_out", fan_out},
          {"timeline", timeline}, {"entities", entities}, {"affected_processes", affected_processes},
          {"context_queries", context_queries}, {"truncated_searches", truncated_searches}, {"complete", complete}};
}

}  // namespace lh::skill::correlation
