// The seven hunt tools. Each handler turns its arguments into a workflow call, reports progress and
// honours cancellation through the ToolContext, and answers with structuredContent (checked against
// the tool's output schema by the MCP core) plus text a person or an agent can read.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "lh_skill_server_schemas.hpp"
#include "mcp/types.hpp"
#include "skill/report/report.hpp"
#include "skill/server/hunt_server.hpp"
#include "skill/techniques/build_queries.hpp"
#include "skill/techniques/catalogue.hpp"
#include "udm/query_error.hpp"

namespace lh::skill::server {
namespace {

using Json = nlohmann::json;
using mcp::ToolContext;
using mcp::ToolResult;
using workflow::InvalidHuntArgument;

constexpr const char* kInvalid = "skill.workflow.invalid_argument: ";
constexpr std::string_view kUnreachable = "skill.gateway.unreachable: ";

Json tool_schema(std::string_view name) { return embedded::schema(name); }

// Every hunt tool is non-destructive and idempotent (document_hunt posts once per hunt and case); they
// differ in whether they write at all and whether they reach upstream servers.
enum class Writes { nothing, a_case_comment_once };
enum class Upstreams { none, called };

// A tool with its title, annotations and the schemas schemas/tools/<name>.input.json and
// <output_schema>.json (default <name>.output).
mcp::Tool hunt_tool(const std::string& name, const std::string& title, Writes writes, Upstreams upstreams,
                    std::string output_schema = {}) {
  mcp::Tool tool;
  tool.name = name;
  tool.title = title;
  tool.input_schema = tool_schema(name + ".input");
  tool.output_schema = tool_schema(output_schema.empty() ? name + ".output" : output_schema);
  tool.annotations = {.title = title,
                      .read_only_hint = writes == Writes::nothing,
                      .destructive_hint = false,
                      .idempotent_hint = true,
                      .open_world_hint = upstreams == Upstreams::called};
  return tool;
}

// The catalogue's technique ids as the enum of a "techniques" argument, so a typo is rejected with
// the valid ids listed before anything runs.
Json with_technique_enum(Json schema) {
  Json ids = Json::array();
  for (const auto& id : techniques::catalogue().technique_ids()) ids.push_back(id);
  schema["properties"]["techniques"]["items"]["enum"] = ids;
  return schema;
}

std::optional<std::string> optional_string(const Json& arguments, const char* name) {
  if (auto it = arguments.find(name); it != arguments.end() && it->is_string()) return it->get<std::string>();
  return std::nullopt;
}

std::vector<std::string> string_list(const Json& arguments, const char* name) {
  std::vector<std::string> items;
  if (auto it = arguments.find(name); it != arguments.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (item.is_string()) items.push_back(item.get<std::string>());
    }
  }
  return items;
}

techniques::TimeFrame time_frame_from(const Json& arguments, double default_hours,
                                      const char* hours_name = "time_frame_hours") {
  techniques::TimeFrame frame;
  frame.hours_back = arguments.value(hours_name, default_hours);
  frame.start_time = optional_string(arguments, "start_time");
  frame.end_time = optional_string(arguments, "end_time");
  return frame;
}

// Builds the queries once to check scope, techniques and time frame together, and turns each kind of
// failure into the argument it came from with the fix.
std::vector<techniques::BuiltQuery> checked_queries(const std::vector<std::string>& technique_ids,
                                                    const std::string& scope, const techniques::TimeFrame& frame) {
  try {
    return techniques::build_queries(technique_ids, scope, frame);
  } catch (const udm::ParseError& e) {
    throw InvalidHuntArgument(fmt::format(
        "{}target_scope_query: {} (fix: write the scope as a UDM condition such as principal.hostname = \"HOST\"; "
        "build_hunt_queries shows how it combines)",
        kInvalid, e.what()));
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    const char* argument = message.find("unknown_technique") != std::string::npos ? "techniques"
                           : message.find("time_frame") != std::string::npos
                               ? (frame.start_time || frame.end_time ? "start_time/end_time" : "time_frame_hours")
                               : "arguments";
    throw InvalidHuntArgument(fmt::format("{}{}: {}", kInvalid, argument, message));
  }
}

Json time_frame_json(const techniques::TimeFrame& frame) {
  return {{"hours_back", frame.hours_back},
          {"start_time", frame.start_time ? Json(*frame.start_time) : Json(nullptr)},
          {"end_time", frame.end_time ? Json(*frame.end_time) : Json(nullptr)}};
}

// Runs a handler body and turns failures into isError results that say what went wrong and where.
template <typename Body>
ToolResult guarded(const char* tool, Body&& body) {
  try {
    return body();
  } catch (const InvalidHuntArgument& e) {
    return ToolResult::error(e.what());
  } catch (const gateway::UpstreamError& e) {
    return ToolResult::error(fmt::format("{}: upstream failure: {}", tool, e.what()));
  } catch (const mcp::McpError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    return ToolResult::error(fmt::format("{}{}", kInvalid, e.what()));
  } catch (const std::exception& e) {
    return ToolResult::error(fmt::format("{} failed: {}", tool, e.what()));
  }
}

ToolResult structured_with_text(Json structured, std::string text) {
  ToolResult result;
  result.add_text(std::move(text));
  result.structured_content = std::move(structured);
  return result;
}

workflow::ProgressSink progress_sink(ToolContext& context) {
  if (!context.wants_progress()) return {};
  // Steps report from several threads and may repeat a value; only strictly increasing values are sent.
  struct Last {
    std::mutex mutex;
    double done = -1;
  };
  auto last = std::make_shared<Last>();
  return [&context, last](const std::string& message, double done, double total) {
    std::lock_guard lock(last->mutex);
    if (done <= last->done) return;
    last->done = done;
    context.progress(done, total > 0 ? std::optional<double>(total) : std::nullopt, message);
  };
}

void add_report_resource(mcp::Server& server, HuntService& service, const std::string& id, const std::string& title);

// ---- lateral_movement_hunt --------------------------------------------------------------------

void add_lateral_movement_hunt(mcp::Server& server, HuntService& service) {
  // Not read-only: with document=true it posts a comment on the case (once per hunt, so repeating the
  // call changes nothing more).
  mcp::Tool tool = hunt_tool("lateral_movement_hunt", "Hunt Windows lateral movement", Writes::a_case_comment_once,
                             Upstreams::called, "hunt_report");
  tool.input_schema = with_technique_enum(std::move(tool.input_schema));
  tool.description =
      "Runs the whole lateral-movement hunt in one call: researches the techniques (get_threat_intel) while every "
      "hunt query (PsExec, WMI, WinRM, scheduled tasks, services, DCOM, RDP, SMB tool transfer, ...) runs in "
      "parallel as valid UDM; joins target-side executions to their network logons and connections on each "
      "technique's port profile; resolves source addresses to hosts; builds the movement graph and multi-hop "
      "paths; tells admin hosts and known remote-admin sources from unexpected ones; detects fan-out; scores "
      "suspicious commands; enriches suspicious entities; finds related cases; optionally documents the report "
      "on hunt_case_id (once). Returns the report (every query with its count, negative results, findings with "
      "ATT&CK ids, severity, confidence, reasons and evidence) and stores it as hunt://reports/{id}. An "
      "incomplete hunt still returns its report, marked INCOMPLETE with the failed steps.";
  tool.handler = [&server, &service](const Json& arguments, ToolContext& context) {
    HuntOutcome outcome = run_hunt_call(service, arguments, progress_sink(context), context.stop_token());
    if (outcome.is_error) {
      ToolResult result = ToolResult::error(outcome.text);
      return result;
    }
    const std::string id = outcome.report.value("hunt_id", "");
    ToolResult result;
    // The text is the summary and the links; the whole report (hundreds of KB on a busy network) is in
    // structuredContent and the resources, and in the text only when asked for.
    if (arguments.value("text_format", "summary") == "markdown") {
      std::string markdown;
      try {
        markdown = report::render_markdown(outcome.report);
      } catch (const std::exception& e) {
        markdown = fmt::format("(the Markdown report could not be rendered: {})", e.what());
      }
      result.add_text(outcome.text + "\n\n" + markdown);
    } else {
      result.add_text(outcome.text);
    }
    if (!id.empty()) {
      add_report_resource(server, service, id, outcome.report.value("hypothesis", Json()).is_string()
                                                   ? outcome.report["hypothesis"].get<std::string>()
                                                   : "Lateral-movement hunt");
      result.add(mcp::resource_link(kReportUriPrefix + id, "hunt-report-" + id, "application/json"));
      result.add(mcp::resource_link(kReportUriPrefix + id + "/markdown", "hunt-report-" + id + ".md", "text/markdown"));
    }
    result.structured_content = std::move(outcome.report);
    return result;
  };
  server.add_tool(std::move(tool));
}

// ---- build_hunt_queries -----------------------------------------------------------------------

void add_build_hunt_queries(mcp::Server& server, HuntService& service) {
  mcp::Tool tool = hunt_tool("build_hunt_queries", "Build the hunt's UDM queries", Writes::nothing, Upstreams::none);
  tool.input_schema = with_technique_enum(std::move(tool.input_schema));
  tool.description =
      "Returns the hunt's UDM search queries for the chosen techniques (all by default), each combined with "
      "target_scope_query as (<query>) AND (<scope>), without running them: ready to paste into a Google SecOps "
      "console or to run with search_udm. Also lists the techniques' ATT&CK ids and port profiles, and on request "
      "the seed skill's queries with what was wrong in them. Needs no upstream server.";
  tool.quick = true;
  tool.handler = [&service](const Json& arguments, ToolContext&) {
    return guarded("build_hunt_queries", [&] {
      const auto selected = string_list(arguments, "techniques");
      const std::string scope = arguments.value("target_scope_query", "");
      const auto frame = time_frame_from(arguments, service.defaults().hours_back);
      const auto built = checked_queries(selected, scope, frame);

      Json queries = Json::array();
      std::string text = fmt::format("{} UDM queries{}:\n", built.size(),
                                     scope.empty() ? "" : fmt::format(" (scope: {})", scope));
      std::vector<std::string> technique_order;
      for (const auto& query : built) {
        queries.push_back({{"technique_id", query.technique_id},
                           {"query_id", query.query_id},
                           {"title", query.title},
                           {"udm", query.udm},
                           {"event_ids", query.event_ids},
                           {"side", std::string(techniques::to_string(query.side))},
                           {"severity", std::string(techniques::to_string(query.severity))},
                           {"confidence", std::string(techniques::to_string(query.confidence))}});
        text += fmt::format("\n-- {} / {}: {}\n{}\n", query.technique_id, query.query_id, query.title, query.udm);
        if (std::find(technique_order.begin(), technique_order.end(), query.technique_id) == technique_order.end()) {
          technique_order.push_back(query.technique_id);
        }
      }
      Json techniques_json = Json::array();
      for (const auto& id : technique_order) {
        if (const auto* technique = techniques::catalogue().find(id)) {
          techniques_json.push_back({{"id", technique->id},
                                     {"name", technique->name},
                                     {"attack_ids", technique->attack_ids},
                                     {"port_profile", technique->port_profile.name},
                                     {"ports", technique->port_profile.ports}});
        }
      }
      Json structured = {{"time_frame", time_frame_json(frame)},
                         {"target_scope_query", scope.empty() ? Json(nullptr) : Json(scope)},
                         {"techniques", techniques_json},
                         {"queries", queries}};
      if (arguments.value("include_seed_corrections", false)) {
        Json seeds = Json::array();
        text += "\nThe seed skill's queries, corrected:\n";
        for (const auto& seed : techniques::catalogue().seed_queries) {
          seeds.push_back({{"id", seed.id},
                           {"title", seed.title},
                           {"original", seed.original},
                           {"corrected", seed.corrected},
                           {"what_was_wrong", seed.what_was_wrong},
                           {"technique", seed.technique}});
          text += fmt::format("\n-- {} ({}): {}\n{}\n", seed.id, seed.title, seed.what_was_wrong, seed.corrected);
        }
        structured["seed_corrections"] = std::move(seeds);
      }
      return structured_with_text(std::move(structured), std::move(text));
    });
  };
  server.add_tool(std::move(tool));
}

// ---- correlate_smb ----------------------------------------------------------------------------

void add_correlate_smb(mcp::Server& server, HuntService& service) {
  mcp::Tool tool = hunt_tool("correlate_smb", "Correlate network connections with a remote execution", Writes::nothing,
                             Upstreams::called);
  tool.description =
      "The hunt's network step on its own: connections from source to target (IPs or host names) around time "
      "(within window_seconds either side), on port 445 by default, or on the port profiles asked for (smb, rpc "
      "with the dynamic RPC range, winrm, rdp) - the seed skill looked only at 445 and so missed WMI, WinRM and "
      "DCOM. source and target must each be a plain IP address or a host name (anything else is refused, naming "
      "the argument); a host name is first resolved to the addresses that host logged as its own, then the exact "
      "address search runs, and the result's resolution says how each name was resolved. No connection found is "
      "a negative result, not an error.";
  tool.handler = [&service](const Json& arguments, ToolContext& context) {
    return guarded("correlate_smb", [&] {
      workflow::SmbCorrelationRequest request;
      request.source = arguments.at("source").get<std::string>();
      request.target = arguments.at("target").get<std::string>();
      request.time = optional_string(arguments, "time");
      request.window = std::chrono::seconds(arguments.value("window_seconds", 300));
      if (auto it = arguments.find("ports"); it != arguments.end()) request.ports = it->get<std::vector<int>>();
      request.port_profiles = string_list(arguments, "port_profiles");
      if (request.ports.empty() && request.port_profiles.empty()) {
        throw InvalidHuntArgument(std::string(kInvalid) +
                                  "ports: empty and no port_profiles (fix: leave ports out for 445, or name ports or "
                                  "port_profiles such as [\"smb\", \"rpc\", \"winrm\"])");
      }
      request.time_frame = time_frame_from(arguments, service.defaults().hours_back);
      Json result = workflow::correlate_smb(service.gateway(context.stop_token()), request, context.stop_token());
      if (!result.is_object()) result = Json{{"result", std::move(result)}};
      std::string text = result.value("summary", Json()).is_string()
                             ? result["summary"].get<std::string>()
                             : fmt::format("Connections from {} to {}", request.source, request.target);
      for (const auto& connection : result.value("connections", Json::array())) {
        const Json source = connection.value("source", Json::object());
        const Json target = connection.value("target", Json::object());
        text += fmt::format("\n- {} {}:{} -> {}:{} (logged by {})", connection.value("timestamp", "?"),
                            source.value("ip", Json("?")).dump(), source.value("port", Json("?")).dump(),
                            target.value("ip", Json("?")).dump(), target.value("port", Json("?")).dump(),
                            connection.value("reporting_host", Json("?")).dump());
      }
      if (result.value("udm", Json()).is_string()) text += "\nUDM: " + result["udm"].get<std::string>();
      return structured_with_text(std::move(result), std::move(text));
    });
  };
  server.add_tool(std::move(tool));
}

// ---- research_techniques ----------------------------------------------------------------------

void add_research_techniques(mcp::Server& server, HuntService& service) {
  mcp::Tool tool = hunt_tool("research_techniques", "Research lateral-movement techniques", Writes::nothing, Upstreams::called);
  tool.description =
      "Asks the configured threat-intel tool (get_threat_intel) about each technique, by catalogue id (psexec, "
      "wmi, ...) or ATT&CK id (T1021.002, T1047, T1570, ...), in parallel.";
  tool.handler = [&service](const Json& arguments, ToolContext& context) {
    return guarded("research_techniques", [&] {
      Json result = workflow::research_techniques(service.gateway(context.stop_token()),
                                                  string_list(arguments, "techniques"), context.stop_token());
      std::string text = "Technique research:\n";
      for (const auto& technique : result.value("techniques", Json::array())) {
        const Json research = technique.value("research", technique);
        text += fmt::format("\n## {} {}\n{}\n", technique.value("id", ""), technique.value("name", ""),
                            research.value("answer", Json()).is_string()
                                ? research["answer"].get<std::string>()
                                : research.value("error", Json()).is_string() ? "failed: " + research["error"].get<std::string>()
                                                                               : research.dump());
      }
      return structured_with_text(std::move(result), std::move(text));
    });
  };
  server.add_tool(std::move(tool));
}

// ---- enrich_entities --------------------------------------------------------------------------

void add_enrich_entities(mcp::Server& server, HuntService& service) {
  mcp::Tool tool = hunt_tool("enrich_entities", "Enrich hosts, users, IPs and IoCs", Writes::nothing, Upstreams::called);
  tool.description =
      "Looks up each entity in the SIEM (lookup_entity) and, for hashes, IPs and domains, in the threat-intel "
      "reports and IoC matches when configured; all in parallel. A bare string has its type guessed.";
  tool.handler = [&service](const Json& arguments, ToolContext& context) {
    return guarded("enrich_entities", [&] {
      Json entities = Json::array();
      for (const auto& entity : arguments.at("entities")) {
        entities.push_back(entity.is_string() ? Json{{"value", entity}} : entity);
      }
      Json result = workflow::enrich_entities(service.gateway(context.stop_token()), entities,
                                              arguments.value("hours_back", service.defaults().hours_back),
                                              context.stop_token());
      std::string text = "Enrichment:\n";
      for (const auto& entity : result.value("entities", Json::array())) {
        text += fmt::format("- {} ({}): {}{}\n", entity.value("value", ""), entity.value("type", ""),
                            entity.value("status", ""),
                            entity.value("summary", Json()).is_string() ? " - " + entity["summary"].get<std::string>()
                            : entity.value("error", Json()).is_string() ? " - " + entity["error"].get<std::string>()
                                                                        : std::string());
      }
      return structured_with_text(std::move(result), std::move(text));
    });
  };
  server.add_tool(std::move(tool));
}

// ---- find_related_cases -----------------------------------------------------------------------

void add_find_related_cases(mcp::Server& server, HuntService& service) {
  mcp::Tool tool = hunt_tool("find_related_cases", "Find related cases", Writes::nothing, Upstreams::called);
  tool.description =
      "Pages through the case system (list_cases) and returns the cases that name any of the entities (hosts, "
      "users, IPs, hashes, domains), with the entities each one matched.";
  tool.handler = [&service](const Json& arguments, ToolContext& context) {
    return guarded("find_related_cases", [&] {
      Json result = workflow::find_related_cases(service.gateway(context.stop_token()),
                                                 string_list(arguments, "entities"),
                                                 arguments.value("max_cases", std::size_t{500}), context.stop_token());
      const Json cases = result.value("related_cases", Json::array());
      std::string text = fmt::format("{} related case(s) among {} scanned.\n", cases.size(),
                                     result.value("cases_scanned", Json(0)).dump());
      for (const auto& found : cases) {
        text += fmt::format("- case {}{}: {}\n", found.value("case_id", ""),
                            found.value("title", Json()).is_string() ? " \"" + found["title"].get<std::string>() + "\""
                                                                     : std::string(),
                            found.value("matched_entities", Json::array()).dump());
      }
      return structured_with_text(std::move(result), std::move(text));
    });
  };
  server.add_tool(std::move(tool));
}

// ---- document_hunt ----------------------------------------------------------------------------

void add_document_hunt(mcp::Server& server, HuntService& service) {
  mcp::Tool tool =
      hunt_tool("document_hunt", "Document a hunt on a case", Writes::a_case_comment_once, Upstreams::called);
  tool.description =
      "Posts a stored hunt report (report_id = the hunt_id of hunt://reports/{id}) as a comment on case_id "
      "(post_case_comment), with a fingerprint line; never twice for the same hunt on the same case: the report "
      "store and the case's existing comments are both checked first, and a repeat answers already_posted.";
  tool.handler = [&service](const Json& arguments, ToolContext& context) {
    return guarded("document_hunt", [&] {
      const std::string report_id = arguments.at("report_id").get<std::string>();
      const std::string case_id = arguments.at("case_id").get<std::string>();
      auto stored = service.reports().get(report_id);
      if (!stored) {
        throw InvalidHuntArgument(fmt::format(
            "{}report_id: no stored report \"{}\" (fix: use the hunt_id of a lateral_movement_hunt result; "
            "resources/list shows the stored reports)",
            kInvalid, report_id));
      }
      Json documentation = workflow::document_hunt(service.gateway(context.stop_token()), &service.reports(), *stored,
                                                   case_id, context.stop_token());
      if (!documentation.is_object()) documentation = Json::object();
      documentation["report_id"] = report_id;
      if (!documentation.contains("case_id")) documentation["case_id"] = case_id;
      const std::string status = documentation.value("status", "failed");
      if (status == "failed") {
        ToolResult failed = ToolResult::error(fmt::format(
            "document_hunt: posting report {} on case {} failed: {}", report_id, case_id,
            documentation.value("error", Json()).is_string() ? documentation["error"].get<std::string>() : "unknown error"));
        failed.structured_content = documentation;
        return failed;
      }
      // The stored report says where it is documented, so hunt://reports/{id} (and its Markdown) tell a
      // reader it was posted. A repeat (already_posted) does not overwrite an earlier "posted" on that case.
      const Json& previous = stored->value("documentation", Json::object());
      const bool posted_there_before =
          previous.is_object() && previous.value("status", "") == "posted" && previous.value("case_id", Json()) == case_id;
      if (!posted_there_before) {
        (*stored)["documentation"] = {{"case_id", case_id},
                                      {"status", status},
                                      {"error", documentation.value("error", Json())}};
        try {
          service.reports().save(*stored);
        } catch (const std::exception& e) {
          documentation["store_error"] = fmt::format("the report was posted but the store could not record it: {}", e.what());
        }
      }
      std::string text = status == "posted" ? fmt::format("Report {} posted on case {}.", report_id, case_id)
                                            : fmt::format("Report {} was already posted on case {}; nothing posted again.",
                                                          report_id, case_id);
      return structured_with_text(std::move(documentation), std::move(text));
    });
  };
  server.add_tool(std::move(tool));
}

}  // namespace

