// Step 6 of the seed: what the SIEM and threat intelligence know about each suspicious entity:
// lookup_entity for every entity, the GTI report for IPs, hashes and domains when an intel server is
// configured, and one get_ioc_matches answer string-searched for every entity (it cannot filter).
#pragma once

#include <cstddef>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/workflow/progress.hpp"
#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

struct EntityRef {
  std::string value;
  std::string type;  // host, user, ip, hash, domain
};

// host, user, ip, hash or domain, from the value's shape.
std::string guess_entity_type(std::string_view value);

// The correlator's suspicious entities ({"hosts": [...], "users": [...], ...}, items strings or
// {"value": ...}) as a flat, de-duplicated list.
std::vector<EntityRef> entities_to_enrich(const nlohmann::json& correlation_entities);

struct EnrichmentResult {
  nlohmann::json entities = nlohmann::json::array();  // the report's enrichment.entities
  StepRecord step{"enrichment"};
};

EnrichmentResult run_enrichment(gateway::Gateway& gateway, const std::vector<EntityRef>& entities, double hours_back,
                                std::size_t parallelism, Progress* progress, const std::stop_token& cancel);

// The IoC block of a get_ioc_matches text that names `value` (a whole token, any case), as one line.
std::optional<std::string> find_ioc_match(std::string_view ioc_text, std::string_view value);

// True when `needle` occurs in `haystack` (any case) as a whole token: not glued to letters, digits,
// '-' or '_' (nor, for a needle ending in a digit, to a following ".<digit>", so 10.0.0.2 is not found
// in 10.0.0.25 or 10.0.0.2.5).
bool contains_token(std::string_view haystack, std::string_view needle);

}  // namespace lh::skill::workflow::detail
