#include "udm/ip_network.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <string>

namespace lh::udm {

std::optional<IpAddress> parse_ip(std::string_view text) noexcept {
    if (text.empty() || text.size() > 64) return std::nullopt;
    if (const auto zone = text.find('%'); zone != std::string_view::npos) text = text.substr(0, zone);
    char buffer[65];
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    IpAddress address;
    if (text.find(':') == std::string_view::npos) {
        if (inet_pton(AF_INET, buffer, address.bytes.data()) != 1) return std::nullopt;
        return address;
    }
    if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) return std::nullopt;
    static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(address.bytes.data(), kMappedPrefix, sizeof kMappedPrefix) == 0) {
        IpAddress v4;
        std::memcpy(v4.bytes.data(), address.bytes.data() + 12, 4);
        return v4;
    }
    address.v6 = true;
    return address;
}

std::optional<IpNetwork> parse_cidr(std::string_view text) noexcept {
    const auto slash = text.find('/');
    const auto address = parse_ip(text.substr(0, slash));
    if (!address) return std::nullopt;
    const int max_bits = address->v6 ? 128 : 32;
    int bits = max_bits;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || bits < 0 || bits > max_bits) {
            return std::nullopt;
        }
    }
    return IpNetwork{*address, bits};
}

bool IpNetwork::contains(const IpAddress& address) const noexcept {
    if (address.v6 != base.v6) return false;
    int remaining = prefix_bits;
    for (std::size_t i = 0; remaining > 0; ++i, remaining -= 8) {
        const std::uint8_t mask = remaining >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - remaining));
        if ((address.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
    }
    return true;
}

}  // namespace lh::udm
