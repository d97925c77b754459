#pragma once
// Which techniques an observed indicator points to, from the catalogue's patterns: a process's parent
// (execution anchors), a named pipe, a service name, or a command line. Patterns are compiled once.
#include <string>
#include <string_view>
#include <vector>

namespace lh::skill::techniques {

struct IndicatorMatch {
  std::string technique_id;
  std::string pattern;  // the pattern id (command patterns) or the regex / parent name that matched
};

// Techniques whose execution anchors include the image's file name (a full path or a bare name, any case).
std::vector<IndicatorMatch> match_anchor_parent(std::string_view parent_image);
// Techniques whose pipe patterns match `pipe_name` (with or without the leading backslash).
std::vector<IndicatorMatch> match_pipe(std::string_view pipe_name);
// Techniques whose service-name patterns match `service_name`.
std::vector<IndicatorMatch> match_service_name(std::string_view service_name);
// Techniques whose command-line patterns match `command_line` (HTML-escaped text is decoded first).
std::vector<IndicatorMatch> match_command_line(std::string_view command_line);

}  // namespace lh::skill::techniques
