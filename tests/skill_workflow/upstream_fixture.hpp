// The real secops-local executable over stdio as the hunt's upstream, on the bundled demo data, with a
// case store of its own (a fresh temporary folder per fixture).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/workflow/hunt.hpp"

namespace workflow_test {

using Json = nlohmann::json;

inline const std::vector<std::string> kAdminHosts{"ADMIN-JUMP01", "DEPLOY01"};

class LocalUpstream {
 public:
  // `extra_args` go to secops-local after --cases (e.g. {"--inject-failure", "lookup_entity"}).
  explicit LocalUpstream(std::vector<std::string> extra_args = {});
  ~LocalUpstream();

  // A case in the store secops-local serves; call before the first call through gateway().
  std::string create_case(const std::string& title, const std::vector<std::string>& entities);

  lh::skill::gateway::Gateway& gateway();
  const std::filesystem::path& folder() const { return folder_; }

 private:
  std::filesystem::path folder_;
  std::filesystem::path cases_db_;
  std::vector<std::string> extra_args_;
  std::unique_ptr<lh::skill::gateway::Gateway> gateway_;
};

// A gateway whose only upstream cannot be started.
std::unique_ptr<lh::skill::gateway::Gateway> unreachable_gateway();

// The demo hunt: every technique, the demo's admin hosts, the default 72 hours.
lh::skill::workflow::HuntRequest demo_request();

// hunt_report.json violations as "path: message" lines (empty when the report is valid).
std::vector<std::string> report_violations(const Json& report);

const Json* find_step(const Json& report, const std::string& name);

}  // namespace workflow_test
