#include <doctest/doctest.h>

#include <set>

#include "transport/http_checks.hpp"

namespace checks = lh::transport::http_checks;

TEST_CASE("http checks: Host names are compared without port and case") {
  std::vector<std::string> allowed = {"127.0.0.1", "localhost", "[::1]"};
  CHECK(checks::host_allowed("127.0.0.1:8080", allowed));
  CHECK(checks::host_allowed("LOCALHOST", allowed));
  CHECK(checks::host_allowed("[::1]:3000", allowed));
  CHECK_FALSE(checks::host_allowed("evil.example.com", allowed));
  CHECK_FALSE(checks::host_allowed("localhost.evil.example.com:80", allowed));
  CHECK_FALSE(checks::host_allowed("", allowed));
  CHECK(checks::host_allowed("anything:1", {"*"}));
  CHECK(checks::host_name_of("[::1]:99") == "[::1]");
}

TEST_CASE("http checks: local origins are allowed, others only when listed") {
  CHECK(checks::origin_allowed("http://localhost:6274", {}));
  CHECK(checks::origin_allowed("https://127.0.0.1", {}));
  CHECK(checks::origin_allowed("http://[::1]:8080", {}));
  CHECK_FALSE(checks::origin_allowed("http://evil.example.com", {}));
  CHECK_FALSE(checks::origin_allowed("http://localhost.evil.example.com", {}));
  CHECK_FALSE(checks::origin_allowed("http://localhost:80@evil.example.com", {}));
  CHECK_FALSE(checks::origin_allowed("null", {}));
  CHECK_FALSE(checks::origin_allowed("file://localhost", {}));
  CHECK(checks::origin_allowed("https://console.example.com", {"https://console.example.com/"}));
  CHECK(checks::origin_allowed("https://x.example", {"*"}));
}

TEST_CASE("http checks: Accept negotiation") {
  CHECK(checks::accepts("application/json, text/event-stream", "application/json"));
  CHECK(checks::accepts("application/json, text/event-stream", "text/event-stream"));
  CHECK(checks::accepts("text/event-stream;q=0.9,application/json", "text/event-stream"));
  CHECK_FALSE(checks::accepts("application/json", "text/event-stream"));
  CHECK_FALSE(checks::accepts("text/event-stream;q=0", "text/event-stream"));
  CHECK_FALSE(checks::accepts("", "application/json"));
  CHECK(checks::content_type_is("application/json; charset=utf-8", "application/json"));
  CHECK(checks::content_type_is("Application/JSON", "application/json"));
  CHECK_FALSE(checks::content_type_is("text/plain", "application/json"));
}

TEST_CASE("http checks: bearer tokens") {
  using checks::BearerResult;
  CHECK(checks::check_bearer("Bearer s3cret-token", "s3cret-token") == BearerResult::ok);
  CHECK(checks::check_bearer("bearer s3cret-token", "s3cret-token") == BearerResult::ok);
  CHECK(checks::check_bearer("", "s3cret-token") == BearerResult::missing);
  CHECK(checks::check_bearer("Bearer wrong", "s3cret-token") == BearerResult::invalid);
  CHECK(checks::check_bearer("Basic dXNlcjpwYXNz", "s3cret-token") == BearerResult::invalid);
  CHECK(checks::check_bearer("Bearer s3cret-token-longer", "s3cret-token") == BearerResult::invalid);
}

TEST_CASE("http checks: protocol versions and session ids") {
  CHECK(checks::is_supported_protocol_version("2025-11-25"));
  CHECK(checks::is_supported_protocol_version("2024-11-05"));
  CHECK_FALSE(checks::is_supported_protocol_version("1999-01-01"));
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    auto id = checks::new_session_id();
    CHECK(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    ids.insert(id);
  }
  CHECK(ids.size() == 100);
}
