// bench_http_load: issue 5.3's HTTP abuse and load run with its figures printed. An MCP server with
// a quick `echo` tool runs in this process behind StreamableHttpServer; N sessions (default 64),
// each on its own keep-alive connection, call tools/call M times (default 10,000) while another
// thread sends slow half-sent requests, wrong bearer tokens, bad Origin and Host headers, oversized
// bodies and extra sessions against the cap. RSS is this process's (server and load generator).
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "tests/transport/echo_http_server.hpp"
#include "tests/transport/http_load_driver.hpp"

int main(int argc, char** argv) {
  CLI::App app{"HTTP abuse and load: calls/s, p50/p99, errors, RSS, refused abuse"};
  std::size_t sessions = 64;
  std::size_t calls = 10000;
  std::size_t max_sessions = 72;
  bool abuse = true;
  app.add_option("--sessions", sessions, "MCP sessions, one connection each");
  app.add_option("--calls", calls, "tools/call per session");
  app.add_option("--max-sessions", max_sessions, "the server's session cap");
  app.add_flag("!--no-abuse", abuse, "skip the abuse thread");
  CLI11_PARSE(app, argc, argv);

  lh::transport::StreamableHttpServerOptions options;
  options.bearer_token = "bench-token";
  options.max_sessions = max_sessions;
  options.max_body_bytes = 64 * 1024;
  options.request_timeout = std::chrono::milliseconds(500);
  lh::transport::test::EchoHttpServer server(options);

  lh::transport::test::LoadPlan plan;
  plan.port = server.http().port();
  plan.sessions = sessions;
  plan.calls_per_session = calls;
  plan.bearer_token = *options.bearer_token;
  plan.max_body_bytes = options.max_body_bytes;
  plan.max_sessions = max_sessions;
  plan.session_count = [&] { return server.http().session_count(); };
  plan.abuse = abuse;
  auto report = lh::transport::test::LoadRun(plan).run();

  std::printf("| sessions | calls | seconds | calls/s | p50 µs | p99 µs | errors | RSS warm MiB | RSS end MiB |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::printf("| %zu | %zu | %.1f | %.0f | %.0f | %.0f | %zu | %.1f | %.1f |\n", sessions, report.calls,
              report.seconds, static_cast<double>(report.calls) / report.seconds, report.p50_us, report.p99_us,
              report.errors, report.rss_warm_kb / 1024.0, report.rss_end_kb / 1024.0);
  std::printf("\nrefused as required: 408 slow sender x%zu, 401 wrong bearer x%zu, 403 Origin x%zu, 403 Host x%zu, "
              "413 oversized x%zu; extra sessions %zu (cap %zu, most seen %zu); abuse answered wrongly: %zu\n",
              report.slow_408, report.bearer_401, report.origin_403, report.host_403, report.oversized_413,
              report.extra_sessions, max_sessions, report.max_sessions_seen, report.abuse_wrong);
  if (!report.first_error.empty()) std::printf("first error: %s\n", report.first_error.c_str());
  if (!report.first_abuse_wrong.empty()) std::printf("first wrong abuse answer: %s\n", report.first_abuse_wrong.c_str());
  return report.errors == 0 && report.abuse_wrong == 0 ? 0 : 1;
}
