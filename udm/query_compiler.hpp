#pragma once
// Syntax tree → a predicate over EventView, plus index hints for stores.
//
// Matching semantics (Chronicle's):
//  - A repeated field (or a map key present several times) matches if ANY of its values satisfies the
//    condition. This holds for != too: `principal.ip != "10.0.0.5"` matches an event whose ips are
//    [10.0.0.5, 10.0.0.6] because one element differs. "No element equals" is `NOT principal.ip = "..."`.
//  - A missing field compares as its default value: "" for strings (so `f != "x"` matches events without
//    f and `f = ""` matches them), 0 for integers, the UNSPECIFIED/UNKNOWN value (ordinal 0) for enums.
//  - Strings compare whole and case-sensitively; `nocase` folds ASCII letters (other bytes compare exactly).
//  - Regexes are RE2, unanchored (substring) unless the pattern anchors itself; `nocase` makes them
//    case-insensitive (Unicode-aware).
//  - `f in %list` matches if any value of f equals any list entry (nocase: ASCII-folded);
//    `f in regex %list` if any value contains a match of any entry (RE2, nocase allowed);
//    `f in cidr %list` if any value is an IP address inside any entry's range ("10.0.0.0/8", "fd00::/8").
//    List lines that are empty or start with "//" are comments, as in Chronicle reference lists; a missing
//    list or a bad entry (not an integer for integer fields, bad regex, bad range) is a ParseError.
//  - net.ip_in_range_cidr(f, "10.0.0.0/8") matches if any value of f is an IP address in the range.
//  - metadata.event_timestamp compares EventView::timestamp_us() with an RFC 3339 string or with an
//    integer number of seconds since the epoch.
//
// A CompiledQuery is immutable, cheap to copy and safe to share between threads.

#include "udm/event.hpp"
#include "udm/query_ast.hpp"
#include "udm/query_error.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lh::udm {

// Reference list name → entries; std::nullopt when the list does not exist.
using ReferenceListLookup = std::function<std::optional<std::vector<std::string>>(std::string_view name)>;

// A necessary condition for a match that an index can answer: the event holds at least one of the
// alternatives (field = value). Pins are only extracted from the AND-spine of the query (conditions
// not under NOT), and from OR groups whose every branch pins something.
struct IndexPin {
    struct Alternative {
        FieldId field = 0;
        ValueType type = ValueType::String;  // String or Enum
        std::string text;                    // String: the value
        EnumOrdinal ordinal = 0;             // Enum
        bool nocase = false;                 // String: compare fold_case_for_index(value) with fold_case_for_index(text)
        bool operator==(const Alternative&) const = default;
    };
    std::vector<Alternative> alternatives;
};

// The folding a case-insensitive index must apply to stored values and to nocase pin values: ASCII letters
// to lower case, plus the two non-ASCII characters that RE2's case-insensitive matching equates with ASCII
// letters (U+212A KELVIN SIGN → k, U+017F LONG S → s). Any coarser folding is also sound.
std::string fold_case_for_index(std::string_view text);

struct IndexHints {
    std::vector<IndexPin> pins;  // all of them must hold for a match

    struct StringSet {
        std::vector<std::string> values;
        bool nocase = false;  // compare through fold_case_for_index
    };
    // The smallest pin whose alternatives are all metadata.event_type values.
    std::optional<std::vector<EnumOrdinal>> event_types() const;
    // The smallest pin whose alternatives are all string values of `field`.
    std::optional<StringSet> strings_for(FieldId field) const;
    std::optional<StringSet> product_event_types() const { return strings_for(fields::product_event_type); }
};

class CompiledQuery {
public:
    bool matches(const EventView& event) const;
    const IndexHints& hints() const noexcept;
    const QueryNode& ast() const noexcept;
    std::string canonical_text() const;

    struct Impl;

private:
    friend CompiledQuery compile_query(const QueryNode&, const ReferenceListLookup&);
    std::shared_ptr<const Impl> impl_;
};

// Throws ParseError (at the list's column) when a referenced list is missing or unusable.
CompiledQuery compile_query(const QueryNode& query, const ReferenceListLookup& lists = {});
// parse_query + compile_query.
CompiledQuery compile_query(std::string_view text, const ReferenceListLookup& lists = {});

}  // namespace lh::udm
