// The whole lateral-movement hunt in one call, and the smaller steps the MCP tools expose on their own.
//
// run_hunt: validate (before any upstream call) -> connect -> the hunt queries, all in parallel, while
// get_threat_intel researches each ATT&CK id and list_cases is paged (neither depends on the queries)
// -> correlation rounds (skill/correlation; each round's searches in parallel), with entity look-ups
// starting on the correlator's interim result while its last rounds run -> enrichment (lookup_entity
// for suspicious hosts, users and IPs; GTI reports for hashes, IPs and domains when an intel server is
// configured; one get_ioc_matches answer string-searched) -> related cases (the listed cases matched
// against the entities) -> document (post_case_comment on hunt_case_id when document is true, never
// twice for the same hunt) -> the report (schemas/tools/hunt_report.json, plus "hunt_fingerprint").
// A step that fails marks the report "incomplete" and says which step and why; it never throws away
// what the other steps found.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/correlation/correlator.hpp"
#include "skill/gateway/gateway.hpp"
#include "skill/report/report_store.hpp"
#include "skill/techniques/build_queries.hpp"

namespace lh::skill::workflow {

// Bad arguments: "skill.workflow.invalid_argument: <path>: <what is wrong and how to fix it>", e.g.
// "skill.workflow.invalid_argument: target_scope_query: col 12: ... (fix: ...)".
class InvalidHuntArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct HuntRequest {
  techniques::TimeFrame time_frame;              // hours_back default 72
  std::string target_scope_query;                // may be empty
  std::optional<std::string> hunt_hypothesis;
  std::optional<std::string> hunt_case_id;
  std::vector<std::string> techniques;           // empty: all
  bool document = false;                         // post the report on hunt_case_id
  bool research = true;                          // get_threat_intel per ATT&CK id
  bool enrich = true;
  bool related_cases = true;
  std::size_t max_events_per_query = 1000;
  // Searches in flight (hunt queries, each correlation round); threat-intel questions and entity
  // look-ups, single cheap calls, run at least 16 at once. 64 lets the 54 hunt queries go out as one
  // wave; the real throttle is the gateway's per-server limit (a remote upstream's configured
  // concurrency), so a wide hunt never floods a server that asked for fewer calls at once.
  std::size_t parallelism = 64;
  correlation::CorrelationSettings correlation;  // window, admin hosts, fan-out, ...
};

// Progress: step name ("research", "hunt_queries", ...), done and total units of the whole hunt.
using ProgressSink = std::function<void(const std::string& message, double done, double total)>;

// Deterministic id for a hunt's documentation (same request text -> same id), so that a repeated
// document request finds the earlier post instead of posting twice.
std::string hunt_fingerprint(const HuntRequest& request);

// Throws InvalidHuntArgument for bad input (before any upstream call). Cancellation (stop requested)
// ends the hunt at the next check, with the report's status "cancelled" and the steps that ran.
// `store` (may be null) receives the finished report and guards documentation against double posts.
nlohmann::json run_hunt(gateway::Gateway& gateway, const HuntRequest& request, report::ReportStore* store = nullptr,
                        const ProgressSink& progress = {}, std::stop_token cancel = {});

// Posts a report (Markdown, with a "hunt-fingerprint: <fp>" marker line) as a case comment, once: the
// store's claim and the case's existing comments (get_case_full_details) are both checked first.
// Returns the report's "documentation" object ({"case_id", "status": posted|already_posted|failed, "error"}).
nlohmann::json document_hunt(gateway::Gateway& gateway, report::ReportStore* store, const nlohmann::json& report,
                             const std::string& case_id, std::stop_token cancel = {});

// The seed's step 4 alone: connections from source to target (IPs or host names) around `time`,
// on `ports` (default 445; the RPC and WinRM profiles by name: "smb", "rpc", "winrm", "rdp").
// Anything but a plain address or host name throws InvalidHuntArgument naming source/target. A host
// name is resolved to the addresses the host logged as its own (one search), then the exact address
// search runs; the answer's "resolution" says how each end was resolved.
struct SmbCorrelationRequest {
  std::string source;  // IP or host
  std::string target;  // IP or host
  std::optional<std::string> time;  // RFC 3339; default: the whole time frame
  std::chrono::seconds window{300};
  std::vector<int> ports{445};
  std::vector<std::string> port_profiles;  // added to ports
  techniques::TimeFrame time_frame;
};
nlohmann::json correlate_smb(gateway::Gateway& gateway, const SmbCorrelationRequest& request,
                             std::stop_token cancel = {});

// get_threat_intel for each technique (by catalogue id or ATT&CK id); {"techniques": [...]}.
nlohmann::json research_techniques(gateway::Gateway& gateway, const std::vector<std::string>& techniques,
                                   std::stop_token cancel = {});

// Entities: {"value", "type"?} (type guessed when absent); {"entities": [...]} as in the report.
nlohmann::json enrich_entities(gateway::Gateway& gateway, const nlohmann::json& entities, double hours_back,
                               std::stop_token cancel = {});

// {"related_cases": [...], "cases_scanned": N}
nlohmann::json find_related_cases(gateway::Gateway& gateway, const std::vector<std::string>& entities,
                                  std::size_t max_cases = 500, std::stop_token cancel = {});

}  // namespace lh::skill::workflow
