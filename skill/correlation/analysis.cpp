#include "skill/correlation/analysis.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

#include <fmt/format.h>
#include <re2/re2.h>

#include "skill/techniques/catalogue.hpp"

namespace lh::skill::correlation {
namespace {

using std::chrono::milliseconds;

bool same_process(const HuntEvent& a, const HuntEvent& b) {
  return a.is_process_launch() && b.is_process_launch() && a.host == b.host && file_name_lower(a.image) == file_name_lower(b.image) &&
         lower(a.command_line) == lower(b.command_line) && std::llabs(a.timestamp_ms - b.timestamp_ms) <= 3000;
}

struct SessionKey {
  std::string logon_id;
  std::string ip;
  std::optional<int> port;
};

// The logon session an anchor belongs to (correlation model step 2).
SessionKey anchor_session(const HuntEvent& a, const std::string& role, const std::vector<const HuntEvent*>& all, milliseconds window) {
  auto usable = [](const std::string& id) { return !id.empty() && !is_system_logon_id(id); };
  auto sibling_4697 = [&](const HuntEvent& svc) -> std::string {
    if (usable(svc.subject_logon_id)) return svc.subject_logon_id;
    for (const auto* e : all) {
      if (e->product_event_type == "4697" && e->host == svc.host && lower(e->service_name) == lower(svc.service_name) &&
          within_window(e->timestamp_ms, svc.timestamp_ms, window) && usable(e->subject_logon_id)) {
        return e->subject_logon_id;
      }
    }
    return {};
  };
  if (a.is_process_launch()) {
    if (usable(a.process_logon_id)) return {a.process_logon_id, {}, {}};
    if (file_name_lower(a.parent_image) == "services.exe") {
      if (const auto* svc = find_service_install_for(all, a, window)) return {sibling_4697(*svc), {}, {}};
    }
    return {};
  }
  if (role == "service_install") return {sibling_4697(a), {}, {}};
  if (role == "task") return {usable(a.subject_logon_id) ? a.subject_logon_id : std::string(), {}, {}};
  if (role == "share_access") return {usable(a.subject_logon_id) ? a.subject_logon_id : std::string(), a.ip_address, a.ip_port};
  if (role == "logon") return {a.target_logon_id, a.ip_address, a.ip_port};
  if (role == "file_write") {
    const auto name = file_name_lower(a.file_path);
    for (const auto* e : all) {
      if (e->product_event_type == "5145" && e->host == a.host && file_name_lower(e->relative_target_name) == name &&
          within_window(e->timestamp_ms, a.timestamp_ms, window)) {
        return {usable(e->subject_logon_id) ? e->subject_logon_id : std::string(), e->ip_address, e->ip_port};
      }
    }
  }
  return {};
}

std::string choose_technique(const std::vector<AnchorInfo>& infos) {
  std::map<std::string, int> points;
  std::vector<std::string> order;
  for (const auto& info : infos) {
    for (std::size_t i = 0; i < info.techniques.size(); ++i) {
      const auto& t = info.techniques[i];
      if (!points.contains(t)) order.push_back(t);
      points[t] += i == 0 ? 3 : 1;
    }
  }
  std::string best;
  for (const auto& t : order) {
    if (best.empty() || points[t] > points[best]) best = t;
  }
  return best;
}

bool is_intermediary(const std::string& image) {
  static const std::set<std::string> hosts{"psexesvc.exe", "wsmprovhost.exe", "winrshost.exe", "mmc.exe", "excel.exe",
                                           "paexec.exe",   "remcomsvc.exe",   "csexecsvc.exe", "conhost.exe"};
  return hosts.contains(image);
}

std::string task_command_image(const std::string& content) {
  static const RE2 command(R"re((?is)<Command>\s*"?([^<"]+?)"?\s*</Command>)re");
  std::string image;
  if (RE2::PartialMatch(content, command, &image)) return file_name_lower(image);
  return {};
}

// DOMAIN\\user with the NetBIOS-style domain (Kerberos logons carry "ACME.LOCAL", NTLM ones "ACME").
std::string account_name(const std::string& domain, const std::string& user) {
  if (domain.empty()) return user;
  return short_host_name(domain) + "\\" + user;
}

void add_evidence(SessionGroup& g, const StoredEvent* s, const std::string& role) {
  for (const auto& e : g.evidence) {
    if (e.stored == s) return;
  }
  g.evidence.push_back({s, role});
}

}  // namespace

Analysis analyse(const std::vector<const StoredEvent*>& stored, const CorrelationSettings& settings) {
  Analysis out;
  const milliseconds window = settings.window;
  const milliseconds follow = std::max<milliseconds>(settings.session_follow, window);
  std::vector<const HuntEvent*> all;
  std::map<const HuntEvent*, const StoredEvent*> owner;
  all.reserve(stored.size());
  for (const auto* s : stored) {
    all.push_back(&s->event);
    owner[&s->event] = s;
    out.addresses.observe(s->event);
  }
  // Every join is within one host (the source side is another host's list): index once.
  std::map<std::string, std::vector<const HuntEvent*>> by_host;
  std::vector<const HuntEvent*> launches;
  for (const auto* e : all) {
    by_host[e->host].push_back(e);
    if (e->is_process_launch()) launches.push_back(e);
  }
  const std::vector<const HuntEvent*> nothing;
  auto on_host = [&](const std::string& host) -> const std::vector<const HuntEvent*>& {
    auto it = by_host.find(host);
    return it == by_host.end() ? nothing : it->second;
  };
  std::vector<std::string> known_good;
  for (const auto& k : settings.known_good_services) known_good.push_back(lower(k));

  // 1. Anchors from the hunt hits (a 4688 that repeats a Sysmon 1 is evidence of the same anchor).
  struct Anchor {
    const StoredEvent* stored;
    AnchorInfo info;
    SessionKey session;
  };
  std::vector<Anchor> anchors;
  std::vector<const StoredEvent*> duplicates;
  std::vector<const StoredEvent*> hunt_sorted;
  for (const auto* s : stored) {
    if (s->from_hunt) hunt_sorted.push_back(s);
  }
  std::stable_sort(hunt_sorted.begin(), hunt_sorted.end(), [](const StoredEvent* a, const StoredEvent* b) {
    // Sysmon first so that 4688 repeats attach to it.
    const bool a_sysmon = a->event.product_event_type == "1", b_sysmon = b->event.product_event_type == "1";
    if (a_sysmon != b_sysmon) return a_sysmon;
    return a->event.timestamp_ms < b->event.timestamp_ms;
  });
  for (const auto* s : hunt_sorted) {
    auto info = classify_anchor(s->event, known_good);
    if (!info) continue;
    const bool repeat = std::any_of(anchors.begin(), anchors.end(), [&](const Anchor& a) { return same_process(a.stored->event, s->event); });
    if (repeat) {
      duplicates.push_back(s);
      continue;
    }
    anchors.push_back({s, *info, anchor_session(s->event, info->role, on_host(s->event.host), window)});
  }
  std::sort(anchors.begin(), anchors.end(), [](const Anchor& a, const Anchor& b) { return a.stored->event.timestamp_ms < b.stored->event.timestamp_ms; });

  // 2. Group: one finding per (target, logon session); anchors without a session join a group on the same
  // host in the window that shares a technique, or form their own.
  std::vector<SessionGroup>& groups = out.groups;
  auto shares_technique = [](const SessionGroup& g, const AnchorInfo& info) {
    for (const auto& gi : g.anchor_infos) {
      for (const auto& t : gi.techniques) {
        if (std::find(info.techniques.begin(), info.techniques.end(), t) != info.techniques.end()) return true;
      }
    }
    return false;
  };
  auto add_anchor = [&](SessionGroup& g, const Anchor& a) {
    if (g.anchors.empty()) g.first_ms = g.last_ms = a.stored->event.timestamp_ms;
    g.anchors.push_back(a.stored);
    g.anchor_infos.push_back(a.info);
    g.first_ms = std::min(g.first_ms, a.stored->event.timestamp_ms);
    g.last_ms = std::max(g.last_ms, a.stored->event.timestamp_ms);
    if (g.source_ip.empty() && !a.session.ip.empty()) {
      g.source_ip = a.session.ip;
      g.source_port = a.session.port;
    }
    add_evidence(g, a.stored, a.info.role == "anchor" ? "anchor" : a.info.role);
  };
  for (const auto& a : anchors) {
    if (a.session.logon_id.empty()) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const SessionGroup& g) {
      return g.host == a.stored->event.host && g.logon_id == a.session.logon_id;
    });
    if (it == groups.end()) {
      groups.push_back({});
      it = std::prev(groups.end());
      it->host = a.stored->event.host;
      it->logon_id = a.session.logon_id;
    }
    add_anchor(*it, a);
  }
  for (const auto& a : anchors) {
    if (!a.session.logon_id.empty()) continue;
    const auto t = a.stored->event.timestamp_ms;
    SessionGroup* best = nullptr;
    for (auto& g : groups) {
      if (g.host != a.stored->event.host || !shares_technique(g, a.info)) continue;
      if (t < g.first_ms - window.count() || t > g.last_ms + window.count()) continue;
      if (!a.session.ip.empty() && !g.source_ip.empty() && a.session.ip != g.source_ip) continue;
      best = &g;
      break;
    }
    if (best == nullptr) {
      groups.push_back({});
      best = &groups.back();
      best->host = a.stored->event.host;
    }
    add_anchor(*best, a);
  }
  for (const auto* d : duplicates) {
    for (auto& g : groups) {
      if (std::any_of(g.anchors.begin(), g.anchors.end(), [&](const StoredEvent* s) { return same_process(s->event, d->event); })) {
        add_evidence(g, d, "anchor");
        break;
      }
    }
  }

