// search_udm and search_security_events.
#include <fmt/format.h>

#include "mcp/log.hpp"
#include "siem/server.hpp"
#include "siem/tools_common.hpp"
#include "udm/query_parser.hpp"

namespace lh::siem {
namespace {

using tools::Json;

// Keeps the newest events whose pretty-printed size fits `budget` (see SiemBackend::max_result_bytes).
void fit_result(Json& result, std::size_t budget) {
  if (!result.contains("events") || !result["events"].is_array()) return;
  auto& events = result["events"];
  std::size_t used = 128;  // the envelope
  std::size_t keep = 0;
  for (; keep < events.size(); ++keep) {
    // Indented two levels deeper inside the result than on its own.
    const std::size_t size = events[keep].dump(2, ' ', false, Json::error_handler_t::replace).size() * 5 / 4 + 8;
    if (used + size > budget) break;
    used += size;
  }
  if (keep == events.size()) return;
  mcp::log::warn("secops-local", "search result cut from {} to {} events to stay under {} bytes", events.size(), keep,
                 budget);
  events.erase(events.begin() + static_cast<std::ptrdiff_t>(keep), events.end());
  result["total_events"] = keep;
  result["more_data_available"] = true;
}

Json search_udm(SiemBackend& backend, const Json& arguments) {
  SearchRequest request;
  request.query = tools::string_or(arguments, "query", "");
  const auto hours_back = tools::integer_or(arguments, "hours_back", 24);
  if (const auto problem = tools::hours_back_problem("search_udm", hours_back)) {
    return Json{{"error", *problem}, {"events", Json::array()}};
  }
  request.hours_back = static_cast<double>(hours_back);
  request.start_time = tools::optional_string(arguments, "start_time");
  request.end_time = tools::optional_string(arguments, "end_time");
  if (const auto max_events = tools::optional_integer(arguments, "max_events")) {
    if (*max_events < 1) {
      return Json{{"error", fmt::format("search_udm: max_events must be at least 1, got {}", *max_events)},
                  {"events", Json::array()}};
    }
    request.max_events = static_cast<std::size_t>(*max_events);
  }
  if (request.query.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Json{{"error", "search_udm: query is empty; give a UDM search query such as "
                          "metadata.event_type = \"PROCESS_LAUNCH\""},
                {"events", Json::array()}};
  }
  Json result = backend.events.search_udm(request, backend.reference_list_lookup());
  fit_result(result, backend.max_result_bytes);
  return result;
}

// Upstream translates natural language with Gemini first. Text that already parses as a UDM query is
// run as it is; anything else gets an error that says where to go instead.
Json search_security_events(SiemBackend& backend, const Json& arguments) {
  const std::string text = tools::string_or(arguments, "text", "");
  const auto hours_back = tools::integer_or(arguments, "hours_back", 24);
  const auto max_events = tools::integer_or(arguments, "max_events", 100);
  auto failure = [](Json udm_query, std::string message) {
    return Json{{"udm_query", std::move(udm_query)},
                {"events", {{"error", std::move(message)}, {"events", Json::array()}, {"total_events", 0}}}};
  };
  try {
    (void)udm::parse_query(text);
  } catch (const udm::ParseError& error) {
    return failure(nullptr, fmt::format("search_security_events: translating natural language to UDM needs "
                                        "Chronicle's Gemini, which secops-local does not have; the text is not a "
                                        "UDM query either ({}). Use search_udm with a UDM query, e.g. "
                                        "metadata.event_type = \"PROCESS_LAUNCH\" AND principal.hostname = \"host\"",
                                        error.what()));
  }
  if (max_events < 1) return failure(text, fmt::format("search_security_events: max_events must be at least 1, got {}", max_events));
  if (const auto problem = tools::hours_back_problem("search_security_events", hours_back)) return failure(text, *problem);
  SearchRequest request;
  request.query = text;
  request.hours_back = static_cast<double>(hours_back);
  request.max_events = static_cast<std::size_t>(max_events);
  Json events = backend.events.search_udm(request, backend.reference_list_lookup());
  if (events.contains("error")) events["total_events"] = 0;
  else fit_result(events, backend.max_result_bytes);
  return Json{{"udm_query", text}, {"events", std::move(events)}};
}

}  // namespace

void add_search_tools(mcp::Server& server, SiemBackend& backend) {
  {
    mcp::Tool tool;
    tool.name = "search_udm";
    tool.title = "Search UDM events";
    tool.description =
        "Search UDM events using UDM query in Chronicle.\n\n"
        "Args:\n"
        "    query (str): UDM query to search for events.\n"
        "    hours_back (int): How many hours back from the current time to search. Used if start_time is not provided.\n"
        "    start_time (Optional[str]): Start time in ISO 8601 format (e.g. \"2023-01-01T00:00:00Z\"). Overrides hours_back.\n"
        "    end_time (Optional[str]): End time in ISO 8601 format. Defaults to current time if not provided.\n"
        "    max_events (Optional[int]): Maximum number of events to return.\n"
        "    project_id (Optional[str]): Google Cloud project ID.\n"
        "    customer_id (Optional[str]): Chronicle customer ID.\n"
        "    region (Optional[str]): Chronicle region (e.g., \"us\", \"europe\").\n\n"
        "Returns:\n"
        "    Dict containing the search results with events.\n\n"
        "Here \"current time\" is the newest loaded event unless the server was started with --now. Errors come "
        "back as {\"error\": \"...\", \"events\": []} (query errors name the column).";
    tool.input_schema = tools::Signature("search_udm")
                            .required_string("query")
                            .integer("hours_back", 24)
                            .optional_string("start_time")
                            .optional_string("end_time")
                            .optional_integer("max_events")
                            .tenant_str_none()
                            .schema();
    tool.output_schema = tools::dict_output_schema("search_udm");
    tool.annotations = tools::read_only_annotations("Search UDM events");
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      return tools::dict_result(search_udm(backend, arguments), true);
    };
    tools::add_tool(server, std::move(tool));
  }
  {
    mcp::Tool tool;
    tool.name = "search_security_events";
    tool.title = "Search security events";
    tool.description =
        "Search for security events in Chronicle SIEM using natural language.\n\n"
        "Upstream translates the text into a UDM query with Gemini. secops-local has no Gemini: text that is "
        "already a UDM query is run as it is; natural language gets an error that points to search_udm.\n\n"
        "Args:\n"
        "    text (str): Natural language description of the events you want to find (here: a UDM query).\n"
        "    project_id (Optional[str]): Google Cloud project ID. Defaults to environment configuration.\n"
        "    customer_id (Optional[str]): Chronicle customer ID. Defaults to environment configuration.\n"
        "    hours_back (int): How many hours back from the current time to search. Defaults to 24.\n"
        "    max_events (int): Maximum number of event records to return. Defaults to 100.\n"
        "    region (Optional[str]): Chronicle region (e.g., \"us\", \"europe\"). Defaults to environment configuration.\n\n"
        "Returns:\n"
        "    Dict[str, Any]: {'udm_query': str | None, 'events': {'events': [...], 'total_events': int, "
        "'more_data_available': bool} or {'error': str, 'events': [], 'total_events': 0}}.";
    tool.input_schema = tools::Signature("search_security_events")
                            .required_string("text")
                            .string_none("project_id")
                            .string_none("customer_id")
                            .integer("hours_back", 24)
                            .integer("max_events", 100)
                            .string_none("region")
                            .schema();
    tool.output_schema = tools::dict_output_schema("search_security_events");
    tool.annotations = tools::read_only_annotations("Search security events");
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      return tools::dict_result(search_security_events(backend, arguments), true);
    };
    tools::add_tool(server, std::move(tool));
  }
}

}  // namespace lh::siem
