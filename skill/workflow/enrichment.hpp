// Step 6 of the seed: what the SIEM and threat intelligence know about each suspicious entity:
// lookup_entity for every entity, the GTI report for IPs, hashes and domains when an intel server is
// configured, and one get_ioc_matches answer string-searched for every entity (it cannot filter).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
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

// Look-ups that can start before the final entity list is known: prefetch() queues look-ups for
// entities not seen before (and, once, get_ioc_matches) and returns at once; collect() waits for the
// look-ups of exactly the entities given (queuing any not prefetched) and reports only those. The hunt
// prefetches the entities of the correlator's interim result while its last rounds run, so the
// look-ups overlap the analysis instead of following it.
class Enricher {
 public:
  Enricher(gateway::Gateway& gateway, double hours_back, std::size_t parallelism, Progress* progress,
           std::stop_token cancel);
  ~Enricher();  // look-ups not started are dropped; running ones finish
  Enricher(const Enricher&) = delete;
  Enricher& operator=(const Enricher&) = delete;

  void prefetch(const std::vector<EntityRef>& entities);
  EnrichmentResult collect(const std::vector<EntityRef>& entities);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
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
