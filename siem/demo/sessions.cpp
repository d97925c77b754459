#include "siem/demo/sessions.hpp"

#include "siem/demo/prng.hpp"

namespace lh::siem::demo {

Session user_session(const Enterprise& e, const Host& host, std::uint64_t seed, Millis day_start) {
  Rng rng(mix_key(seed, {label("session"), label(host.name), static_cast<std::uint64_t>(day_start / kDay)}));
  Session s;
  s.logon = day_start + 7 * kHour + 45 * kMinute + rng.between(0, 90 * kMinute);
  s.logoff = day_start + 16 * kHour + 30 * kMinute + rng.between(0, 120 * kMinute);
  s.logon_id = logon_id(host, s.logon, 10);
  const User& u = e.users.at(static_cast<std::size_t>(host.primary_user));
  const Account who = e.account_of(u);
  auto make = [&](Millis started, std::uint32_t tag, const char* image, const char* cmd, const char* cwd) {
    Process p;
    p.image = image;
    p.command_line = cmd;
    p.current_directory = cwd;
    p.pid = static_cast<std::uint32_t>(rng.between(600, 3000) * 4);
    p.guid = process_guid(host, started, tag);
    p.account = who;
    p.logon_id = s.logon_id;
    p.integrity = "Medium";
    p.session = 1;
    return p;
  };
  s.userinit = make(s.logon + 900, 10, "C:\\Windows\\System32\\userinit.exe", "C:\\Windows\\system32\\userinit.exe",
                    "C:\\Windows\\system32\\");
  s.explorer = make(s.logon + 1400, 11, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", "C:\\Windows\\system32\\");
  s.outlook = make(s.logon + 65000, 11, "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
                   "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\" ", "C:\\Windows\\system32\\");
  return s;
}

}  // namespace lh::siem::demo
