// Who a hunt is: its unique id (one per run) and its fingerprint (one per request), plus the UTC clock
// format the report uses.
#pragma once

#include <chrono>
#include <string>

#include "skill/workflow/hunt.hpp"

namespace lh::skill::workflow::detail {

// "hunt-<UTC yyyymmddThhmmssZ>-<6 hex>", e.g. "hunt-20240305T105814Z-3fa9c1".
std::string make_hunt_id(std::chrono::system_clock::time_point now);

// "2024-03-05T10:58:14.708Z" (always milliseconds, as the report schema's timestamps).
std::string utc_timestamp(std::chrono::system_clock::time_point time);

// FNV-1a 64 of `text`, as 16 lower-case hex digits.
std::string fnv1a_hex(std::string_view text);

}  // namespace lh::skill::workflow::detail
