#include <cstdlib>

#include "skill/correlation/joins.hpp"

namespace lh::skill::correlation {

bool within_window(std::int64_t a_ms, std::int64_t b_ms, std::chrono::milliseconds window) {
  return std::llabs(a_ms - b_ms) <= window.count();
}

const HuntEvent* find_logon(const std::vector<const HuntEvent*>& events, const std::string& host, const std::string& logon_id,
                            std::int64_t near_ms) {
  if (logon_id.empty() || is_system_logon_id(logon_id)) return nullptr;
  const HuntEvent* best = nullptr;
  for (const auto* e : events) {
    if (e->product_event_type != "4624" || e->host != host || e->target_logon_id != logon_id) continue;
    if (best == nullptr || std::llabs(e->timestamp_ms - near_ms) < std::llabs(best->timestamp_ms - near_ms)) best = e;
  }
  return best;
}

const HuntEvent* find_service_install_for(const std::vector<const HuntEvent*>& events, const HuntEvent& process,
                                          std::chrono::milliseconds window) {
  const auto image = file_name_lower(process.image);
  const HuntEvent* best = nullptr;
  bool best_named = false;
  for (const auto* e : events) {
    if (e->event_type != "SERVICE_CREATION" || e->host != process.host) continue;
    if (!within_window(e->timestamp_ms, process.timestamp_ms, window)) continue;
    const auto path = lower(e->service_image);
    const bool named = !image.empty() && path.find(image) != std::string::npos;
    const bool comspec_shell = image == "cmd.exe" && path.find("comspec") != std::string::npos;
    const bool matched = named || comspec_shell;
    // Prefer the 4697 (it carries SubjectLogonId), then a name match, then the nearest.
    auto better = [&] {
      if (best == nullptr) return true;
      if (matched != best_named) return matched;
      const bool e_4697 = e->product_event_type == "4697", b_4697 = best->product_event_type == "4697";
      if (e_4697 != b_4697) return e_4697;
      return std::llabs(e->timestamp_ms - process.timestamp_ms) < std::llabs(best->timestamp_ms - process.timestamp_ms);
    };
    if (better()) {
      best = e;
      best_named = matched;
    }
  }
  return best;
}

}  // namespace lh::skill::correlation
