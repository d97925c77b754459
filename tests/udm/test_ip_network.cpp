#include "udm/ip_network.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace lh::udm;

TEST_CASE("IP addresses") {
    REQUIRE(parse_ip("10.0.0.5"));
    CHECK_FALSE(parse_ip("10.0.0.5")->v6);
    CHECK(parse_ip("fe80::1")->v6);
    CHECK(parse_ip("fe80::1%12")->v6);
    const auto mapped = parse_ip("::ffff:10.0.0.5");
    REQUIRE(mapped);
    CHECK_FALSE(mapped->v6);
    CHECK(mapped->bytes == parse_ip("10.0.0.5")->bytes);
    for (const char* bad : {"", "-", "10.0.0", "10.0.0.256", "host", "1.2.3.4/8", "::g", " 10.0.0.5"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_ip(bad));
    }
    CHECK_FALSE(parse_ip(std::string(100, '1')));
}

TEST_CASE("CIDR ranges") {
    const auto net = parse_cidr("10.1.0.0/16");
    REQUIRE(net);
    CHECK(net->contains(*parse_ip("10.1.255.1")));
    CHECK_FALSE(net->contains(*parse_ip("10.2.0.1")));
    CHECK_FALSE(net->contains(*parse_ip("fe80::1")));
    CHECK(parse_cidr("0.0.0.0/0")->contains(*parse_ip("8.8.8.8")));
    CHECK(parse_cidr("10.0.0.7")->contains(*parse_ip("10.0.0.7")));
    CHECK_FALSE(parse_cidr("10.0.0.7")->contains(*parse_ip("10.0.0.6")));
    CHECK(parse_cidr("10.0.0.0/31")->contains(*parse_ip("10.0.0.1")));
    CHECK_FALSE(parse_cidr("10.0.0.0/31")->contains(*parse_ip("10.0.0.2")));
    CHECK(parse_cidr("fd00::/8")->contains(*parse_ip("fd12::5")));
    CHECK(parse_cidr("2001:db8::/127")->contains(*parse_ip("2001:db8::1")));
    CHECK_FALSE(parse_cidr("2001:db8::/127")->contains(*parse_ip("2001:db8::2")));
    for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "fd00::/129", "x/8"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_cidr(bad));
    }
}
