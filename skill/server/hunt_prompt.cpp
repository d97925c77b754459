// The prompt "lateral_movement_hunt": the seed skill's workflow for agents that go step by step,
// rewritten so that every query is valid UDM (taken from the catalogue, with the scope combined the
// same way the tool does), the network step covers every technique's port profile (not only 445),
// and zero-hit queries are written down as negative results.
#include <set>
#include <string>

#include <fmt/format.h>

#include "mcp/types.hpp"
#include "skill/server/hunt_server.hpp"
#include "skill/techniques/build_queries.hpp"
#include "skill/techniques/catalogue.hpp"
#include "skill/techniques/correlation_queries.hpp"
#include "udm/query_error.hpp"

namespace lh::skill::server {
namespace {

using Json = nlohmann::json;

std::string argument_or(const Json& arguments, const char* name, const std::string& fallback) {
  if (auto it = arguments.find(name); it != arguments.end() && it->is_string() && !it->get<std::string>().empty()) {
    return it->get<std::string>();
  }
  return fallback;
}

std::string workflow_text(const Json& arguments) {
  const std::string hours_text = argument_or(arguments, "time_frame_hours", "72");
  double hours = 72;
  try {
    std::size_t used = 0;
    hours = std::stod(hours_text, &used);
    if (used != hours_text.size() || !(hours > 0) || hours > 8760) throw std::invalid_argument("range");
  } catch (const std::exception&) {
    throw mcp::McpError(mcp::error_code::invalid_params,
                        fmt::format("time_frame_hours: \"{}\" is not a number of hours between 0 and 8760 "
                                    "(fix: e.g. \"72\")",
                                    hours_text));
  }
  const std::string scope = argument_or(arguments, "target_scope_query", "");
  const std::string hypothesis = argument_or(arguments, "hunt_hypothesis", "(none given: state one before you start)");
  const std::string case_id = argument_or(arguments, "hunt_case_id", "");

  std::vector<techniques::BuiltQuery> queries;
  try {
    queries = techniques::build_queries({}, scope, techniques::TimeFrame{.hours_back = hours});
  } catch (const udm::ParseError& e) {
    throw mcp::McpError(mcp::error_code::invalid_params,
                        fmt::format("target_scope_query: {} (fix: write the scope as a UDM condition such as "
                                    "principal.hostname = \"HOST\")",
                                    e.what()));
  }
  const auto& catalogue = techniques::catalogue();

  std::string text;
  text += "# Lateral-movement hunt (PsExec, WMI, WinRM, services, tasks, DCOM, RDP, SMB tool transfer)\n\n";
  text += fmt::format(
      "Hypothesis: {}\nLook-back: {} hours{}{}\n\n"
      "Shortcut: the tool `lateral_movement_hunt` (this server) runs every step below in one call, in parallel, "
      "and returns the report; use this prompt when you want to go step by step.\n\n",
      hypothesis, hours_text, scope.empty() ? "" : fmt::format("\nScope (combined as (<query>) AND (<scope>)): {}", scope),
      case_id.empty() ? "" : fmt::format("\nCase: {}", case_id));

  text += "## Step 1: research the techniques\n";
  std::set<std::string> attack_ids;
  for (const auto& technique : catalogue.techniques) attack_ids.insert(technique.attack_ids.begin(), technique.attack_ids.end());
  for (const auto& id : attack_ids) text += fmt::format("- get_threat_intel(query=\"MITRE {}\")\n", id);
  text += "Run these while step 2's searches run; they do not depend on each other.\n\n";

  text += fmt::format(
      "## Step 2: run every hunt query\nEach is valid UDM search syntax. Run each with search_udm(query=..., "
      "hours_back={}) (not search_security_events: that one turns text into a query and may rewrite it). Run them "
      "in parallel.\n",
      hours_text);
  for (const auto& query : queries) {
    text += fmt::format("\n### {} / {}: {}\n```udm\n{}\n```\n", query.technique_id, query.query_id, query.title, query.udm);
  }
  text +=
      "\nRecord each query's hit count. Every query with zero hits is a NEGATIVE RESULT: list it in the report "
      "with its text, so the hunt shows what was looked for and not found.\n\n";

  text +=
      "## Step 3: correlate each remote execution with the network and the logon\n"
      "For each target-side hit, take the target host and its time T, then:\n"
      "- the network logon (4624, logon type 3) on the target within 60 s of T: its source IP, account and logon "
      "id; events that share the logon id belong to the same movement;\n"
      "- connections from that source IP to the target within the same window on the technique's PORT PROFILE "
      "(not only 445):\n";
  std::set<std::string> shown_profiles;
  for (const auto& technique : catalogue.techniques) {
    const auto& profile = technique.port_profile;
    if (profile.name.empty() || !shown_profiles.insert(profile.name).second) continue;
    std::string example;
    try {
      example = techniques::network_to_host("192.0.2.20", "192.0.2.10", profile);
    } catch (const std::exception&) {
      continue;
    }
    text += fmt::format("\n  {} (ports {}{}):\n```udm\n{}\n```\n", profile.name, fmt::join(profile.ports, ", "),
                        profile.dynamic_rpc_range ? fmt::format(", dynamic RPC {}-{}", profile.dynamic_rpc_range->first,
                                                                profile.dynamic_rpc_range->second)
                                                  : std::string(),
                        example);
  }
  text +=
      "\n  (192.0.2.10 is the source and 192.0.2.20 the target: put the real addresses in as quoted strings; "
      "never paste event text into a query unquoted.)\n"
      "- resolve the source IP to a host (the host that logs that address, the 4624 WorkstationName); a source "
      "that is the target itself (127.0.0.1, ::1, its own address) is LOCAL execution, not lateral movement.\n"
      "The tool `correlate_smb` does this step for one source/target pair on the profiles you name.\n\n";

  text += "## Step 4: analyse\n"
          "- Source class: admin servers and jump hosts (ask the team which) versus user workstations; a source "
          "seen doing remote execution before the hunt window is known, not new.\n"
          "- Fan-out: one source reaching 3 or more hosts within 30 minutes.\n"
          "- Chains: A -> B then B -> C later in time (multi-hop paths).\n"
          "- Suspicious commands: encoded PowerShell, credential dumping, download cradles, shadow-copy deletion.\n"
          "Give every finding its ATT&CK ids, severity, confidence, the reasons and the events that show it.\n\n";

  text += "## Step 5: enrich\n"
          "lookup_entity(entity_value=...) for each suspicious host, user and IP; for hashes, IPs and domains the "
          "threat-intel reports and get_ioc_matches. (Tool: `enrich_entities`.)\n\n";
  text += "## Step 6: related cases\n"
          "list_cases and get_case_full_details: cases naming the same entities. (Tool: `find_related_cases`.)\n\n";
  text += fmt::format(
      "## Step 7: document\n"
      "Post one comment{} with: the hypothesis, the techniques and ATT&CK ids hunted, every query with its hit "
      "count, the negative results, the findings with evidence and enrichment, and the follow-ons. Post it once: "
      "check the case's comments first. (Tool: `document_hunt` with the report id.)\n\n",
      case_id.empty() ? " on the hunt's case" : fmt::format(" on case {} (post_case_comment)", case_id));
  text += "## Step 8: follow-ons when movement is confirmed\n"
          "- case_event_timeline_and_process_analysis for the affected processes;\n"
          "- compromised_user_account_response for the accounts that moved;\n"
          "- escalate to incident response.\n";
  return text;
}

}  // namespace

void register_hunt_prompt(mcp::Server& server) {
  mcp::Prompt prompt;
  prompt.name = "lateral_movement_hunt";
  prompt.title = "Lateral-movement hunt, step by step";
  prompt.description =
      "The lateral-movement hunt workflow with valid UDM queries (scope combined), the network step on every "
      "technique's port profile, and negative results recorded.";
  prompt.arguments = {
      {.name = "time_frame_hours", .title = "Look-back (hours)", .description = "Default 72"},
      {.name = "target_scope_query", .title = "Scope", .description = "UDM search narrowing the hunt"},
      {.name = "hunt_hypothesis", .title = "Hypothesis", .description = "Why this hunt is run"},
      {.name = "hunt_case_id", .title = "Case", .description = "SOAR case tracking the hunt"},
  };
  prompt.handler = [](const Json& arguments, mcp::ToolContext&) {
    return Json{{"description", "Lateral-movement hunt, step by step"},
                {"messages", Json::array({Json{{"role", "user"}, {"content", mcp::text_content(workflow_text(arguments))}}})}};
  };
  server.add_prompt(std::move(prompt));
}

}  // namespace lh::skill::server
