// bench_hunt_latency: how much of a slow upstream's latency one whole lateral_movement_hunt pays.
//
// secops-local runs on the demo data with --inject-latency-ms N (every tools/call answers N ms late), and
// lateral-hunt's workflow (lh::skill::workflow::run_hunt, with a Gateway as `lateral-hunt serve` builds it)
// runs one full hunt against it. A hunt that made its C calls one after another would take at least C×N;
// the parallel workflow should pay only a few waves of N. The same hunt with no injected latency is the
// baseline, measured in the same run. Prints Markdown tables on stdout; see bench/README.md.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <cctype>
#include <mutex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mcp/log.hpp"
#include "skill/gateway/gateway.hpp"
#include "skill/workflow/hunt.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using lh::skill::gateway::Gateway;

struct Settings {
  std::string secops_local = LH_BENCH_SECOPS_LOCAL;
  std::vector<std::string> data{LH_BENCH_DEMO_DATA};
  std::vector<std::string> admin_hosts{"ADMIN-JUMP01", "DEPLOY01"};
  double hours = 72;
  long latency_ms = 200;
  // HuntRequest::parallelism : calls in flight per upstream. "served" is what `lateral-hunt serve` uses
  // (HuntRequest's default parallelism, Gateway::local_config's limit); 64:128 lets a whole wave through
  // (54 hunt queries beside 12 research questions on one upstream).
  std::vector<std::string> widths{"served", "64:128"};
  std::size_t repeat = 1;
  bool trace = false;  // progress messages with their time offset, on stderr
};

struct Measurement {
  long latency_ms = 0;
  std::size_t parallelism = 0;
  std::size_t concurrency = 0;  // calls in flight per upstream
  double connect_ms = 0;  // secops-local start, load, initialize, tools/list (not part of the hunt)
  double wall_ms = 0;     // run_hunt alone
  std::size_t calls = 0;  // tools/call requests the gateway sent during the hunt (retries included)
  nlohmann::json report;
  std::string error;
  // Progress messages grouped by phase ("hunt queries", "correlation round 2", ...): when the first and
  // the last unit of each finished, from the start of the hunt, in order of first appearance.
  struct Phase {
    std::string name;
    double first_ms = 0;
    double last_ms = 0;
    int units = 0;
  };
  std::vector<Phase> phases;
};

// "correlation round 2 3/8" -> "correlation round 2"
std::string phase_of(const std::string& message) {
  const auto space = message.rfind(' ');
  if (space == std::string::npos) return message;
  const std::string tail = message.substr(space + 1);
  const auto slash = tail.find('/');
  const bool counter = slash != std::string::npos && slash > 0 &&
                       std::all_of(tail.begin(), tail.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '/'; });
  return counter ? message.substr(0, space) : message;
}

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

std::string fixed(double value, int decimals) { return fmt::format("{:.{}f}", value, decimals); }

struct Width {
  std::size_t parallelism = lh::skill::workflow::HuntRequest{}.parallelism;
  std::size_t concurrency = 0;  // 0: Gateway::local_config's limit
};

Width parse_width(const std::string& text) {
  if (text == "served") return Width{};
  const auto colon = text.find(':');
  Width width;
  try {
    width.parallelism = std::stoul(text.substr(0, colon));
    if (colon != std::string::npos) width.concurrency = std::stoul(text.substr(colon + 1));
  } catch (const std::exception&) {
    throw std::invalid_argument("--widths: \"" + text + "\" is not PARALLELISM:CONCURRENCY, e.g. 64:128");
  }
  if (width.parallelism == 0 || width.concurrency == 0) throw std::invalid_argument("--widths: values must be positive");
  return width;
}

