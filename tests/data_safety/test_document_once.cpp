// One comment per hunt and case, whatever happens between attempts: a post whose answer is lost while
// the upstream writes it, a post that lands only after the caller gave up, concurrent requests in two
// server processes, and a server killed mid-post and started again. Real lateral-hunt servers,
// secops-local behind the fault relay, the real case store read directly.
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "skill/report/report.hpp"
#include "tests/data_safety/support.hpp"

namespace st = lh::safety_test;
using st::Json;

namespace {

struct Documented {
  bool is_error = false;
  Json result;       // structuredContent
  std::string text;  // the text blocks
};

class DocumentSetup {
 public:
  DocumentSetup() : dir_("document") {
    case_id = st::create_case(cases(), "Lateral movement hunt tracking");
    // One stored report to post, from a quick hunt on a plain secops-local.
    st::write_file(dir_.file("plain.json"), plain_config());
    st::HuntServer server(dir_.file("plain.json"), reports(), log());
    const auto result = server.client()->call_tool("lateral_movement_hunt", st::quick_hunt_arguments());
    INFO(result.joined_text());
    REQUIRE_FALSE(result.is_error);
    report_id = result.structured_content->at("hunt_id").get<std::string>();
    marker = lh::skill::report::fingerprint_marker(result.structured_content->at("hunt_fingerprint").get<std::string>());
  }

  std::string cases() const { return dir_.file("cases.db"); }
  std::string reports() const { return dir_.file("reports.db"); }
  std::string log() const { return dir_.file("lateral-hunt.log"); }
  std::string plain_config() const {
    return st::single_upstream_config(LH_TEST_SECOPS_LOCAL, st::secops_local_args(cases()));
  }
  // secops-local behind the relay, post_case_comment slowed by `mode` (--hold-answer-ms / --hold-call-ms).
  std::string relay_config_file(const std::string& name, const std::string& mode, long hold_ms, long timeout_ms) const {
    std::vector<std::string> args = {"--tool", "post_case_comment", mode, std::to_string(hold_ms), "--",
                                     LH_TEST_SECOPS_LOCAL};
    for (const auto& arg : st::secops_local_args(cases())) args.push_back(arg);
    const std::string path = dir_.file(name);
    st::write_file(path, st::single_upstream_config(LH_TEST_RELAY, args, timeout_ms));
    return path;
  }
  std::string plain_config_file() const { return dir_.file("plain.json"); }

