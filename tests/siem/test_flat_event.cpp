// FlatEvent's key index: the first field with a key is found however many fields there are, and the
// normaliser treats repeated and far-out keys the same as the plain case.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "siem/flat_event.hpp"
#include "siem/normalise.hpp"
#include "tests/siem/helpers.hpp"

using namespace lh;
using namespace lh::siem;
using lh::siem::test::strings;

namespace {

// Keys that share length and first and last bytes (same tag), and many fields.
std::vector<std::pair<std::string, std::string>> wide_fields(std::size_t count) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < count; ++i) out.emplace_back(fmt::format("K{:03}x", i), fmt::format("v{}", i));
  return out;
}

}  // namespace

TEST_CASE("FlatEvent::find over few, many and repeated keys") {
  for (const std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{20}, FlatEvent::kIndexedFields,
                                  FlatEvent::kIndexedFields + 1, std::size_t{120}}) {
    CAPTURE(count);
    const auto fields = wide_fields(count);
    FlatEvent event;
    for (int round = 0; round < 2; ++round) {  // the second round checks clear() resets the index
      event.clear();
      for (const auto& [key, value] : fields) event.add(key, value);
      CHECK(event.size() == count);
      for (const auto& [key, value] : fields) REQUIRE(event.value_or_empty(key) == value);
      CHECK(event.find("K999x") == nullptr);
      CHECK(event.find("") == nullptr);
      CHECK(event.find("K00") == nullptr);
      CHECK_FALSE(event.has_duplicate_keys());
    }
  }
  FlatEvent repeated;
  repeated.add("Image", "first");
  repeated.add("Other", "x");
  repeated.add_copy("Image", "second");
  CHECK(repeated.has_duplicate_keys());
  CHECK(repeated.value_or_empty("Image") == "first");
  repeated.clear();
  repeated.add("Image", "only");
  CHECK_FALSE(repeated.has_duplicate_keys());
  CHECK(repeated.value_or_empty("Image") == "only");
}

TEST_CASE("consumed raw keys are left out the same way for repeated keys and very wide events") {
  // A Sysmon 1 whose Image is consumed by the mapping: additional.fields must not repeat it, also when the
  // key occurs twice or sits beyond the indexed fields.
  auto normalised = [](const std::vector<std::pair<std::string, std::string>>& fields) {
    FlatEvent flat;
    for (const auto& [key, value] : fields) flat.add(key, value, key == "EventID");
    udm::Event event;
    normalise_windows_event(flat, event);
    return event;
  };
  std::vector<std::pair<std::string, std::string>> base = {
      {"EventID", "1"}, {"Channel", "Microsoft-Windows-Sysmon/Operational"}, {"Hostname", "H1"},
      {"UtcTime", "2020-10-19 07:30:46.251"}, {"Image", "C:\\a.exe"}, {"CurrentDirectory", "C:\\"}};
  {
    const auto event = normalised(base);
    CHECK(strings(event, "additional.fields", "Image").empty());
    CHECK(strings(event, "additional.fields", "CurrentDirectory") == std::vector<std::string>{"C:\\"});
    CHECK(strings(event, "target.process.file.full_path") == std::vector<std::string>{"C:\\a.exe"});
  }
  {
    auto twice = base;
    twice.emplace_back("Image", "C:\\b.exe");
    const auto event = normalised(twice);
    CHECK(strings(event, "additional.fields", "Image").empty());  // every field with the consumed key
    CHECK(strings(event, "target.process.file.full_path") == std::vector<std::string>{"C:\\a.exe"});
  }
  {
    auto wide = wide_fields(FlatEvent::kIndexedFields + 10);
    wide.insert(wide.end(), base.begin(), base.end());  // the mapped keys beyond the indexed fields
    const auto event = normalised(wide);
    CHECK(strings(event, "additional.fields", "Image").empty());
    CHECK(strings(event, "target.process.file.full_path") == std::vector<std::string>{"C:\\a.exe"});
    CHECK(strings(event, "additional.fields", "K005x") == std::vector<std::string>{"v5"});
    CHECK(strings(event, "additional.fields", "CurrentDirectory") == std::vector<std::string>{"C:\\"});
  }
}
