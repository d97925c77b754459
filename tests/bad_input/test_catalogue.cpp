// Runs every catalogue row against one real server process per transport, checks the outcome the row
// names, and after each row checks that the server still runs and answers ping.
#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/bad_input/catalogue.hpp"
#include "tests/bad_input/server_process.hpp"

namespace lh::test {
namespace {

// Generous: a row must never hang, but a sanitizer build on a busy machine is slow.
constexpr auto kRowTimeout = std::chrono::minutes(2);

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

Json with_report_id(Json value, const std::string& report_id) {
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    replace_all(text, "{REPORT}", report_id);
    return text;
  }
  if (value.is_structured()) {
    for (auto& item : value) item = with_report_id(item, report_id);
  }
  return value;
}

std::string shorten(const std::string& text, std::size_t limit = 600) {
  return text.size() <= limit ? text : text.substr(0, limit) + fmt::format("... ({} bytes)", text.size());
}

// "" when the exchange is what the row expects, else what was wrong.
std::string judge(const Expect& expect, const Exchange& exchange) {
  if (exchange.wire_bytes > expect.max_wire_bytes) {
    return fmt::format("the answer is {} bytes, more than {} (a huge value echoed back?)", exchange.wire_bytes,
                       expect.max_wire_bytes);
  }
  if (expect.kind == Expect::Kind::http_status) {
    if (exchange.http_status != expect.code) {
      return fmt::format("HTTP status {} (wanted {}); {}", exchange.http_status, expect.code, exchange.failure);
    }
    return {};
  }
  if (!exchange.response) return "no JSON-RPC response: " + exchange.failure;
  const Json& response = *exchange.response;
  auto missing_text = [&](const std::string& text) -> std::string {
    for (const auto& wanted : expect.text_has) {
      if (text.find(wanted) == std::string::npos) return fmt::format("\"{}\" is not in: {}", wanted, shorten(text));
    }
    return {};
  };
  if (expect.kind == Expect::Kind::rpc_error) {
    if (!response.contains("error")) return "wanted a JSON-RPC error, got " + shorten(response.dump());
    const Json& error = response["error"];
    if (error.value("code", 0) != expect.code) {
      return fmt::format("error code {} (wanted {}): {}", error.value("code", 0), expect.code, shorten(error.dump()));
    }
    return missing_text(error.value("message", "") + " " + (error.contains("data") ? error["data"].dump() : ""));
  }
  if (!response.contains("result")) return "wanted a tool result, got " + shorten(response.dump());
  const Json& result = response["result"];
  const bool is_error = result.value("isError", false);
  const bool want_error = expect.kind == Expect::Kind::tool_error;
  if (is_error != want_error) {
    return fmt::format("isError is {} (wanted {}): {}", is_error, want_error, shorten(result_text(result)));
  }
  if (auto problem = missing_text(result_text(result)); !problem.empty()) return problem;
  if (expect.check) return expect.check(result);
  return {};
}

std::string message_for(const Row& row, long id, const std::string& report_id) {
  if (row.raw) {
    std::string bytes = *row.raw;
    replace_all(bytes, "{ID}", std::to_string(id));
    return bytes;
  }
  Json arguments = row.needs_report ? with_report_id(row.arguments, report_id) : row.arguments;
  const Json message = {{"jsonrpc", "2.0"},
                        {"id", id},
                        {"method", "tools/call"},
                        {"params", {{"name", row.tool}, {"arguments", std::move(arguments)}}}};
  return message.dump();
}

// A small hunt whose stored report the document_hunt rows can name.
std::string store_a_report(ServerProcess& server) {
  const Json arguments = {{"techniques", {"psexec"}}, {"research", false}, {"enrich", false}, {"related_cases", false}};
  const Exchange answer =
      server.request("tools/call", {{"name", "lateral_movement_hunt"}, {"arguments", arguments}}, kRowTimeout);
  REQUIRE_MESSAGE(answer.response, answer.failure, "\n", server.stderr_tail());
  const Json& result = (*answer.response)["result"];
  REQUIRE_MESSAGE(!result.value("isError", false), result_text(result));
  const std::string id = result["structuredContent"].value("hunt_id", "");
  REQUIRE(!id.empty());
  return id;
}

void run_catalogue(ServerProcess& server, const std::vector<Row>& rows) {
  // Every tool the server lists has rows (a new tool cannot join without its bad inputs).
  const Exchange listed = server.request("tools/list", Json::object(), kRowTimeout);
  REQUIRE(listed.response);
  std::set<std::string> covered;
  for (const auto& row : rows) covered.insert(row.tool);
  for (const auto& tool : (*listed.response)["result"]["tools"]) {
    CHECK_MESSAGE(covered.count(tool["name"].get<std::string>()) == 1, "no bad-input row for tool ", tool["name"]);
  }

  std::string report_id;
  std::map<std::string, int> per_category;
  int ran = 0;
  for (const auto& row : rows) {
    if ((row.only == Only::stdio && server.transport() != Transport::stdio) ||
        (row.only == Only::http && server.transport() != Transport::http)) {
      continue;
    }
    if (row.needs_report && report_id.empty()) report_id = store_a_report(server);
    const long id = server.next_id();
    const Exchange exchange = server.send_raw(message_for(row, id, report_id), id, kRowTimeout);
    const std::string where = fmt::format("[{} / {} / {}] {}", to_string(server.transport()), to_string(row.category),
                                          row.tool.empty() ? "protocol" : row.tool, row.name);
    if (const std::string problem = judge(row.expect, exchange); !problem.empty()) {
      FAIL_CHECK(std::string(where + ": " + problem));
    }
    std::string why;
    if (!server.alive(&why)) {
      FAIL(std::string(where + ": the server did not survive the row: " + why + "\n" + server.stderr_tail()));
    }
    ++per_category[to_string(row.category)];
    ++ran;
  }
  std::string summary;
  for (const auto& [category, count] : per_category) summary += fmt::format(" {}={}", category, count);
  MESSAGE(fmt::format("{} rows over {}:{}", ran, to_string(server.transport()), summary));
}

std::map<std::string, std::string> quiet_environment() { return {{"LH_LOG_LEVEL", "warn"}}; }

std::unique_ptr<ServerProcess> lateral_hunt(Transport transport) {
  std::vector<std::string> args = {"serve", "--data", LH_TEST_DEMO_DATA, "--reports", ":memory:",
                                   "--secops-local", LH_TEST_SECOPS_LOCAL, "--admin-hosts", "ADMIN-JUMP01,DEPLOY01"};
  if (transport == Transport::http) {
    args.insert(args.begin() + 1, {"--http", "127.0.0.1:0"});
  }
  return std::make_unique<ServerProcess>(transport, LH_TEST_LATERAL_HUNT, args, quiet_environment());
}

std::unique_ptr<ServerProcess> secops_local(Transport transport) {
  std::vector<std::string> args = {"--data", LH_TEST_DEMO_DATA, "--iocs", LH_TEST_DEMO_IOCS, "--log-level", "warn"};
  if (transport == Transport::http) {
    args.insert(args.end(), {"--http", "127.0.0.1:0"});
  }
  return std::make_unique<ServerProcess>(transport, LH_TEST_SECOPS_LOCAL, args, quiet_environment());
}

}  // namespace

