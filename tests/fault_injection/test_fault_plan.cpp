// The fault rules the test upstream understands, and how the control file restarts the counting.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/fault_injection/fault_plan.hpp"

using lh::test::faults::FaultKind;
using lh::test::faults::FaultPlan;
using lh::test::faults::parse_rule;

TEST_CASE("fault rules: kinds, call ranges and the errors for bad specs") {
  const auto hang = parse_rule("search_udm:hang@2");
  CHECK(hang.tool == "search_udm");
  CHECK(hang.kind == FaultKind::hang);
  CHECK_FALSE(hang.matches("search_udm", 1));
  CHECK(hang.matches("search_udm", 2));
  CHECK_FALSE(hang.matches("search_udm", 3));
  CHECK_FALSE(hang.matches("list_cases", 2));

  const auto slow = parse_rule("*:slow=1500@2-3");
  CHECK(slow.kind == FaultKind::slow);
  CHECK(slow.slow_ms == 1500);
  CHECK(slow.matches("anything", 3));
  CHECK_FALSE(slow.matches("anything", 4));

  CHECK(parse_rule("list_cases:http-404@4+").matches("list_cases", 400));
  CHECK(parse_rule("x:close-mid-stream@*").matches("x", 1));
  CHECK(parse_rule("x:error-payload@1").kind == FaultKind::error_payload);

  CHECK_THROWS_WITH_AS(parse_rule("search_udm:explode@1"),
                       doctest::Contains("unknown kind \"explode\""), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_rule("search_udm:hang"), doctest::Contains("expected TOOL:KIND@CALLS"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_rule("x:hang@0"), doctest::Contains("calls count from 1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_rule("x:hang@3-2"), doctest::Contains("empty call range"), std::invalid_argument);
}

TEST_CASE("fault plan: the control file's rules apply from its rewrite on, counted per tool") {
  const auto dir = std::filesystem::temp_directory_path() / ("lh-fault-plan-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto control = (dir / "control").string();
  const auto state = (dir / "state.json").string();
  {
    FaultPlan plan({}, control, state);
    CHECK_FALSE(plan.on_tool_call("search_udm"));
    std::ofstream(control) << "generation 1\nsearch_udm:crash@2\n";
    CHECK_FALSE(plan.on_tool_call("search_udm"));   // call 1 of generation 1
    CHECK_FALSE(plan.on_tool_call("list_cases"));
    const auto second = plan.on_tool_call("search_udm");
    REQUIRE(second);
    CHECK(second->kind == FaultKind::crash);
  }
  {
    // A restarted upstream goes on counting where the last one stopped.
    FaultPlan plan({}, control, state);
    CHECK_FALSE(plan.on_tool_call("search_udm"));  // call 3
    std::ofstream(control) << "generation 2\nsearch_udm:hang@1\n";
    CHECK(plan.on_tool_call("search_udm"));  // call 1 of generation 2
  }
  std::filesystem::remove_all(dir);
}