Measurement measure(const Settings& settings, long latency_ms, Width width) {
  Measurement m;
  m.latency_ms = latency_ms;
  m.parallelism = width.parallelism;
  m.concurrency = width.concurrency;
  const std::size_t parallelism = width.parallelism;
  std::vector<std::string> extra{"--log-level", "warn"};
  if (latency_ms > 0) extra.insert(extra.end(), {"--inject-latency-ms", std::to_string(latency_ms)});
  auto config = Gateway::local_config(settings.secops_local, settings.data, extra);
  for (auto& [name, server] : config.servers) {
    if (width.concurrency > 0) server.limits.concurrency = width.concurrency;
    m.concurrency = server.limits.concurrency;
  }
  try {
    Gateway gateway(config);
    const auto connect_start = Clock::now();
    gateway.start();
    m.connect_ms = elapsed_ms(connect_start);
    const std::size_t calls_before = gateway.calls_made();

    lh::skill::workflow::HuntRequest request;
    request.time_frame.hours_back = settings.hours;
    request.correlation.admin_hosts = settings.admin_hosts;
    request.parallelism = parallelism;
    const auto hunt_start = Clock::now();
    std::mutex phases_mutex;
    const bool trace = settings.trace && latency_ms > 0;
    auto sink = [&, hunt_start, latency_ms](const std::string& message, double done, double total) {
      const double at = elapsed_ms(hunt_start);
      if (trace) {
        std::cerr << fmt::format("  +{:6.0f} ms (wave {:4.1f})  {:>5.0f}/{:<5.0f} {}\n", at,
                                 at / static_cast<double>(std::max(1L, latency_ms)), done, total, message);
      }
      std::lock_guard lock(phases_mutex);
      const std::string name = phase_of(message);
      auto phase = std::find_if(m.phases.begin(), m.phases.end(), [&](const auto& p) { return p.name == name; });
      if (phase == m.phases.end()) phase = m.phases.insert(m.phases.end(), {name, at, at, 0});
      phase->last_ms = std::max(phase->last_ms, at);
      ++phase->units;
    };
    m.report = lh::skill::workflow::run_hunt(gateway, request, nullptr, sink);
    m.wall_ms = elapsed_ms(hunt_start);
    m.calls = gateway.calls_made() - calls_before;
    if (m.report.value("status", "") != "complete") {
      m.error = fmt::format("report status {}", m.report.value("status", "?"));
    }
  } catch (const std::exception& e) {
    m.error = e.what();
  }
  return m;
}

Measurement median_of(const Settings& settings, long latency_ms, Width width) {
  std::vector<Measurement> runs;
  for (std::size_t i = 0; i < settings.repeat; ++i) {
    std::cerr << fmt::format("bench_hunt_latency: latency {} ms, parallelism {}, {} calls in flight, run {}/{} ...",
                             latency_ms, width.parallelism,
                             width.concurrency > 0 ? std::to_string(width.concurrency) : std::string("default"), i + 1,
                             settings.repeat)
              << std::flush;
    runs.push_back(measure(settings, latency_ms, width));
    const auto& last = runs.back();
    std::cerr << fmt::format(" {} ms, {} calls{}\n", fixed(last.wall_ms, 0), last.calls,
                             last.error.empty() ? "" : " (" + last.error + ")");
  }
  std::sort(runs.begin(), runs.end(), [](const Measurement& a, const Measurement& b) { return a.wall_ms < b.wall_ms; });
  return runs[runs.size() / 2];
}

const Measurement* baseline_for(const std::vector<Measurement>& rows, const Measurement& of) {
  for (const auto& row : rows) {
    if (row.latency_ms == 0 && row.parallelism == of.parallelism && row.concurrency == of.concurrency) return &row;
  }
  return nullptr;
}

void print_summary(const Settings& settings, const std::vector<Measurement>& rows) {
  std::cout << "## bench_hunt_latency: one full lateral_movement_hunt against a slow upstream\n\n"
            << "Data: " << fmt::format("{}", fmt::join(settings.data, ", ")) << "; look-back " << settings.hours
            << " h; admin hosts " << fmt::format("{}", fmt::join(settings.admin_hosts, ",")) << "; upstream: secops-local "
            << "over stdio; median of " << settings.repeat
            << " run(s) by wall time. Sequential sum = upstream calls × injected latency (what the same calls would "
               "cost one after another). Waves = wall / latency.\n\n";
  std::cout << "| injected latency | hunt parallelism | calls in flight per upstream | upstream calls | report upstream_calls | wall (ms) | "
               "sequential sum (ms) | wall / sequential | wall / latency | (wall − baseline) / latency | findings | status |\n"
            << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  for (const auto& row : rows) {
    const double sequential = static_cast<double>(row.calls) * static_cast<double>(row.latency_ms);
    const Measurement* baseline = baseline_for(rows, row);
    std::string ratio = "–", waves = "–", added = "–";
    if (row.latency_ms > 0) {
      if (sequential > 0) ratio = fixed(row.wall_ms / sequential, 3);
      waves = fixed(row.wall_ms / static_cast<double>(row.latency_ms), 2);
      if (baseline != nullptr) added = fixed((row.wall_ms - baseline->wall_ms) / static_cast<double>(row.latency_ms), 2);
    }
    std::cout << fmt::format("| {} ms{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", row.latency_ms,
                             row.latency_ms == 0 ? " (baseline)" : "", row.parallelism, row.concurrency, row.calls,
                             row.report.value("upstream_calls", 0), fixed(row.wall_ms, 0),
                             row.latency_ms > 0 ? fixed(sequential, 0) : "–", ratio, waves, added,
                             row.report.value("findings", nlohmann::json::array()).size(),
                             row.error.empty() ? row.report.value("status", "?") : row.error);
  }
  std::cout << fmt::format("\nTarget: with {} ms per call and at least 20 upstream calls, wall ≤ 5 × {} ms = {} ms.\n",
                           settings.latency_ms, settings.latency_ms, 5 * settings.latency_ms);
  for (const auto& row : rows) {
    if (row.latency_ms == 0) continue;
    const double waves = row.wall_ms / static_cast<double>(row.latency_ms);
    const bool met = row.error.empty() && row.calls >= 20 && waves <= 5.0;
    std::cout << fmt::format("- parallelism {}, {} in flight: {} calls, wall {} ms = {} × latency, {:.1f}× faster than sequential ({} the target)\n",
                             row.parallelism, row.concurrency, row.calls, fixed(row.wall_ms, 0), fixed(waves, 2),
                             row.wall_ms > 0 ? static_cast<double>(row.calls) * row.latency_ms / row.wall_ms : 0.0,
                             met ? "meets" : "MISSES");
  }
}

