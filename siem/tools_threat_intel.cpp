// get_threat_intel: bundled, sourced notes instead of Gemini.
#include "siem/server.hpp"
#include "siem/threat_intel.hpp"
#include "siem/tools_common.hpp"

namespace lh::siem {

void add_threat_intel_tools(mcp::Server& server, SiemBackend&) {
  mcp::Tool tool;
  tool.name = "get_threat_intel";
  tool.title = "Get threat intelligence";
  tool.description =
      "Get answers to general security domain questions. Additionally, tool can answer specific threat "
      "intelligence questions and provide summaries about threat actors, IOCs, CVEs, and other threat "
      "intelligence topics.\n\n"
      "secops-local has no Gemini model: it answers from bundled, sourced notes on Windows lateral movement "
      "(ATT&CK T1021.001/.002/.003/.006, T1047, T1053.005, T1543.003, T1569.002, T1570), matched by technique id "
      "or keywords such as psexec, wmi, winrm, dcom, scheduled task, rdp.\n\n"
      "Args:\n"
      "    query: The security or threat intelligence question\n"
      "    project_id: Google Cloud project ID (defaults to config)\n"
      "    customer_id: Chronicle customer ID (defaults to config)\n"
      "    region: Chronicle region (defaults to config)\n\n"
      "Returns:\n"
      "    Formatted answer";
  tool.input_schema = tools::Signature("get_threat_intel").required_string("query").tenant_optional().schema();
  tool.annotations = tools::read_only_annotations("Get threat intelligence");
  tool.handler = [](const tools::Json& arguments, mcp::ToolContext&) {
    const std::string query = tools::string_or(arguments, "query", "");
    if (query.find_first_not_of(" \t\r\n") == std::string::npos) {
      return tools::text_result(
          "Error getting threat intelligence: query is empty; ask about a technique, e.g. \"T1021.002\" or "
          "\"How is PsExec used for lateral movement?\"");
    }
    return tools::text_result(answer_threat_intel(query));
  };
  tools::add_tool(server, std::move(tool));
}

}  // namespace lh::siem