  // 3. Per group: technique, session, network, corroboration, source, commands.
  for (auto& g : groups) {
    const auto& here = on_host(g.host);
    g.technique_id = choose_technique(g.anchor_infos);
    g.logon = find_logon(here, g.host, g.logon_id, g.first_ms);
    const bool remote_logon = g.logon != nullptr && (!g.logon->logon_type || *g.logon->logon_type == 3 || *g.logon->logon_type == 10);
    if (g.logon != nullptr && !remote_logon) {
      // The anchor runs in a local session (DCOM ShellWindows runs as the interactive user): attribute it by the
      // network logon next to it in time, not by the process's own session (lateral-movement.md fact 5).
      const HuntEvent* network = nullptr;
      for (const auto* e : here) {
        if (e->product_event_type != "4624" || e->host != g.host || !e->logon_type || *e->logon_type != 3) continue;
        if (e->ip_address.empty() || is_loopback_address(e->ip_address) || !within_window(e->timestamp_ms, g.first_ms, window)) continue;
        if (network == nullptr || std::llabs(e->timestamp_ms - g.first_ms) < std::llabs(network->timestamp_ms - g.first_ms)) network = e;
      }
      g.attribution = fmt::format("the anchor runs in the local session {} ({} logon type {}); attributed by the network logon {} in the window",
                                  g.logon_id, account_name(g.logon->target_domain, g.logon->target_user), g.logon->logon_type.value_or(0),
                                  network != nullptr ? network->target_logon_id : std::string("(none found)"));
      add_evidence(g, owner[g.logon], "local_logon");
      g.logon = network;
      if (network != nullptr) g.logon_id = network->target_logon_id;
    }
    if (g.logon != nullptr) {
      add_evidence(g, owner[g.logon], "logon");
      if (!g.logon->ip_address.empty()) {
        g.source_ip = g.logon->ip_address;
        g.source_port = g.logon->ip_port;
      }
      if (!g.logon->target_user.empty()) g.account = account_name(g.logon->target_domain, g.logon->target_user);
    }
    if (g.account.empty()) {
      for (const auto* s : g.anchors) {
        const auto& e = s->event;
        if ((e.product_event_type == "5145" || e.product_event_type == "4698" || e.product_event_type == "4697" ||
             e.product_event_type == "4624") && !e.user.empty() && !e.user.ends_with("$")) {
          g.account = account_name(e.user_domain, e.user);
          break;
        }
      }
    }
    const auto* technique = techniques::catalogue().find(g.technique_id);
    // remote_service vs scmr_tcp: the same service install, told apart by the wire (445 + svcctl, or 135 + a
    // high port owned by services.exe).
    if (g.technique_id == "remote_service" || g.technique_id == "scmr_tcp") {
      bool smb = false, tcp = false;
      for (const auto* e : here) {
        if (e->host != g.host || e->timestamp_ms < g.first_ms - window.count() || e->timestamp_ms > g.last_ms + window.count()) continue;
        const bool from_source = g.source_ip.empty() || std::find(e->principal_ips.begin(), e->principal_ips.end(), g.source_ip) != e->principal_ips.end() ||
                                 e->ip_address == g.source_ip;
        if (!from_source) continue;
        if (e->event_type == "NETWORK_CONNECTION" && e->is_inbound() && e->target_port == 445) smb = true;
        if (e->product_event_type == "5145" && lower(e->relative_target_name) == "svcctl") smb = true;
        if (e->event_type == "NETWORK_CONNECTION" && file_name_lower(e->parent_image) == "services.exe" && e->target_port &&
            *e->target_port >= 49152) {
          tcp = true;
        }
      }
      g.technique_id = tcp && !smb ? "scmr_tcp" : "remote_service";
      technique = techniques::catalogue().find(g.technique_id);
    }
    const techniques::PortProfile* profile = technique != nullptr ? &technique->port_profile : nullptr;
    if (!g.source_ip.empty()) {
      g.links = find_network_links(here, g.host, g.source_ip, profile, g.source_port, g.first_ms, g.last_ms, window);
    } else if (profile != nullptr && !profile->ports.empty() && g.technique_id != "tool_transfer") {
      // No address on the logon (WinRM Kerberos "-"): the inbound connection on the technique's ports.
      auto links = find_inbound_on_profile(here, g.host, *profile, g.first_ms, g.last_ms, window);
      if (!links.empty()) {
        g.source_ip = links.front().connection->principal_ips.front();
        g.links = find_network_links(here, g.host, g.source_ip, profile, std::nullopt, g.first_ms, g.last_ms, window);
      }
    }
    g.exact_port = !g.links.empty() && g.links.front().exact_port;
    for (std::size_t i = 0; i < g.links.size() && i < 3; ++i) add_evidence(g, owner[g.links[i].connection], "network");

    // Corroboration on the target (step 4): share/pipe access from the source, PsExec pipes, System writes.
    std::vector<std::string> pipe_hosts;
    std::set<std::string> said;
    for (const auto* e : here) {
      if (e->host != g.host || e->timestamp_ms < g.first_ms - window.count() || e->timestamp_ms > g.last_ms + window.count()) continue;
      const auto* s = owner[e];
      if (e->product_event_type == "5145" || e->product_event_type == "5140") {
        if (g.source_ip.empty() || e->ip_address != g.source_ip) continue;
        // Another session from the same address is another finding's evidence.
        if (!g.logon_id.empty() && !e->subject_logon_id.empty() && e->subject_logon_id != g.logon_id) continue;
        const auto rel = lower(e->relative_target_name);
        std::string what;
        if (rel == "svcctl") what = "svcctl pipe opened over SMB (service control)";
        else if (rel == "atsvc") what = "atsvc pipe opened over SMB (task scheduler)";
        else if (rel.find("psexesvc") != std::string::npos || rel.find("remcom") != std::string::npos) {
          static const RE2 std_suffix(R"((?i)-(stdin|stdout|stderr)$)");
          std::string name = e->relative_target_name;
          RE2::Replace(&name, std_suffix, "-std*");
          what = fmt::format("{} accessed over SMB", name);
        }
        else if ((lower(e->share_name).ends_with("admin$") || lower(e->share_name).ends_with("c$")) && e->access_list.find("%%4417") != std::string::npos) {
          what = fmt::format("write to {} {}", e->share_name, e->relative_target_name);
        }
        if (what.empty()) continue;
        add_evidence(g, s, "share_access");
        if (said.insert(what).second) g.corroborations.push_back(what);
      } else if (e->product_event_type == "17" || e->product_event_type == "18") {
        const auto host = host_from_pipe_name(e->pipe_name);
        static const RE2 service_pipe(R"((?i)^\\?(psexesvc|remcom|paexec|csexec|atsvc|svcctl))");
        if (host.empty() && !RE2::PartialMatch(e->pipe_name, service_pipe)) continue;
        add_evidence(g, s, "pipe");
        if (!host.empty() && std::find(pipe_hosts.begin(), pipe_hosts.end(), host) == pipe_hosts.end()) pipe_hosts.push_back(host);
        const auto what = host.empty() ? fmt::format("pipe {}", e->pipe_name) : fmt::format("pipe {} names the source host {}", e->pipe_name, host);
        if (said.insert(host.empty() ? what : "pipe-host " + host).second) g.corroborations.push_back(what);
      } else if (e->event_type == "SERVICE_CREATION" && !g.logon_id.empty() && e->subject_logon_id == g.logon_id) {
        add_evidence(g, s, "service_install");
      }
    }

    // Source resolution (step 5).
    g.source = out.addresses.resolve(g.source_ip, g.host, g.logon != nullptr ? g.logon->workstation_name : std::string(), pipe_hosts);
    if (g.source.host.empty()) {
      // A client command naming this target just before it, on a host we can see.
      for (const auto* e : launches) {
        if (!e->is_process_launch() || e->host == g.host) continue;
        if (e->timestamp_ms < g.first_ms - 5 * 60000 || e->timestamp_ms > g.last_ms + window.count()) continue;
        if (client_command_target(e->command_line) == g.host) {
          g.source = {e->host, g.source_ip, "client_command"};
          break;
        }
      }
    }

    // Source-side confirmation (step 3): the client command, the outbound connection, explicit credentials.
    if (!g.source.host.empty() && g.source.host != g.host) {
      const auto& target_ips = out.addresses.addresses_of(g.host);
      std::set<std::string> confirmed;
      for (const auto* e : on_host(g.source.host)) {
        if (e->host != g.source.host) continue;
        if (e->timestamp_ms < g.first_ms - 5 * 60000 || e->timestamp_ms > g.last_ms + window.count()) continue;
        const auto* s = owner[e];
        if (e->is_process_launch() && client_command_target(e->command_line) == g.host) {
          add_evidence(g, s, "client_command");
          if (confirmed.insert("cmd").second) g.confirmations.push_back(fmt::format("client command on {} names {}: {:.160}", g.source.host, g.host, e->command_line));
        } else if (e->product_event_type == "4648" &&
                   (e->target_hostname == g.host || lower(e->resource_name).ends_with("/" + lower(g.host)))) {
          add_evidence(g, s, "explicit_credentials");
          if (confirmed.insert("4648").second) g.confirmations.push_back(fmt::format("explicit credentials of {} used on {} for {}", e->target_user, g.source.host, e->resource_name));
        } else if (e->event_type == "NETWORK_CONNECTION" && e->is_outbound() &&
                   std::any_of(e->target_ips.begin(), e->target_ips.end(), [&](const std::string& ip) { return target_ips.contains(ip); }) &&
                   (profile == nullptr || (e->target_port && profile->matches(*e->target_port)))) {
          if (!within_window(e->timestamp_ms, g.first_ms, window) && !within_window(e->timestamp_ms, g.last_ms, window)) continue;
          add_evidence(g, s, "network");
          if (confirmed.insert("net").second) {
            g.confirmations.push_back(fmt::format("outbound connection from {} ({}) to {}:{}", g.source.host, e->parent_image,
                                                  e->target_ips.empty() ? "?" : e->target_ips.front(), e->target_port.value_or(0)));
          }
        }
      }
    }

    // A task registered in a local session (no ClientProcessId 0, no network logon) is ordinary administration.
    const bool only_local_tasks = std::all_of(g.anchors.begin(), g.anchors.end(), [](const StoredEvent* s) {
      return (s->event.product_event_type == "4698" || s->event.product_event_type == "4702") && s->event.client_process_id != "0";
    });
    if (only_local_tasks && (g.logon == nullptr || g.logon->logon_type.value_or(3) != 3)) {
      g.kind = "dropped";
      continue;
    }

    // Kind (step 6).
    if (g.source.resolved_by == "same_host" || (!g.source.host.empty() && g.source.host == g.host)) g.kind = "local_execution";
    else if (!g.source.host.empty() || !g.source_ip.empty()) g.kind = "lateral_movement";
    else g.kind = "suspected_lateral_movement";

    // Commands: the payloads the anchors ran and every process they started.
    std::vector<const HuntEvent*> processes;
    for (const auto* e : here) {
      if (e->is_process_launch() && e->host == g.host && e->timestamp_ms >= g.first_ms - window.count() &&
          e->timestamp_ms <= g.last_ms + follow.count()) {
        processes.push_back(e);
      }
    }
    std::sort(processes.begin(), processes.end(), [](const HuntEvent* a, const HuntEvent* b) { return a->timestamp_ms < b->timestamp_ms; });
    std::set<std::string> guids;
    std::map<std::int64_t, std::int64_t> pids;  // pid -> start time
    std::vector<const HuntEvent*> roots;
    for (const auto* s : g.anchors) {
      const auto& e = s->event;
      if (e.is_process_launch()) roots.push_back(&e);
      if (!e.task_content.empty()) {
        const auto image = task_command_image(e.task_content);
        for (const auto* p : processes) {
          if (p->timestamp_ms >= e.timestamp_ms - 2000 && !image.empty() && file_name_lower(p->image) == image &&
              std::set<std::string>{"svchost.exe", "taskeng.exe", "taskhostw.exe"}.contains(file_name_lower(p->parent_image))) {
            roots.push_back(p);
            break;
          }
        }
      }
    }
    std::set<std::string> seen_commands;
    auto add_command = [&](const HuntEvent& p) {
      const auto image = file_name_lower(p.image);
      if (is_intermediary(image)) return;
      const auto text = p.command_line.empty() ? p.image : p.command_line;
      if (text.empty() || !seen_commands.insert(lower(text)).second) return;
      g.commands.push_back({text, p.timestamp_ms, owner[&p]});
    };
    for (const auto* r : roots) {
      if (!r->process_guid.empty()) guids.insert(r->process_guid);
      if (r->pid) pids[*r->pid] = r->timestamp_ms;
      add_command(*r);
    }
    for (const auto* p : processes) {
      bool child = false;
      if (!p->parent_guid.empty() && guids.contains(p->parent_guid)) child = true;
      else if (p->parent_guid.empty() && p->parent_pid) {
        auto it = pids.find(*p->parent_pid);
        child = it != pids.end() && p->timestamp_ms >= it->second;
      }
      if (!child) continue;
      if (!p->process_guid.empty()) guids.insert(p->process_guid);
      if (p->pid) pids[*p->pid] = p->timestamp_ms;
      add_command(*p);
    }
    if (g.commands.empty()) {
      for (const auto* s : g.anchors) {
        if (s->event.event_type == "SERVICE_CREATION" && !s->event.service_image.empty() &&
            seen_commands.insert(lower(s->event.service_image)).second) {
          g.commands.push_back({s->event.service_image, s->event.timestamp_ms, s});
        }
      }
    }
    for (auto& ev : g.evidence) g.first_ms = std::min(g.first_ms, ev.stored->event.timestamp_ms);
    for (auto& ev : g.evidence) g.last_ms = std::max(g.last_ms, ev.stored->event.timestamp_ms);
    for (const auto& c : g.commands) g.last_ms = std::max(g.last_ms, c.timestamp_ms);
  }

