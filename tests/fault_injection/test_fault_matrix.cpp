// Every hunt tool of `lateral-hunt serve` through every upstream fault, over a stdio upstream and over
// a Streamable HTTP upstream (lh_fault_upstream in front of a real secops-local). For each fault and
// each tool whose upstream calls the fault can reach:
//   - the call returns (the client's own limit is far above the configured per-call deadlines);
//   - a fault that does not heal within the call's attempts gives an explicit answer: isError, or a
//     result whose status says failed/partial/incomplete, naming the upstream and what went wrong;
//   - a fault the gateway can ride out (garbage lines, a slow answer, one late answer, a forgotten
//     HTTP session) gives the normal answer;
//   - with the fault lifted, the same call answers normally: the server stayed up, a crashed stdio
//     upstream was started again, a forgotten HTTP session was initialized anew.
// build_hunt_queries calls no upstream, so no fault reaches it; it is called last to show the server
// still answers.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mcp/client.hpp"
#include "siem/case_store.hpp"
#include "tests/fault_injection/fault_plan.hpp"
#include "transport/line_reader.hpp"
#include "transport/stdio_client.hpp"
#include "transport/subprocess.hpp"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using lh::test::faults::FaultKind;

enum class Wire { stdio, http };

// The gateway's per-call deadline and attempts in the rig's config: short, so that a hang costs
// seconds, yet far above what a secops-local answer on the demo data takes (also under ASan).
constexpr int kCallTimeoutMs = 1500;
constexpr int kAttempts = 2;
// The bound every hunt-tool call must return within (generous: it only catches a hang).
constexpr auto kCallBound = std::chrono::seconds(120);

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether any object in `value` has a status that admits a failure.
bool reports_failure(const Json& value) {
  if (value.is_object()) {
    if (auto status = value.find("status"); status != value.end() && status->is_string()) {
      const auto& text = status->get_ref<const std::string&>();
      if (text == "failed" || text == "partial" || text == "incomplete") return true;
    }
    for (const auto& [key, item] : value.items()) {
      if (reports_failure(item)) return true;
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (reports_failure(item)) return true;
    }
  }
  return false;
}

// The fault upstream and lateral-hunt on it, in a private folder.
class FaultRig {
 public:
  // `concurrency`: the gateway's calls in flight to the upstream.
  explicit FaultRig(Wire wire, int concurrency = 64) : wire_(wire) {
    try {
      start(concurrency);
    } catch (...) {
      // No destructor runs for a constructor that throws: without this, the log the front's readers
      // write would be destroyed under them and their joinable threads would end the run (std::terminate).
      stop();
      throw;
    }
  }

  ~FaultRig() { stop(); }

  FaultRig(const FaultRig&) = delete;
  FaultRig& operator=(const FaultRig&) = delete;

