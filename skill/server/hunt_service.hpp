// What the MCP face of the hunt shares between calls and sessions: the upstream gateway (connected
// on first use, once, whichever session asks first), the report store and the server's defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "skill/gateway/gateway.hpp"
#include "skill/report/report_store.hpp"

namespace lh::skill::server {

// Defaults a tool call may override argument by argument.
struct HuntDefaults {
  double hours_back = 72;
  std::vector<std::string> admin_hosts;
  std::chrono::seconds window{60};
  std::size_t max_events_per_query = 1000;
  std::size_t fan_out_hosts = 3;
  std::chrono::minutes fan_out_window{30};
  std::size_t parallelism = 64;  // as HuntRequest: the gateway's per-server limit throttles
};

class HuntService {
 public:
  // `reports_path`: the SQLite report store (":memory:" for one that dies with the process).
  // Throws report::ReportStoreError when the store cannot be opened.
  HuntService(gateway::GatewayConfig config, const std::string& reports_path, HuntDefaults defaults = {},
              gateway::GatewayOptions gateway_options = {});
  ~HuntService();
  HuntService(const HuntService&) = delete;
  HuntService& operator=(const HuntService&) = delete;

  // The gateway, started on the first call (thread-safe: concurrent first calls wait for one start).
  // Upstreams that cannot be reached are recorded in gateway().status(), not thrown.
  gateway::Gateway& gateway(std::stop_token cancel = {});
  bool gateway_started() const;

  report::ReportStore& reports() noexcept { return *reports_; }
  const HuntDefaults& defaults() const noexcept { return defaults_; }
  const gateway::GatewayConfig& config() const noexcept { return config_; }

 private:
  gateway::GatewayConfig config_;
  HuntDefaults defaults_;
  std::unique_ptr<report::ReportStore> reports_;
  std::unique_ptr<gateway::Gateway> gateway_;
  mutable std::mutex start_mutex_;
  bool started_ = false;
};

// The default report database: $LH_REPORTS_DB, else $XDG_STATE_HOME/lateral-hunt/reports.db, else
// ~/.local/state/lateral-hunt/reports.db (its folder is created).
std::string default_reports_path();

}  // namespace lh::skill::server
