#pragma once
// secops-local: an MCP server with the tool surface of Google's secops-mcp and secops-soar-mcp (same tool
// names, argument names, defaults and result shapes), answered from the embedded SIEM: the event store
// loaded at start, the case store (cases, comments, alerts, reference lists) and an optional IoC feed.
//
//   lh::siem::SiemBackend backend(":memory:");
//   backend.events.load({"logs/"});
//   lh::mcp::Server server(lh::siem::secops_local_server_options());
//   lh::siem::add_secops_tools(server, backend);
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mcp/server.hpp"
#include "siem/case_store.hpp"
#include "siem/event_store.hpp"
#include "siem/tools_ioc.hpp"
#include "udm/query_compiler.hpp"

namespace lh::siem {

// What the tools read and write. Must outlive every mcp::Server the tools are added to.
struct SiemBackend {
  explicit SiemBackend(const std::filesystem::path& case_database) : cases(case_database) {}

  EventStore events;
  CaseStore cases;
  // CaseStore is one SQLite connection; tool calls run on several threads.
  std::mutex cases_mutex;
  // std::nullopt: no --iocs feed configured (get_ioc_matches says so).
  std::optional<IocFeed> iocs;
  // Largest search result text a tool sends (the result travels twice: text block and structuredContent).
  // Clients cap messages (the TypeScript SDK's stdio reader at 10 MiB): beyond this budget the oldest events
  // are dropped and more_data_available is set, as when max_events is reached.
  std::size_t max_result_bytes = kDefaultMaxResultBytes;
  static constexpr std::size_t kDefaultMaxResultBytes = 4 * 1024 * 1024;

  // `field in %name` resolves against the case store's reference lists.
  udm::ReferenceListLookup reference_list_lookup();
};

// serverInfo "secops-local" and the instructions shown to clients.
mcp::ServerOptions secops_local_server_options();

// Registers every tool (secops-mcp: search_udm, search_security_events, lookup_entity, get_ioc_matches,
// get_threat_intel, get_security_alerts, create_reference_list, get_reference_list; secops-soar-mcp:
// list_cases, get_case_full_details, post_case_comment, search_entity, change_case_priority).
void add_secops_tools(mcp::Server& server, SiemBackend& backend);

// The tool groups, one file each (tools_*.cpp).
void add_search_tools(mcp::Server& server, SiemBackend& backend);
void add_entity_tools(mcp::Server& server, SiemBackend& backend);
void add_threat_intel_tools(mcp::Server& server, SiemBackend& backend);
void add_case_tools(mcp::Server& server, SiemBackend& backend);
void add_reference_list_tools(mcp::Server& server, SiemBackend& backend);

}  // namespace lh::siem