 private:
  void start(int concurrency) {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() / fmt::format("lh-fault-rig-{}-{}", ::getpid(), counter++);
    fs::create_directories(dir_);
    control_ = (dir_ / "control").string();
    state_ = (dir_ / "state.json").string();
    set_faults({});

    // The case the hunt is documented on and find_related_cases finds.
    const std::string cases = (dir_ / "cases.db").string();
    {
      lh::siem::CaseStore store(cases);
      lh::siem::NewCase fields;
      fields.display_name = "Suspicious PsExec from WKS-017";
      fields.entities = {"WKS-017", "FILESRV01", "10.20.0.18"};
      case_id_ = store.create_case(fields);
    }
    cases_ = cases;

    const std::vector<std::string> secops = {LH_TEST_SECOPS_LOCAL, "--data", LH_TEST_DEMO_DATA, "--cases", cases,
                                             "--log-level", "warn"};
    Json server;
    if (wire_ == Wire::stdio) {
      Json args = {"--control", control_, "--state", state_, "--"};
      for (const auto& arg : secops) args.push_back(arg);
      server = {{"command", LH_TEST_FAULT_UPSTREAM}, {"args", args}};
    } else {
      server = {{"url", start_http_front(secops)}};
    }
    const Json config = {{"mcpServers", {{"secops", server}}},
                         {"roles", {{"siem", "secops"}, {"cases", "secops"}, {"intel", "secops"}}},
                         {"limits", {{"secops", {{"timeoutMs", kCallTimeoutMs}, {"attempts", kAttempts},
                                                 {"concurrency", concurrency}}}}}};
    const std::string config_path = (dir_ / "gateway.json").string();
    std::ofstream(config_path) << config.dump(2);

    const std::string reports = (dir_ / "reports.db").string();
    auto factory = [config_path, reports]() -> std::shared_ptr<lh::mcp::Transport> {
      lh::transport::StdioClientOptions options;
      options.name = "lateral-hunt";
      options.process.command = LH_TEST_LATERAL_HUNT;
      options.process.args = {"serve", "--config", config_path, "--reports", reports, "--admin-hosts",
                              "ADMIN-JUMP01,DEPLOY01"};
      options.process.env = {{"LH_LOG_LEVEL", "error"}};
      return std::make_shared<lh::transport::StdioClientTransport>(std::move(options));
    };
    lh::mcp::ClientOptions client_options;
    client_options.request_timeout = kCallBound;
    client_options.connect_attempts = 1;
    client_ = std::make_unique<lh::mcp::Client>(factory, client_options);
    client_->connect();
  }

  void stop() {
    if (client_) client_->close();
    client_.reset();
    if (front_) {
      // SIGTERM lets the front stop its own secops-local (in a process group of its own).
      front_->signal_group(SIGTERM);
      if (!front_->wait_for_exit(std::chrono::seconds(15))) front_->signal_group(SIGKILL);
      front_->wait_for_exit(std::chrono::seconds(15));
    }
    for (auto& thread : front_readers_) {
      if (thread.joinable()) thread.join();
    }
    front_.reset();
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }

 public:

  // From now on, these rules (counting each tool's calls from 1 again).
  void set_faults(const std::vector<std::string>& rules) {
    std::string text = fmt::format("generation {}\n", ++generation_);
    for (const auto& rule : rules) text += rule + "\n";
    const std::string temporary = control_ + ".tmp";
    std::ofstream(temporary) << text;
    fs::rename(temporary, control_);
  }

  // {"starts", "initializes", "calls": {tool: n}} as the fault upstream counted them.
  Json counters() const {
    Json state = Json::parse(read_text(state_), nullptr, false);
    return state.is_object() ? state : Json::object();
  }
  int counter(const char* name) const { return counters().value(name, 0); }

  lh::mcp::ToolResult call(const std::string& tool, const Json& arguments) {
    return client_->call_tool(tool, arguments);
  }
  lh::mcp::Client& client() { return *client_; }
  std::string case_id() const { return std::to_string(case_id_); }

  // How many comments on the case carry `marker`.
  std::size_t comments_with(const std::string& marker) const {
    lh::siem::CaseStore store(cases_);
    std::size_t count = 0;
    for (const auto& comment : store.list_case_comments(case_id_)) {
      if (contains(comment.comment, marker)) ++count;
    }
    return count;
  }

  std::string front_log() const {
    std::lock_guard lock(log_mutex_);
    return front_log_;
  }

