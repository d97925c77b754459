// Which tools/call requests the fault upstream breaks, and how.
//
// A rule is "TOOL:KIND@CALLS": TOOL is an upstream tool name or "*"; KIND is one of crash, hang,
// garbage, error-payload, slow=MS, http-404, http-5xx, close-mid-stream; CALLS counts that tool's
// calls from 1: "N", "N-M", "N+" or "*". Example: "search_udm:hang@2", "list_cases:slow=1500@1-3".
//
// Rules come from the command line and from an optional control file that a test rewrites between
// calls: its first line is "generation G", every further non-empty line a rule. The call counters
// restart whenever the generation changes, so "@1" means "the first call after this rewrite".
// Counters, process starts and initialize requests are kept in a state file, so a restarted stdio
// upstream (after a crash) goes on counting where the dead one stopped, and a test can read them.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::test::faults {

enum class FaultKind { crash, hang, garbage, error_payload, slow, http_404, http_5xx, close_mid_stream };

std::string_view to_string(FaultKind kind);

struct FaultRule {
  std::string tool;  // "*": every tool
  FaultKind kind = FaultKind::hang;
  int slow_ms = 0;
  int first_call = 1;
  int last_call = -1;  // -1: no end

  bool matches(std::string_view called_tool, int call_number) const;
};

// Throws std::invalid_argument naming the spec and what is wrong with it.
FaultRule parse_rule(std::string_view spec);

class FaultPlan {
 public:
  // `control_path` and `state_path` may be empty (no control file; counters in memory only).
  FaultPlan(std::vector<FaultRule> fixed_rules, std::string control_path, std::string state_path);

  // Counts one call of `tool` and returns the first rule that applies to it. Thread-safe.
  std::optional<FaultRule> on_tool_call(const std::string& tool);
  void on_process_start();
  void on_initialize();

 private:
  void load_state();
  void save_state() const;
  // The control file's generation and rules (generation -1 and no rules when absent or unreadable).
  std::pair<long, std::vector<FaultRule>> read_control() const;

  std::vector<FaultRule> fixed_rules_;
  std::string control_path_;
  std::string state_path_;
  std::mutex mutex_;
  nlohmann::json state_;
};

}  // namespace lh::test::faults
