// Checks a correlation result against the parts of schemas/tools/hunt_report.json the correlator owns.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::test {
std::vector<std::string> report_part_errors(const nlohmann::json& correlation_json);
const nlohmann::json* find_finding(const nlohmann::json& findings, const std::string& technique, const std::string& target,
                                   const std::string& kind);
}  // namespace lh::test
