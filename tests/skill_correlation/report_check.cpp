#include "report_check.hpp"

#include <fstream>

#include "schemas/validator.hpp"

namespace lh::test {

std::vector<std::string> report_part_errors(const nlohmann::json& correlation_json) {
  std::ifstream in(LH_HUNT_REPORT_SCHEMA);
  const auto full = nlohmann::json::parse(in);
  nlohmann::json part{{"$defs", full["$defs"]}, {"type", "object"},
                      {"required", {"findings", "movement_graph", "paths", "fan_out", "timeline"}}, {"properties", nlohmann::json::object()}};
  for (const char* key : {"findings", "movement_graph", "paths", "fan_out", "timeline"}) part["properties"][key] = full["properties"][key];
  schemas::Validator validator(part);
  std::vector<std::string> out;
  for (const auto& e : validator.validate(correlation_json, "report")) out.push_back(e.to_string());
  return out;
}

const nlohmann::json* find_finding(const nlohmann::json& findings, const std::string& technique, const std::string& target,
                                   const std::string& kind) {
  for (const auto& f : findings) {
    if (f["technique_id"] == technique && f["target"]["host"] == target && f["kind"] == kind) return &f;
  }
  return nullptr;
}

}  // namespace lh::test
