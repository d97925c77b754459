#include "bench/store/jq_baseline.hpp"

#include <algorithm>
#include <chrono>

#include "bench/store/process_tools.hpp"

namespace lh::bench {

std::string jq_program(const HuntQuery& query) {
  std::string program(kJqPrelude);
  program += "select(";
  program += query.jq_filter;
  program += ")";
  return program;
}

JqCount jq_count(const std::string& jq, const HuntQuery& query, const std::filesystem::path& file) {
  JqCount result;
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = run_process({jq, "-c", jq_program(query), file.string()}, [&](std::string_view chunk) {
    result.count += static_cast<std::uint64_t>(std::count(chunk.begin(), chunk.end(), '\n'));
  });
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.ok = outcome.exit_code == 0;
  result.cpu_seconds = outcome.cpu_seconds;
  return result;
}

}  // namespace lh::bench
