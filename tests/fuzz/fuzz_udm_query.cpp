// libFuzzer target for the UDM search language and its safe quoting builders.
//
// The input is used twice:
//  1. As query text: parse_query either throws ParseError with a column inside the text, or gives a
//     tree whose canonical text re-parses to the same tree and prints identically (a fixed point).
//     The tree is then compiled (with reference lists) and evaluated against a sample event.
//  2. As an untrusted value: every quoting builder must produce a query whose structure is exactly
//     the intended single condition (or AND of two), whatever bytes the value holds, and whose
//     literal decodes back to the value.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "udm/event.hpp"
#include "udm/fields.hpp"
#include "udm/query_compiler.hpp"
#include "udm/query_parser.hpp"
#include "udm/query_printer.hpp"
#include "udm/quote.hpp"

namespace {

using namespace lh::udm;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_udm_query: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// ParseError columns count characters (UTF-8 sequences), so they never exceed bytes + 1.
void check_column(const ParseError& e, std::string_view text) {
  if (e.column() < 1 || e.column() > text.size() + 1) fail("ParseError column outside the text", e.what());
  if (e.message().empty()) fail("ParseError without a message", text);
}

std::optional<std::vector<std::string>> reference_lists(std::string_view name) {
  if (name == "admin_hosts") return std::vector<std::string>{"// comment", "", "WS01", "dc01.corp.local"};
  if (name == "ranges") return std::vector<std::string>{"10.0.0.0/8", "fd00::/8"};
  if (name == "patterns") return std::vector<std::string>{"psexe(c|svc)", "^cmd\\.exe"};
  if (name == "ports") return std::vector<std::string>{"445", "135"};
  return std::nullopt;
}

const Event& sample_event() {
  static const Event event = [] {
    Event e(1600000000123456);
    e.set("metadata.event_type", "PROCESS_LAUNCH");
    e.set("metadata.product_event_type", "1");
    e.set("principal.hostname", "WS01.corp.local");
    e.set("principal.ip", "10.0.0.5");
    e.set("principal.ip", "fd00::1");
    e.set("target.port", 445);
    e.set("target.process.command_line", "C:\\Windows\\PSEXESVC.exe -s cmd.exe");
    e.set("target.user.userid", "alice");
    e.set("additional.fields[\"LogonType\"]", "3");
    return e;
  }();
  return event;
}

void check_query_text(std::string_view text) {
  QueryNode query;
  try {
    query = parse_query(text);
  } catch (const ParseError& e) {
    check_column(e, text);
    return;
  }
  const std::string canonical = to_query_text(query);
  QueryNode again;
  try {
    again = parse_query(canonical);
  } catch (const ParseError& e) {
    fail("canonical text does not parse", std::string(e.what()) + " in: " + canonical);
  }
  if (!(again == query)) fail("canonical text parses to a different tree", canonical);
  if (to_query_text(again) != canonical) fail("canonical text is not a fixed point", canonical);

  try {
    const CompiledQuery compiled = compile_query(query, reference_lists);
    if (compiled.canonical_text() != canonical) fail("compiled canonical text differs", canonical);
    // A match must not depend on anything but the event; run it twice to catch state leaks.
    const bool first = compiled.matches(sample_event());
    if (compiled.matches(sample_event()) != first) fail("matches() is not deterministic", canonical);
    (void)compiled.hints().event_types();
    (void)compiled.hints().product_event_types();
  } catch (const ParseError& e) {
    // Columns of a compile error point into the text the tree was parsed from.
    check_column(e, text);
  }
}

// The decoded single condition of `query`, or abort.
const Condition& single_condition(const QueryNode& query, std::string_view built) {
  if (query.kind != QueryNode::Kind::Condition) fail("quoted value changed the query's structure", built);
  return query.condition;
}

QueryNode parse_built(const std::string& built) {
  try {
    return parse_query(built);
  } catch (const ParseError& e) {
    fail("a quoting builder produced text that does not parse", std::string(e.what()) + " in: " + built);
  }
}

bool has_control_character(std::string_view value) {
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n' && c != '\t' && c != '\r') || byte == 0x7f) return true;
  }
  return false;
}

