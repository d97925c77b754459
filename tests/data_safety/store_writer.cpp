// Writes to a store in a loop until it is killed, printing "ack <n>" on stdout after each write has
// returned (committed), so that a test can SIGKILL it at any moment and then check that the database
// is intact and holds every acknowledged write.
//
//   lh_store_writer reports DB FIRST   ReportStore::save of reports "w-<n>", and a documentation claim each
//   lh_store_writer cases DB FIRST     CaseStore::post_case_comment of "comment <n>" on one case (made when absent)
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "siem/case_store.hpp"
#include "skill/report/report_store.hpp"

namespace {

// Some kilobytes per write, so that a kill often lands inside one (several WAL pages).
std::string filler(long n) {
  std::string text;
  for (int i = 0; i < 120; ++i) text += fmt::format("event {} line {}: 4624 logon from 10.0.{}.{} ", n, i, n % 250, i);
  return text;
}

void acknowledge(long n) {
  const std::string line = fmt::format("ack {}\n", n);
  // One write(2) per line: a line is in the pipe whole or not at all when the kill lands.
  if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: lh_store_writer reports|cases DB FIRST\n";
    return 2;
  }
  const std::string kind = argv[1];
  const std::string path = argv[2];
  const long first = std::atol(argv[3]);
  try {
    if (kind == "reports") {
      lh::skill::report::ReportStore store(path);
      for (long n = first;; ++n) {
        nlohmann::json report{{"hunt_id", fmt::format("w-{}", n)},
                              {"hunt_fingerprint", fmt::format("fp-{}", n)},
                              {"status", "complete"},
                              {"started_at", "2026-01-01T00:00:00Z"},
                              {"finished_at", fmt::format("2026-01-01T00:00:{:02}Z", n % 60)},
                              {"hypothesis", filler(n)},
                              {"findings", nlohmann::json::array()}};
        store.save(report);
        store.claim_documentation(fmt::format("case-{}", n), fmt::format("fp-{}", n), fmt::format("w-{}", n));
        acknowledge(n);
      }
    }
    if (kind == "cases") {
      lh::siem::CaseStore store(path);
      std::int64_t case_id = 1;
      if (!store.get_case(case_id)) {
        lh::siem::NewCase fields;
        fields.display_name = "kill test";
        case_id = store.create_case(fields);
      }
      for (long n = first;; ++n) {
        if (!store.post_case_comment(case_id, fmt::format("comment {} {}", n, filler(n)))) return 4;
        acknowledge(n);
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "lh_store_writer: " << error.what() << "\n";
    return 1;
  }
  std::cerr << "lh_store_writer: unknown store kind " << kind << "\n";
  return 2;
}