// ---- shared with the CLI ----------------------------------------------------------------------

workflow::HuntRequest hunt_request_from_arguments(const Json& arguments, const HuntDefaults& defaults) {
  workflow::HuntRequest request;
  request.time_frame = time_frame_from(arguments, defaults.hours_back);
  request.target_scope_query = arguments.value("target_scope_query", "");
  request.hunt_hypothesis = optional_string(arguments, "hunt_hypothesis");
  request.hunt_case_id = optional_string(arguments, "hunt_case_id");
  request.techniques = string_list(arguments, "techniques");
  request.document = arguments.value("document", false);
  if (request.document && (!request.hunt_case_id || request.hunt_case_id->empty())) {
    throw InvalidHuntArgument(std::string(kInvalid) +
                              "document: true needs hunt_case_id (fix: give the case to post the report on, or "
                              "leave document false)");
  }
  request.research = arguments.value("research", true);
  request.enrich = arguments.value("enrich", true);
  request.related_cases = arguments.value("related_cases", true);
  request.max_events_per_query = arguments.value("max_events_per_query", defaults.max_events_per_query);
  request.parallelism = defaults.parallelism;

  auto& correlation = request.correlation;
  correlation.window = std::chrono::seconds(arguments.value("window_seconds", static_cast<long>(defaults.window.count())));
  correlation.admin_hosts = arguments.contains("admin_hosts") ? string_list(arguments, "admin_hosts") : defaults.admin_hosts;
  correlation.fan_out_hosts = arguments.value("fan_out_hosts", defaults.fan_out_hosts);
  correlation.fan_out_window =
      std::chrono::minutes(arguments.value("fan_out_minutes", static_cast<long>(defaults.fan_out_window.count())));
  correlation.max_events_per_query = request.max_events_per_query;
  correlation.time_frame = request.time_frame;

  // Scope, technique ids and time frame are checked here, before any upstream is touched.
  checked_queries(request.techniques, request.target_scope_query, request.time_frame);
  return request;
}

