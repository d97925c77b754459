// The shared OTRF recordings: every dataset must load without a skipped line, the mapped/generic split
// per event id is printed, and the clock corrections must put every event of a dataset in one window.
#include <doctest/doctest.h>

#include <iostream>
#include <map>

#include "siem/event_store.hpp"
#include "siem/text_util.hpp"
#include "siem/time_parse.hpp"
#include "tests/siem/helpers.hpp"

using namespace lh;
using namespace lh::siem;
using lh::siem::test::one;

namespace {

const std::filesystem::path kDatasets = LH_OTRF_DATASETS_DIR;

std::vector<std::filesystem::path> dataset_zips() {
  std::vector<std::filesystem::path> zips;
  std::error_code ec;
  if (!std::filesystem::is_directory(kDatasets, ec)) return zips;
  for (const auto& entry : std::filesystem::directory_iterator(kDatasets)) {
    if (entry.path().extension() == ".zip") zips.push_back(entry.path());
  }
  std::sort(zips.begin(), zips.end());
  return zips;
}

bool datasets_present() {
  if (dataset_zips().empty()) {
    MESSAGE("SKIPPED: OTRF datasets not found at " << kDatasets.string() << " (expected ../shared beside the repo)");
    return false;
  }
  return true;
}

// First event (newest first) matching `predicate`.
std::optional<std::uint32_t> find_event(const EventStore& store, const EventStore::Predicate& predicate) {
  const auto result = store.search(predicate, udm::IndexHints{}, TimeRange{}, 1);
  if (result.events.empty()) return std::nullopt;
  return result.events.front();
}

}  // namespace

TEST_CASE("every OTRF dataset loads with zero skipped lines, mapped/generic per event id") {
  if (!datasets_present()) return;
  const std::map<std::string, std::size_t> expected_events = {
      {"cmd_psexec_lsa_secrets_dump", 286},      {"covenant_copy_smb_CreateRequest", 506},
      {"covenant_psremoting_command", 4284},     {"covenant_sharpwmi_create_dcerpc_wmi", 2343},
      {"empire_psexec_dcerpc_tcp_svcctl", 4348}, {"empire_smbexec_dcerpc_smb_svcctl", 7504},
      {"empire_wmic_add_user_backdoor", 12278},  {"schtask_create", 1041}};
  for (const auto& zip : dataset_zips()) {
    const std::string name = zip.stem().string();
    CAPTURE(name);
    EventStore store;
    const auto report = store.load({zip});
    const auto totals = report.totals();
    CHECK(totals.skipped == 0);
    CHECK(report.error_count == 0);
    for (const auto& error : report.errors) MESSAGE(error);
    if (const auto it = expected_events.find(name); it != expected_events.end()) CHECK(store.size() == it->second);
    CHECK(totals.read == store.size());
    CHECK(totals.mapped + totals.generic == store.size());

    // Per (channel, event id): how many, and mapped or generic.
    std::map<std::pair<std::string, std::string>, std::pair<std::size_t, std::string>> by_id;
    const auto all = store.search({}, udm::IndexHints{}, TimeRange{}, store.size());
    for (const auto index : all.events) {
      const auto view = store.view(index);
      auto& slot = by_id[{to_lower_ascii(one(*view, "additional.fields", "Channel")), one(*view, "metadata.product_event_type")}];
      ++slot.first;
      slot.second = one(*view, "metadata.event_type");
    }
    std::cout << fmt::format("{}: {} events, {} mapped, {} generic, {} skipped\n", name, store.size(), totals.mapped,
                             totals.generic, totals.skipped);
    for (const auto& [key, value] : by_id) {
      std::cout << fmt::format("  {:<45} {:>6} x{:<6} {}\n", key.first, key.second, value.first,
                               value.second == "GENERIC_EVENT" ? "generic" : "mapped " + value.second);
    }
    // The clock corrections keep every recording inside one short window (a wrong 4-5 h zone offset
    // would stretch it to hours).
    REQUIRE(store.oldest_us());
    CHECK_MESSAGE(*store.newest_us() - *store.oldest_us() < 3600LL * 1'000'000,
                  format_rfc3339(*store.oldest_us()) << " .. " << format_rfc3339(*store.newest_us()));
  }
}

TEST_CASE("schtask_create: 'Z' times 5 h off are aligned with Sysmon UtcTime") {
  if (!datasets_present()) return;
  EventStore store;
  store.load({kDatasets / "schtask_create.zip"});
  // 4698 on WORKSTATION6 (TimeCreated "07:00:22.264Z", really local) and the schtasks client launch on
  // WORKSTATION5 (Sysmon UtcTime) are seconds apart once corrected.
  const auto task = find_event(store, [](const udm::EventView& e) { return one(e, "metadata.product_event_type") == "4698"; });
  const auto client = find_event(store, [](const udm::EventView& e) {
    return one(e, "metadata.product_event_type") == "1" &&
           to_lower_ascii(one(e, "target.process.command_line")).find("schtasks") != std::string::npos;
  });
  REQUIRE(task);
  REQUIRE(client);
  const auto task_time = store.view(*task)->timestamp_us();
  const auto client_time = store.view(*client)->timestamp_us();
  CHECK(format_rfc3339(task_time) == "2020-12-19T12:00:22.264Z");
  CHECK(std::llabs(task_time - client_time) < 30LL * 1'000'000);
}

TEST_CASE("cmd_psexec: local TimeCreated without zone is aligned with Sysmon UtcTime") {
  if (!datasets_present()) return;
  EventStore store;
  store.load({kDatasets / "cmd_psexec_lsa_secrets_dump.zip"});
  const auto service = find_event(store, [](const udm::EventView& e) { return one(e, "metadata.product_event_type") == "7045"; });
  const auto launch = find_event(store, [](const udm::EventView& e) {
    return one(e, "metadata.product_event_type") == "1" &&
           one(e, "target.process.file.full_path").find("PSEXESVC") != std::string::npos;
  });
  REQUIRE(service);
  REQUIRE(launch);
  const auto service_view = store.view(*service);
  CHECK(one(*service_view, "target.application") == "PSEXESVC");
  CHECK(one(*service_view, "metadata.event_type") == "SERVICE_CREATION");
  CHECK(std::llabs(service_view->timestamp_us() - store.view(*launch)->timestamp_us()) < 10LL * 1'000'000);
}
