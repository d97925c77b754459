#include "siem/server.hpp"

#include "siem/tools_intel.hpp"

namespace lh::siem {

udm::ReferenceListLookup SiemBackend::reference_list_lookup() {
  return [this](std::string_view name) -> std::optional<std::vector<std::string>> {
    std::lock_guard lock(cases_mutex);
    auto list = cases.get_reference_list(name);
    if (!list) return std::nullopt;
    return std::move(list->entries);
  };
}

mcp::ServerOptions secops_local_server_options() {
  mcp::ServerOptions options;
  options.info = mcp::Implementation{"secops-local", "0.1.0"};
  options.info.title = "SecOps (local embedded SIEM)";
  options.instructions =
      "Google SecOps (Chronicle SIEM) and SecOps SOAR tools answered from local logs: search_udm takes UDM "
      "search queries (snake_case paths, no CONTAINS or IN lists; use regexes with nocase and `in %list`). "
      "Errors come back as {\"error\": ...} payloads, as upstream. Cases, comments and reference lists are "
      "kept in the local case store.";
  // Tools only: no prompts or resources are registered.
  options.capabilities = mcp::Json{{"tools", {{"listChanged", true}}}, {"logging", mcp::Json::object()}};
  return options;
}

void add_secops_tools(mcp::Server& server, SiemBackend& backend) {
  add_search_tools(server, backend);
  add_entity_tools(server, backend);
  add_threat_intel_tools(server, backend);
  add_reference_list_tools(server, backend);
  add_case_tools(server, backend);
  // gti-mcp's report tools exist only with a feed to answer from.
  if (backend.iocs) add_intel_report_tools(server, backend);
}

}  // namespace lh::siem
