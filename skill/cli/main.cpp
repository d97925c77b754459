// lateral-hunt: the command line of the hunt.
//
//   lateral-hunt serve [--http ADDR] [--config FILE | --data PATH...] [--reports DB] [--admin-hosts A,B]...
//       the MCP server (stdio by default; Streamable HTTP on ADDR); logs go to stderr only
//   lateral-hunt hunt [--config FILE | --data PATH...] [--hours H | --start T --end T] [--scope UDM]
//                     [--techniques a,b] [--hypothesis TEXT] [--case ID [--document]] [--admin-hosts A,B]...
//                     [--window S] [--format markdown|json] [--reports DB]
//       one hunt; the report on stdout, a progress bar on stderr when it is a terminal;
//       exit 0 complete, 1 incomplete (or no upstream), 2 bad input
//   lateral-hunt queries [--techniques psexec,wmi] [--scope UDM] [--hours 72]
//       prints the UDM queries (valid UDM search, ready for a SecOps console)
//   lateral-hunt sweep [--data PATH...] [--secops-local PATH] [--techniques ...] [--scope UDM] [--hours 72]
//       runs every hunt query through secops-local's search_udm and prints hit counts and negative results
//
// Without --config the upstream is secops-local over stdio on --data (default: the bundled demo data).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "mcp/client.hpp"
#include "mcp/log.hpp"
#include "skill/cli/serve.hpp"
#include "skill/cli/sweep.hpp"
#include "skill/gateway/config.hpp"
#include "skill/gateway/gateway.hpp"
#include "skill/report/report.hpp"
#include "skill/server/hunt_server.hpp"
#include "skill/techniques/build_queries.hpp"
#include "transport/stdio_client.hpp"
#include "udm/query_parser.hpp"

namespace fs = std::filesystem;
using lh::skill::techniques::build_queries;
using lh::skill::techniques::TimeFrame;

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

fs::path own_directory() {
  std::error_code error;
  auto self = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::current_path() : self.parent_path();
}

// The secops-local built beside us (build tree: <build>/skill/lateral-hunt and <build>/siem/secops-local),
// else the one on PATH.
std::string default_secops_local() {
  for (const auto& candidate : {own_directory() / "secops-local", own_directory() / ".." / "siem" / "secops-local"}) {
    if (fs::exists(candidate)) return fs::weakly_canonical(candidate).string();
  }
  return "secops-local";
}

}  // namespace

namespace server = lh::skill::server;
namespace gateway = lh::skill::gateway;
using Json = nlohmann::json;

// Where the hunt's upstreams come from: a config file, or secops-local on log files.
struct UpstreamOptions {
  std::string config_file;
  std::vector<std::string> data;
  std::string iocs;
  std::string secops_local;
  std::string reports;
  std::vector<std::string> admin_hosts;  // repeated and/or comma-separated
  int window_seconds = 0;  // 0: the default
};

void add_upstream_options(CLI::App* command, UpstreamOptions& options) {
  auto* config = command->add_option("--config", options.config_file,
                                     "Upstream MCP servers (mcpServers JSON: stdio command/args/env or HTTP url/headers)")
                     ->check(CLI::ExistingFile);
  auto* data = command->add_option("--data", options.data,
                                   "Logs for the embedded secops-local (files, folders, .zip, .evtx); default: the "
                                   "bundled demo data");
  config->excludes(data);
  auto* iocs = command->add_option("--iocs", options.iocs,
                                   "IoC feed for the embedded secops-local (get_ioc_matches and the intel reports); "
                                   "default with the bundled demo data: its feed")
                   ->check(CLI::ExistingFile);
  config->excludes(iocs);
  command->add_option("--secops-local", options.secops_local, "The secops-local executable (default: found beside us)");
  command->add_option("--reports", options.reports,
                      "SQLite file of past hunt reports (default: $LH_REPORTS_DB or ~/.local/state/lateral-hunt/reports.db)");
  // One value per flag (so a following argument is never taken as a host), split on commas.
  command->add_option("--admin-hosts", options.admin_hosts,
                      "Admin servers / jump hosts whose remote execution is expected: comma-separated, and/or the "
                      "option repeated")
      ->delimiter(',')
      ->allow_extra_args(false);
  command->add_option("--window", options.window_seconds, "Join window in seconds around each anchor event")
      ->check(CLI::Range(1, 86400));
}

