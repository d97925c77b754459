// lateral-hunt's MCP face: the seven hunt tools, the step-by-step prompt and the stored reports as
// resources, registered on an mcp::Server over a shared HuntService.
//
//   lh::skill::server::HuntService service(config, reports_path, defaults);
//   lh::mcp::Server server({.info = {"lateral-hunt", "0.1.0"}});
//   lh::skill::server::register_hunt_server(server, service);
#pragma once

#include <stop_token>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp/server.hpp"
#include "skill/server/hunt_service.hpp"
#include "skill/workflow/hunt.hpp"

namespace lh::skill::server {

inline constexpr const char* kReportUriPrefix = "hunt://reports/";

// lateral_movement_hunt, correlate_smb, build_hunt_queries, research_techniques, enrich_entities,
// find_related_cases, document_hunt.
void register_hunt_tools(mcp::Server& server, HuntService& service);
// The prompt "lateral_movement_hunt": the corrected step-by-step workflow for agents.
void register_hunt_prompt(mcp::Server& server);
// Templates hunt://reports/{id} (JSON) and hunt://reports/{id}/markdown, and one listed resource per
// stored report (the newest 100 at start, then each report as it is saved).
void register_report_resources(mcp::Server& server, HuntService& service);
// All of the above.
void register_hunt_server(mcp::Server& server, HuntService& service);

// lateral_movement_hunt's arguments (the tool's input schema) as a workflow request, with the
// service's defaults for what is absent. Throws workflow::InvalidHuntArgument naming the argument.
workflow::HuntRequest hunt_request_from_arguments(const nlohmann::json& arguments, const HuntDefaults& defaults);

// One hunt as the tool runs it (also used by `lateral-hunt hunt`).
struct HuntOutcome {
  nlohmann::json report;  // null when the hunt could not start (bad input)
  bool is_error = false;  // bad input, or nothing ran at all
  bool bad_input = false;
  std::string text;       // the summary (INCOMPLETE and the failed steps named) or the error
};
HuntOutcome run_hunt_call(HuntService& service, const nlohmann::json& arguments,
                          const workflow::ProgressSink& progress = {}, std::stop_token cancel = {});

// A few lines for people and agents: status (INCOMPLETE / CANCELLED named first), findings by
// severity, failed steps and queries, the report's own summary.
std::string hunt_summary_text(const nlohmann::json& report);

}  // namespace lh::skill::server