std::string hunt_summary_text(const Json& report) {
  // The report library's text names the status (COMPLETE / INCOMPLETE / CANCELLED), the counts, each
  // finding and every failed step; the resource addresses are added here.
  std::string text = report::render_summary_text(report);
  if (const auto id = report.value("hunt_id", ""); !id.empty()) {
    text += fmt::format("Report: {}{} (Markdown: {}{}/markdown)", kReportUriPrefix, id, kReportUriPrefix, id);
  }
  return text;
}

HuntOutcome run_hunt_call(HuntService& service, const Json& arguments, const workflow::ProgressSink& progress,
                          std::stop_token cancel) {
  HuntOutcome outcome;
  workflow::HuntRequest request;
  try {
    request = hunt_request_from_arguments(arguments, service.defaults());
  } catch (const std::exception& e) {
    outcome.is_error = outcome.bad_input = true;
    outcome.text = e.what();
    return outcome;
  }
  gateway::Gateway* gateway = nullptr;
  try {
    gateway = &service.gateway(cancel);
    outcome.report = workflow::run_hunt(*gateway, request, &service.reports(), progress, cancel);
  } catch (const InvalidHuntArgument& e) {
    outcome.is_error = outcome.bad_input = true;
    outcome.text = e.what();
    return outcome;
  } catch (const udm::ParseError& e) {
    outcome.is_error = outcome.bad_input = true;
    outcome.text = fmt::format("{}target_scope_query: {}", kInvalid, e.what());
    return outcome;
  } catch (const std::exception& e) {
    outcome.is_error = true;
    outcome.text = fmt::format("lateral_movement_hunt failed: {}", e.what());
    return outcome;
  }

  // A hunt in which no search ran has nothing to report: that is an error naming why (usually an
  // upstream that could not be reached), not an empty report.
  bool any_query_ran = false;
  for (const auto& query : outcome.report.value("queries", Json::array())) {
    if (query.value("status", "") == "ok") any_query_ran = true;
  }
  if (!any_query_ran && outcome.report.value("status", "") != "cancelled") {
    outcome.is_error = true;
    // The upstreams that could not be used say why; else the steps' own errors.
    std::vector<std::string> reasons;
    for (const auto& upstream : gateway->status()) {
      if (!upstream.error) continue;
      // The gateway's identifier stays in the text, so that callers and logs can grep for it.
      const bool identified = upstream.error->rfind(kUnreachable, 0) == 0;
      reasons.push_back(fmt::format("{}upstream '{}' ({}): {}", identified ? "" : kUnreachable, upstream.name,
                                    upstream.transport, *upstream.error));
    }
    if (reasons.empty()) {
      for (const auto& step : outcome.report.value("steps", Json::array())) {
        if (step.value("error", Json()).is_string()) {
          reasons.push_back(fmt::format("{}: {}", step.value("name", "?"), step["error"].get<std::string>()));
        }
      }
    }
    if (reasons.empty()) reasons.push_back("no hunt query could be run");
    outcome.text = fmt::format("lateral_movement_hunt: nothing ran - {}", fmt::join(reasons, "; "));
    return outcome;
  }
  outcome.text = hunt_summary_text(outcome.report);
  return outcome;
}

