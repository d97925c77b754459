#include "udm/enums.hpp"

#include "udm/edit_distance.hpp"

#include <cctype>
#include <string>

#include <algorithm>
#include <array>

namespace lh::udm {
namespace {

#define LH_UDM_NAME(name) std::string_view{#name},
constexpr std::array kEventTypes{LH_UDM_EVENT_TYPES(LH_UDM_NAME)};
constexpr std::array kIpProtocols{LH_UDM_IP_PROTOCOLS(LH_UDM_NAME)};
constexpr std::array kDirections{LH_UDM_NETWORK_DIRECTIONS(LH_UDM_NAME)};
constexpr std::array kActions{LH_UDM_SECURITY_ACTIONS(LH_UDM_NAME)};
constexpr std::array kMechanisms{LH_UDM_AUTH_MECHANISMS(LH_UDM_NAME)};
constexpr std::array kAuthTypes{LH_UDM_AUTH_TYPES(LH_UDM_NAME)};
#undef LH_UDM_NAME

}  // namespace

std::span<const std::string_view> enum_values(EnumKind kind) noexcept {
    switch (kind) {
        case EnumKind::EventType: return kEventTypes;
        case EnumKind::IpProtocol: return kIpProtocols;
        case EnumKind::NetworkDirection: return kDirections;
        case EnumKind::SecurityAction: return kActions;
        case EnumKind::AuthMechanism: return kMechanisms;
        case EnumKind::AuthType: return kAuthTypes;
        case EnumKind::None: break;
    }
    return {};
}

std::optional<EnumOrdinal> enum_ordinal(EnumKind kind, std::string_view name) noexcept {
    const auto values = enum_values(kind);
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i] == name) return static_cast<EnumOrdinal>(i);
    }
    return std::nullopt;
}

std::string_view enum_name(EnumKind kind, EnumOrdinal ordinal) noexcept {
    const auto values = enum_values(kind);
    return ordinal < values.size() ? values[ordinal] : std::string_view{};
}

std::string_view suggest_enum_value(EnumKind kind, std::string_view name) noexcept {
    std::string upper(name);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (const auto exact = enum_ordinal(kind, upper)) return enum_name(kind, *exact);
    std::size_t best = std::max<std::size_t>(2, upper.size() / 4) + 1;
    std::string_view best_name;
    for (const auto candidate : enum_values(kind)) {
        const auto d = edit_distance(upper, candidate, best);
        if (d < best) {
            best = d;
            best_name = candidate;
        }
    }
    return best_name;
}

std::string_view enum_kind_name(EnumKind kind) noexcept {
    switch (kind) {
        case EnumKind::EventType: return "event type";
        case EnumKind::IpProtocol: return "IP protocol";
        case EnumKind::NetworkDirection: return "network direction";
        case EnumKind::SecurityAction: return "security action";
        case EnumKind::AuthMechanism: return "auth mechanism";
        case EnumKind::AuthType: return "auth type";
        case EnumKind::None: break;
    }
    return "not an enum";
}

}  // namespace lh::udm
