// lh_interop_client: drives an MCP server written with the official TypeScript SDK through our
// lh::mcp::Client, over stdio (a child process) or Streamable HTTP, and checks what comes back.
//   lh_interop_client --kind interop [--expect-pages N] --url http://127.0.0.1:PORT/mcp
//   lh_interop_client --kind everything -- node .../server-everything/dist/index.js stdio
// Kinds: "interop" is a server with the tool set of tests/interop (echo, add, slow_progress,
// last_cancelled, fail): ts-server.mjs or our own lh_interop_server; "everything" is
// @modelcontextprotocol/server-everything (also: prompts, completion, a templated resource, and a
// sampling request it sends us mid-call). Prints one line per check and "N passed, M failed";
// exits non-zero on any mismatch.
#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "mcp/client.hpp"
#include "transport/http_client.hpp"
#include "transport/stdio_client.hpp"

namespace {

using lh::mcp::Json;
using lh::mcp::McpError;
using namespace std::chrono_literals;

// A failed expectation inside a check; its message says what differed.
struct Mismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void expect(bool condition, const std::string& what) {
  if (!condition) throw Mismatch(what);
}

class Checks {
 public:
  template <typename Body>
  void run(const std::string& name, Body body) {
    try {
      body();
      ++passed_;
      std::cout << "ok - " << name << std::endl;
    } catch (const McpError& error) {
      fail(name, "McpError " + std::to_string(error.code()) + ": " + error.message());
    } catch (const std::exception& error) {
      fail(name, error.what());
    }
  }
  int finish() const {
    std::cout << passed_ << " passed, " << failed_ << " failed" << std::endl;
    return failed_ == 0 ? 0 : 1;
  }