void register_hunt_tools(mcp::Server& server, HuntService& service) {
  (void)techniques::catalogue();  // validated once here, so the first quick call stays quick
  add_lateral_movement_hunt(server, service);
  add_correlate_smb(server, service);
  add_build_hunt_queries(server, service);
  add_research_techniques(server, service);
  add_enrich_entities(server, service);
  add_find_related_cases(server, service);
  add_document_hunt(server, service);
}

void register_hunt_server(mcp::Server& server, HuntService& service) {
  register_hunt_tools(server, service);
  register_hunt_prompt(server);
  register_report_resources(server, service);
}

namespace {
void add_report_resource(mcp::Server& server, HuntService& service, const std::string& id, const std::string& title) {
  mcp::Resource resource;
  resource.uri = kReportUriPrefix + id;
  resource.name = "hunt-report-" + id;
  resource.title = title;
  resource.description = "Lateral-movement hunt report (JSON; Markdown at " + resource.uri + "/markdown)";
  resource.mime_type = "application/json";
  resource.read = [&service, id](const std::string& uri, ToolContext&) {
    auto report = service.reports().get(id);
    if (!report) throw mcp::McpError(mcp::error_code::resource_not_found, "no stored hunt report " + uri);
    return Json::array({mcp::text_resource_contents(uri, "application/json", report->dump(2))});
  };
  server.add_resource(std::move(resource));
}
}  // namespace

