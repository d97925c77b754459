// Values taken from events (host names, logon ids, addresses) can never change a context query's shape.
#include <doctest/doctest.h>

#include <stdexcept>

#include "skill/correlation/hunt_event.hpp"
#include "skill/correlation/requests.hpp"
#include "skill/techniques/correlation_queries.hpp"
#include "udm/query_parser.hpp"

using namespace lh::skill::correlation;

namespace {

const char* const kHostile[] = {
    "\" OR principal.hostname = \"x",
    "WKS-017\" OR metadata.event_type = \"PROCESS_LAUNCH",
    "a/b\\\\c/ OR principal.hostname = /.*/",
    ") OR (principal.hostname = \"x\"",
    "0x3e7\" OR \"1\" = \"1",
    "0x1\n OR principal.hostname = \"x\"",
    "DB01\r\n\" OR \"",
};

// The shape of the parsed query: node kinds and the fields compared, without the values. An injected
// OR / AND / condition would change it.
std::string shape(const lh::udm::QueryNode& node) {
  using Kind = lh::udm::QueryNode::Kind;
  if (node.kind == Kind::Condition) return "C(" + std::to_string(static_cast<int>(node.condition.field)) + node.condition.key + ")";
  std::string out = node.kind == Kind::And ? "AND[" : node.kind == Kind::Or ? "OR[" : "NOT[";
  for (const auto& child : node.children) out += shape(child) + ",";
  return out + "]";
}

std::string count_conditions(const std::string& udm) { return shape(lh::udm::parse_query(udm)); }

}  // namespace

TEST_CASE("context requests: hostile host names, logon ids and addresses stay values") {
  const TimeCluster cluster{1700000000000, 1700000060000};
  const auto window = std::chrono::seconds(60);
  const auto baseline_joins = count_conditions(join_context_request("FILESRV01", cluster, window, 10).udm);
  const auto baseline_logon = count_conditions(logon_by_id_request("FILESRV01", "0x5ea84f0f", 1700000000000, std::chrono::hours(1), window, 10).udm);
  const auto baseline_address = count_conditions(address_owner_request("10.20.0.18", cluster, window, 10).udm);
  const auto baseline_client = count_conditions(client_command_request("WKS-017", "FILESRV01", cluster, window, 10).udm);
  const auto baseline_history = count_conditions(baseline_request("WKS-017", 1700000000000, std::chrono::hours(24), 10).udm);
  for (const char* value : kHostile) {
    CAPTURE(value);
    CHECK(count_conditions(join_context_request(value, cluster, window, 10).udm) == baseline_joins);
    CHECK(count_conditions(logon_by_id_request("FILESRV01", value, 1700000000000, std::chrono::hours(1), window, 10).udm) == baseline_logon);
    CHECK(count_conditions(logon_by_id_request(value, value, 1700000000000, std::chrono::hours(1), window, 10).udm) == baseline_logon);
    CHECK(count_conditions(address_owner_request(value, cluster, window, 10).udm) == baseline_address);
    CHECK(count_conditions(client_command_request(value, value, cluster, window, 10).udm) == baseline_client);
    CHECK(count_conditions(baseline_request(value, 1700000000000, std::chrono::hours(24), 10).udm) == baseline_history);
    // Ids stay readable and carry no quotes or spaces.
    const auto id = logon_by_id_request(value, value, 1700000000000, std::chrono::hours(1), window, 10).id;
    CHECK(id.find_first_of("\" /\\()") == std::string::npos);
  }
}

TEST_CASE("context requests: control characters are refused, never spliced") {
  const TimeCluster cluster{1700000000000, 1700000060000};
  // Newlines are escaped (see the hostile values above); other control characters cannot be carried at all.
  CHECK_THROWS_AS(logon_by_id_request("FILESRV01", "0x1\x01 OR x", 1700000000000, std::chrono::hours(1), std::chrono::seconds(60), 10),
                  std::invalid_argument);
  CHECK_THROWS_AS(address_owner_request("10.0.0.1\x1b", cluster, std::chrono::seconds(60), 10), std::invalid_argument);
  CHECK_THROWS_AS(lh::skill::techniques::host_events("DB01", {"4624\" OR \"1"}), std::invalid_argument);
  CHECK_THROWS_AS(lh::skill::techniques::host_events("DB01", {}), std::invalid_argument);
}

TEST_CASE("context requests: explicit start and end around the anchors") {
  const TimeCluster cluster{*parse_rfc3339_ms("2024-03-05T10:58:14.708Z"), *parse_rfc3339_ms("2024-03-05T10:58:20.000Z")};
  const auto r = join_context_request("FILESRV01", cluster, std::chrono::seconds(60), 10);
  CHECK(r.time_frame.start_time == "2024-03-05T10:57:14.708Z");
  CHECK(r.time_frame.end_time == "2024-03-05T10:59:20.000Z");
  CHECK(r.purpose == "correlation");
}

TEST_CASE("batched context requests: hostile host names stay values, batches respect size and span") {
  const TimeCluster cluster{1700000000000, 1700000060000};
  const auto plain = count_conditions(join_context_request(std::vector<std::string>{"A", "B"}, cluster, std::chrono::seconds(60), 10).udm);
  for (const char* value : kHostile) {
    CAPTURE(value);
    CHECK(count_conditions(join_context_request(std::vector<std::string>{"A", value}, cluster, std::chrono::seconds(60), 10).udm) == plain);
  }
  std::vector<HostCluster> clusters;
  for (int i = 0; i < 25; ++i) clusters.push_back({"H" + std::to_string(i), {1700000000000 + i * 1000, 1700000000000 + i * 1000}});
  clusters.push_back({"LATE", {1700000000000 + 3600000, 1700000000000 + 3600000}});
  const auto batches = batch_host_clusters(clusters, 10, std::chrono::minutes(30));
  REQUIRE(batches.size() == 4);
  CHECK(batches[0].hosts.size() == 10);
  CHECK(batches[2].hosts.size() == 5);
  CHECK(batches[3].hosts == std::vector<std::string>{"LATE"});
}
