// Replays the recorded OTRF attacks through the embedded store and runs the catalogue against them:
// every dataset's headline technique queries must find the attack, and every query's hit count is printed
// (a query that hits thousands of background events is visible at a glance).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "siem/event_store.hpp"
#include "skill/techniques/catalogue.hpp"
#include "skill/techniques/correlation_queries.hpp"
#include "udm/query_compiler.hpp"

using namespace lh::skill::techniques;
namespace fs = std::filesystem;

namespace {

const fs::path kDatasets = LH_OTRF_DATASETS_DIR;

struct Dataset {
  std::string zip;
  std::vector<std::string> headline_queries;  // query ids (catalogue or seed) that must hit
};

const std::vector<Dataset>& datasets() {
  static const std::vector<Dataset> list = {
      {"cmd_psexec_lsa_secrets_dump.zip",
       {"psexec_service_install", "psexec_service_binary", "psexec_pipes", "psexec_client", "seed_psexec_service_installation"}},
      {"covenant_copy_smb_CreateRequest.zip", {"admin_share_executable_write", "system_wrote_executable"}},
      {"covenant_psremoting_command.zip", {"winrm_inbound", "winrm_outbound_client", "winrm_host_start"}},
      {"covenant_sharpwmi_create_dcerpc_wmi.zip", {"wmi_prvse_child"}},
      {"empire_psexec_dcerpc_tcp_svcctl.zip",
       {"remote_service_shell_imagepath", "remote_service_shell_child", "scmr_services_inbound_high_port"}},
      {"empire_smbexec_dcerpc_smb_svcctl.zip",
       {"remote_service_shell_imagepath", "remote_service_shell_child", "remote_service_svcctl_pipe", "seed_services_unusual_child"}},
      {"empire_wmic_add_user_backdoor.zip",
       {"wmic_node_process_create", "wmi_prvse_shell_child", "seed_wmi_remote_execution"}},
      {"schtask_create.zip", {"schtasks_remote_create", "task_created_remotely"}},
  };
  return list;
}

std::size_t hits(const lh::siem::EventStore& store, const std::string& query) {
  const auto compiled = lh::udm::compile_query(query);
  return store.search(compiled, lh::siem::TimeRange{}, lh::siem::EventStore::kMaxEvents).events.size();
}

}  // namespace

TEST_CASE("each recorded attack is found by its headline technique queries") {
  if (!fs::is_directory(kDatasets)) {
    MESSAGE("SKIPPED: OTRF datasets not found at " << kDatasets.string() << " (shared/ is not beside the repository)");
    return;
  }
  const Catalogue& cat = catalogue();
  std::map<std::string, std::string> query_text;
  for (const auto& t : cat.techniques) {
    for (const auto& q : t.queries) query_text[q.id] = q.udm;
  }
  for (const auto& s : cat.seed_queries) query_text[s.id] = s.corrected;

  for (const auto& dataset : datasets()) {
    const fs::path zip = kDatasets / dataset.zip;
    REQUIRE_MESSAGE(fs::exists(zip), zip.string() << " is missing");
    lh::siem::EventStore store;
    lh::siem::LoadOptions options;
    options.threads = 1;
    const auto report = store.load({zip}, options);
    REQUIRE(store.size() > 0);
    std::cout << fmt::format("{} ({} events)\n", dataset.zip, store.size());
    for (const auto& [id, text] : query_text) {
      const std::size_t n = hits(store, text);
      if (n > 0) std::cout << fmt::format("  {:>5}  {}\n", n, id);
    }
    // Every hit is one of the event ids its query declares, and the strong queries stay quiet on the
    // background activity that makes up most of each recording.
    for (const auto& t : cat.techniques) {
      for (const auto& q : t.queries) {
        const auto found = store.search(lh::udm::compile_query(q.udm), lh::siem::TimeRange{}, lh::siem::EventStore::kMaxEvents);
        for (const auto index : found.events) {
          const auto event = store.view(index);
          const std::string product_event_type(event->first_string(lh::udm::fields::product_event_type));
          INFO(dataset.zip << ": " << q.id << " hit event " << product_event_type);
          CHECK(std::find(q.event_ids.begin(), q.event_ids.end(), product_event_type) != q.event_ids.end());
        }
        if (q.severity >= Severity::high && q.confidence >= Confidence::medium) {
          INFO(dataset.zip << ": " << q.id);
          CHECK(found.events.size() <= 20);
        }
      }
    }
    for (const auto& id : dataset.headline_queries) {
      INFO(dataset.zip << ": " << id);
      REQUIRE(query_text.count(id) == 1);
      CHECK(hits(store, query_text[id]) >= 1);
    }
  }
}

TEST_CASE("correlation builders find the recorded sessions") {
  if (!fs::is_directory(kDatasets)) {
    MESSAGE("SKIPPED: OTRF datasets not found at " << kDatasets.string());
    return;
  }
  lh::siem::EventStore store;
  lh::siem::LoadOptions options;
  options.threads = 1;
  store.load({kDatasets / "empire_smbexec_dcerpc_smb_svcctl.zip"}, options);
  // Invoke-SMBExec: the svcctl access and the 4697 share the network logon 0x2074186 on WORKSTATION6.
  CHECK(hits(store, logon_session("WORKSTATION6", "0x2074186")) >= 2);
  CHECK(hits(store, logon_session("workstation6.theshire.local", "0X2074186")) >= 2);
  CHECK(hits(store, service_installs_in_logon("WORKSTATION6", "0x2074186")) >= 1);
  CHECK(hits(store, share_access_from("WORKSTATION6", "172.18.39.5")) >= 1);
  CHECK(hits(store, network_logons("WORKSTATION6", "172.18.39.5")) >= 1);
  CHECK(hits(store, process_by_parent_image("WORKSTATION6", "services.exe")) >= 1);
  CHECK(hits(store, process_by_parent("WORKSTATION6", R"(\\services\.exe$)")) >= 1);
  // Nothing on the source host logs the target's session.
  CHECK(hits(store, logon_session("WORKSTATION5", "0x2074186")) == 0);
  std::cout << fmt::format("smbexec network to WORKSTATION6 on smb: {}\n",
                           hits(store, network_to_host("172.18.39.6", "172.18.39.5", std::vector<int>{445})));
}

TEST_CASE("client command on the source names the target") {
  if (!fs::is_directory(kDatasets)) {
    MESSAGE("SKIPPED: OTRF datasets not found at " << kDatasets.string());
    return;
  }
  for (const auto& zip : {"empire_wmic_add_user_backdoor.zip", "schtask_create.zip"}) {
    lh::siem::EventStore store;
    lh::siem::LoadOptions options;
    options.threads = 1;
    store.load({kDatasets / zip}, options);
    INFO(zip);
    CHECK(hits(store, client_commands_naming("WORKSTATION5", "WORKSTATION6")) >= 1);
    CHECK(hits(store, client_commands_naming("WORKSTATION5", "WORKSTATION6.theshire.local")) >= 1);
    CHECK(hits(store, client_commands_naming("WORKSTATION5", "WORKSTATION66")) == 0);
  }
}
