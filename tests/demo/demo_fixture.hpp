#pragma once
// Runs the generator in memory and indexes its events for the tests.
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "siem/demo/generator.hpp"

namespace lh::siem::demo::testing {

struct Generated {
  std::string text;
  AnswerKey key;
  std::vector<nlohmann::json> events;  // parsed lines, in output order
};

inline std::string run_to_string(const GeneratorConfig& cfg, AnswerKey& key) {
  std::FILE* f = std::tmpfile();
  generate(cfg, f, key);
  std::fflush(f);
  std::string text;
  std::rewind(f);
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

inline GeneratorConfig demo_config(std::uint64_t seed = 1, int scale = 1, int days = 2) {
  GeneratorConfig cfg;
  cfg.seed = seed;
  cfg.scale = scale;
  cfg.days = days;
  cfg.start = kDefaultStart;
  return cfg;
}

inline std::vector<nlohmann::json> parse_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    out.push_back(nlohmann::json::parse(text.substr(pos, nl - pos)));
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  return out;
}

// The default demo data (seed 1, scale 1, 2 days), generated once per test run.
inline const Generated& default_demo() {
  static const Generated g = [] {
    Generated out;
    out.text = run_to_string(demo_config(), out.key);
    out.events = parse_lines(out.text);
    return out;
  }();
  return g;
}

inline std::vector<const nlohmann::json*> find_events(const Generated& g,
                                                      const std::function<bool(const nlohmann::json&)>& pred) {
  std::vector<const nlohmann::json*> out;
  for (const auto& e : g.events)
    if (pred(e)) out.push_back(&e);
  return out;
}

inline std::string str(const nlohmann::json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace lh::siem::demo::testing
