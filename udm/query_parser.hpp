#pragma once
// UDM search text → checked syntax tree.
//
// Grammar (precedence NOT > AND > OR; AND is implied between adjacent conditions):
//   query     := or_expr
//   or_expr   := and_expr ("OR" and_expr)*
//   and_expr  := unary (["AND"] unary)*
//   unary     := "NOT" unary | "(" or_expr ")" | condition
//   condition := "net.ip_in_range_cidr" "(" path "," string ")"
//              | path ["[" string "]"] ( op value ["nocase"] | "in" ["regex"|"cidr"] %list ["nocase"] )
//   value     := string | /regex/ | integer | true | false
// Keywords are case-insensitive. Chronicle's rules are enforced here (known field paths, no regex on
// enum fields, value types, enum value sets), each failure a ParseError with its column.

#include "udm/query_ast.hpp"
#include "udm/query_error.hpp"

#include <string_view>

namespace lh::udm {

QueryNode parse_query(std::string_view text);

}  // namespace lh::udm