 private:
  void fail(const std::string& name, const std::string& detail) {
    ++failed_;
    std::cout << "FAIL - " << name << ": " << detail << std::endl;
  }
  int passed_ = 0;
  int failed_ = 0;
};

// Progress values seen by one call, recorded from the transport's thread. Shared with the callback:
// the engine runs a progress callback outside its lock, so one may still be running when a cancelled or
// timed-out call has already returned to its caller.
class ProgressLog : public std::enable_shared_from_this<ProgressLog> {
 public:
  lh::mcp::ProgressCallback callback() {
    return [self = shared_from_this()](const lh::mcp::Progress& progress) {
      {
        std::lock_guard lock(self->mutex_);
        self->values_.push_back(progress.progress);
        self->totals_.push_back(progress.total.value_or(-1));
      }
      self->first_.notify_all();
    };
  }
  std::vector<double> values() const {
    std::lock_guard lock(mutex_);
    return values_;
  }
  std::vector<double> totals() const {
    std::lock_guard lock(mutex_);
    return totals_;
  }
  bool wait_for_any(std::chrono::milliseconds patience) {
    std::unique_lock lock(mutex_);
    return first_.wait_for(lock, patience, [&] { return !values_.empty(); });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable first_;
  std::vector<double> values_;
  std::vector<double> totals_;
};

std::string join(const std::vector<double>& values) {
  std::string text;
  for (double value : values) text += (text.empty() ? "" : ",") + std::to_string(static_cast<long long>(value));
  return text;
}

lh::mcp::CallOptions with_timeout(std::chrono::milliseconds timeout) {
  lh::mcp::CallOptions options;
  options.timeout = timeout;
  return options;
}

// Checks that a progress-reporting call delivers exactly 1..steps, each with total == steps.
void expect_progress_sequence(const ProgressLog& log, int steps) {
  std::vector<double> expected;
  for (int step = 1; step <= steps; ++step) expected.push_back(step);
  expect(log.values() == expected, "progress values were [" + join(log.values()) + "], expected [" + join(expected) + "]");
  for (double total : log.totals()) expect(total == steps, "a progress total was " + std::to_string(total));
}

// Starts a long call on another thread, cancels it once the first progress arrived, and checks
// that the call ends with request_cancelled promptly.
void expect_cancellation(lh::mcp::Client& client, const std::string& tool, const Json& arguments) {
  auto log = std::make_shared<ProgressLog>();
  std::stop_source stop;
  lh::mcp::CallOptions options = with_timeout(60s);
  options.on_progress = log->callback();
  options.cancel = stop.get_token();
  auto call = std::async(std::launch::async, [&] { return client.call_tool(tool, arguments, options); });
  const bool progressed = log->wait_for_any(20s);
  stop.request_stop();
  expect(call.wait_for(10s) == std::future_status::ready, "the cancelled call did not end within 10 s");
  expect(progressed, "no progress notification arrived within 20 s before cancelling");
  try {
    call.get();
    throw Mismatch("the cancelled call returned a result instead of failing");
  } catch (const McpError& error) {
    expect(error.code() == lh::mcp::error_code::request_cancelled,
           "the cancelled call failed with code " + std::to_string(error.code()) + " (" + error.message() + ")");
  }
}

// Every tools/list page, fetched by hand so that the page count is visible.
std::vector<Json> list_tool_pages(lh::mcp::Client& client) {
  std::vector<Json> pages;
  Json params = Json::object();
  for (int page = 0; page < 100; ++page) {
    Json result = client.request("tools/list", params, with_timeout(20s));
    pages.push_back(result);
    if (!result.contains("nextCursor") || !result["nextCursor"].is_string()) return pages;
    params["cursor"] = result["nextCursor"];
  }
  throw Mismatch("tools/list still had a nextCursor after 100 pages");
}

std::set<std::string> tool_names(const std::vector<Json>& tools) {
  std::set<std::string> names;
  for (const Json& tool : tools) names.insert(tool.value("name", ""));
  return names;
}

std::string describe(const std::set<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

void check_interop_server(lh::mcp::Client& client, Checks& checks, int expected_pages) {
  checks.run("tools/list spans the expected pages", [&] {
    const auto pages = list_tool_pages(client);
    std::vector<Json> tools;
    for (const Json& page : pages) {
      for (const Json& tool : page.at("tools")) tools.push_back(tool);
    }
    expect(static_cast<int>(pages.size()) >= expected_pages,
           std::to_string(pages.size()) + " page(s), expected at least " + std::to_string(expected_pages));
    const std::set<std::string> expected = {"add", "echo", "fail", "last_cancelled", "slow_progress"};
    expect(tool_names(tools) == expected, "tools were: " + describe(tool_names(tools)));
    expect(tools.size() == expected.size(), "a tool was listed twice");
  });
  checks.run("Client::list_tools follows every page", [&] {
    expect(client.list_tools(with_timeout(20s)).size() == 5, "list_tools did not return the 5 tools");
  });
  checks.run("a bad cursor is -32602", [&] {
    try {
      client.request("tools/list", Json{{"cursor", "not-a-cursor"}}, with_timeout(20s));
      throw Mismatch("tools/list with a bad cursor succeeded");
    } catch (const McpError& error) {
      expect(error.code() == lh::mcp::error_code::invalid_params, "code was " + std::to_string(error.code()));
    }
  });
  checks.run("echo returns the message", [&] {
    const auto result = client.call_tool("echo", Json{{"message", "hello interop"}}, with_timeout(20s));
    expect(!result.is_error, "isError was set");
    expect(result.joined_text() == "hello interop", "text was '" + result.joined_text() + "'");
  });
  checks.run("add returns structuredContent", [&] {
    const auto result = client.call_tool("add", Json{{"a", 2}, {"b", 3.5}}, with_timeout(20s));
    expect(result.structured_content.has_value(), "no structuredContent");
    expect(result.structured_content->value("sum", 0.0) == 5.5, "sum was " + result.structured_content->dump());
  });
  checks.run("slow_progress reports 1..5", [&] {
    auto log = std::make_shared<ProgressLog>();
    auto options = with_timeout(30s);
    options.on_progress = log->callback();
    const auto result = client.call_tool("slow_progress", Json{{"steps", 5}, {"interval_ms", 20}}, options);
    expect(!result.is_error, "isError: " + result.joined_text());
    expect_progress_sequence(*log, 5);
  });
  checks.run("cancelling slow_progress stops the handler", [&] {
    expect_cancellation(client, "slow_progress", Json{{"steps", 400}, {"interval_ms", 50}});
    const auto report = client.call_tool("last_cancelled", Json::object(), with_timeout(30s));
    expect(report.structured_content.has_value(), "last_cancelled had no structuredContent");
    expect(report.structured_content->value("cancelled", false),
           "the server says the run was not cancelled: " + report.structured_content->dump());
    expect(report.structured_content->value("steps_done", 400) < 400, "the run did every step");
  });
  checks.run("fail returns isError", [&] {
    const auto result = client.call_tool("fail", Json::object(), with_timeout(20s));
    expect(result.is_error, "isError was not set");
    expect(result.joined_text() == "failure on request", "text was '" + result.joined_text() + "'");
  });
}

// What our sampling handler answered to, for the server-to-client request check.
struct SamplingRecord {
  std::mutex mutex;
  Json last_params;
};

void answer_sampling(lh::mcp::Client& client, SamplingRecord& record) {
  client.set_request_handler("sampling/createMessage", [&record](const Json& params, lh::mcp::RequestContext&) {
    {
      std::lock_guard lock(record.mutex);
      record.last_params = params;
    }
    return Json{{"role", "assistant"},
                {"content", {{"type", "text"}, {"text", "sampled by lh"}}},
                {"model", "lh-test-model"},
                {"stopReason", "endTurn"}};
  });
}

void check_everything_server(lh::mcp::Client& client, Checks& checks, SamplingRecord& sampling) {
  checks.run("server-to-client sampling/createMessage during a tool call", [&] {
    const auto result =
        client.call_tool("trigger-sampling-request", Json{{"prompt", "hello"}, {"maxTokens", 20}}, with_timeout(20s));
    expect(result.joined_text().find("sampled by lh") != std::string::npos, "text was '" + result.joined_text() + "'");
    std::lock_guard lock(sampling.mutex);
    const std::string asked = sampling.last_params.value("/messages/0/content/text"_json_pointer, std::string());
    expect(asked == "Resource trigger-sampling-request context: hello", "the server asked: " + sampling.last_params.dump());
  });
  checks.run("tools/list has echo, get-sum, trigger-long-running-operation", [&] {
    const auto names = tool_names(client.list_tools(with_timeout(20s)));
    for (const char* name : {"echo", "get-sum", "trigger-long-running-operation"}) {
      expect(names.count(name) == 1, std::string("missing tool ") + name + "; tools were: " + describe(names));
    }
  });
  checks.run("echo", [&] {
    const auto result = client.call_tool("echo", Json{{"message", "hello interop"}}, with_timeout(20s));
    expect(result.joined_text() == "Echo: hello interop", "text was '" + result.joined_text() + "'");
  });
  checks.run("get-sum", [&] {
    const auto result = client.call_tool("get-sum", Json{{"a", 2}, {"b", 3}}, with_timeout(20s));
    expect(result.joined_text() == "The sum of 2 and 3 is 5.", "text was '" + result.joined_text() + "'");
  });
  checks.run("trigger-long-running-operation reports 1..5", [&] {
    auto log = std::make_shared<ProgressLog>();
    auto options = with_timeout(30s);
    options.on_progress = log->callback();
    const auto result =
        client.call_tool("trigger-long-running-operation", Json{{"duration", 0.5}, {"steps", 5}}, options);
    expect(result.joined_text().find("Long running operation completed") != std::string::npos,
           "text was '" + result.joined_text() + "'");
    expect_progress_sequence(*log, 5);
  });
  checks.run("cancelling trigger-long-running-operation", [&] {
    expect_cancellation(client, "trigger-long-running-operation", Json{{"duration", 60}, {"steps", 120}});
  });
  checks.run("prompts/get simple-prompt", [&] {
    const Json result = client.request("prompts/get", Json{{"name", "simple-prompt"}}, with_timeout(20s));
    const std::string text = result.value("/messages/0/content/text"_json_pointer, std::string());
    expect(text == "This is a simple prompt without arguments.", "first message was " + result.dump());
  });
  checks.run("completion/complete with context arguments", [&] {
    const Json ref = {{"type", "ref/prompt"}, {"name", "completable-prompt"}};
    const Json first = client.request(
        "completion/complete", Json{{"ref", ref}, {"argument", {{"name", "department"}, {"value", "E"}}}},
        with_timeout(20s));
    expect(first.at("completion").at("values") == Json::array({"Engineering"}), "department: " + first.dump());
    const Json second = client.request("completion/complete",
                                       Json{{"ref", ref},
                                            {"argument", {{"name", "name"}, {"value", ""}}},
                                            {"context", {{"arguments", {{"department", "Sales"}}}}}},
                                       with_timeout(20s));
    expect(second.at("completion").at("values") == Json::array({"David", "Eve", "Frank"}), "name: " + second.dump());
  });
  checks.run("resources/read through a template", [&] {
    const Json result =
        client.request("resources/read", Json{{"uri", "demo://resource/dynamic/text/7"}}, with_timeout(20s));
    const Json& contents = result.at("contents");
    expect(contents.size() == 1, "contents: " + result.dump());
    expect(contents[0].value("uri", "") == "demo://resource/dynamic/text/7", "uri: " + contents[0].dump());
    expect(contents[0].value("text", "").rfind("Resource 7: ", 0) == 0, "text: " + contents[0].dump());
  });
  checks.run("the session still works after the cancellation", [&] {
    client.ping(10s);
    const auto result = client.call_tool("echo", Json{{"message", "still here"}}, with_timeout(20s));
    expect(result.joined_text() == "Echo: still here", "text was '" + result.joined_text() + "'");
  });
}

lh::mcp::TransportFactory make_factory(const std::string& url, const std::vector<std::string>& command) {
  if (!url.empty()) {
    return [url] {
      lh::transport::StreamableHttpClientOptions options;
      options.url = url;
      options.name = "interop";
      options.read_timeout = std::chrono::seconds(60);
      return std::make_shared<lh::transport::StreamableHttpClientTransport>(options);
    };
  }
  return [command] {
    lh::transport::StdioClientOptions options;
    options.name = "interop";
    options.process.command = command.front();
    options.process.args.assign(command.begin() + 1, command.end());
    return std::make_shared<lh::transport::StdioClientTransport>(options);
  };
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Checks an MCP server written with the TypeScript SDK through lh::mcp::Client"};
  std::string kind;
  std::string url;
  int expected_pages = 1;
  std::vector<std::string> command;
  app.add_option("--kind", kind, "interop | everything")->required()->check(CLI::IsMember({"interop", "everything"}));
  app.add_option("--url", url, "Streamable HTTP endpoint");
  app.add_option("--expect-pages", expected_pages, "Least number of tools/list pages (kind interop)");
  app.add_option("command", command, "Server command for stdio (after --)");
  CLI11_PARSE(app, argc, argv);
  if (url.empty() == command.empty()) {
    std::cerr << "lh_interop_client: give exactly one of --url URL or -- COMMAND ARGS..." << std::endl;
    return 2;
  }

  lh::mcp::ClientOptions client_options;
  client_options.info = {"lh-interop-client", "0.1.0"};
  client_options.request_timeout = 30s;
  // Declared before the client, whose worker threads run the sampling handler that writes it.
  SamplingRecord sampling;
  lh::mcp::Client client(make_factory(url, command), client_options);
  if (kind == "everything") answer_sampling(client, sampling);
  Checks checks;
  checks.run("initialize", [&] {
    client.connect();
    const auto server = client.server();
    expect(!server.info.name.empty(), "serverInfo.name is empty");
    expect(server.protocol_version == "2025-11-25", "negotiated " + server.protocol_version);
    expect(server.capabilities.contains("tools"), "no tools capability: " + server.capabilities.dump());
    std::cout << "# server " << server.info.name << " " << server.info.version << std::endl;
  });
  if (kind == "interop") {
    check_interop_server(client, checks, expected_pages);
  } else {
    check_everything_server(client, checks, sampling);
  }
  client.close();
  return checks.finish();
}
