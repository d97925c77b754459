#include "skill/workflow/identity.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <random>

#include <fmt/format.h>

namespace lh::skill::workflow {
namespace detail {
namespace {

std::tm utc_parts(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return parts;
}

// Two hunts started in the same second still get different ids.
unsigned random_suffix() {
  static thread_local std::mt19937 engine{std::random_device{}()};
  return std::uniform_int_distribution<unsigned>(0, 0xffffff)(engine);
}

}  // namespace

std::string make_hunt_id(std::chrono::system_clock::time_point now) {
  const auto parts = utc_parts(now);
  return fmt::format("hunt-{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:06x}", parts.tm_year + 1900, parts.tm_mon + 1,
                     parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, random_suffix());
}

std::string utc_timestamp(std::chrono::system_clock::time_point time) {
  const auto parts = utc_parts(time);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", parts.tm_year + 1900, parts.tm_mon + 1,
                     parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, (millis + 1000) % 1000);
}

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const unsigned char byte : text) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", hash);
}

}  // namespace detail

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Runs of white space count as one space, and leading/trailing space is dropped: re-indenting a
// scope does not make it a different hunt.
std::string collapse_space(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (const unsigned char c : text) {
    if (std::isspace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += static_cast<char>(c);
  }
  return out;
}

std::vector<std::string> sorted_unique(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

}  // namespace

std::string hunt_fingerprint(const HuntRequest& request) {
  // Only what changes the hunt's meaning takes part: limits, parallelism and the documentation flag
  // do not, so the repeated request with document=true finds the earlier post.
  std::vector<std::string> technique_ids;
  for (const auto& id : request.techniques) technique_ids.push_back(lower(collapse_space(id)));
  std::vector<std::string> admin_hosts;
  for (const auto& host : request.correlation.admin_hosts) admin_hosts.push_back(lower(collapse_space(host)));
  const nlohmann::json normalised{
      {"techniques", sorted_unique(std::move(technique_ids))},
      {"scope", collapse_space(request.target_scope_query)},
      {"hours_back", request.time_frame.hours_back},
      {"start_time", request.time_frame.start_time.value_or("")},
      {"end_time", request.time_frame.end_time.value_or("")},
      {"hypothesis", collapse_space(request.hunt_hypothesis.value_or(""))},
      {"case", collapse_space(request.hunt_case_id.value_or(""))},
      {"admin_hosts", sorted_unique(std::move(admin_hosts))},
  };
  return detail::fnv1a_hex(normalised.dump());
}

}  // namespace lh::skill::workflow