gateway::GatewayConfig upstream_config(const UpstreamOptions& options) {
  if (!options.config_file.empty()) return gateway::load_config_file(options.config_file);
  std::vector<std::string> data = options.data;
  std::string iocs = options.iocs;
  if (data.empty()) {
    data.push_back(LH_DEFAULT_DEMO_DATA);
    if (iocs.empty()) iocs = LH_DEFAULT_DEMO_IOCS;
  }
  std::vector<std::string> extra_args;
  if (!iocs.empty()) extra_args = {"--iocs", iocs};
  const std::string secops_local = options.secops_local.empty() ? gateway::find_secops_local() : options.secops_local;
  return gateway::Gateway::local_config(secops_local, data, extra_args);
}

std::unique_ptr<server::HuntService> make_service(const UpstreamOptions& options) {
  server::HuntDefaults defaults;
  for (const auto& host : options.admin_hosts) {
    // "A, B" and a trailing comma still mean A and B.
    const auto first = host.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    const std::string trimmed = host.substr(first, host.find_last_not_of(" \t") - first + 1);
    if (std::find(defaults.admin_hosts.begin(), defaults.admin_hosts.end(), trimmed) == defaults.admin_hosts.end()) {
      defaults.admin_hosts.push_back(trimmed);
    }
  }
  if (options.window_seconds > 0) defaults.window = std::chrono::seconds(options.window_seconds);
  const std::string reports = options.reports.empty() ? server::default_reports_path() : options.reports;
  return std::make_unique<server::HuntService>(upstream_config(options), reports, defaults);
}