void register_report_resources(mcp::Server& server, HuntService& service) {
  auto complete_ids = [&service](const std::string&, const std::string& value, const Json&) {
    std::vector<std::string> ids;
    for (const auto& summary : service.reports().list(100)) {
      if (summary.id.rfind(value, 0) == 0) ids.push_back(summary.id);
    }
    return ids;
  };
  auto not_found = [](const std::string& uri) {
    return mcp::McpError(mcp::error_code::resource_not_found,
                         "no stored hunt report " + uri + " (resources/list shows the stored reports)", Json{{"uri", uri}});
  };

  mcp::ResourceTemplate json_template;
  json_template.uri_template = std::string(kReportUriPrefix) + "{id}";
  json_template.name = "hunt-report";
  json_template.title = "Lateral-movement hunt report (JSON)";
  json_template.description = "A stored hunt report as returned by lateral_movement_hunt (schema hunt_report.json).";
  json_template.mime_type = "application/json";
  json_template.read = [&service, not_found](const std::string& uri, const std::map<std::string, std::string>& variables,
                                             ToolContext&) {
    auto report = service.reports().get(variables.at("id"));
    if (!report) throw not_found(uri);
    return Json::array({mcp::text_resource_contents(uri, "application/json", report->dump(2))});
  };
  json_template.complete = complete_ids;
  server.add_resource_template(std::move(json_template));

  mcp::ResourceTemplate markdown_template;
  markdown_template.uri_template = std::string(kReportUriPrefix) + "{id}/markdown";
  markdown_template.name = "hunt-report-markdown";
  markdown_template.title = "Lateral-movement hunt report (Markdown)";
  markdown_template.description = "A stored hunt report as Markdown, with the Mermaid movement graph.";
  markdown_template.mime_type = "text/markdown";
  markdown_template.read = [&service, not_found](const std::string& uri,
                                                 const std::map<std::string, std::string>& variables, ToolContext&) {
    auto markdown = service.reports().get_markdown(variables.at("id"));
    if (!markdown) throw not_found(uri);
    return Json::array({mcp::text_resource_contents(uri, "text/markdown", *markdown)});
  };
  markdown_template.complete = complete_ids;
  server.add_resource_template(std::move(markdown_template));

  for (const auto& summary : service.reports().list(100)) add_report_resource(server, service, summary.id, summary.title);
}

}  // namespace lh::skill::server
