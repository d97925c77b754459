#pragma once
// Safe construction of UDM search text from untrusted values (host names, command lines, user names
// taken from events or from a user). Every builder escapes so that the value can only ever be a value:
// it cannot close the literal, add conditions or change the query's shape.

#include <string>
#include <string_view>
#include <vector>

namespace lh::udm {

// A string literal matching exactly `value`: "..." with \\ \" \n \t \r escaped.
// Throws std::invalid_argument for other control characters (U+0000-U+001F, U+007F), which UDM
// string literals cannot carry; use quote_regex_literal for those.
std::string quote_string(std::string_view value);

// The body of a regex (to be placed between slashes) that matches `value` literally: every RE2
// metacharacter and "/" is escaped, control characters become \x{..}. No anchors are added.
// Throws std::invalid_argument when `value` is not valid UTF-8 (RE2 patterns must be).
std::string quote_regex_literal(std::string_view value);

// `path = "value"` (plus " nocase"). The path is checked against the catalogue (std::invalid_argument).
std::string field_equals(std::string_view path, std::string_view value, bool nocase = false);

// `map_path["key"] = "value"` for labels and additional fields (e.g. "target.labels", "additional.fields").
std::string map_field_equals(std::string_view map_path, std::string_view key, std::string_view value,
                             bool nocase = false);

// `path = /^(v1|v2|...)$/ nocase` built from escaped values; exact whole-value match of any of them.
// Throws std::invalid_argument for an empty list or an unknown / non-string path.
std::string any_of(std::string_view path, const std::vector<std::string>& values, bool nocase = true);

// `(query) AND (scope)` after parsing both. A problem in the scope throws ParseError whose column is
// counted within the scope text and whose message starts "in the scope: ". An empty (all blank) scope
// returns the query unchanged (still parsed).
std::string combine_with_scope(std::string_view query, std::string_view scope);

}  // namespace lh::udm