void check_quoting(std::string_view value) {
  const auto hostname = field(Noun::Principal, NounField::Hostname);

  // field_equals: a string literal that decodes to exactly the value.
  std::string built;
  try {
    built = field_equals("principal.hostname", value, value.size() % 2 == 1);
  } catch (const std::invalid_argument&) {
    if (!has_control_character(value)) fail("field_equals refused a value without control characters", value);
    built.clear();
  }
  if (!built.empty()) {
    const QueryNode query = parse_built(built);
    const Condition& c = single_condition(query, built);
    if (c.field != hostname || c.op != CompareOp::Eq || c.kind != LiteralKind::String || c.text != value ||
        c.nocase != (value.size() % 2 == 1)) {
      fail("field_equals does not round-trip", built);
    }
  }

  // map_field_equals: key and value are the two halves of the input.
  const std::string_view key = value.substr(0, value.size() / 2);
  const std::string_view map_value = value.substr(value.size() / 2);
  try {
    built = map_field_equals("additional.fields", key, map_value);
  } catch (const std::invalid_argument&) {
    if (!has_control_character(value)) fail("map_field_equals refused a value without control characters", value);
    built.clear();
  }
  if (!built.empty()) {
    const QueryNode query = parse_built(built);
    const Condition& c = single_condition(query, built);
    if (c.field != fields::additional_fields || c.key != key || c.text != map_value || c.kind != LiteralKind::String) {
      fail("map_field_equals does not round-trip", built);
    }
  }

  // any_of over the input's lines: one regex condition that matches each line as a whole value.
  std::vector<std::string> lines;
  for (std::size_t start = 0;;) {
    const std::size_t end = value.find('\n', start);
    lines.emplace_back(value.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos || lines.size() == 8) break;
    start = end + 1;
  }
  try {
    built = any_of("target.process.command_line", lines, false);
  } catch (const std::invalid_argument&) {
    built.clear();  // invalid UTF-8 (RE2 patterns must be UTF-8)
  }
  if (!built.empty()) {
    const QueryNode query = parse_built(built);
    const Condition& c = single_condition(query, built);
    if (c.kind != LiteralKind::Regex || c.op != CompareOp::Eq) fail("any_of is not one regex condition", built);
    CompiledQuery compiled;
    try {
      compiled = compile_query(query);
    } catch (const ParseError& e) {
      fail("any_of built a regex that does not compile", std::string(e.what()) + " in: " + built);
    }
    for (const auto& line : lines) {
      Event event;
      event.set("target.process.command_line", line);
      if (!compiled.matches(event)) fail("any_of does not match one of its own values", built);
    }
  }

  // combine_with_scope: a scope that parses is ANDed, as one operand, with the query.
  static constexpr std::string_view kQuery = "metadata.event_type = \"NETWORK_CONNECTION\" OR target.port = 445";
  try {
    built = combine_with_scope(kQuery, value);
  } catch (const ParseError& e) {
    if (e.column() < 1 || e.column() > value.size() + 1) fail("scope error column outside the scope", e.what());
    if (e.message().rfind("in the scope: ", 0) != 0) fail("scope error does not say it is in the scope", e.what());
    return;
  }
  if (value.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (built != kQuery) fail("a blank scope changed the query", built);
    return;
  }
  const QueryNode combined = parse_built(built);
  const QueryNode alone = parse_query(kQuery);
  const QueryNode scope = parse_query(value);
  if (combined.kind != QueryNode::Kind::And || combined.children.empty() || !(combined.children.front() == alone)) {
    fail("the scope changed the query's own part", built);
  }
  // The scope's AND operands are flattened into the outer AND; everything after the query is the scope.
  std::vector<QueryNode> rest(combined.children.begin() + 1, combined.children.end());
  const bool same = scope.kind == QueryNode::Kind::And ? rest == scope.children : rest.size() == 1 && rest[0] == scope;
  if (!same) fail("the scope's conditions leaked out of their parentheses", built);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // long inputs only slow the search down; the parser is linear
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_query_text(text);
  check_quoting(text);
  return 0;
}
