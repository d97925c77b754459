#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <set>

#include "siem/demo/clock.hpp"
#include "siem/demo/flat_event.hpp"
#include "tests/demo/demo_fixture.hpp"

using namespace lh::siem::demo;
using namespace lh::siem::demo::testing;

namespace {

const std::map<int, std::vector<const char*>>& required_keys() {
  static const std::map<int, std::vector<const char*>> keys{
      {1, {"UtcTime", "ProcessGuid", "ProcessId", "Image", "OriginalFileName", "CommandLine", "CurrentDirectory", "User",
           "LogonGuid", "LogonId", "TerminalSessionId", "IntegrityLevel", "Hashes", "ParentProcessGuid", "ParentProcessId",
           "ParentImage", "ParentCommandLine"}},
      {3, {"UtcTime", "ProcessGuid", "ProcessId", "Image", "User", "Protocol", "Initiated", "SourceIsIpv6", "SourceIp",
           "SourcePort", "DestinationIsIpv6", "DestinationIp", "DestinationPort"}},
      {11, {"UtcTime", "ProcessGuid", "ProcessId", "Image", "TargetFilename", "CreationUtcTime"}},
      {12, {"EventType", "UtcTime", "ProcessGuid", "Image", "TargetObject"}},
      {13, {"EventType", "UtcTime", "ProcessGuid", "Image", "TargetObject", "Details"}},
      {17, {"EventType", "UtcTime", "ProcessGuid", "ProcessId", "PipeName", "Image"}},
      {18, {"EventType", "UtcTime", "ProcessGuid", "ProcessId", "PipeName", "Image"}},
      {106, {"TaskName", "UserContext"}},
      {4104, {"MessageNumber", "MessageTotal", "ScriptBlockText", "ScriptBlockId"}},
      {53504, {"param1", "param2"}},
      {4624, {"SubjectUserSid", "SubjectLogonId", "TargetUserSid", "TargetUserName", "TargetDomainName", "TargetLogonId",
              "LogonType", "LogonProcessName", "AuthenticationPackageName", "WorkstationName", "ProcessName", "IpAddress",
              "IpPort", "ElevatedToken"}},
      {4625, {"TargetUserName", "Status", "SubStatus", "LogonType", "AuthenticationPackageName", "IpAddress", "IpPort"}},
      {4634, {"TargetUserName", "TargetLogonId", "LogonType"}},
      {4648, {"SubjectUserName", "SubjectLogonId", "TargetUserName", "TargetServerName", "TargetInfo", "ProcessId",
              "ProcessName", "IpAddress", "IpPort"}},
      {4672, {"SubjectUserName", "SubjectLogonId", "PrivilegeList"}},
      {4688, {"SubjectUserName", "SubjectLogonId", "NewProcessId", "NewProcessName", "ProcessId", "CommandLine",
              "TargetLogonId", "ParentProcessName", "MandatoryLabel"}},
      {4697, {"SubjectUserName", "SubjectLogonId", "ServiceName", "ServiceFileName", "ServiceType", "ServiceStartType",
              "ServiceAccount"}},
      {4698, {"SubjectUserName", "SubjectLogonId", "TaskName", "TaskContent", "ClientProcessId", "RpcCallClientLocality",
              "FQDN"}},
      {5140, {"SubjectUserName", "SubjectLogonId", "ObjectType", "IpAddress", "IpPort", "ShareName", "AccessMask",
              "AccessList"}},
      {5145, {"SubjectUserName", "SubjectLogonId", "ObjectType", "IpAddress", "IpPort", "ShareName", "RelativeTargetName",
              "AccessMask", "AccessList"}},
      {7045, {"ServiceName", "ImagePath", "ServiceType", "StartType", "AccountName"}},
  };
  return keys;
}

std::string channel_for(int id) {
  if (id < 100) return "Microsoft-Windows-Sysmon/Operational";
  if (id == 106) return "Microsoft-Windows-TaskScheduler/Operational";
  if (id == 4104 || id == 53504) return "Microsoft-Windows-PowerShell/Operational";
  if (id == 7045) return "System";
  return "Security";
}

}  // namespace

