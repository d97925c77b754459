#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "skill/techniques/catalogue.hpp"
#include "udm/query_parser.hpp"

using namespace lh::skill::techniques;

TEST_CASE("every catalogue query parses as UDM") {
  const Catalogue& cat = catalogue();
  std::size_t count = 0;
  for (const auto& t : cat.techniques) {
    for (const auto& q : t.queries) {
      INFO(t.id << "/" << q.id << ": " << q.udm);
      CHECK_NOTHROW(lh::udm::parse_query(q.udm));
      CHECK_FALSE(q.event_ids.empty());
      ++count;
    }
  }
  CHECK(count >= 50);
}
