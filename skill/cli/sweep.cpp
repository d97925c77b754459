#include "skill/cli/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>

namespace lh::skill {
namespace {

// secops-mcp answers a dict as one text block of JSON; newer servers add structuredContent.
nlohmann::json payload_of(const mcp::ToolResult& result) {
  if (result.structured_content && result.structured_content->is_object()) {
    const auto& structured = *result.structured_content;
    if (structured.contains("result") && structured.size() == 1) return structured["result"];
    return structured;
  }
  const auto text = result.joined_text();
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    throw std::runtime_error(fmt::format("search_udm answered text that is not JSON: {:.200}", text));
  }
  return parsed;
}

SweepOutcome run_one(mcp::Client& upstream, const techniques::BuiltQuery& query, const SweepOptions& options) {
  SweepOutcome outcome{.query = query};
  nlohmann::json arguments{{"query", query.udm}, {"max_events", options.max_events}};
  if (query.time_frame.start_time) {
    arguments["start_time"] = *query.time_frame.start_time;
    if (query.time_frame.end_time) arguments["end_time"] = *query.time_frame.end_time;
  } else {
    arguments["hours_back"] = static_cast<long long>(query.time_frame.hours_back);
  }
  try {
    const auto result = upstream.call_tool("search_udm", std::move(arguments));
    if (result.is_error) {
      outcome.error = result.joined_text();
      return outcome;
    }
    const auto payload = payload_of(result);
    if (payload.contains("error")) {
      outcome.error = payload["error"].is_string() ? payload["error"].get<std::string>() : payload["error"].dump();
      return outcome;
    }
    const auto& events = payload.value("events", nlohmann::json::array());
    outcome.hits = events.size();
    outcome.more_data_available = payload.value("more_data_available", false);
    for (std::size_t i = 0; i < events.size() && i < options.events_in_report; ++i) outcome.events.push_back(events[i]);
  } catch (const std::exception& e) {
    outcome.error = e.what();
  }
  return outcome;
}

std::string summarise_event(const nlohmann::json& event) {
  const auto& udm = event.contains("udm") ? event["udm"] : event;
  auto text_at = [&](std::initializer_list<const char*> path) -> std::string {
    const nlohmann::json* node = &udm;
    for (const char* key : path) {
      if (!node->is_object() || !node->contains(key)) return {};
      node = &(*node)[key];
    }
    return node->is_string() ? node->get<std::string>() : node->dump();
  };
  auto summary = fmt::format("{} {} on {}", text_at({"metadata", "eventTimestamp"}),
                             text_at({"metadata", "productEventType"}), text_at({"principal", "hostname"}));
  if (auto command = text_at({"target", "process", "commandLine"}); !command.empty()) {
    summary += fmt::format(": {:.120}", command);
  } else if (auto service = text_at({"target", "application"}); !service.empty()) {
    summary += fmt::format(": service {}", service);
  }
  return summary;
}

std::string escape_cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::vector<SweepOutcome> run_sweep(mcp::Client& upstream, const std::vector<techniques::BuiltQuery>& queries,
                                    const SweepOptions& options) {
  std::vector<SweepOutcome> outcomes(queries.size());
  std::atomic<std::size_t> next{0};
  {
    std::vector<std::jthread> workers;
    const auto count = std::max<std::size_t>(1, std::min(options.parallelism, queries.size()));
    for (std::size_t w = 0; w < count; ++w) {
      workers.emplace_back([&] {
        for (auto i = next++; i < queries.size(); i = next++) outcomes[i] = run_one(upstream, queries[i], options);
      });
    }
  }
  return outcomes;
}

std::string sweep_report(const std::vector<SweepOutcome>& outcomes) {
  std::string out = "| technique | query | hits | severity |\n|---|---|---:|---|\n";
  std::size_t failed = 0;
  for (const auto& o : outcomes) {
    const auto hits = o.error ? std::string("error") : fmt::format("{}{}", o.hits, o.more_data_available ? "+" : "");
    out += fmt::format("| {} | {} | {} | {} |\n", o.query.technique_id, escape_cell(o.query.title), hits,
                       techniques::to_string(o.query.severity));
    if (o.error) ++failed;
  }
  out += "\n## Hits\n";
  for (const auto& o : outcomes) {
    if (o.error || o.hits == 0) continue;
    out += fmt::format("\n### {} / {} ({} hits)\n```udm\n{}\n```\n", o.query.technique_id, o.query.title, o.hits,
                       o.query.udm);
    for (const auto& event : o.events) out += fmt::format("- {}\n", escape_cell(summarise_event(event)));
  }
  out += "\n## Negative results (queries with zero hits)\n";
  for (const auto& o : outcomes) {
    if (!o.error && o.hits == 0) out += fmt::format("- {} / {}\n", o.query.technique_id, o.query.title);
  }
  if (failed > 0) {
    out += fmt::format("\n## Failed queries ({}): the sweep is INCOMPLETE\n", failed);
    for (const auto& o : outcomes) {
      if (o.error) out += fmt::format("- {} / {}: {}\n", o.query.technique_id, o.query.title, escape_cell(*o.error));
    }
  }
  return out;
}

}  // namespace lh::skill