 private:
  std::string start_http_front(const std::vector<std::string>& secops) {
    const std::string port_file = (dir_ / "port").string();
    lh::transport::SubprocessOptions options;
    options.command = LH_TEST_FAULT_UPSTREAM;
    options.args = {"--http", "127.0.0.1:0", "--port-file", port_file, "--control", control_, "--state", state_, "--"};
    options.args.insert(options.args.end(), secops.begin(), secops.end());
    front_ = lh::transport::Subprocess::spawn(options);
    for (int fd : {front_->stdout_fd(), front_->stderr_fd()}) {
      front_readers_.emplace_back([this, fd] {
        lh::transport::LineReader reader(fd);
        reader.run([this](std::string_view line) {
          std::lock_guard lock(log_mutex_);
          if (front_log_.size() < 256 * 1024) front_log_.append(line).append("\n");
        });
      });
    }
    // Bounded wait for the port (start-up only).
    for (int waited = 0; waited < 120000; waited += 50) {
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port && port > 0) return fmt::format("http://127.0.0.1:{}/mcp", port);
      if (front_->exited()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("lh_fault_upstream --http did not start:\n" + front_log());
  }

  Wire wire_;
  fs::path dir_;
  std::string control_;
  std::string state_;
  std::string cases_;
  std::int64_t case_id_ = 0;
  long generation_ = 0;
  std::unique_ptr<lh::transport::Subprocess> front_;
  std::vector<std::thread> front_readers_;
  mutable std::mutex log_mutex_;
  std::string front_log_;
  std::unique_ptr<lh::mcp::Client> client_;
};

// One hunt tool and the upstream tool the fault is put on.
struct Row {
  std::string tool;
  std::string upstream_tool;
  Json arguments;
  bool writes = false;  // post_case_comment: never retried
};

Json hunt_arguments() {
  return {{"time_frame_hours", 72},
          {"techniques", {"psexec"}},
          {"hunt_hypothesis", "PsExec from a phished workstation"},
          {"admin_hosts", {"ADMIN-JUMP01", "DEPLOY01"}}};
}

std::vector<Row> rows() {
  return {
      // The research step fails (every get_threat_intel call); the queries still run.
      {"lateral_movement_hunt", "get_threat_intel", hunt_arguments()},
      // Every search fails.
      {"lateral_movement_hunt", "search_udm", hunt_arguments()},
      {"correlate_smb", "search_udm",
       {{"source", "10.20.0.18"}, {"target", "10.10.0.20"}, {"time", "2024-03-05T10:58:14Z"}, {"time_frame_hours", 72}}},
      {"research_techniques", "get_threat_intel", {{"techniques", {"T1021.002"}}}},
      {"enrich_entities", "lookup_entity", {{"entities", {"WKS-017", "FILESRV01"}}}},
      {"find_related_cases", "list_cases", {{"entities", {"WKS-017"}}}},
      // report_id is filled in from a stored hunt.
      {"document_hunt", "post_case_comment", Json::object(), true},
  };
}

enum class Expect {
  explicit_failure,  // the fault lasts through every attempt
  normal_answer,     // the gateway rides it out
};

struct Fault {
  std::string name;     // for messages
  std::string kind;     // the rule's KIND
  std::string calls;    // the rule's CALLS
  Expect expect;
  std::string failure_words;  // lower case, "|" separated: one of them is in an explicit failure's text
  bool for_writes = true;     // also put on post_case_comment
  // A post under this fault gets no answer, so nobody can tell whether it landed: the workflow then
  // refuses to post again until the case's comments show it or a long wait has passed.
  bool leaves_post_uncertain = false;
};

std::string text_of(const lh::mcp::ToolResult& result) {
  std::string text = result.joined_text();
  if (result.structured_content) text += "\n" + result.structured_content->dump();
  return text;
}

bool mentions_any(const std::string& text, const std::string& words) {
  const std::string lower = lowered(text);
  std::size_t start = 0;
  while (start <= words.size()) {
    const auto bar = words.find('|', start);
    const std::string word = words.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (!word.empty() && contains(lower, word)) return true;
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return false;
}

void check_normal_answer(const Row& row, const lh::mcp::ToolResult& result) {
  INFO(row.tool, " answer: ", text_of(result).substr(0, 4000));
  CHECK_FALSE(result.is_error);
  REQUIRE(result.structured_content);
  if (row.tool == "document_hunt") {
    const std::string status = result.structured_content->value("status", "");
    CHECK((status == "posted" || status == "already_posted"));
  } else {
    CHECK_FALSE(reports_failure(*result.structured_content));
  }
  if (row.tool == "lateral_movement_hunt") CHECK(result.structured_content->value("status", "") == "complete");
}

void check_explicit_failure(const Row& row, const Fault& fault, const lh::mcp::ToolResult& result) {
  const std::string text = text_of(result);
  INFO(row.tool, " answer: ", text.substr(0, 4000));
  // Never a quiet "nothing found": the answer is an error, or says which part failed.
  CHECK((result.is_error || (result.structured_content && reports_failure(*result.structured_content))));
  CHECK(contains(text, "'secops'"));
  CHECK(mentions_any(text, fault.failure_words));
  if (row.tool == "lateral_movement_hunt" && !result.is_error) {
    const Json& report = *result.structured_content;
    CHECK(report.value("status", "") == "incomplete");
    bool failed_step_named = false;
    for (const auto& step : report.value("steps", Json::array())) {
      if (step.value("status", "") != "ok" && step.value("error", Json()).is_string()) failed_step_named = true;
    }
    CHECK(failed_step_named);
  }
  if (row.tool == "lateral_movement_hunt" && row.upstream_tool == "get_threat_intel" && fault.kind != "crash") {
    // What did not fail is kept: the searches ran and their findings are in the report.
    REQUIRE(result.structured_content);
    CHECK_FALSE(result.is_error);
    CHECK_FALSE(result.structured_content->value("findings", Json::array()).empty());
  }
}

void run_matrix(Wire wire, const Fault& fault) {
  FaultRig rig(wire);
  INFO("fault ", fault.name, " over ", wire == Wire::stdio ? "a stdio" : "an HTTP", " upstream");
  std::string report_id;
  for (Row row : rows()) {
    if (row.writes && !fault.for_writes) continue;
    if (row.tool == "document_hunt") {
      REQUIRE_FALSE(report_id.empty());
      row.arguments = {{"report_id", report_id}, {"case_id", rig.case_id()}};
    }
    CAPTURE(row.tool);
    CAPTURE(row.upstream_tool);
    const int starts_before = rig.counter("starts");
    const int initializes_before = rig.counter("initializes");

    rig.set_faults({fmt::format("{}:{}@{}", row.upstream_tool, fault.kind, fault.calls)});
    lh::mcp::ToolResult faulted;
    try {
      faulted = rig.call(row.tool, row.arguments);
    } catch (const std::exception& e) {
      FAIL_CHECK(row.tool, " did not answer under ", fault.name, ": ", e.what());
      continue;
    }
    // The fault must really have been met.
    CHECK(rig.counters()["calls"].value(row.upstream_tool, 0) >= 1);
    if (fault.expect == Expect::explicit_failure) {
      check_explicit_failure(row, fault, faulted);
    } else {
      check_normal_answer(row, faulted);
    }
    if (fault.kind == "http-404") CHECK(rig.counter("initializes") > initializes_before);

    rig.set_faults({});
    lh::mcp::ToolResult healed;
    try {
      healed = rig.call(row.tool, row.arguments);
    } catch (const std::exception& e) {
      FAIL_CHECK(row.tool, " did not answer after ", fault.name, " was lifted: ", e.what());
      continue;
    }
    if (row.tool == "document_hunt" && fault.leaves_post_uncertain && healed.is_error) {
      // Not posted again while the first post may still arrive: explicit, and never a second comment.
      CHECK(contains(healed.joined_text(), "not posting again while it may still arrive"));
      CHECK(rig.comments_with("hunt-fingerprint") <= 1);
      continue;
    }
    check_normal_answer(row, healed);
    if (fault.kind == "crash") CHECK(rig.counter("starts") > starts_before);
    if (row.tool == "lateral_movement_hunt" && healed.structured_content && report_id.empty()) {
      report_id = healed.structured_content->value("hunt_id", "");
    }
    if (row.tool == "document_hunt") {
      // Posted exactly once, whatever the fault did to the first attempt.
      CHECK(rig.comments_with("hunt-fingerprint") == 1);
    }
  }
  // The server answers a call that needs no upstream, and a ping.
  const auto queries = rig.call("build_hunt_queries", {{"techniques", {"psexec"}}});
  CHECK_FALSE(queries.is_error);
  CHECK_NOTHROW(rig.client().ping());
}

const Fault kCrash{"crash", "crash", "*", Expect::explicit_failure, "connection", true, true};
const Fault kHang{"hang", "hang", "*", Expect::explicit_failure, "timed out|timeout", true, true};
const Fault kGarbage{"garbage", "garbage", "*", Expect::normal_answer, ""};
const Fault kErrorPayload{"error-payload", "error-payload", "*", Expect::explicit_failure, "error payload"};
const Fault kSlow{"slow (within the deadline)", "slow=300", "*", Expect::normal_answer, ""};
// Late past the deadline once: the retry answers. A write is not retried, so it is left out (its late
// post would land after the call gave up; exactly-once posting is the workflow's concern).
const Fault kSlowLate{"slow (past the deadline, once)", "slow=2500", "1", Expect::normal_answer, "", false};
const Fault kHttp404{"http-404 (session forgotten, once)", "http-404", "1", Expect::normal_answer, ""};
// A 5xx may come from a proxy after the request went on, so a post answered 5xx counts as uncertain.
const Fault kHttp5xx{"http-5xx", "http-5xx", "*", Expect::explicit_failure, "503", true, true};
const Fault kCloseMidStream{"close-mid-stream", "close-mid-stream", "*", Expect::explicit_failure, "stream|connection closed", true, true};

}  // namespace

TEST_CASE("stdio upstream: crash") { run_matrix(Wire::stdio, kCrash); }
TEST_CASE("stdio upstream: hang") { run_matrix(Wire::stdio, kHang); }
TEST_CASE("stdio upstream: garbage on stdout") { run_matrix(Wire::stdio, kGarbage); }
TEST_CASE("stdio upstream: error payload") { run_matrix(Wire::stdio, kErrorPayload); }
TEST_CASE("stdio upstream: slow") { run_matrix(Wire::stdio, kSlow); }
TEST_CASE("stdio upstream: late once") { run_matrix(Wire::stdio, kSlowLate); }

TEST_CASE("http upstream: hang") { run_matrix(Wire::http, kHang); }
TEST_CASE("http upstream: garbage events") { run_matrix(Wire::http, kGarbage); }
TEST_CASE("http upstream: error payload") { run_matrix(Wire::http, kErrorPayload); }
TEST_CASE("http upstream: slow") { run_matrix(Wire::http, kSlow); }
TEST_CASE("http upstream: late once") { run_matrix(Wire::http, kSlowLate); }
TEST_CASE("http upstream: session forgotten (404)") { run_matrix(Wire::http, kHttp404); }
TEST_CASE("http upstream: 5xx") { run_matrix(Wire::http, kHttp5xx); }
TEST_CASE("http upstream: close mid-stream") { run_matrix(Wire::http, kCloseMidStream); }

TEST_CASE("http upstream: calls given up on do not keep the connections the server's limit allows") {
  // Concurrency 1 gives the HTTP transport 3 connections. Three enrichments under a hang leave 6
  // requests unanswered; each must let go of its connection once it has been silent past the call's
  // deadline, or every later call would queue behind them (for the transport's 10-minute default).
  FaultRig rig(Wire::http, /*concurrency=*/1);
  const Json arguments = {{"entities", {"WKS-017"}}};
  rig.set_faults({"lookup_entity:hang@*"});
  for (int call = 0; call < 3; ++call) {
    const auto faulted = rig.call("enrich_entities", arguments);
    CHECK(mentions_any(text_of(faulted), "timed out|timeout"));
  }
  rig.set_faults({});
  // Long enough for the silent requests to be dropped (the call deadline rounded up, plus 1 s, plus
  // a margin); no assertion on time, only on the answer.
  std::this_thread::sleep_for(std::chrono::milliseconds(kCallTimeoutMs) + std::chrono::seconds(3));
  check_normal_answer(Row{"enrich_entities", "lookup_entity", arguments}, rig.call("enrich_entities", arguments));
}
