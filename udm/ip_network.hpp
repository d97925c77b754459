#pragma once
// IP addresses and CIDR networks for `field in cidr %list`. IPv4-mapped IPv6 addresses
// ("::ffff:10.0.0.5", as Sysmon sometimes writes them) are treated as the IPv4 address they carry.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lh::udm {

struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
    bool v6 = false;
};

struct IpNetwork {
    IpAddress base;
    int prefix_bits = 0;
    bool contains(const IpAddress& address) const noexcept;
};

// "10.0.0.5", "fe80::1", "fe80::1%12" (zone ignored), "::ffff:10.0.0.5".
std::optional<IpAddress> parse_ip(std::string_view text) noexcept;
// "10.0.0.0/8", "fd00::/8"; a bare address is a single-host network.
std::optional<IpNetwork> parse_cidr(std::string_view text) noexcept;

}  // namespace lh::udm
