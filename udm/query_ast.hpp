#pragma once
// The syntax tree of a UDM search query. The parser checks Chronicle's rules while building it, so a
// tree always refers to known fields with values of the right type. AND and OR nodes are n-ary and
// flattened (an AND never has an AND child), which is what lets the canonical printer round-trip.

#include "udm/fields.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lh::udm {

// InCidr is the function form net.ip_in_range_cidr(field, "range").
enum class CompareOp : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge, InList, InCidr };

enum class LiteralKind : std::uint8_t {
    String,   // text = decoded value
    Regex,    // text = RE2 pattern ("\/" already turned into "/")
    Integer,  // number
    Enum,     // text = value name, number = ordinal
    Bool,     // number = 0/1
    ListRef,  // text = reference list name (op is InList)
    Cidr,     // text = CIDR range as written (op is InCidr)
};

// How `field in [regex|cidr] %list` compares values with list entries.
enum class ListMode : std::uint8_t { Exact, Regex, Cidr };

struct Condition {
    FieldId field = 0;
    std::string key;  // map fields: labels["key"] / additional.fields["key"]
    CompareOp op = CompareOp::Eq;
    LiteralKind kind = LiteralKind::String;
    std::string text;
    std::int64_t number = 0;
    bool nocase = false;
    ListMode list_mode = ListMode::Exact;  // LiteralKind::ListRef only
    // Where the condition and its value start in the source (1-based); not part of equality.
    std::size_t column = 0;
    std::size_t value_column = 0;

    bool operator==(const Condition& o) const {
        return field == o.field && key == o.key && op == o.op && kind == o.kind && text == o.text &&
               number == o.number && nocase == o.nocase && list_mode == o.list_mode;
    }
};

struct QueryNode {
    enum class Kind : std::uint8_t { Condition, And, Or, Not };
    Kind kind = Kind::Condition;
    Condition condition;              // Kind::Condition
    std::vector<QueryNode> children;  // And/Or: two or more; Not: exactly one

    bool operator==(const QueryNode& o) const {
        return kind == o.kind && (kind != Kind::Condition || condition == o.condition) && children == o.children;
    }
};

std::string_view compare_op_text(CompareOp op) noexcept;  // "=", "!=", ..., "in"

}  // namespace lh::udm
