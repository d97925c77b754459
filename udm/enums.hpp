#pragma once
// Chronicle UDM enumerations used by the catalogue. The value names are exactly Chronicle's, so
// they round-trip through search results and queries unchanged. Ordinals are this library's own
// (dense, in the order listed) and are what events store; names are what JSON and queries carry.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace lh::udm {

using EnumOrdinal = std::uint16_t;

enum class EnumKind : std::uint8_t { None, EventType, IpProtocol, NetworkDirection, SecurityAction, AuthMechanism, AuthType };

#define LH_UDM_EVENT_TYPES(X)                                                                                       \
    X(EVENTTYPE_UNSPECIFIED) X(PROCESS_UNCATEGORIZED) X(PROCESS_LAUNCH) X(PROCESS_INJECTION)                        \
    X(PROCESS_PRIVILEGE_ESCALATION) X(PROCESS_TERMINATION) X(PROCESS_OPEN) X(PROCESS_MODULE_LOAD)                   \
    X(REGISTRY_UNCATEGORIZED) X(REGISTRY_CREATION) X(REGISTRY_MODIFICATION) X(REGISTRY_DELETION)                    \
    X(SETTING_UNCATEGORIZED) X(SETTING_CREATION) X(SETTING_MODIFICATION) X(SETTING_DELETION) X(MUTEX_CREATION)      \
    X(FILE_UNCATEGORIZED) X(FILE_CREATION) X(FILE_DELETION) X(FILE_MODIFICATION) X(FILE_READ) X(FILE_COPY)          \
    X(FILE_OPEN) X(FILE_MOVE) X(FILE_SYNC) X(USER_UNCATEGORIZED) X(USER_LOGIN) X(USER_LOGOUT) X(USER_CREATION)      \
    X(USER_CHANGE_PASSWORD) X(USER_CHANGE_PERMISSIONS) X(USER_STATS) X(USER_BADGE_IN) X(USER_DELETION)             \
    X(USER_RESOURCE_CREATION) X(USER_RESOURCE_UPDATE_CONTENT) X(USER_RESOURCE_UPDATE_PERMISSIONS)                   \
    X(USER_COMMUNICATION) X(USER_RESOURCE_ACCESS) X(USER_RESOURCE_DELETION) X(GROUP_UNCATEGORIZED)                  \
    X(GROUP_CREATION) X(GROUP_DELETION) X(GROUP_MODIFICATION) X(EMAIL_UNCATEGORIZED) X(EMAIL_TRANSACTION)          \
    X(EMAIL_URL_CLICK) X(NETWORK_UNCATEGORIZED) X(NETWORK_FLOW) X(NETWORK_CONNECTION) X(NETWORK_FTP)                \
    X(NETWORK_DHCP) X(NETWORK_DNS) X(NETWORK_HTTP) X(NETWORK_SMTP) X(STATUS_UNCATEGORIZED) X(STATUS_HEARTBEAT)      \
    X(STATUS_STARTUP) X(STATUS_SHUTDOWN) X(STATUS_UPDATE) X(SCAN_UNCATEGORIZED) X(SCAN_FILE)                        \
    X(SCAN_PROCESS_BEHAVIORS) X(SCAN_PROCESS) X(SCAN_HOST) X(SCAN_VULN_HOST) X(SCAN_VULN_NETWORK) X(SCAN_NETWORK)   \
    X(SCHEDULED_TASK_UNCATEGORIZED) X(SCHEDULED_TASK_CREATION) X(SCHEDULED_TASK_DELETION)                           \
    X(SCHEDULED_TASK_ENABLE) X(SCHEDULED_TASK_DISABLE) X(SCHEDULED_TASK_MODIFICATION)                               \
    X(SYSTEM_AUDIT_LOG_UNCATEGORIZED) X(SYSTEM_AUDIT_LOG_WIPE) X(SERVICE_UNSPECIFIED) X(SERVICE_CREATION)          \
    X(SERVICE_DELETION) X(SERVICE_START) X(SERVICE_STOP) X(SERVICE_MODIFICATION) X(GENERIC_EVENT)                   \
    X(RESOURCE_CREATION) X(RESOURCE_DELETION) X(RESOURCE_PERMISSIONS_CHANGE) X(RESOURCE_READ) X(RESOURCE_WRITTEN)   \
    X(DEVICE_FIRMWARE_UPDATE) X(DEVICE_CONFIG_UPDATE) X(DEVICE_PROGRAM_UPLOAD) X(DEVICE_PROGRAM_DOWNLOAD)           \
    X(ANALYST_UPDATE_VERDICT) X(ANALYST_UPDATE_REPUTATION) X(ANALYST_UPDATE_SEVERITY_SCORE)                         \
    X(ANALYST_UPDATE_STATUS) X(ANALYST_ADD_COMMENT)

