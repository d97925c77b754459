#include "hunt_runner.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "mcp/client.hpp"
#include "transport/stdio_client.hpp"

namespace lh::test {
namespace {

struct SearchResult {
  std::vector<nlohmann::json> events;
  bool more_data_available = false;
};

SearchResult search(mcp::Client& client, const std::string& udm, const skill::techniques::TimeFrame& frame, std::size_t max_events) {
  nlohmann::json args{{"query", udm}, {"max_events", max_events}};
  if (frame.start_time) {
    args["start_time"] = *frame.start_time;
    if (frame.end_time) args["end_time"] = *frame.end_time;
  } else {
    args["hours_back"] = frame.hours_back;
  }
  const auto result = client.call_tool("search_udm", args);
  if (result.is_error) throw std::runtime_error("search_udm failed: " + result.joined_text() + "\nquery: " + udm);
  nlohmann::json payload;
  if (result.structured_content && result.structured_content->is_object()) payload = *result.structured_content;
  else payload = nlohmann::json::parse(result.joined_text());
  if (payload.contains("error")) throw std::runtime_error("search_udm error: " + payload["error"].dump() + "\nquery: " + udm);
  SearchResult out;
  for (const auto& e : payload.value("events", nlohmann::json::array())) out.events.push_back(e);
  out.more_data_available = payload.value("more_data_available", false);
  return out;
}

}  // namespace

HuntRun run_hunt(const std::vector<std::string>& data, skill::correlation::CorrelationSettings settings,
                 skill::techniques::TimeFrame frame) {
  std::vector<std::string> args;
  for (const auto& d : data) args.push_back("--data"), args.push_back(d);
  auto factory = [args]() -> std::shared_ptr<mcp::Transport> {
    transport::StdioClientOptions options;
    options.name = "secops-local";
    options.process.command = LH_SECOPS_LOCAL;
    options.process.args = args;
    options.process.env = {{"LH_LOG_LEVEL", "warn"}};
    return std::make_shared<transport::StdioClientTransport>(std::move(options));
  };
  mcp::Client client(factory, {.info = {"lh-correlation-tests", "0.1.0"}});
  client.connect();
  HuntRun run;
  settings.time_frame = frame;
  skill::correlation::Correlator correlator(settings);
  for (const auto& query : skill::techniques::build_queries({}, "", frame)) {
    correlator.add_hits(query, search(client, query.udm, query.time_frame, settings.max_events_per_query).events);
    ++run.hunt_queries;
  }
  for (auto round = correlator.next_requests(); !round.empty(); round = correlator.next_requests()) {
    for (const auto& request : round) {
      auto found = search(client, request.udm, request.time_frame, request.max_events);
      correlator.add_context(request.id, found.events, found.more_data_available);
      ++run.context_queries;
    }
  }
  client.close();
  run.result = correlator.finish();
  return run;
}

std::string describe(const skill::correlation::CorrelationResult& result) {
  std::string out;
  for (const auto& f : result.findings) {
    auto text = [&](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string("-"); };
    out += fmt::format("{} {} {} {}/{} {} -> {} ({}, {}) account {} logon {} cmds {} first {}\n", text(f["id"]), text(f["kind"]),
                       text(f["technique_id"]), text(f["severity"]), text(f["confidence"]), text(f["source"]["host"]),
                       text(f["target"]["host"]), text(f["source"]["ip"]), text(f["source"]["resolved_by"]), text(f["account"]),
                       text(f["logon_id"]), f["commands"].size(), text(f["first_seen"]));
  }
  for (const auto& p : result.paths) out += "path: " + p["hosts"].dump() + "\n";
  return out;
}

}  // namespace lh::test
