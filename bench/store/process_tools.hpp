#pragma once
// Process-level helpers for the store benchmark: peak memory, the machine's description, and running a
// program to completion while reading its standard output.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lh::bench {

// CPU time (user + system) this process has used so far, all threads included, in seconds.
double process_cpu_seconds();

// This process's peak resident set (VmHWM in /proc/self/status), in KiB; 0 when unavailable.
std::uint64_t peak_rss_kib();

struct MachineInfo {
  unsigned cores = 0;  // nproc
  std::string cpu_model;
  std::uint64_t memory_kib = 0;
  std::string load_average;  // the three /proc/loadavg figures
};
MachineInfo machine_info();
std::string current_load_average();
std::string utc_now_text();  // "2026-11-28 01:50 UTC"

struct ProcessOutcome {
  int exit_code = -1;        // -1 when a signal ended it
  double cpu_seconds = 0;    // the child's user + system time (wait4)
};

// Runs argv[0] (looked up in PATH) with argv, passing every chunk of its stdout to `on_output`, and waits.
// Its stderr is inherited. Throws std::runtime_error when the program cannot be started.
ProcessOutcome run_process(const std::vector<std::string>& argv,
                           const std::function<void(std::string_view)>& on_output);

}  // namespace lh::bench