TEST_CASE("every line is a flat JSON object with the keys its EventID needs, typed like the recorded data") {
  const auto& g = default_demo();
  REQUIRE(g.events.size() > 2000);
  const std::regex iso(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");
  const std::regex sysmon(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$)");
  const std::regex guid(R"(^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$)");
  const std::regex hex(R"(^0x[0-9a-f]+$)");
  const std::regex digits(R"(^\d+$)");
  std::set<int> seen;
  std::size_t line = 0;
  for (const auto& e : g.events) {
    ++line;
    CAPTURE(line);
    REQUIRE(e.is_object());
    REQUIRE(e.contains("EventID"));
    REQUIRE(e["EventID"].is_number_integer());
    const int id = e["EventID"].get<int>();
    seen.insert(id);
    CAPTURE(id);
    // A named reference, not a structured binding: clang 14 cannot capture those in CAPTURE's lambda.
    for (const auto& item : e.items()) {
      const std::string& key = item.key();
      if (key == "EventID") continue;
      CAPTURE(key);
      REQUIRE(item.value().is_string());  // numbers are strings, as in the shipped data
    }
    for (const char* key : {"SourceName", "ProviderGuid", "Level", "Keywords", "Channel", "Hostname", "TimeCreated",
                            "@timestamp", "Task"})
      REQUIRE_MESSAGE(e.contains(key), key);
    CHECK(e["Channel"] == channel_for(id));
    CHECK(std::regex_match(e["TimeCreated"].get<std::string>(), iso));
    CHECK(e["TimeCreated"] == e["@timestamp"]);
    const std::string host = e["Hostname"].get<std::string>();
    CHECK(host.ends_with(".acme.local"));
    const auto it = required_keys().find(id);
    REQUIRE_MESSAGE(it != required_keys().end(), "unexpected EventID");
    for (const char* key : it->second) REQUIRE_MESSAGE(e.contains(key), key);
    if (id < 100) {
      const std::string utc = e["UtcTime"].get<std::string>();
      REQUIRE(std::regex_match(utc, sysmon));
      // Sysmon's TimeCreated trails its UtcTime by a few milliseconds.
      const Millis logged = *parse_time(e["TimeCreated"].get<std::string>());
      const Millis happened = *parse_time(utc);
      CHECK(logged - happened >= 0);
      CHECK(logged - happened < 10);
      CHECK(std::regex_match(e["ProcessGuid"].get<std::string>(), guid));
    }
    if (id == 1) {
      CHECK(std::regex_match(e["LogonId"].get<std::string>(), hex));
      CHECK(std::regex_match(e["ProcessId"].get<std::string>(), digits));
    }
    if (id == 3) {
      CHECK(std::regex_match(e["SourcePort"].get<std::string>(), digits));
      CHECK((e["Initiated"] == "true" || e["Initiated"] == "false"));
    }
    if (id == 4624) CHECK(std::regex_match(e["TargetLogonId"].get<std::string>(), hex));
  }
  for (int id : {1, 3, 11, 13, 17, 18, 106, 4104, 53504, 4624, 4625, 4634, 4648, 4672, 4688, 4697, 4698, 5140, 5145, 7045})
    CHECK_MESSAGE(seen.contains(id), "EventID " << id << " never generated");
}

TEST_CASE("times format and parse the way the recorded events write them") {
  const Millis t = *parse_time("2024-03-04T10:15:02.123Z");
  CHECK(iso_time(t) == "2024-03-04T10:15:02.123Z");
  CHECK(sysmon_time(t) == "2024-03-04 10:15:02.123");
  CHECK(parse_time("2024-03-04") == t - t % kDay);
  CHECK(parse_time("2024-03-04 10:15") == t - 2123);
  CHECK(weekday(t) == 0);  // a Monday
  CHECK_FALSE(parse_time("2024-02-30").has_value());
  CHECK_FALSE(parse_time("yesterday").has_value());
  CHECK_FALSE(parse_time("2024-03-04T25:00:00Z").has_value());
  CHECK(iso_time(kDefaultStart) == "2024-03-04T00:00:00.000Z");
}

TEST_CASE("JSON escaping keeps Windows paths and control characters valid") {
  std::string out;
  append_json_escaped(out, "C:\\Windows\t\"x\"\n\x01");
  CHECK(out == "C:\\\\Windows\\t\\\"x\\\"\\n\\u0001");
  CHECK(to_hex(0x3e7) == "0x3e7");
}
