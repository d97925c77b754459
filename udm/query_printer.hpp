#pragma once
// Syntax tree → canonical query text: keywords upper case, single spaces, explicit AND, parentheses only
// where precedence needs them, strings and regexes re-escaped. parse_query(to_query_text(q)) == q.

#include "udm/query_ast.hpp"

#include <string>

namespace lh::udm {

std::string to_query_text(const QueryNode& query);
std::string to_query_text(const Condition& condition);

}  // namespace lh::udm
