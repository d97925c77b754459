// The seed skill's five queries: as published they are not UDM (CONTAINS, IN (...), NOT IN); the corrected
// versions parse and keep each query's intent.
#include <doctest/doctest.h>

#include <string>

#include "skill/techniques/catalogue.hpp"
#include "udm/query_parser.hpp"

using namespace lh::skill::techniques;

namespace {

const SeedQuery& seed(std::string_view id) {
  for (const auto& s : catalogue().seed_queries) {
    if (s.id == id) return s;
  }
  FAIL("no seed query " << std::string(id));
  throw std::logic_error("unreachable");
}

struct Failure {
  std::size_t column = 0;
  std::string message;
};

Failure parse_failure(const std::string& text) {
  try {
    lh::udm::parse_query(text);
  } catch (const lh::udm::ParseError& e) {
    return {e.column(), e.message()};
  }
  return {};
}

}  // namespace

TEST_CASE("the catalogue carries the seed's five queries") {
  const auto& seeds = catalogue().seed_queries;
  REQUIRE(seeds.size() == 5);
  for (const auto& s : seeds) {
    INFO(s.id);
    CHECK_NOTHROW(lh::udm::parse_query(s.corrected));
    CHECK(catalogue().find(s.technique) != nullptr);
    CHECK_FALSE(s.what_was_wrong.empty());
  }
}

TEST_CASE("the seed's original queries fail where UDM has no such operator") {
  SUBCASE("PsExec service installation: CONTAINS") {
    const auto& s = seed("seed_psexec_service_installation");
    const Failure f = parse_failure(s.original);
    CHECK(f.column == 84);
    CHECK(f.column == s.original.find("CONTAINS") + 1);
    CHECK(f.message == "UDM search has no CONTAINS; write field = /value/ nocase");
  }
  SUBCASE("services.exe children: NOT IN (known_services)") {
    const auto& s = seed("seed_services_unusual_child");
    const Failure f = parse_failure(s.original);
    CHECK(f.column == s.original.find("NOT IN") + 1);
    CHECK(f.column == 151);
    CHECK(f.message == "expected an operator (= != < <= > >=) after target.process.file.full_path, got \"NOT\"");
  }
  SUBCASE("WMI process creation: IN (...)") {
    const auto& s = seed("seed_wmi_process_creation");
    const Failure f = parse_failure(s.original);
    CHECK(f.column == s.original.find(" IN (") + 2);
    CHECK(f.column == 157);
    CHECK(f.message == "UDM search has no IN (...) list; write field = /^(a|b)$/ nocase or use an OR group");
  }
  SUBCASE("WMI remote execution: CONTAINS") {
    const auto& s = seed("seed_wmi_remote_execution");
    const Failure f = parse_failure(s.original);
    CHECK(f.column == s.original.find("CONTAINS") + 1);
    CHECK(f.column == 75);
    CHECK(f.message == "UDM search has no CONTAINS; write field = /value/ nocase");
  }
  SUBCASE("PowerShell WMI methods: CONTAINS") {
    const auto& s = seed("seed_powershell_wmi_methods");
    const Failure f = parse_failure(s.original);
    CHECK(f.column == s.original.find("CONTAINS") + 1);
    CHECK(f.column == 74);
    CHECK(f.message == "UDM search has no CONTAINS; write field = /value/ nocase");
  }
}

TEST_CASE("corrected seed queries use the fields the Windows mapping fills") {
  CHECK(seed("seed_psexec_service_installation").corrected.find("\"7045\"") != std::string::npos);
  CHECK(seed("seed_psexec_service_installation").corrected.find("ServiceInstalled") == std::string::npos);
  // wmic's own command line is the target process of its launch, not the principal (its parent).
  CHECK(seed("seed_wmi_remote_execution").corrected.find("principal.process.command_line") == std::string::npos);
  CHECK(seed("seed_wmi_remote_execution").corrected.find("target.process.command_line") != std::string::npos);
  for (const auto& s : catalogue().seed_queries) {
    INFO(s.id);
    CHECK(s.corrected.find("CONTAINS") == std::string::npos);
    CHECK(s.corrected.find(" IN ") == std::string::npos);
  }
}
