// Hunt reports built by hand for the renderer and store tests, each valid against hunt_report.json.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::skill::report::test {

// Two hops ADMIN-JUMP01 -> WKS07 (admin, low) and WKS07 -> FILESRV01 (high, PowerShell), one loopback,
// one fan-out, enrichment, a related case, follow-ons; every step ok.
nlohmann::json full_report();

// Only the required keys, every array empty.
nlohmann::json minimal_report();

// full_report() with the enrichment step failed and one query failed: status "incomplete".
nlohmann::json incomplete_report();

// Values an attacker controls (host names, command lines, summaries) set to Markdown/Mermaid/HTML syntax.
nlohmann::json hostile_report();

// Violations of hunt_report.json ("path: message"); empty when valid.
std::vector<std::string> schema_violations(const nlohmann::json& report);

}  // namespace lh::skill::report::test
