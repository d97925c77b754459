#include <doctest/doctest.h>

#include <string>

#include "sample_reports.hpp"
#include "skill/report/report.hpp"
#include "text_lines.hpp"

using namespace lh::skill::report;
using namespace lh::skill::report::test;
using nlohmann::json;

TEST_CASE("case comment: placeholder") {
  CHECK_FALSE(render_case_comment(full_report(), "fp").empty());
}
