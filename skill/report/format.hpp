// Pieces shared by the Markdown, case-comment and plain-text renderers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::skill::report::detail {

// "850 ms", "12.3 s", "4 min 2 s".
std::string format_duration(std::int64_t milliseconds);

// "WKS01 (10.0.0.5)", "10.0.0.5", or `unknown` when the endpoint names nothing. Plain text.
std::string endpoint_text(const nlohmann::json& endpoint, const std::string& unknown = "unknown");

// "COMPLETE", "INCOMPLETE", "CANCELLED" (or the status upper-cased).
std::string status_word(const nlohmann::json& report);

// What went wrong, one plain-text line each: failed/partial/cancelled steps, then failed or cancelled
// queries ("step enrichment failed: <error>", "query q3 (<title>) failed: <error>").
std::vector<std::string> problems(const nlohmann::json& report);

// "psexec (T1021.002, T1569.002)" from a technique or finding object.
std::string technique_text(const nlohmann::json& item);

// The enrichment entities naming a finding's hosts, IPs or account.
std::vector<const nlohmann::json*> enrichment_for(const nlohmann::json& report, const nlohmann::json& finding);

}  // namespace lh::skill::report::detail
