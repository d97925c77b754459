#include "skill/techniques/build_queries.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "udm/event.hpp"
#include "udm/query_parser.hpp"
#include "udm/quote.hpp"

namespace lh::skill::techniques {
namespace {

void validate_time_frame(const TimeFrame& frame) {
  if (!std::isfinite(frame.hours_back) || frame.hours_back <= 0) {
    throw std::invalid_argument(
        fmt::format("skill.techniques.time_frame: hours_back must be a positive number of hours, got {}", frame.hours_back));
  }
  std::optional<std::int64_t> start, end;
  if (frame.start_time) {
    start = udm::parse_rfc3339_us(*frame.start_time);
    if (!start) throw std::invalid_argument(fmt::format("skill.techniques.time_frame: start_time \"{}\" is not RFC 3339 (e.g. 2020-09-20T10:00:00Z)", *frame.start_time));
  }
  if (frame.end_time) {
    end = udm::parse_rfc3339_us(*frame.end_time);
    if (!end) throw std::invalid_argument(fmt::format("skill.techniques.time_frame: end_time \"{}\" is not RFC 3339 (e.g. 2020-09-20T12:00:00Z)", *frame.end_time));
  }
  if (start && end && *end < *start) {
    throw std::invalid_argument(fmt::format("skill.techniques.time_frame: end_time {} is before start_time {}", *frame.end_time, *frame.start_time));
  }
}

}  // namespace

void validate_scope(std::string_view target_scope_query) {
  if (target_scope_query.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  try {
    udm::parse_query(target_scope_query);
  } catch (const udm::ParseError& e) {
    throw udm::ParseError(e.column(), "in the scope: " + e.message());
  }
}

std::vector<BuiltQuery> build_queries(const std::vector<std::string>& technique_ids, std::string_view target_scope_query,
                                      const TimeFrame& time_frame) {
  const Catalogue& cat = catalogue();
  std::vector<std::string> unknown;
  for (const auto& id : technique_ids) {
    if (!cat.find(id) && std::find(unknown.begin(), unknown.end(), id) == unknown.end()) unknown.push_back(id);
  }
  if (!unknown.empty()) {
    throw std::invalid_argument(fmt::format("skill.techniques.unknown_technique: unknown technique{} \"{}\"; valid ids: {}",
                                            unknown.size() > 1 ? "s" : "", fmt::join(unknown, "\", \""),
                                            fmt::join(cat.technique_ids(), ", ")));
  }
  validate_time_frame(time_frame);
  validate_scope(target_scope_query);

  std::vector<BuiltQuery> out;
  for (const Technique& technique : cat.techniques) {
    const bool selected = technique_ids.empty() ||
                          std::find(technique_ids.begin(), technique_ids.end(), technique.id) != technique_ids.end();
    if (!selected) continue;
    for (const HuntQuery& query : technique.queries) {
      BuiltQuery built;
      built.technique_id = technique.id;
      built.query_id = query.id;
      built.title = query.title;
      built.udm = udm::combine_with_scope(query.udm, target_scope_query);
      built.event_ids = query.event_ids;
      built.side = query.side;
      built.severity = query.severity;
      built.confidence = query.confidence;
      built.time_frame = time_frame;
      out.push_back(std::move(built));
    }
  }
  return out;
}

}  // namespace lh::skill::techniques
