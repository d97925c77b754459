// secops-soar-mcp's case tools over the case store: list_cases, get_case_full_details, post_case_comment,
// search_entity, change_case_priority. Upstream returns the SOAR API's JSON (or nothing when the HTTP call
// fails); here a failure is an {"error": ...} payload so that a client sees what was wrong.
#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

#include "siem/server.hpp"
#include "siem/tools_common.hpp"
#include "udm/ip_network.hpp"

namespace lh::siem {
namespace {

using tools::Json;

const std::vector<std::string> kPriorities = {"PriorityUnspecified", "PriorityInfo", "PriorityLow",
                                              "PriorityMedium",      "PriorityHigh", "PriorityCritical"};

std::optional<std::int64_t> parse_case_id(const std::string& text) {
  std::int64_t id = 0;
  const auto* begin = text.data();
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, id);
  if (ec != std::errc() || ptr != end || id <= 0) return std::nullopt;
  return id;
}

Json bad_case_id(const std::string& text) {
  return Json{{"error", fmt::format("case_id \"{}\" is not a case id (a positive integer such as \"523\")", text)}};
}

Json case_not_found(std::int64_t id) { return Json{{"error", fmt::format("case {} not found", id)}}; }

// SOAR entity types for a value, from its shape.
std::string soar_entity_type(const std::string& value) {
  if (udm::parse_ip(value)) return "ADDRESS";
  const bool hex = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (hex && (value.size() == 32 || value.size() == 40 || value.size() == 64)) return "FILEHASH";
  if (value.find('@') != std::string::npos || value.find('\\') != std::string::npos) return "USERUNIQNAME";
  return "HOSTNAME";
}

// Friendly names a caller may use for the types.
std::string canonical_type(const std::string& type) {
  const std::string t = tools::lower(type);
  if (t == "address" || t == "ip" || t == "ip address" || t == "ip_address") return "ADDRESS";
  if (t == "hostname" || t == "host" || t == "asset") return "HOSTNAME";
  if (t == "useruniqname" || t == "user" || t == "username") return "USERUNIQNAME";
  if (t == "filehash" || t == "hash" || t == "file hash") return "FILEHASH";
  std::string upper = type;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

bool internal_asset(const std::string& value, const std::string& type) {
  if (type == "HOSTNAME") return true;
  if (type != "ADDRESS") return false;
  const auto ip = udm::parse_ip(value);
  if (!ip) return false;
  for (const char* range : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "fc00::/7", "fe80::/10"}) {
    if (udm::parse_cidr(range)->contains(*ip)) return true;
  }
  return false;
}

Json search_entity(SiemBackend& backend, const Json& arguments) {
  const auto term = tools::optional_string(arguments, "term");
  std::set<std::string> types;
  for (const auto& type : tools::string_list(arguments, "type")) types.insert(canonical_type(type));
  const auto suspicious_filter = tools::optional_boolean(arguments, "is_suspicious");
  const auto internal_filter = tools::optional_boolean(arguments, "is_internal_asset");
  const auto enriched_filter = tools::optional_boolean(arguments, "is_enriched");
  const auto environments = tools::string_list(arguments, "environment_name");

  struct Entity {
    std::string identifier;
    std::string environment;
    std::set<std::int64_t> cases;
    bool high_priority_case = false;
  };
  std::map<std::pair<std::string, std::string>, Entity> entities;  // (lower identifier, environment)
  std::vector<std::string> alert_texts;
  {
    std::lock_guard lock(backend.cases_mutex);
    std::string token;
    do {
      const auto page = backend.cases.list_cases(token, 200);
      for (const auto& record : page.cases) {
        for (const auto& value : record.fields.entities) {
          auto& entity = entities[{tools::lower(value), record.fields.environment}];
          if (entity.identifier.empty()) entity.identifier = value;
          entity.environment = record.fields.environment;
          entity.cases.insert(record.id);
          if (record.fields.priority == "PriorityHigh" || record.fields.priority == "PriorityCritical") {
            entity.high_priority_case = true;
          }
        }
        for (const auto& alert : backend.cases.list_case_alerts(record.id)) {
          alert_texts.push_back(tools::lower(alert.name + " " + alert.details.dump()));
        }
      }
      token = page.next_page_token;
    } while (!token.empty());
  }
  std::set<std::string> iocs;
  if (backend.iocs) {
    for (const auto& entry : backend.iocs->entries) iocs.insert(tools::lower(entry.value));
  }

  Json objects = Json::array();
  for (const auto& [key, entity] : entities) {
    const std::string& needle = key.first;
    if (term && !term->empty() && needle.find(tools::lower(*term)) == std::string::npos) continue;
    const std::string type = soar_entity_type(entity.identifier);
    if (!types.empty() && !types.count(type)) continue;
    if (!environments.empty() && std::find(environments.begin(), environments.end(), entity.environment) == environments.end()) {
      continue;
    }
    bool suspicious = entity.high_priority_case || iocs.count(needle) > 0;
    for (const auto& text : alert_texts) suspicious = suspicious || text.find(needle) != std::string::npos;
    const bool internal = internal_asset(entity.identifier, type);
    if (suspicious_filter && *suspicious_filter != suspicious) continue;
    if (internal_filter && *internal_filter != internal) continue;
    if (enriched_filter && *enriched_filter) continue;  // nothing is enriched here
    Json case_ids = Json::array();
    for (const auto id : entity.cases) case_ids.push_back(std::to_string(id));
    objects.push_back(Json{{"identifier", entity.identifier},
                           {"entityType", type},
                           {"environment", entity.environment},
                           {"isSuspicious", suspicious},
                           {"isInternalAsset", internal},
                           {"isEnriched", false},
                           {"caseIds", std::move(case_ids)}});
  }
  const auto count = objects.size();
  return Json{{"objectsList", std::move(objects)},
              {"metadata", {{"totalNumberOfPages", 1}, {"totalRecordsCount", count}, {"pageSize", count}}}};
}

}  // namespace

