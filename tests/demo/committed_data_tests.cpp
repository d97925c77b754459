#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/demo/demo_fixture.hpp"

using namespace lh::siem::demo;
using namespace lh::siem::demo::testing;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

// data/demo/README.md documents: lh-demo-gen --seed 1 --scale 1 --days 2 --start 2024-03-04
//   --out data/demo/acme-demo.jsonl --answer-key data/demo/acme-demo.answers.json
TEST_CASE("the committed demo data is exactly what the documented command generates") {
  const std::filesystem::path dir = LH_DEMO_DATA_DIR;
  const auto data = dir / "acme-demo.jsonl";
  const auto answers = dir / "acme-demo.answers.json";
  REQUIRE_MESSAGE(std::filesystem::exists(data), "missing " << data.string());
  REQUIRE_MESSAGE(std::filesystem::exists(answers), "missing " << answers.string());
  // Runs in every build (GCC, clang, the sanitizer build): each random draw of the generator is its own
  // statement, so no compiler's choice of evaluation order can change the output.
  const auto& g = default_demo();
  const std::string committed = read_file(data);
  CHECK(committed.size() == g.text.size());
  CHECK_MESSAGE(committed == g.text, "data/demo/acme-demo.jsonl drifted from the generator: regenerate it with the "
                                     "command in data/demo/README.md");
  CHECK(read_file(answers) == to_json(g.key).dump(2) + "\n");
  CHECK(committed.size() < 5u * 1024 * 1024);
}
