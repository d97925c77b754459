// The no-config default upstream: the embedded SIEM (secops-local) as a stdio child.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "skill/gateway/gateway.hpp"

namespace lh::skill::gateway {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kServerName = "secops-local";
constexpr std::string_view kExecutable = "secops-local";

bool is_executable_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<fs::path> running_executable_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec || self.empty()) return std::nullopt;
  return self.parent_path();
}

std::optional<fs::path> search_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string_view rest(path);
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / name;
    if (is_executable_file(candidate)) return candidate;
  }
  return std::nullopt;
}

}  // namespace

GatewayConfig Gateway::local_config(const std::string& secops_local, const std::vector<std::string>& data_paths,
                                    const std::vector<std::string>& extra_args) {
  StdioServer stdio;
  stdio.command = secops_local;
  for (const auto& path : data_paths) {
    stdio.args.push_back("--data");
    stdio.args.push_back(path);
  }
  stdio.args.insert(stdio.args.end(), extra_args.begin(), extra_args.end());

  ServerConfig server;
  server.name = std::string(kServerName);
  server.launch = std::move(stdio);
  // The embedded SIEM answers from memory on its own worker pool: a hunt's parallel queries need not
  // queue here as well. 96 fits the first wave whole: the 54 hunt queries beside the 12 research
  // questions (and the case listing), which at 64 left the last queries waiting one extra round trip.
  server.limits.concurrency = 96;

  GatewayConfig config;
  config.servers.emplace(server.name, server);
  config.roles.emplace("siem", server.name);
  config.roles.emplace("cases", server.name);
  // With an IoC feed (--iocs) it also answers gti-mcp's report tools; without one they are not listed and
  // the hunt simply has no intel reports to ask for.
  config.roles.emplace("intel", server.name);
  return config;
}

std::string find_secops_local() {
  if (const char* configured = std::getenv("LH_SECOPS_LOCAL"); configured != nullptr && *configured != '\0') {
    return configured;
  }
  if (auto dir = running_executable_dir()) {
    // Installed side by side, then the build tree (build/skill/cli/lateral-hunt next to build/siem/secops-local).
    for (const fs::path& candidate : {*dir / kExecutable, *dir / ".." / ".." / "siem" / kExecutable}) {
      if (is_executable_file(candidate)) return candidate.lexically_normal().string();
    }
  }
  if (auto found = search_path(kExecutable)) return found->string();
  return std::string(kExecutable);
}

}  // namespace lh::skill::gateway
