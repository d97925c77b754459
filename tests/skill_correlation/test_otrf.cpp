#include <doctest/doctest.h>

#include <filesystem>
#include <iostream>

#include "hunt_runner.hpp"

TEST_CASE("otrf dev summary") {
  const std::filesystem::path dir = LH_OTRF_DATASETS_DIR;
  for (const auto* name : {"empire_smbexec_dcerpc_smb_svcctl", "empire_psexec_dcerpc_tcp_svcctl", "empire_wmic_add_user_backdoor",
                           "covenant_sharpwmi_create_dcerpc_wmi", "covenant_psremoting_command", "covenant_copy_smb_CreateRequest",
                           "cmd_psexec_lsa_secrets_dump", "schtask_create"}) {
    const auto path = dir / (std::string(name) + ".zip");
    if (!std::filesystem::exists(path)) continue;
    auto run = lh::test::run_hunt({path.string()});
    std::cout << "=== " << name << " (context queries " << run.context_queries << ")\n" << lh::test::describe(run.result);
  }
}

TEST_CASE("demo dev summary") {
  lh::skill::correlation::CorrelationSettings settings;
  settings.admin_hosts = {"ADMIN-JUMP01", "DEPLOY01"};
  auto run = lh::test::run_hunt({LH_DEMO_DATA}, settings);
  std::cout << "=== demo (context queries " << run.context_queries << ")\n" << lh::test::describe(run.result);
}
