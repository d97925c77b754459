#include "skill/server/hunt_service.hpp"

#include <cstdlib>
#include <filesystem>

namespace lh::skill::server {

HuntService::HuntService(gateway::GatewayConfig config, const std::string& reports_path, HuntDefaults defaults,
                         gateway::GatewayOptions gateway_options)
    : config_(config),
      defaults_(std::move(defaults)),
      reports_(std::make_unique<report::ReportStore>(reports_path)),
      gateway_(std::make_unique<gateway::Gateway>(std::move(config), gateway_options)) {}

HuntService::~HuntService() = default;

gateway::Gateway& HuntService::gateway(std::stop_token cancel) {
  std::lock_guard lock(start_mutex_);
  if (!started_) {
    gateway_->start(cancel);
    // A start interrupted by cancellation is retried by the next caller.
    started_ = !cancel.stop_requested();
  }
  return *gateway_;
}

bool HuntService::gateway_started() const {
  std::lock_guard lock(start_mutex_);
  return started_;
}

std::string default_reports_path() {
  namespace fs = std::filesystem;
  if (const char* explicit_path = std::getenv("LH_REPORTS_DB"); explicit_path && *explicit_path) return explicit_path;
  fs::path folder;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state) {
    folder = fs::path(state) / "lateral-hunt";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    folder = fs::path(home) / ".local" / "state" / "lateral-hunt";
  } else {
    folder = fs::temp_directory_path() / "lateral-hunt";
  }
  std::error_code ignored;
  fs::create_directories(folder, ignored);  // the store reports a folder it cannot use
  return (folder / "reports.db").string();
}

}  // namespace lh::skill::server
