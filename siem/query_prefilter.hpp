#pragma once
// Fields a query cannot match without. A condition that is false on an event lacking its field (e.g.
// `target.port = 445`, `f = /x/`, `additional.fields["Initiated"] = "true"`) requires the field (and,
// for maps, the key); AND requires what any child requires, OR what every branch requires, NOT nothing.
// The store checks these against a per-event presence mask before running the full predicate.
#include <string>
#include <vector>

#include "udm/query_ast.hpp"
#include "udm/query_compiler.hpp"

namespace lh::siem {

struct FieldRequirement {
  udm::FieldId field = 0;
  std::string key;  // map fields: the label / additional field key; empty otherwise
  bool operator==(const FieldRequirement&) const = default;
  bool operator<(const FieldRequirement& other) const {
    return field != other.field ? field < other.field : key < other.key;
  }
};

std::vector<FieldRequirement> required_fields(const udm::QueryNode& query, const udm::ReferenceListLookup& lists = {});

// The conditions every match must satisfy (the query's top-level AND chain, or the query itself when it is a
// single condition) that are false on an event lacking the field: each can be answered from an index by
// testing the field's distinct values.
std::vector<udm::Condition> necessary_conditions(const udm::QueryNode& query, const udm::ReferenceListLookup& lists = {});

// True when `condition` holds on an event without its field (Chronicle's default-value rule); true as well
// when that cannot be decided.
bool holds_when_missing(const udm::Condition& condition, const udm::ReferenceListLookup& lists = {});

}  // namespace lh::siem
