// lh-demo-gen: writes the deterministic demo data set (Windows events as JSON lines in the OTRF layout)
// and its answer key.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "siem/demo/generator.hpp"

int main(int argc, char** argv) {
  using namespace lh::siem::demo;
  CLI::App app{"Generate deterministic Windows demo events (OTRF JSON-lines layout) with woven-in lateral movement"};
  GeneratorConfig cfg;
  cfg.start = kDefaultStart;
  std::string out_path;
  std::string key_path;
  std::string start_text;
  app.add_option("--seed", cfg.seed, "random seed; the same seed gives byte-identical output")->default_val(1);
  app.add_option("--scale", cfg.scale, "size of the organisation: 20 x scale workstations")
      ->default_val(1)
      ->check(CLI::Range(1, 100000));
  app.add_option("--out", out_path, "output JSON-lines file ('-' for stdout)")->required();
  app.add_option("--start", start_text, "first day, UTC (YYYY-MM-DD; a time of day is truncated to midnight)");
  app.add_option("--days", cfg.days, "number of days of activity")->default_val(2)->check(CLI::Range(1, 3650));
  app.add_option("--answer-key", key_path, "write the answer key (JSON) to this file");
  CLI11_PARSE(app, argc, argv);

  if (!start_text.empty()) {
    const auto parsed = parse_time(start_text);
    if (!parsed) {
      fmt::print(stderr, "lh-demo-gen: error: --start '{}' is not a UTC date like 2024-03-04 or 2024-03-04T00:00:00Z\n",
                 start_text);
      return 2;
    }
    cfg.start = *parsed - (((*parsed % kDay) + kDay) % kDay);
  }

  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (out_path != "-") {
    file.reset(std::fopen(out_path.c_str(), "wb"));
    if (!file) {
      fmt::print(stderr, "lh-demo-gen: error: cannot open --out '{}' for writing\n", out_path);
      return 1;
    }
    out = file.get();
  }
  static char buffer[1 << 20];
  std::setvbuf(out, buffer, _IOFBF, sizeof buffer);

  AnswerKey key;
  GenerationStats stats;
  try {
    stats = generate(cfg, out, key);
  } catch (const std::exception& ex) {
    fmt::print(stderr, "lh-demo-gen: error: {}\n", ex.what());
    return 1;
  }
  if (std::fflush(out) != 0) {
    fmt::print(stderr, "lh-demo-gen: error: writing '{}' failed\n", out_path);
    return 1;
  }
  if (!key_path.empty()) {
    std::ofstream key_file(key_path, std::ios::binary);
    key_file << to_json(key).dump(2) << '\n';
    if (!key_file) {
      fmt::print(stderr, "lh-demo-gen: error: cannot write --answer-key '{}'\n", key_path);
      return 1;
    }
  }
  fmt::print(stderr, "lh-demo-gen: wrote {} events ({} bytes)\n", stats.events, stats.bytes);
  return 0;
}
