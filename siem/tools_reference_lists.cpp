// create_reference_list and get_reference_list (secops-mcp), over the case store. search_udm resolves
// `field in %name` (and `in regex %name`, `in cidr %name`) against these lists.
#include <regex>

#include <fmt/format.h>

#include "siem/server.hpp"
#include "siem/tools_common.hpp"
#include "udm/query_compiler.hpp"

namespace lh::siem {
namespace {

using tools::Json;

constexpr std::string_view kSyntaxPrefix = "REFERENCE_LIST_SYNTAX_TYPE_";

// "STRING" / "REGEX" / "CIDR" (upstream's short names) or the long API names → the stored name.
std::optional<std::string> stored_syntax(const std::string& syntax) {
  std::string upper = syntax;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.rfind(kSyntaxPrefix, 0) == 0) upper = upper.substr(kSyntaxPrefix.size());
  if (upper == "STRING" || upper == "PLAIN_TEXT_STRING") return "REFERENCE_LIST_SYNTAX_TYPE_PLAIN_TEXT_STRING";
  if (upper == "REGEX") return "REFERENCE_LIST_SYNTAX_TYPE_REGEX";
  if (upper == "CIDR") return "REFERENCE_LIST_SYNTAX_TYPE_CIDR";
  return std::nullopt;
}

std::string short_syntax(const std::string& stored) {
  if (stored == "REFERENCE_LIST_SYNTAX_TYPE_REGEX") return "REGEX";
  if (stored == "REFERENCE_LIST_SYNTAX_TYPE_CIDR") return "CIDR";
  return "STRING";
}

// Compiles a probe query over the new entries, so a bad regex or range is refused when the list is created
// instead of failing every later search that uses it. Returns the problem, or "" when the entries are usable.
std::string check_entries(const std::string& name, const std::string& syntax, const std::vector<std::string>& entries) {
  std::string probe;
  if (syntax == "REFERENCE_LIST_SYNTAX_TYPE_REGEX") probe = fmt::format("principal.hostname in regex %{}", name);
  else if (syntax == "REFERENCE_LIST_SYNTAX_TYPE_CIDR") probe = fmt::format("principal.ip in cidr %{}", name);
  else return {};
  try {
    (void)udm::compile_query(probe, [&](std::string_view) { return std::optional(entries); });
  } catch (const udm::ParseError& error) {
    return error.message();
  }
  return {};
}

std::string create_reference_list(SiemBackend& backend, const Json& arguments) {
  const std::string name = tools::string_or(arguments, "name", "");
  const std::string description = tools::string_or(arguments, "description", "");
  const auto entries = tools::string_list(arguments, "entries");
  const std::string syntax_argument = tools::string_or(arguments, "syntax_type", "STRING");
  auto failure = [&](const std::string& why) { return fmt::format("Error creating reference list {}: {}", name, why); };

  static const std::regex name_pattern("^[A-Za-z_][A-Za-z0-9_]{0,254}$");
  if (!std::regex_match(name, name_pattern)) {
    return failure("the name must start with a letter or '_' and hold only letters, digits and '_' (it is used as "
                   "%name in queries)");
  }
  const auto syntax = stored_syntax(syntax_argument);
  if (!syntax) return failure(fmt::format("syntax_type \"{}\" is not one of STRING, CIDR, REGEX", syntax_argument));
  if (const auto problem = check_entries(name, *syntax, entries); !problem.empty()) return failure(problem);

  ReferenceList list;
  list.name = name;
  list.description = description;
  list.syntax_type = *syntax;
  list.entries = entries;
  ReferenceList stored;
  try {
    std::lock_guard lock(backend.cases_mutex);
    stored = backend.cases.create_reference_list(list);
  } catch (const CaseStoreError& error) {
    return failure(error.what());
  }
  std::string out = fmt::format("Successfully created reference list: {}\n", name);
  out += fmt::format("List ID: {}\n", stored.name);
  out += fmt::format("Description: {}\n", description);
  out += fmt::format("Syntax Type: {}\n", short_syntax(stored.syntax_type));
  out += fmt::format("Created: {}\n", stored.create_time.empty() ? "Unknown" : stored.create_time);
  out += fmt::format("Entries: {}\n", stored.entries.size());
  if (!entries.empty()) {
    out += "\nSample entries:\n";
    for (std::size_t i = 0; i < entries.size() && i < 5; ++i) out += fmt::format("  - {}\n", entries[i]);
    if (entries.size() > 5) out += fmt::format("  ... and {} more entries\n", entries.size() - 5);
  }
  out += fmt::format("\nThe list can now be referenced in detection rules as: reference_list.{}", name);
  out += fmt::format("\nand in UDM searches as: <field> in %{}", name);
  return out;
}

std::string get_reference_list(SiemBackend& backend, const Json& arguments) {
  const std::string name = tools::string_or(arguments, "name", "");
  const bool include_entries = tools::optional_boolean(arguments, "include_entries").value_or(true);
  std::optional<ReferenceList> list;
  try {
    std::lock_guard lock(backend.cases_mutex);
    list = backend.cases.get_reference_list(name);
  } catch (const CaseStoreError& error) {
    return fmt::format("Error getting reference list {}: {}", name, error.what());
  }
  if (!list) return fmt::format("Reference list \"{}\" was not found.", name);
  std::string out = fmt::format("Reference List: {}\n", name);
  out += fmt::format("List ID: {}\n", list->name);
  out += fmt::format("Description: {}\n", list->description.empty() ? "No description" : list->description);
  out += fmt::format("Syntax Type: {}\n", list->syntax_type);
  out += fmt::format("Created: {}\n", list->create_time.empty() ? "Unknown" : list->create_time);
  if (!include_entries) {
    out += fmt::format("Total entries: {} (entries not displayed)\n", list->entries.size());
    return out;
  }
  out += fmt::format("Total entries: {}\n\n", list->entries.size());
  if (list->entries.empty()) {
    out += "No entries found in this reference list.\n";
    return out;
  }
  out += "Entries:\n";
  for (std::size_t i = 0; i < list->entries.size(); ++i) {
    out += fmt::format("  {}. {}\n", i + 1, list->entries[i]);
    if (i >= 49) {
      if (list->entries.size() > 50) out += fmt::format("  ... and {} more entries\n", list->entries.size() - 50);
      break;
    }
  }
  return out;
}

}  // namespace

