#include "tests/skill_workflow/upstream_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>

#include "schemas/validator.hpp"
#include "siem/case_store.hpp"

namespace workflow_test {
namespace {

std::filesystem::path fresh_folder() {
  static std::atomic<int> counter{0};
  auto folder = std::filesystem::temp_directory_path() /
                ("lh-workflow-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  return folder;
}

}  // namespace

LocalUpstream::LocalUpstream(std::vector<std::string> extra_args)
    : folder_(fresh_folder()), cases_db_(folder_ / "cases.db"), extra_args_(std::move(extra_args)) {}

LocalUpstream::~LocalUpstream() {
  gateway_.reset();  // the child exits before its folder goes
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

std::string LocalUpstream::create_case(const std::string& title, const std::vector<std::string>& entities) {
  lh::siem::CaseStore store(cases_db_);
  lh::siem::NewCase fields;
  fields.display_name = title;
  fields.description = "Tracking case for a lateral-movement hunt";
  fields.entities = entities;
  return std::to_string(store.create_case(fields));
}

lh::skill::gateway::Gateway& LocalUpstream::gateway() {
  if (!gateway_) {
    std::vector<std::string> args{"--cases", cases_db_.string(), "--log-level", "warn"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    gateway_ = std::make_unique<lh::skill::gateway::Gateway>(
        lh::skill::gateway::Gateway::local_config(LH_TEST_SECOPS_LOCAL, {LH_TEST_DEMO_DATA}, args));
  }
  return *gateway_;
}

std::unique_ptr<lh::skill::gateway::Gateway> unreachable_gateway() {
  lh::skill::gateway::GatewayOptions options;
  options.first_backoff = std::chrono::milliseconds(5);
  options.connect_timeout = std::chrono::milliseconds(5000);
  return std::make_unique<lh::skill::gateway::Gateway>(
      lh::skill::gateway::Gateway::local_config("/nonexistent/bin/secops-local", {LH_TEST_DEMO_DATA}), options);
}

lh::skill::workflow::HuntRequest demo_request() {
  lh::skill::workflow::HuntRequest request;
  request.hunt_hypothesis = "A phished workstation is used to move laterally with admin tools";
  request.correlation.admin_hosts = kAdminHosts;
  return request;
}

std::vector<std::string> report_violations(const Json& report) {
  static const lh::schemas::Validator validator = [] {
    std::ifstream in(LH_TEST_HUNT_REPORT_SCHEMA);
    return lh::schemas::Validator(Json::parse(in));
  }();
  std::vector<std::string> out;
  for (const auto& error : validator.validate(report, "report")) out.push_back(error.to_string());
  return out;
}

const Json* find_step(const Json& report, const std::string& name) {
  for (const auto& step : report.at("steps")) {
    if (step.value("name", "") == name) return &step;
  }
  return nullptr;
}

}  // namespace workflow_test
