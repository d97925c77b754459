#include "tests/fault_injection/fault_plan.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace lh::test::faults {
namespace {

using Json = nlohmann::json;

int parse_count(std::string_view text, std::string_view spec) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    throw std::invalid_argument(fmt::format("fault \"{}\": \"{}\" is not a call number", spec, text));
  }
  const int value = std::stoi(std::string(text));
  if (value < 1) throw std::invalid_argument(fmt::format("fault \"{}\": calls count from 1", spec));
  return value;
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::crash: return "crash";
    case FaultKind::hang: return "hang";
    case FaultKind::garbage: return "garbage";
    case FaultKind::error_payload: return "error-payload";
    case FaultKind::slow: return "slow";
    case FaultKind::http_404: return "http-404";
    case FaultKind::http_5xx: return "http-5xx";
    case FaultKind::close_mid_stream: return "close-mid-stream";
  }
  return "?";
}

bool FaultRule::matches(std::string_view called_tool, int call_number) const {
  if (tool != "*" && tool != called_tool) return false;
  return call_number >= first_call && (last_call < 0 || call_number <= last_call);
}

FaultRule parse_rule(std::string_view spec) {
  const auto colon = spec.find(':');
  const auto at = spec.rfind('@');
  if (colon == std::string_view::npos || at == std::string_view::npos || at < colon || colon == 0) {
    throw std::invalid_argument(fmt::format("fault \"{}\": expected TOOL:KIND@CALLS, e.g. search_udm:hang@2", spec));
  }
  FaultRule rule;
  rule.tool = std::string(spec.substr(0, colon));
  std::string_view kind = spec.substr(colon + 1, at - colon - 1);
  if (kind.rfind("slow=", 0) == 0) {
    rule.kind = FaultKind::slow;
    rule.slow_ms = parse_count(kind.substr(5), spec);
  } else {
    static constexpr FaultKind kKinds[] = {FaultKind::crash,    FaultKind::hang,     FaultKind::garbage,
                                           FaultKind::error_payload, FaultKind::http_404, FaultKind::http_5xx,
                                           FaultKind::close_mid_stream};
    bool known = false;
    for (FaultKind candidate : kKinds) {
      if (to_string(candidate) == kind) {
        rule.kind = candidate;
        known = true;
      }
    }
    if (!known) {
      throw std::invalid_argument(fmt::format(
          "fault \"{}\": unknown kind \"{}\" (known: crash, hang, garbage, error-payload, slow=MS, http-404, "
          "http-5xx, close-mid-stream)",
          spec, kind));
    }
  }
  std::string_view calls = spec.substr(at + 1);
  if (calls == "*") return rule;
  if (!calls.empty() && calls.back() == '+') {
    rule.first_call = parse_count(calls.substr(0, calls.size() - 1), spec);
    return rule;
  }
  if (const auto dash = calls.find('-'); dash != std::string_view::npos) {
    rule.first_call = parse_count(calls.substr(0, dash), spec);
    rule.last_call = parse_count(calls.substr(dash + 1), spec);
    if (rule.last_call < rule.first_call) throw std::invalid_argument(fmt::format("fault \"{}\": empty call range", spec));
    return rule;
  }
  rule.first_call = rule.last_call = parse_count(calls, spec);
  return rule;
}

FaultPlan::FaultPlan(std::vector<FaultRule> fixed_rules, std::string control_path, std::string state_path)
    : fixed_rules_(std::move(fixed_rules)), control_path_(std::move(control_path)), state_path_(std::move(state_path)) {
  load_state();
}

void FaultPlan::load_state() {
  state_ = Json{{"starts", 0}, {"initializes", 0}, {"generation", -1}, {"calls", Json::object()}};
  if (state_path_.empty()) return;
  std::ifstream in(state_path_);
  if (!in) return;
  Json loaded = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (loaded.is_object()) state_.update(loaded);
}

void FaultPlan::save_state() const {
  if (state_path_.empty()) return;
  // Written whole and renamed into place: a reader never sees half a file.
  const std::string temporary = state_path_ + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << state_.dump();
  }
  std::rename(temporary.c_str(), state_path_.c_str());
}

std::pair<long, std::vector<FaultRule>> FaultPlan::read_control() const {
  if (control_path_.empty()) return {-1, {}};
  std::ifstream in(control_path_);
  if (!in) return {-1, {}};
  std::string line;
  long generation = -1;
  std::vector<FaultRule> rules;
  bool first = true;
  while (std::getline(in, line)) {
    const std::string text = trimmed(line);
    if (first) {
      first = false;
      if (text.rfind("generation ", 0) == 0) {
        generation = std::stol(text.substr(11));
        continue;
      }
    }
    if (text.empty()) continue;
    rules.push_back(parse_rule(text));
  }
  return {generation, std::move(rules)};
}

std::optional<FaultRule> FaultPlan::on_tool_call(const std::string& tool) {
  std::lock_guard lock(mutex_);
  auto [generation, rules] = read_control();
  if (state_["generation"].get<long>() != generation) {
    state_["generation"] = generation;
    state_["calls"] = Json::object();
  }
  const int call = state_["calls"].value(tool, 0) + 1;
  state_["calls"][tool] = call;
  save_state();
  for (const auto& rule : fixed_rules_) {
    if (rule.matches(tool, call)) return rule;
  }
  for (const auto& rule : rules) {
    if (rule.matches(tool, call)) return rule;
  }
  return std::nullopt;
}

void FaultPlan::on_process_start() {
  std::lock_guard lock(mutex_);
  state_["starts"] = state_["starts"].get<int>() + 1;
  save_state();
}

void FaultPlan::on_initialize() {
  std::lock_guard lock(mutex_);
  state_["initializes"] = state_["initializes"].get<int>() + 1;
  save_state();
}

}  // namespace lh::test::faults