// A one-line bar redrawn in place on a terminal.
class ProgressBar {
 public:
  void update(const std::string& step, double done, double total) {
    std::lock_guard lock(mutex_);
    const double fraction = total > 0 ? std::clamp(done / total, 0.0, 1.0) : 0.0;
    constexpr int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::cerr << fmt::format("\r\033[K[{}{}] {:3.0f}% {}", std::string(filled, '#'), std::string(width - filled, ' '),
                             fraction * 100, step.substr(0, 60))
              << std::flush;
    drawn_ = true;
  }
  void finish() {
    std::lock_guard lock(mutex_);
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  std::mutex mutex_;
  bool drawn_ = false;
};

int run_serve(const UpstreamOptions& upstream, const std::string& http_address, const std::string& port_file) {
  lh::skill::cli::ServeSettings settings;
  settings.port_file = port_file;
  std::unique_ptr<server::HuntService> service;
  try {
    if (!http_address.empty()) settings.http = lh::skill::cli::parse_http_address(http_address);
    service = make_service(upstream);
  } catch (const std::exception& e) {
    std::cerr << "lateral-hunt: " << e.what() << "\n";
    return 2;
  }
  lh::mcp::Server mcp_server({.info = {"lateral-hunt", "0.1.0"},
                              .instructions = std::string(
                                  "Hunts Windows lateral movement through the configured SIEM. Call "
                                  "lateral_movement_hunt for the whole hunt in one call (reports are kept as "
                                  "hunt://reports/{id}); build_hunt_queries for the UDM queries alone; the "
                                  "prompt lateral_movement_hunt to go step by step.")});
  server::register_hunt_server(mcp_server, *service);
  return lh::skill::cli::serve(mcp_server, settings);
}

struct HuntCommandOptions {
  double hours = 72;
  std::string start;
  std::string end;
  std::string scope;
  std::string techniques;
  std::string hypothesis;
  std::string case_id;
  bool document = false;
  std::string format = "markdown";
  std::size_t max_events = 0;
};

int run_hunt_command(const UpstreamOptions& upstream, const HuntCommandOptions& options) {
  // One hunt prints its report and summary; upstream chatter only when asked for with LH_LOG_LEVEL.
  if (std::getenv("LH_LOG_LEVEL") == nullptr) lh::mcp::log::set_level(lh::mcp::log::Level::warn);
  Json arguments = {{"time_frame_hours", options.hours}, {"document", options.document}};
  if (!options.start.empty()) arguments["start_time"] = options.start;
  if (!options.end.empty()) arguments["end_time"] = options.end;
  if (!options.scope.empty()) arguments["target_scope_query"] = options.scope;
  if (!options.techniques.empty()) arguments["techniques"] = split_list(options.techniques);
  if (!options.hypothesis.empty()) arguments["hunt_hypothesis"] = options.hypothesis;
  if (!options.case_id.empty()) arguments["hunt_case_id"] = options.case_id;
  if (options.max_events > 0) arguments["max_events_per_query"] = options.max_events;

  std::unique_ptr<server::HuntService> service;
  try {
    service = make_service(upstream);
  } catch (const std::exception& e) {
    std::cerr << "lateral-hunt: " << e.what() << "\n";
    return 2;
  }

  // SIGINT/SIGTERM stop the hunt at its next check; the partial report is still printed.
  std::stop_source stop;
  std::jthread signal_watch([&stop](std::stop_token done) {
    while (!done.stop_requested()) {
      if (lh::skill::cli::wait_for_termination(200)) {
        std::cerr << "\nlateral-hunt: stopping the hunt\n";
        stop.request_stop();
        return;
      }
    }
  });

  ProgressBar bar;
  lh::skill::workflow::ProgressSink progress;
  if (isatty(STDERR_FILENO)) {
    progress = [&bar](const std::string& step, double done, double total) { bar.update(step, done, total); };
  }
  auto outcome = server::run_hunt_call(*service, arguments, progress, stop.get_token());
  bar.finish();
  signal_watch.request_stop();

  if (outcome.is_error) {
    std::cerr << "lateral-hunt: " << outcome.text << "\n";
    return outcome.bad_input ? 2 : 1;
  }
  if (options.format == "json") {
    std::cout << outcome.report.dump(2) << "\n";
  } else {
    std::cout << lh::skill::report::render_markdown(outcome.report);
  }
  std::cout << std::flush;
  std::cerr << outcome.text << "\n";
  return outcome.report.value("status", "") == "complete" ? 0 : 1;
}

int main(int argc, char** argv) {
  CLI::App app{"lateral-hunt: hunt Windows lateral movement through MCP SIEM servers"};
  app.require_subcommand(1);
  std::string techniques_text;
  std::string scope;
  double hours = 72;

  auto* serve = app.add_subcommand("serve", "Run the MCP server (stdio by default, Streamable HTTP with --http)");
  UpstreamOptions upstream_options;
  std::string http_address;
  std::string port_file;
  serve->add_option("--http", http_address, "Serve Streamable HTTP on HOST:PORT (e.g. 127.0.0.1:8080; port 0: any free)");
  serve->add_option("--port-file", port_file, "With --http: write the bound port to this file once listening");
  add_upstream_options(serve, upstream_options);

  auto* hunt = app.add_subcommand("hunt", "Run one hunt and print its report (Markdown or JSON)");
  HuntCommandOptions hunt_options;
  add_upstream_options(hunt, upstream_options);
  hunt->add_option("--hours", hunt_options.hours, "Look-back in hours")->check(CLI::Range(0.001, 8760.0))->capture_default_str();
  hunt->add_option("--start", hunt_options.start, "RFC 3339 start of the hunt window (instead of --hours)");
  hunt->add_option("--end", hunt_options.end, "RFC 3339 end of the hunt window (default: now)");
  hunt->add_option("--scope", hunt_options.scope, "UDM query narrowing the hunt; combined as (<query>) AND (<scope>)");
  hunt->add_option("--techniques", hunt_options.techniques, "Comma-separated technique ids (default: all; see `queries`)");
  hunt->add_option("--hypothesis", hunt_options.hypothesis, "Why the hunt is run (shown in the report)");
  auto* case_option = hunt->add_option("--case", hunt_options.case_id, "SOAR case tracking the hunt");
  hunt->add_flag("--document", hunt_options.document, "Post the report on --case (once)")->needs(case_option);
  hunt->add_option("--format", hunt_options.format, "Report format")
      ->check(CLI::IsMember({"markdown", "json"}))
      ->capture_default_str();
  hunt->add_option("--max-events", hunt_options.max_events, "Events fetched per search (default 1000)")
      ->check(CLI::Range(1, 10000));

  auto* queries = app.add_subcommand("queries", "Print the hunt's UDM queries without running them");
  auto* sweep = app.add_subcommand("sweep", "Run every hunt query through secops-local and report hits and negatives");
  for (auto* command : {queries, sweep}) {
    command->add_option("--techniques", techniques_text, "Comma-separated technique ids (default: all)");
    command->add_option("--scope", scope, "UDM query narrowing the hunt; combined as (<query>) AND (<scope>)");
    command->add_option("--hours", hours, "Look-back in hours")->check(CLI::Range(0.001, 8760.0))->capture_default_str();
  }
  std::vector<std::string> data{LH_DEFAULT_DEMO_DATA};
  std::string secops_local = default_secops_local();
  std::size_t parallelism = 8;
  sweep->add_option("--data", data, "Logs for secops-local (files, folders, .zip, .evtx)")->capture_default_str();
  sweep->add_option("--secops-local", secops_local, "The secops-local executable")->capture_default_str();
  sweep->add_option("--parallel", parallelism, "Searches in flight at once")->check(CLI::Range(1, 64))->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  // serve and hunt take SIGINT/SIGTERM themselves (sigwait); blocked before their first thread starts.
  if (serve->parsed() || hunt->parsed()) lh::skill::cli::block_termination_signals();
  if (serve->parsed()) return run_serve(upstream_options, http_address, port_file);
  if (hunt->parsed()) return run_hunt_command(upstream_options, hunt_options);

  std::vector<lh::skill::techniques::BuiltQuery> built;
  try {
    built = build_queries(split_list(techniques_text), scope, TimeFrame{.hours_back = hours});
  } catch (const lh::udm::ParseError& e) {
    std::cerr << "lateral-hunt: invalid --scope: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "lateral-hunt: " << e.what() << "\n";
    return 2;
  }

  if (queries->parsed()) {
    for (const auto& q : built) {
      std::cout << fmt::format("-- {} / {} [{}; events {}]\n{}\n\n", q.technique_id, q.query_id, q.title,
                               fmt::join(q.event_ids, ","), q.udm);
    }
    return 0;
  }

  std::vector<std::string> args;
  for (const auto& path : data) args.push_back("--data"), args.push_back(path);
  auto factory = [&]() -> std::shared_ptr<lh::mcp::Transport> {
    lh::transport::StdioClientOptions options;
    options.name = "secops-local";
    options.process.command = secops_local;
    options.process.args = args;
    options.process.env = {{"LH_LOG_LEVEL", "warn"}};
    return std::make_shared<lh::transport::StdioClientTransport>(std::move(options));
  };
  lh::mcp::Client upstream(factory, {.info = {"lateral-hunt", "0.1.0"}});
  try {
    upstream.connect();
  } catch (const std::exception& e) {
    std::cerr << fmt::format("lateral-hunt: cannot start upstream secops-local ({}): {}\n", secops_local, e.what());
    return 1;
  }
  const auto outcomes = lh::skill::run_sweep(upstream, built, {.parallelism = parallelism});
  std::cout << fmt::format("# Lateral-movement sweep\n\nUpstream: secops-local over stdio, data: {}\n"
                           "Look-back: {} h{}\nQueries: {}\n\n",
                           fmt::join(data, ", "), hours, scope.empty() ? "" : fmt::format(", scope: `{}`", scope),
                           built.size());
  std::cout << lh::skill::sweep_report(outcomes);
  upstream.close();
  for (const auto& o : outcomes) {
    if (o.error) return 1;
  }
  return 0;
}
