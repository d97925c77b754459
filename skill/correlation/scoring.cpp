#include "skill/correlation/scoring.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <re2/re2.h>

namespace lh::skill::correlation {
namespace {

using techniques::Confidence;
using techniques::Severity;

Severity raise(Severity s, int by = 1) {
  return static_cast<Severity>(std::clamp(static_cast<int>(s) + by, 0, static_cast<int>(Severity::critical)));
}
Severity at_most(Severity s, Severity cap) { return static_cast<int>(s) > static_cast<int>(cap) ? cap : s; }
Severity at_least(Severity s, Severity floor) { return static_cast<int>(s) < static_cast<int>(floor) ? floor : s; }

}  // namespace

bool looks_like_workstation(const std::string& host) {
  static const RE2 re(R"((?i)^(wks|workstation|desktop|laptop|pc|ws|nb|client)[-_0-9]|^(wks|workstation)\d)");
  return RE2::PartialMatch(host, re);
}

Score score_finding(const ScoreInput& in) {
  Score out;
  auto sev = in.base;
  out.reasons.push_back(fmt::format("base severity {} from the hunt queries that matched", techniques::to_string(in.base)));
  const bool suspicious = in.max_command_score >= in.suspicious_command_score;
  if (suspicious) {
    sev = at_least(raise(sev), Severity::high);
    if (in.max_command_score >= 70) sev = Severity::critical;
    out.reasons.push_back(fmt::format("severity up: a command run scores {} (suspicious from {})", in.max_command_score,
                                      in.suspicious_command_score));
  }
  if (in.kind == "lateral_movement" && in.source_class == "unexpected" && in.source_is_workstation) {
    sev = at_least(raise(sev), Severity::high);
    out.reasons.push_back("severity up: remote execution from a workstation, not from a configured admin or jump host");
  }
  if (in.fan_out && in.source_class != "admin_host") {
    sev = raise(sev);
    out.reasons.push_back("severity up: the source reached many hosts in a short time (fan-out)");
  }
  if (in.source_class == "known_remote_admin" && !suspicious) {
    sev = at_most(raise(sev, -1), Severity::medium);
    out.reasons.push_back("severity down: the source did remote execution before the hunt window (known remote admin)");
  }
  if (in.source_class == "admin_host") {
    if (suspicious) {
      out.reasons.push_back("the source is a configured admin host, but it ran a suspicious command: not capped");
    } else {
      sev = at_most(sev, Severity::low);
      out.reasons.push_back("severity capped at low: the source is a configured admin host and every command is ordinary");
    }
  }
  if (in.rdp_to_admin_host && !suspicious) {
    sev = at_most(sev, Severity::low);
    out.reasons.push_back("severity capped at low: remote desktop into a configured admin / jump host is how it is used");
  } else if (in.rdp && !suspicious && !(in.source_class == "unexpected" && in.source_is_workstation)) {
    sev = at_most(sev, Severity::low);
    out.reasons.push_back("severity capped at low: a remote desktop logon from a source not known to be a user workstation, with nothing suspicious run in it");
  }
  if (in.kind == "local_execution") {
    sev = at_most(sev, suspicious ? Severity::medium : Severity::low);
    out.reasons.push_back(fmt::format("severity at most {}: the source is the host itself (local execution, not lateral movement)",
                                      suspicious ? "medium" : "low"));
  }
  if (in.kind == "suspected_lateral_movement" || in.kind == "source_activity") {
    sev = at_most(sev, Severity::high);
  }
  out.severity = sev;

  int points = 0;
  if (in.session_link) ++points;
  if (in.network_link) ++points;
  if (in.exact_port) ++points;
  if (in.source_confirmed) ++points;
  points += std::min(in.corroborations, 2);
  if (in.kind == "suspected_lateral_movement" || in.kind == "source_activity") points = std::min(points, 1);
  out.confidence = points >= 3 ? Confidence::high : points >= 1 ? Confidence::medium : Confidence::low;
  out.reasons.push_back(fmt::format(
      "confidence {}: session link {}, network link {}{}, source-side confirmation {}, {} corroborating indicator(s)",
      techniques::to_string(out.confidence), in.session_link ? "yes" : "no", in.network_link ? "yes" : "no",
      in.exact_port ? " (IpPort = SourcePort)" : "", in.source_confirmed ? "yes" : "no", in.corroborations));
  return out;
}

}  // namespace lh::skill::correlation