TEST_CASE("bad_input.lateral_hunt.stdio") {
  auto server = lateral_hunt(Transport::stdio);
  run_catalogue(*server, lateral_hunt_rows());
}

TEST_CASE("bad_input.lateral_hunt.http") {
  auto server = lateral_hunt(Transport::http);
  run_catalogue(*server, lateral_hunt_rows());
}

TEST_CASE("bad_input.secops_local.stdio") {
  auto server = secops_local(Transport::stdio);
  run_catalogue(*server, secops_local_rows());
}

TEST_CASE("bad_input.secops_local.http") {
  auto server = secops_local(Transport::http);
  run_catalogue(*server, secops_local_rows());
}

TEST_CASE("bad_input.catalogue_size") {
  const auto hunt = lateral_hunt_rows();
  const auto secops = secops_local_rows();
  std::map<Category, int> per_category;
  for (const auto* rows : {&hunt, &secops}) {
    for (const auto& row : *rows) ++per_category[row.category];
  }
  CHECK(hunt.size() + secops.size() >= 60);
  for (Category category : {Category::wrong_type, Category::out_of_range, Category::huge, Category::invalid_utf8,
                            Category::malformed_query, Category::injection, Category::unknown_technique,
                            Category::nonexistent_id, Category::missing_field, Category::unknown_field,
                            Category::empty_string, Category::null_value}) {
    CHECK_MESSAGE(per_category[category] >= 3, to_string(category), " has fewer than 3 rows");
  }
}

}  // namespace lh::test
