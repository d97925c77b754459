#pragma once
// Shared by the schemas tests: validate and get the errors as "path: message" strings.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "schemas/validator.hpp"

namespace lh::schemas::testing {

inline std::vector<std::string> errors_of(const lh::schemas::Validator& validator, const nlohmann::json& instance) {
  std::vector<std::string> out;
  for (const auto& error : validator.validate(instance)) out.push_back(error.to_string());
  return out;
}

inline std::vector<std::string> errors_of(const nlohmann::json& schema, const nlohmann::json& instance) {
  return errors_of(lh::schemas::Validator(schema), instance);
}

using Errors = std::vector<std::string>;

}  // namespace lh::schemas::testing
