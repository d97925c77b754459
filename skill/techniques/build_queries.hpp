#pragma once
// Turns a technique selection into the UDM searches to run: each catalogue query, combined with the
// caller's target scope as (<query>) AND (<scope>) after both are parsed, with the time frame attached.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skill/techniques/catalogue.hpp"

namespace lh::skill::techniques {

// search_udm's time arguments: hours_back, or an explicit RFC 3339 window (a missing end is "now").
struct TimeFrame {
  double hours_back = 72;
  std::optional<std::string> start_time;
  std::optional<std::string> end_time;
};

struct BuiltQuery {
  std::string technique_id;
  std::string query_id;
  std::string title;
  std::string udm;  // ready to send to search_udm
  std::vector<std::string> event_ids;
  Side side = Side::target;
  Severity severity = Severity::medium;
  Confidence confidence = Confidence::medium;
  TimeFrame time_frame;
};

// Every query of the selected techniques, in catalogue order (an empty selection means all techniques;
// duplicates are ignored).
// Throws std::invalid_argument "skill.techniques.unknown_technique: ..." naming the unknown ids and listing
// the valid ones; std::invalid_argument "skill.techniques.time_frame: ..." for a non-positive hours_back or
// a start/end that is not RFC 3339 (or ends before it starts); udm::ParseError from the scope, whose column
// is counted within the scope text and whose message starts "in the scope: " and says how to fix it.
std::vector<BuiltQuery> build_queries(const std::vector<std::string>& technique_ids,
                                      std::string_view target_scope_query = {}, const TimeFrame& time_frame = {});

// Parses the scope alone (the same checks build_queries applies) so a caller can reject it early.
// Throws udm::ParseError as above; a blank scope is accepted.
void validate_scope(std::string_view target_scope_query);

}  // namespace lh::skill::techniques