#define LH_UDM_IP_PROTOCOLS(X)                                                                                      \
    X(UNKNOWN_IP_PROTOCOL) X(ICMP) X(IGMP) X(TCP) X(UDP) X(IP6IN4) X(GRE) X(ESP) X(ICMP6) X(EIGRP) X(ETHERIP)       \
    X(PIM) X(VRRP) X(SCTP)

#define LH_UDM_NETWORK_DIRECTIONS(X) X(UNKNOWN_DIRECTION) X(INBOUND) X(OUTBOUND) X(BROADCAST)

#define LH_UDM_SECURITY_ACTIONS(X)                                                                                  \
    X(UNKNOWN_ACTION) X(ALLOW) X(BLOCK) X(ALLOW_WITH_MODIFICATION) X(QUARANTINE) X(FAIL) X(CHALLENGE)

#define LH_UDM_AUTH_MECHANISMS(X)                                                                                   \
    X(MECHANISM_UNSPECIFIED) X(USERNAME_PASSWORD) X(OTP) X(HARDWARE_KEY) X(LOCAL) X(REMOTE) X(REMOTE_INTERACTIVE)   \
    X(MECHANISM_OTHER) X(BADGE_READER) X(NETWORK) X(BATCH) X(SERVICE) X(UNLOCK) X(NETWORK_CLEAR_TEXT)               \
    X(NEW_CREDENTIALS) X(INTERACTIVE) X(CACHED_INTERACTIVE) X(CACHED_REMOTE_INTERACTIVE) X(CACHED_UNLOCK)

#define LH_UDM_AUTH_TYPES(X) X(AUTHTYPE_UNSPECIFIED) X(MACHINE) X(PHYSICAL) X(SSO) X(TACACS) X(VPN)

#define LH_UDM_ENUMERATOR(name) name,
// Scoped enums whose underlying values are the stored ordinals: `static_cast<EnumOrdinal>(EventType::PROCESS_LAUNCH)`,
// or use ordinal() below.
enum class EventType : EnumOrdinal { LH_UDM_EVENT_TYPES(LH_UDM_ENUMERATOR) };
enum class IpProtocol : EnumOrdinal { LH_UDM_IP_PROTOCOLS(LH_UDM_ENUMERATOR) };
enum class NetworkDirection : EnumOrdinal { LH_UDM_NETWORK_DIRECTIONS(LH_UDM_ENUMERATOR) };
enum class SecurityAction : EnumOrdinal { LH_UDM_SECURITY_ACTIONS(LH_UDM_ENUMERATOR) };
enum class AuthMechanism : EnumOrdinal { LH_UDM_AUTH_MECHANISMS(LH_UDM_ENUMERATOR) };
enum class AuthType : EnumOrdinal { LH_UDM_AUTH_TYPES(LH_UDM_ENUMERATOR) };
#undef LH_UDM_ENUMERATOR

template <class E>
constexpr EnumOrdinal ordinal(E value) noexcept {
    return static_cast<EnumOrdinal>(value);
}

// All value names of an enum kind, indexed by ordinal. Empty for EnumKind::None.
std::span<const std::string_view> enum_values(EnumKind kind) noexcept;
// Exact (case-sensitive, as Chronicle) lookup of a value name.
std::optional<EnumOrdinal> enum_ordinal(EnumKind kind, std::string_view name) noexcept;
// The value name; "" when the ordinal is out of range.
std::string_view enum_name(EnumKind kind, EnumOrdinal ordinal) noexcept;
// The closest value name (exact upper-casing first, then by edit distance); "" when nothing is close.
std::string_view suggest_enum_value(EnumKind kind, std::string_view name) noexcept;
// Human name of the enum set, for messages ("event type", "auth mechanism", ...).
std::string_view enum_kind_name(EnumKind kind) noexcept;

}  // namespace lh::udm
