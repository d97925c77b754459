// What the acceptance tests drive: the built `lateral-hunt serve` as a child process spoken to over
// stdio with an MCP client (exactly as an agent would), secops-local as an HTTP server child, and the
// small comparisons the assertions need (host names, accounts, findings).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::mcp {
class Client;
}
namespace lh::transport {
class Subprocess;
}

namespace lh::acceptance {

using Json = nlohmann::json;

// Paths given by the build (tests/hunt_acceptance/CMakeLists.txt).
std::string lateral_hunt_executable();
std::string secops_local_executable();
std::filesystem::path otrf_directory();
std::filesystem::path demo_directory();

// The tool's answer: isError with its text, or the report (structuredContent).
struct HuntOutcome {
  bool is_error = false;
  std::string text;  // all text blocks
  Json report;       // structuredContent, null when absent
};

// `lateral-hunt serve <serve_args>` over stdio, with LH_SECOPS_LOCAL pointing at the built secops-local.
class HuntServer {
 public:
  explicit HuntServer(std::vector<std::string> serve_args);
  ~HuntServer();
  HuntServer(const HuntServer&) = delete;
  HuntServer& operator=(const HuntServer&) = delete;

  static std::unique_ptr<HuntServer> with_data(const std::vector<std::string>& data_paths);
  static std::unique_ptr<HuntServer> with_config(const std::filesystem::path& config_file);

  // tools/call lateral_movement_hunt. Protocol failures (no such tool, server died) throw.
  HuntOutcome hunt(const Json& arguments);

 private:
  std::unique_ptr<mcp::Client> client_;
};

// `secops-local --http 127.0.0.1:<free port> <args>`, ready (accepting connections) once constructed.
class SecopsLocalHttp {
 public:
  explicit SecopsLocalHttp(const std::vector<std::string>& args);
  ~SecopsLocalHttp();
  SecopsLocalHttp(const SecopsLocalHttp&) = delete;
  SecopsLocalHttp& operator=(const SecopsLocalHttp&) = delete;

  int port() const { return port_; }
  std::string url() const;
  std::string stderr_tail() const;

 private:
  int port_ = 0;
  std::unique_ptr<transport::Subprocess> process_;
  std::jthread stdout_drain_;
  std::jthread stderr_drain_;
  std::shared_ptr<std::string> stderr_text_;
};

// A file in the temp directory holding `content`, removed on destruction.
class TempFile {
 public:
  TempFile(const std::string& stem, const std::string& content);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A TCP port on 127.0.0.1 that nothing listens on (bound, read, released).
int unused_port();

// "workstation6.theshire.local" -> "WORKSTATION6"; IP addresses and empty strings stay as they are.
std::string short_host(const std::string& name);
// Accounts compare as lower-case DOMAIN\user with the domain cut at its first dot (THESHIRE.LOCAL ==
// THESHIRE); an expected account without a domain compares the user part only.
bool same_account(const std::string& expected, const std::string& actual);

// Null-safe string member of a JSON object ("" when absent or not a string).
std::string text_of(const Json& object, const char* key);
std::string source_host(const Json& finding);
std::string source_ip(const Json& finding);
std::string target_host(const Json& finding);

// One line per finding for failure messages: "F3 lateral_movement psexec WKS-017(10.20.0.18) -> FILESRV01 as
// ACME\it.helpdesk [high]".
std::string describe_finding(const Json& finding);
std::string describe_findings(const Json& report);
// The report's steps: "research=ok hunt_queries=ok correlation=partial (error...)".
std::string describe_steps(const Json& report);

}  // namespace lh::acceptance