// Where the waves are: per step, its calls and its time in units of the injected latency. Steps that run
// side by side (research with hunt_queries, enrichment with related_cases) overlap in wall time.
void print_steps(const Measurement& row) {
  std::cout << fmt::format("\n### Steps at {} ms latency, parallelism {}, {} in flight\n\n", row.latency_ms,
                           row.parallelism, row.concurrency)
            << "| step | status | calls | duration (ms) | duration / latency | calls per wave |\n"
            << "|---|---|---:|---:|---:|---:|\n";
  for (const auto& step : row.report.value("steps", nlohmann::json::array())) {
    const double duration = step.value("duration_ms", 0.0);
    const int calls = step.value("calls", 0);
    const double waves = duration / static_cast<double>(row.latency_ms);
    std::cout << fmt::format("| {} | {} | {} | {} | {} | {} |\n", step.value("name", "?"), step.value("status", "?"),
                             calls, fixed(duration, 0), fixed(waves, 2),
                             waves >= 0.5 ? fixed(calls / std::max(1.0, std::round(waves)), 1) : "–");
  }
  // The timeline: a phase whose first unit finishes one latency after the previous phase's last is a wave
  // of its own, i.e. it waited for that phase.
  std::cout << "\n| phase (progress messages) | units | first done (ms) | last done (ms) | first / latency | last / latency |\n"
            << "|---|---:|---:|---:|---:|---:|\n";
  const double latency = static_cast<double>(row.latency_ms);
  for (const auto& phase : row.phases) {
    std::cout << fmt::format("| {} | {} | {} | {} | {} | {} |\n", phase.name, phase.units, fixed(phase.first_ms, 0),
                             fixed(phase.last_ms, 0), fixed(phase.first_ms / latency, 2),
                             fixed(phase.last_ms / latency, 2));
  }
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  CLI::App app{"One full lateral_movement_hunt against secops-local with injected latency, and without it"};
  Settings settings;
  app.add_option("--latency-ms", settings.latency_ms, "Injected latency per upstream tools/call")
      ->capture_default_str()
      ->check(CLI::Range(1L, 60000L));
  app.add_option("--widths", settings.widths,
                 "PARALLELISM:CONCURRENCY pairs to measure (comma-separated): the hunt's parallelism and the calls "
                 "in flight per upstream; \"served\" is lateral-hunt serve's own settings")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--repeat", settings.repeat, "Runs per row; the median wall time is shown")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{15}));
  app.add_flag("--trace", settings.trace, "Print the hunt's progress messages with their time offsets (stderr)");
  app.add_option("--data", settings.data, "Logs for secops-local")->capture_default_str();
  app.add_option("--admin-hosts", settings.admin_hosts, "Admin hosts (comma-separated)")->delimiter(',')->capture_default_str();
  app.add_option("--hours", settings.hours, "Look-back in hours")->capture_default_str();
  app.add_option("--secops-local", settings.secops_local, "The secops-local executable")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  lh::mcp::log::set_level(lh::mcp::log::Level::warn);

  std::vector<Width> widths;
  try {
    for (const auto& text : settings.widths) widths.push_back(parse_width(text));
  } catch (const std::exception& e) {
    std::cerr << "bench_hunt_latency: " << e.what() << "\n";
    return 2;
  }
  std::vector<Measurement> rows;
  for (const Width& width : widths) {
    rows.push_back(median_of(settings, 0, width));
    rows.push_back(median_of(settings, settings.latency_ms, width));
  }
  print_summary(settings, rows);
  for (const auto& row : rows) {
    if (row.latency_ms > 0) print_steps(row);
  }
  const bool failed = std::any_of(rows.begin(), rows.end(), [](const Measurement& m) { return !m.error.empty(); });
  return failed ? 1 : 0;
}