  groups.erase(std::remove_if(groups.begin(), groups.end(), [](const SessionGroup& g) { return g.kind == "dropped"; }), groups.end());

  // Source-side hunt hits no target-side finding explains: a client command naming another host, or explicit
  // credentials for one (the target may not log, or logs elsewhere). Reported as source_activity.
  std::set<const StoredEvent*> used;
  for (const auto& g : groups) {
    for (const auto& ev : g.evidence) used.insert(ev.stored);
  }
  std::vector<SessionGroup> source_only;
  for (const auto* s : hunt_sorted) {
    if (used.contains(s)) continue;
    const auto& e = s->event;
    std::string target;
    if (e.is_process_launch()) target = client_command_target(e.command_line);
    else if (e.product_event_type == "4648") {
      const auto slash = e.resource_name.find('/');
      target = !e.target_hostname.empty() ? e.target_hostname
                                          : slash == std::string::npos ? std::string() : short_host_name(e.resource_name.substr(slash + 1));
    }
    if (target.empty() || target == e.host || s->hunt_techniques.empty()) continue;
    auto it = std::find_if(source_only.begin(), source_only.end(), [&](const SessionGroup& g) {
      return g.host == target && g.source.host == e.host && e.timestamp_ms <= g.last_ms + window.count();
    });
    if (it == source_only.end()) {
      SessionGroup g;
      g.host = target;
      g.kind = "source_activity";
      g.technique_id = s->hunt_techniques.front();
      g.source = {e.host, "", "client_command"};
      const auto& own = out.addresses.addresses_of(e.host);
      if (own.size() == 1) g.source_ip = *own.begin();
      g.first_ms = g.last_ms = e.timestamp_ms;
      source_only.push_back(std::move(g));
      it = std::prev(source_only.end());
    }
    auto& g = *it;
    g.anchors.push_back(s);
    g.last_ms = std::max(g.last_ms, e.timestamp_ms);
    add_evidence(g, s, e.is_process_launch() ? "client_command" : "explicit_credentials");
    if (e.is_process_launch()) {
      g.anchor_infos.push_back({{g.technique_id}, "client_command", fmt::format("client command on {} names {}: {:.160}", e.host, target, e.command_line)});
      bool repeat = std::any_of(g.commands.begin(), g.commands.end(), [&](const CommandRun& c) { return lower(c.command_line) == lower(e.command_line); });
      if (!repeat) g.commands.push_back({e.command_line, e.timestamp_ms, s});
      if (g.account.empty() && !e.user.empty()) g.account = e.user;
    } else {
      g.anchor_infos.push_back({{g.technique_id}, "explicit_credentials", fmt::format("explicit credentials of {} used on {} for {}", e.target_user, e.host, e.resource_name)});
      if (!e.target_user.empty()) g.account = account_name(e.target_domain, e.target_user);
    }
  }
  for (auto& g : source_only) groups.push_back(std::move(g));

  std::stable_sort(groups.begin(), groups.end(), [](const SessionGroup& a, const SessionGroup& b) { return a.first_ms < b.first_ms; });
  return out;
}

}  // namespace lh::skill::correlation