void add_reference_list_tools(mcp::Server& server, SiemBackend& backend) {
  {
    mcp::Tool tool;
    tool.name = "create_reference_list";
    tool.title = "Create a reference list";
    tool.description =
        "Create a new reference list in Chronicle SIEM (an existing list of the same name is replaced).\n\n"
        "Syntax Types:\n"
        "- STRING: Exact string matching (default) — `field in %name`\n"
        "- CIDR: IP address ranges and CIDR blocks — `field in cidr %name`\n"
        "- REGEX: Regular expression patterns (RE2) — `field in regex %name`\n\n"
        "Args:\n"
        "    name: Unique name for the reference list (letters, digits, '_').\n"
        "    description: Description of the reference list's purpose and contents.\n"
        "    entries: List of values to include in the reference list.\n"
        "    project_id: Google Cloud project ID.\n"
        "    customer_id: Chronicle customer ID.\n"
        "    region: Chronicle region (e.g., \"us\", \"europe\").\n"
        "    syntax_type: Type of matching to use. Valid values: \"STRING\", \"CIDR\", \"REGEX\". Defaults to \"STRING\".\n\n"
        "Returns:\n"
        "    str: Success message with the created reference list details, or 'Error creating reference list ...'.";
    tool.input_schema = tools::Signature("create_reference_list")
                            .required_string("name")
                            .required_string("description")
                            .required_string_list("entries")
                            .tenant_optional()
                            .string_default("syntax_type", "STRING")
                            .schema();
    tool.annotations = tools::write_annotations("Create a reference list", true, true);
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      return tools::text_result(create_reference_list(backend, arguments));
    };
    tools::add_tool(server, std::move(tool));
  }
  {
    mcp::Tool tool;
    tool.name = "get_reference_list";
    tool.title = "Get a reference list";
    tool.description =
        "Get details and contents of a reference list in Chronicle SIEM.\n\n"
        "Args:\n"
        "    name: Name of the reference list to retrieve.\n"
        "    project_id: Google Cloud project ID.\n"
        "    customer_id: Chronicle customer ID.\n"
        "    region: Chronicle region (e.g., \"us\", \"europe\").\n"
        "    include_entries: Whether to include the full list of entries. Defaults to True.\n\n"
        "Returns:\n"
        "    str: Formatted reference list details including metadata and entries, or "
        "'Reference list \"X\" was not found.'";
    tool.input_schema = tools::Signature("get_reference_list")
                            .required_string("name")
                            .tenant_optional()
                            .boolean("include_entries", true)
                            .schema();
    tool.annotations = tools::read_only_annotations("Get a reference list");
    tool.handler = [&backend](const Json& arguments, mcp::ToolContext&) {
      return tools::text_result(get_reference_list(backend, arguments));
    };
    tools::add_tool(server, std::move(tool));
  }
}

}  // namespace lh::siem
