#include "skill/techniques/indicator_match.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include <re2/re2.h>

#include "skill/techniques/catalogue.hpp"
#include "skill/techniques/command_scoring.hpp"

namespace lh::skill::techniques {


namespace {

struct Compiled {
  std::string technique_id;
  std::string label;
  std::unique_ptr<RE2> regex;
};

struct CompiledSets {
  std::vector<Compiled> pipes, services, commands;
};

const CompiledSets& compiled() {
  static const CompiledSets sets = [] {
    CompiledSets out;
    for (const auto& t : catalogue().techniques) {
      for (const auto& p : t.pipe_patterns) out.pipes.push_back({t.id, p, std::make_unique<RE2>(p, RE2::Quiet)});
      for (const auto& p : t.service_name_patterns) out.services.push_back({t.id, p, std::make_unique<RE2>(p, RE2::Quiet)});
      for (const auto& p : t.command_patterns) out.commands.push_back({t.id, p.id, std::make_unique<RE2>(p.regex, RE2::Quiet)});
    }
    return out;
  }();
  return sets;
}

std::vector<IndicatorMatch> match(const std::vector<Compiled>& set, std::string_view text) {
  std::vector<IndicatorMatch> out;
  for (const auto& entry : set) {
    if (entry.regex->ok() && RE2::PartialMatch(text, *entry.regex)) out.push_back({entry.technique_id, entry.label});
  }
  return out;
}

}  // namespace

std::vector<IndicatorMatch> match_anchor_parent(std::string_view parent_image) {
  const auto slash = parent_image.find_last_of("\\/");
  std::string name(slash == std::string_view::npos ? parent_image : parent_image.substr(slash + 1));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::vector<IndicatorMatch> out;
  if (name.empty()) return out;
  for (const auto& t : catalogue().techniques) {
    if (std::find(t.anchor_parents.begin(), t.anchor_parents.end(), name) != t.anchor_parents.end()) out.push_back({t.id, name});
  }
  return out;
}

std::vector<IndicatorMatch> match_pipe(std::string_view pipe_name) { return match(compiled().pipes, pipe_name); }

std::vector<IndicatorMatch> match_service_name(std::string_view service_name) { return match(compiled().services, service_name); }

std::vector<IndicatorMatch> match_command_line(std::string_view command_line) {
  return match(compiled().commands, decode_html_entities(command_line));
}

}  // namespace lh::skill::techniques
