// The report's "summary": a short paragraph saying what was hunted, what was found and what is missing
// (which steps failed and why), written from the assembled report so it can never disagree with it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lh::skill::workflow::detail {

std::string summarise(const nlohmann::json& report);

}  // namespace lh::skill::workflow::detail
