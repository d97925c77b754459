// lateral-hunt: the command line of the hunt.
//
//   lateral-hunt queries [--techniques psexec,wmi] [--scope UDM] [--hours 72]
//       prints the UDM queries (valid UDM search, ready for a SecOps console)
//   lateral-hunt sweep [--data PATH...] [--secops-local PATH] [--techniques ...] [--scope UDM] [--hours 72]
//       runs every query through secops-local's search_udm over MCP (stdio) and prints the
//       hit counts, the newest hits and the negative results
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "mcp/client.hpp"
#include "mcp/log.hpp"
#include "skill/cli/sweep.hpp"
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

int main(int argc, char** argv) {
  CLI::App app{"lateral-hunt: hunt Windows lateral movement through MCP SIEM servers"};
  app.require_subcommand(1);
  std::string techniques_text;
  std::string scope;
  double hours = 72;

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
  CLI11_PARSE(app, argc, argv);

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