  Documented document(lh::mcp::Client& client) const {
    const auto result =
        client.call_tool("document_hunt", {{"report_id", report_id}, {"case_id", std::to_string(case_id)}});
    return {result.is_error, result.structured_content.value_or(Json::object()), result.joined_text()};
  }
  std::size_t comments() const { return st::comments_containing(cases(), case_id, marker); }
  // Waits (bounded) until the upstream has written the comment; the count then.
  std::size_t comments_once_written() const {
    for (int attempt = 0; attempt < 600 && comments() == 0; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return comments();
  }
  std::string claim_state() const {
    const auto rows = st::sql_rows(reports(), "SELECT state FROM documentation");
    return rows.size() == 1 ? rows[0][0] : "(" + std::to_string(rows.size()) + " claims)";
  }

  std::int64_t case_id = 0;
  std::string report_id;
  std::string marker;

 private:
  st::TempDir dir_;
};

std::string error_of(const Json& result) {
  return result.value("error", Json()).is_string() ? result["error"].get<std::string>() : "";
}

}  // namespace

TEST_CASE("a post whose answer is lost while the upstream writes it is not repeated, before or after a restart") {
  DocumentSetup setup;
  {
    // The comment is written at once; its answer comes 4 s later, after the 1 s deadline.
    st::HuntServer server(setup.relay_config_file("answer-lost.json", "--hold-answer-ms", 4000, 1000), setup.reports(),
                          setup.log());
    auto client = server.client();
    const auto first = setup.document(*client);
    INFO(first.text);
    CHECK(first.is_error);
    CHECK(first.result.value("status", "") == "failed");
    CHECK(error_of(first.result).find("got no answer") != std::string::npos);
    CHECK(setup.claim_state() == "unknown");
    REQUIRE(setup.comments_once_written() == 1);

    // The retry reads the case's comments before posting and finds the comment.
    const auto second = setup.document(*client);
    INFO(second.text);
    CHECK_FALSE(second.is_error);
    CHECK(second.result.value("status", "") == "already_posted");
    CHECK(second.result.value("comment_found", false));
    CHECK(error_of(second.result).find("the comment already exists") != std::string::npos);
    CHECK(second.text.find("already posted") != std::string::npos);
    CHECK(setup.claim_state() == "posted");
    CHECK(setup.comments() == 1);
  }
  // A restarted server (no relay this time) finds it too.
  st::HuntServer restarted(setup.plain_config_file(), setup.reports(), setup.log());
  const auto third = setup.document(*restarted.client());
  INFO(third.text);
  CHECK(third.result.value("status", "") == "already_posted");
  CHECK(third.result.value("comment_found", false));
  CHECK(setup.comments() == 1);
}

TEST_CASE("a post that lands after the caller gave up is waited for, never posted a second time") {
  DocumentSetup setup;
  // The post reaches secops-local 3 s after it was sent, 2 s after the caller's deadline.
  st::HuntServer server(setup.relay_config_file("lands-late.json", "--hold-call-ms", 3000, 1000), setup.reports(),
                        setup.log());
  auto client = server.client();
  const auto first = setup.document(*client);
  INFO(first.text);
  CHECK(first.result.value("status", "") == "failed");
  CHECK(error_of(first.result).find("got no answer") != std::string::npos);

  // Retried at once: the comment is not on the case (yet), and the unanswered post may still land.
  const auto second = setup.document(*client);
  INFO(second.text);
  const std::string second_status = second.result.value("status", "");
  CHECK(second_status != "posted");
  if (second_status == "failed") {
    CHECK(error_of(second.result).find("not posting again while it may still arrive") != std::string::npos);
  }

  REQUIRE(setup.comments_once_written() == 1);
  const auto third = setup.document(*client);
  INFO(third.text);
  CHECK(third.result.value("status", "") == "already_posted");
  CHECK(third.result.value("comment_found", false));
  CHECK(setup.comments() == 1);
}

TEST_CASE("concurrent document_hunt calls in two server processes post one comment") {
  DocumentSetup setup;
  // Each post's answer takes 700 ms, so the calls overlap.
  const auto config = setup.relay_config_file("slow-answer.json", "--hold-answer-ms", 700, 30000);
  st::HuntServer first_server(config, setup.reports(), setup.log());
  st::HuntServer second_server(config, setup.reports(), setup.log());
  auto a = first_server.client();
  auto b = first_server.client();
  auto c = second_server.client();
  // Connected before the calls, so that the three go out together.
  a->list_tools();
  b->list_tools();
  c->list_tools();
  auto run = [&](lh::mcp::Client& client) { return std::async(std::launch::async, [&] { return setup.document(client); }); };
  auto fa = run(*a), fb = run(*b), fc = run(*c);
  std::vector<Documented> results = {fa.get(), fb.get(), fc.get()};
  int posted = 0, already = 0;
  for (const auto& result : results) {
    INFO(result.text);
    const std::string status = result.result.value("status", "");
    posted += status == "posted" ? 1 : 0;
    already += status == "already_posted" ? 1 : 0;
  }
  CHECK(posted == 1);
  CHECK(already == 2);
  CHECK(setup.comments() == 1);
  CHECK(setup.claim_state() == "posted");
}

TEST_CASE("a server killed mid-post and started again does not post the comment twice") {
  DocumentSetup setup;
  {
    // The comment is written at once and its answer held for 8 s; the server is killed meanwhile.
    st::HuntServer server(setup.relay_config_file("killed.json", "--hold-answer-ms", 8000, 60000), setup.reports(),
                          setup.log());
    auto client = server.client();
    auto pending = std::async(std::launch::async, [&] {
      try {
        return setup.document(*client);
      } catch (const std::exception& error) {
        return Documented{true, Json::object(), error.what()};
      }
    });
    REQUIRE(setup.comments_once_written() == 1);
    CHECK(setup.claim_state() == "posting");
    server.process().kill_hard();
    CHECK(pending.get().result.value("status", "") != "posted");
  }
  st::HuntServer restarted(setup.plain_config_file(), setup.reports(), setup.log());
  const auto retry = setup.document(*restarted.client());
  INFO(retry.text);
  CHECK(retry.result.value("status", "") == "already_posted");
  CHECK(retry.result.value("comment_found", false));
  CHECK(error_of(retry.result).find("the comment already exists") != std::string::npos);
  CHECK(setup.comments() == 1);
  CHECK(setup.claim_state() == "posted");
}
