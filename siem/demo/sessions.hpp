#pragma once
// A workstation user's interactive session for one day. Background activity and the attack scenarios both
// derive it from the seed, so attacker processes hang off the very explorer.exe the background logged.
#include <cstdint>

#include "siem/demo/enterprise.hpp"

namespace lh::siem::demo {

struct Session {
  Millis logon = 0;
  Millis logoff = 0;
  std::uint64_t logon_id = 0;
  Process userinit;
  Process explorer;
  Process outlook;  // started a minute after logon and kept all day
};

// `day_start` is midnight UTC of the day. Only meaningful for workstations with a primary user.
Session user_session(const Enterprise& e, const Host& host, std::uint64_t seed, Millis day_start);

}  // namespace lh::siem::demo
