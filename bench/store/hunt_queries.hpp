#pragma once
// The hunt queries the store benchmark times, each written three times by hand: as UDM search text (ours),
// as a SQLite WHERE clause over the raw JSON line in column `j`, and as a jq filter over the JSON-lines
// file. The three must select exactly the same events of the demo data; the benchmark checks the counts.
#include <string_view>
#include <vector>

namespace lh::bench {

struct HuntQuery {
  std::string_view name;
  std::string_view udm;
  std::string_view sql_where;  // SELECT count(*) FROM events WHERE <sql_where>
  std::string_view jq_filter;  // jq -c '<kJqPrelude> select(<jq_filter>)'
};

// jq definitions every filter may use (channel tests, null-safe lower-casing).
extern const std::string_view kJqPrelude;

const std::vector<HuntQuery>& hunt_queries();

}  // namespace lh::bench
