#include "siem/query_prefilter.hpp"

#include <algorithm>
#include <iterator>

namespace lh::siem {
namespace {

using Requirements = std::vector<FieldRequirement>;  // sorted, unique

Requirements required(const udm::QueryNode& node, const udm::ReferenceListLookup& lists) {
  switch (node.kind) {
    case udm::QueryNode::Kind::Condition: {
      const auto& condition = node.condition;
      // The timestamp is always present (EventView::timestamp_us), never a stored field.
      if (condition.field == udm::fields::event_timestamp || holds_when_missing(condition, lists)) return {};
      return {FieldRequirement{condition.field, udm::field_info(condition.field).is_map ? condition.key : std::string()}};
    }
    case udm::QueryNode::Kind::And: {
      Requirements all;
      for (const auto& child : node.children) {
        const auto more = required(child, lists);
        Requirements merged;
        std::set_union(all.begin(), all.end(), more.begin(), more.end(), std::back_inserter(merged));
        all = std::move(merged);
      }
      return all;
    }
    case udm::QueryNode::Kind::Or: {
      if (node.children.empty()) return {};
      Requirements common = required(node.children.front(), lists);
      for (std::size_t i = 1; i < node.children.size() && !common.empty(); ++i) {
        const auto more = required(node.children[i], lists);
        Requirements kept;
        std::set_intersection(common.begin(), common.end(), more.begin(), more.end(), std::back_inserter(kept));
        common = std::move(kept);
      }
      return common;
    }
    case udm::QueryNode::Kind::Not:
      return {};
  }
  return {};
}

}  // namespace

bool holds_when_missing(const udm::Condition& condition, const udm::ReferenceListLookup& lists) {
  udm::QueryNode node;
  node.kind = udm::QueryNode::Kind::Condition;
  node.condition = condition;
  try {
    const udm::Event empty;
    return udm::compile_query(node, lists).matches(empty);
  } catch (const std::exception&) {
    return true;  // unknown: require nothing
  }
}

std::vector<udm::Condition> necessary_conditions(const udm::QueryNode& query, const udm::ReferenceListLookup& lists) {
  std::vector<udm::Condition> out;
  auto consider = [&](const udm::QueryNode& node) {
    if (node.kind != udm::QueryNode::Kind::Condition) return;
    if (node.condition.field == udm::fields::event_timestamp) return;
    if (!holds_when_missing(node.condition, lists)) out.push_back(node.condition);
  };
  if (query.kind == udm::QueryNode::Kind::And) {
    for (const auto& child : query.children) consider(child);
  } else {
    consider(query);
  }
  return out;
}

std::vector<FieldRequirement> required_fields(const udm::QueryNode& query, const udm::ReferenceListLookup& lists) {
  return required(query, lists);
}

}  // namespace lh::siem
