#pragma once
// The jq side of the query comparison: one `jq -c` pass over the JSON-lines file per query.
#include <cstdint>
#include <filesystem>
#include <string>

#include "bench/store/hunt_queries.hpp"

namespace lh::bench {

struct JqCount {
  double seconds = 0;
  double cpu_seconds = 0;   // jq's own user + system time
  std::uint64_t count = 0;  // output lines = selected events
  bool ok = false;          // jq exited with 0
};

std::string jq_program(const HuntQuery& query);
JqCount jq_count(const std::string& jq, const HuntQuery& query, const std::filesystem::path& file);

}  // namespace lh::bench
