// lh_interop_server: a small MCP server for interop tests with the official TypeScript SDK, the
// Inspector and our own client. Tools:
//   echo {message}                  -> text: the message
//   add {a, b}                      -> structuredContent {sum} (declared outputSchema)
//   slow_progress {steps, interval_ms} -> one progress notification per step; stops when cancelled
//   last_cancelled {}               -> {outcome, cancelled, steps_done} of the latest slow_progress
//   fail {}                         -> an isError result
// With --page-size 2 the five tools span three tools/list pages.
//   lh_interop_server [--page-size N] [--port 0] [--port-file FILE] | --stdio
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string>

#include <CLI/CLI.hpp>

#include "mcp/server.hpp"
#include "tests/conformance/serve.hpp"

namespace {

using lh::mcp::Json;
using lh::mcp::ToolContext;
using lh::mcp::ToolResult;

// What the latest slow_progress run did, for last_cancelled: the side channel through which a
// client checks that cancelling really stopped the handler.
class SlowRunLedger {
 public:
  void started() {
    std::lock_guard lock(mutex_);
    ++running_;
    outcome_ = "running";
    steps_done_ = 0;
  }
  void finished(bool cancelled, int steps_done) {
    {
      std::lock_guard lock(mutex_);
      --running_;
      outcome_ = cancelled ? "cancelled" : "completed";
      steps_done_ = steps_done;
    }
    changed_.notify_all();
  }
  // Waits (bounded) for runs in progress to end, so that a cancellation the client just sent has
  // had its effect before we report.
  Json report(std::chrono::milliseconds patience) {
    std::unique_lock lock(mutex_);
    const bool settled = changed_.wait_for(lock, patience, [&] { return running_ == 0; });
    return Json{{"outcome", settled ? outcome_ : std::string("still running")},
                {"cancelled", settled && outcome_ == "cancelled"},
                {"steps_done", steps_done_}};
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int running_ = 0;
  std::string outcome_ = "none";
  int steps_done_ = 0;
};

// Sleeps for `duration` unless a stop is requested first; returns false when stopped.
bool sleep_unless_stopped(std::stop_token stop, std::chrono::milliseconds duration) {
  std::mutex mutex;
  std::condition_variable_any never_notified;
  std::unique_lock lock(mutex);
  return !never_notified.wait_for(lock, stop, duration, [] { return false; }) && !stop.stop_requested();
}

void register_tools(lh::mcp::Server& server, SlowRunLedger& ledger) {
  server.add_tool({.name = "echo",
                   .description = "Returns the message",
                   .input_schema = Json::parse(R"({"type": "object",
                     "properties": {"message": {"type": "string", "description": "Text to send back"}},
                     "required": ["message"]})"),
                   .annotations = {.read_only_hint = true, .destructive_hint = false, .idempotent_hint = true,
                                   .open_world_hint = false},
                   .handler = [](const Json& arguments, ToolContext&) {
                     return ToolResult::text(arguments.at("message").get<std::string>());
                   },
                   .quick = true});
  server.add_tool({.name = "add",
                   .description = "Adds two numbers",
                   .input_schema = Json::parse(R"({"type": "object",
                     "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                     "required": ["a", "b"]})"),
                   .output_schema = Json::parse(R"({"type": "object",
                     "properties": {"sum": {"type": "number"}}, "required": ["sum"]})"),
                   .handler = [](const Json& arguments, ToolContext&) {
                     const double sum = arguments.at("a").get<double>() + arguments.at("b").get<double>();
                     return ToolResult::structured(Json{{"sum", sum}});
                   }});
  server.add_tool(
      {.name = "slow_progress",
       .description = "Works for `steps` steps of `interval_ms` each, reporting progress after each; stops when cancelled",
       .input_schema = Json::parse(R"({"type": "object",
         "properties": {"steps": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 5},
                        "interval_ms": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 100}}})"),
       .handler = [&ledger](const Json& arguments, ToolContext& context) {
         const int steps = arguments.value("steps", 5);
         const std::chrono::milliseconds interval(arguments.value("interval_ms", 100));
         ledger.started();
         int done = 0;
         for (; done < steps; ++done) {
           if (!sleep_unless_stopped(context.stop_token(), interval)) break;
           context.progress(done + 1, steps, "step " + std::to_string(done + 1) + " of " + std::to_string(steps));
         }
         const bool cancelled = done < steps;
         ledger.finished(cancelled, done);
         if (cancelled) return ToolResult::error("cancelled after " + std::to_string(done) + " steps");
         return ToolResult::text("completed " + std::to_string(steps) + " steps");
       }});
  server.add_tool({.name = "last_cancelled",
                   .description = "Tells whether the latest slow_progress run was cancelled",
                   .input_schema = Json{{"type", "object"}, {"properties", Json::object()}},
                   .output_schema = Json::parse(R"({"type": "object",
                     "properties": {"outcome": {"type": "string"}, "cancelled": {"type": "boolean"},
                                    "steps_done": {"type": "integer"}},
                     "required": ["outcome", "cancelled", "steps_done"]})"),
                   .handler = [&ledger](const Json&, ToolContext&) {
                     return ToolResult::structured(ledger.report(std::chrono::seconds(10)));
                   }});
  server.add_tool({.name = "fail",
                   .description = "Always answers with an isError result",
                   .input_schema = Json{{"type", "object"}, {"properties", Json::object()}},
                   .handler = [](const Json&, ToolContext&) { return ToolResult::error("failure on request"); }});
}

}  // namespace

int main(int argc, char** argv) {
  lh::testserver::block_termination_signals();
  CLI::App app{"MCP server for interop tests"};
  lh::testserver::ServeOptions serve_options;
  lh::testserver::add_serve_flags(app, serve_options);
  std::size_t page_size = 100;
  app.add_option("--page-size", page_size, "Entries per tools/list page")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  lh::mcp::Server server({.info = {"lh-interop-server", "0.1.0"}, .page_size = page_size});
  SlowRunLedger ledger;
  register_tools(server, ledger);
  return lh::testserver::serve(server, serve_options);
}
