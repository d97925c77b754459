#include "siem/tools_ioc.hpp"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <utility>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lh::siem {
namespace {

std::string trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One CSV record (no embedded newlines); nullopt on an unterminated quote.
std::optional<std::vector<std::string>> split_csv(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  if (quoted) return std::nullopt;
  for (auto& field : fields) field = trim(field);
  return fields;
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// Checks verdict and severity (lower-cased in place); `where` names the entry for the message.
void check_intel_fields(IocEntry& entry, const std::string& where) {
  entry.verdict = lower(entry.verdict);
  entry.severity = lower(entry.severity);
  if (!entry.verdict.empty() && !one_of(entry.verdict, {"malicious", "suspicious", "harmless", "undetected"})) {
    throw IocFeedError(fmt::format("{}verdict: \"{}\" is not malicious, suspicious, harmless or undetected", where,
                                   entry.verdict));
  }
  if (!entry.severity.empty() && !one_of(entry.severity, {"low", "medium", "high", "critical"})) {
    throw IocFeedError(fmt::format("{}severity: \"{}\" is not low, medium, high or critical", where, entry.severity));
  }
}

IocFeed parse_json_feed(std::string_view text, const std::string& name) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) throw IocFeedError(fmt::format("ioc_feed: {}: not valid JSON", name));
  const nlohmann::json* items = &json;
  if (json.is_object() && json.contains("iocs")) items = &json["iocs"];
  if (!items->is_array()) {
    throw IocFeedError(fmt::format("ioc_feed: {}: expected an array of IoCs or {{\"iocs\": [...]}}", name));
  }
  IocFeed feed;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& item = (*items)[i];
    const std::string where = fmt::format("ioc_feed: {}: [{}]", name, i);
    if (!item.is_object()) throw IocFeedError(where + ": expected an object with type, value, source");
    IocEntry entry;
    if (!item.contains("value") || !item["value"].is_string() || trim(item["value"].get<std::string>()).empty()) {
      throw IocFeedError(where + ".value: missing or not a non-empty string");
    }
    entry.value = trim(item["value"].get<std::string>());
    if (item.contains("type")) {
      if (!item["type"].is_string()) throw IocFeedError(where + ".type: not a string");
      entry.type = item["type"].get<std::string>();
    }
    if (item.contains("source")) {
      if (!item["source"].is_string()) throw IocFeedError(where + ".source: not a string");
      entry.sources.push_back(item["source"].get<std::string>());
    }
    if (item.contains("sources")) {
      if (!item["sources"].is_array()) throw IocFeedError(where + ".sources: not an array of strings");
      for (const auto& source : item["sources"]) {
        if (!source.is_string()) throw IocFeedError(where + ".sources: not an array of strings");
        entry.sources.push_back(source.get<std::string>());
      }
    }
    for (auto [key, field] : {std::pair{"verdict", &entry.verdict}, std::pair{"severity", &entry.severity},
                              std::pair{"description", &entry.description}, std::pair{"threat_name", &entry.threat_name}}) {
      if (!item.contains(key)) continue;
      if (!item[key].is_string()) throw IocFeedError(fmt::format("{}.{}: not a string", where, key));
      *field = trim(item[key].get<std::string>());
    }
    if (item.contains("tags")) {
      if (!item["tags"].is_array()) throw IocFeedError(where + ".tags: not an array of strings");
      for (const auto& tag : item["tags"]) {
        if (!tag.is_string()) throw IocFeedError(where + ".tags: not an array of strings");
        entry.tags.push_back(tag.get<std::string>());
      }
    }
    check_intel_fields(entry, where + ".");
    feed.entries.push_back(std::move(entry));
  }
  return feed;
}

IocFeed parse_csv_feed(std::string_view text, const std::string& name) {
  IocFeed feed;
  std::istringstream in{std::string(text)};
  std::string line;
  std::size_t line_number = 0;
  int type_column = -1, value_column = -1, source_column = -1;
  int verdict_column = -1, severity_column = -1, description_column = -1, threat_column = -1, tags_column = -1;
  bool have_header = false;
  while (std::getline(in, line)) {
    ++line_number;
    const std::string trimmed = trim(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    const auto fields = split_csv(trimmed);
    if (!fields) throw IocFeedError(fmt::format("ioc_feed: {}:{}: unterminated quote", name, line_number));
    if (!have_header) {
      for (std::size_t i = 0; i < fields->size(); ++i) {
        const std::string column = lower((*fields)[i]);
        if (column == "type") type_column = static_cast<int>(i);
        if (column == "value") value_column = static_cast<int>(i);
        if (column == "source" || column == "sources") source_column = static_cast<int>(i);
        if (column == "verdict") verdict_column = static_cast<int>(i);
        if (column == "severity") severity_column = static_cast<int>(i);
        if (column == "description") description_column = static_cast<int>(i);
        if (column == "threat_name") threat_column = static_cast<int>(i);
        if (column == "tags") tags_column = static_cast<int>(i);
      }
      if (value_column < 0) {
        throw IocFeedError(fmt::format("ioc_feed: {}:{}: the header must name the columns type,value,source",
                                       name, line_number));
      }
      have_header = true;
      continue;
    }
    auto column = [&](int index) -> std::string {
      return index >= 0 && static_cast<std::size_t>(index) < fields->size() ? (*fields)[static_cast<std::size_t>(index)]
                                                                              : std::string();
    };
    IocEntry entry;
    entry.type = column(type_column);
    entry.value = column(value_column);
    if (entry.value.empty()) throw IocFeedError(fmt::format("ioc_feed: {}:{}: empty value", name, line_number));
    if (const auto source = column(source_column); !source.empty()) entry.sources.push_back(source);
    entry.verdict = column(verdict_column);
    entry.severity = column(severity_column);
    entry.description = column(description_column);
    entry.threat_name = column(threat_column);
    const std::string tags = column(tags_column);
    for (std::size_t from = 0; from <= tags.size();) {
      auto to = tags.find(';', from);
      if (to == std::string::npos) to = tags.size();
      if (auto tag = trim(std::string_view(tags).substr(from, to - from)); !tag.empty()) entry.tags.push_back(std::move(tag));
      from = to + 1;
    }
    check_intel_fields(entry, fmt::format("ioc_feed: {}:{}: ", name, line_number));
    feed.entries.push_back(std::move(entry));
  }
  if (!have_header) throw IocFeedError(fmt::format("ioc_feed: {}: no header line (type,value,source)", name));
  return feed;
}

}  // namespace

IocFeed parse_ioc_feed(std::string_view text, const std::string& name) {
  const auto first = text.find_first_not_of(" \t\r\n");
  const bool json = first != std::string_view::npos && (text[first] == '[' || text[first] == '{');
  return json ? parse_json_feed(text, name) : parse_csv_feed(text, name);
}

IocFeed load_ioc_feed(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IocFeedError(fmt::format("ioc_feed: cannot open {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  IocFeed feed = parse_ioc_feed(text.str(), path.string());
  feed.path = path;
  return feed;
}

}  // namespace lh::siem