void add_case_tools(mcp::Server& server, SiemBackend& backend) {
  {
    mcp::Tool tool;
    tool.name = "list_cases";
    tool.title = "List cases";
    tool.description =
        "List cases available in the Security Orchestration, Automation, and Response (SOAR) platform.\n\n"
        "Returns:\n"
        "    dict: {\"cases\": [...], \"nextPageToken\": \"...\"} (newest first; nextPageToken only when more cases "
        "follow). There is no filter and no limit: page through it and filter yourself.";
    tool.input_schema = tools::Signature("list_cases")
                            .optional_string("next_page_token", "The nextPageToken to fetch the next page of results.")
                            .schema();
    tool.output_schema = tools::dict_output_schema("list_cases");
    tool.annotations = tools::read_only_annotations("List cases");
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      const std::string token = tools::string_or(arguments, "next_page_token", "");
      Json result;
      try {
        std::lock_guard lock(backend.cases_mutex);
        result = backend.cases.list_cases_json(token);
      } catch (const CaseStoreError& error) {
        result = Json{{"error", error.what()}};
      }
      return tools::dict_result(std::move(result), true);
    };
    tools::add_tool(server, std::move(tool));
  }
  {
    mcp::Tool tool;
    tool.name = "get_case_full_details";
    tool.title = "Get full case details";
    tool.description =
        "Retrieve comprehensive details for a specific case by aggregating its core information, associated "
        "alerts, and comments.\n\n"
        "Args:\n"
        "    case_id (str): The unique identifier (ID) of the case. (Example: \"523\")\n\n"
        "Returns:\n"
        "    dict: {\"case_details:\": {...}, \"case_alerts\": [...], \"case_comments\": [...]} (the first key "
        "carries a colon, as upstream).";
    tool.input_schema =
        tools::Signature("get_case_full_details").required_string("case_id", "The ID of the case.").schema();
    tool.annotations = tools::read_only_annotations("Get full case details");
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      const std::string text = tools::string_or(arguments, "case_id", "");
      const auto id = parse_case_id(text);
      if (!id) return tools::dict_result(bad_case_id(text), false);
      std::lock_guard lock(backend.cases_mutex);
      return tools::dict_result(backend.cases.get_case_full_details_json(*id), false);
    };
    tools::add_tool(server, std::move(tool));
  }
  {
    mcp::Tool tool;
    tool.name = "post_case_comment";
    tool.title = "Post a case comment";
    tool.description =
        "Post a comment to a specific case within the SOAR platform.\n\n"
        "Args:\n"
        "    case_id (str): The unique identifier (ID) of the case. (Example: \"523\")\n"
        "    comment (str): The textual content of the comment.\n\n"
        "Returns:\n"
        "    dict: the stored comment {\"id\", \"caseId\", \"comment\", \"author\", \"createTime\"}, or {\"error\": ...}.";
    tool.input_schema = tools::Signature("post_case_comment")
                            .required_string("case_id", "The ID of the case.")
                            .required_string("comment", "The comment we wish to add to the case.")
                            .schema();
    tool.output_schema = tools::dict_output_schema("post_case_comment");
    tool.annotations = tools::write_annotations("Post a case comment", false, false);
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      const std::string text = tools::string_or(arguments, "case_id", "");
      const auto id = parse_case_id(text);
      if (!id) return tools::dict_result(bad_case_id(text), true);
      std::lock_guard lock(backend.cases_mutex);
      const auto comment = backend.cases.post_case_comment(*id, tools::string_or(arguments, "comment", ""));
      return tools::dict_result(comment ? CaseStore::to_json(*comment) : case_not_found(*id), true);
    };
    tools::add_tool(server, std::move(tool));
  }
  {
    mcp::Tool tool;
    tool.name = "search_entity";
    tool.title = "Search entities";
    tool.description =
        "Search for entities within the SOAR platform based on various criteria.\n\n"
        "Searches the entities of the stored cases. Types: ADDRESS, HOSTNAME, USERUNIQNAME, FILEHASH (friendly "
        "names such as 'IP Address' or 'Hostname' are accepted). An entity is suspicious when it occurs in an "
        "IoC feed, an alert, or a High/Critical case; IP addresses in private ranges and host names are internal "
        "assets; nothing is enriched. network_name is accepted and ignored.\n\n"
        "Returns:\n"
        "    dict: {\"objectsList\": [{identifier, entityType, environment, isSuspicious, isInternalAsset, "
        "isEnriched, caseIds}], \"metadata\": {...}}.";
    tool.input_schema = tools::Signature("search_entity")
                            .optional_string("term", "The term to search for")
                            .optional_string_list("type", "The type of the entity")
                            .optional_boolean("is_suspicious", "A boolean that states if the entity is suspicious")
                            .optional_boolean("is_internal_asset", "A boolean that states if the entity is an internal asset")
                            .optional_boolean("is_enriched", "A boolean that states if the entity is enriched")
                            .optional_string_list("network_name", "The network name")
                            .optional_string_list("environment_name", "The environment name")
                            .schema();
    tool.annotations = tools::read_only_annotations("Search entities");
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      return tools::dict_result(search_entity(backend, arguments), false);
    };
    tools::add_tool(server, std::move(tool));
  }
  {
    mcp::Tool tool;
    tool.name = "change_case_priority";
    tool.title = "Change case priority";
    tool.description =
        "Change the priority level of a specific case in the SOAR platform.\n\n"
        "Args:\n"
        "    case_id (str): The unique identifier (ID) of the case. (Example: \"523\")\n"
        "    case_priority: one of PriorityUnspecified, PriorityInfo, PriorityLow, PriorityMedium, PriorityHigh, "
        "PriorityCritical.\n\n"
        "Returns:\n"
        "    dict: the updated case, or {\"error\": ...}.";
    tool.input_schema = tools::Signature("change_case_priority")
                            .required_string("case_id", "The ID of the case.")
                            .required_enum("case_priority", kPriorities, "The priority of the case.")
                            .schema();
    tool.annotations = tools::write_annotations("Change case priority", false, true);
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      const std::string text = tools::string_or(arguments, "case_id", "");
      const auto id = parse_case_id(text);
      if (!id) return tools::dict_result(bad_case_id(text), false);
      std::lock_guard lock(backend.cases_mutex);
      if (!backend.cases.change_case_priority(*id, tools::string_or(arguments, "case_priority", ""))) {
        return tools::dict_result(case_not_found(*id), false);
      }
      return tools::dict_result(CaseStore::to_json(*backend.cases.get_case(*id)), false);
    };
    tools::add_tool(server, std::move(tool));
  }
}

}  // namespace lh::siem
