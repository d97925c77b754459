#pragma once
// The UDM field catalogue: every field path the hunt, the Windows mappings and the event store use.
//
// Each field has a dense FieldId (usable as an array index below field_id_limit()), a value type,
// whether it repeats, its snake_case query path ("target.process.command_line") and its camelCase
// result spelling ("target.process.commandLine").
//
// Map fields (`<noun>.labels["key"]`, `additional.fields["key"]`) are ONE FieldId for the whole map;
// each stored value carries its key alongside (see Value::key in event.hpp). Stores may intern keys.
//
// Ids are computed from the enums below and are stable for a given build. They may shift when fields
// are added (fields are only ever added): anything persisted across builds should store paths.

#include "udm/enums.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lh::udm {

using FieldId = std::uint16_t;

enum class ValueType : std::uint8_t { String, Integer, Enum, Bool, Timestamp };

std::string_view value_type_name(ValueType type) noexcept;  // "string", "integer", ...

// Fields outside the five nouns, in id order starting at 0.
enum class TopField : FieldId {
    MetadataEventTimestamp,  // timestamp; always equals the event's timestamp (EventView::timestamp_us)
    MetadataEventType,       // enum EventType
    MetadataProductEventType,
    MetadataProductName,
    MetadataVendorName,
    MetadataLogType,
    MetadataProductLogId,
    MetadataDescription,
    NetworkIpProtocol,  // enum IpProtocol
    NetworkApplicationProtocol,
    NetworkDirection,        // enum NetworkDirection
    SecurityResultAction,    // enum SecurityAction, repeated
    SecurityResultSummary,
    SecurityResultDescription,
    SecurityResultRuleName,
    ExtensionsAuthMechanism,  // enum AuthMechanism, repeated
    ExtensionsAuthType,       // enum AuthType
    AdditionalFields,         // map: additional.fields["key"]
    Count
};

// The entity nouns; every noun has the same set of NounField sub-fields.
enum class Noun : std::uint8_t { Principal, Target, Src, Intermediary, Observer, Count };

enum class NounField : FieldId {
    Hostname,
    Ip,  // repeated
    Port,  // integer
    Mac,   // repeated
    AdministrativeDomain,
    UserUserid,
    UserDisplayName,
    UserWindowsSid,
    UserEmailAddresses,  // repeated
    ProcessPid,          // string, as Chronicle
    ProcessCommandLine,
    ProcessProductSpecificProcessId,
    ProcessFileFullPath,
    ProcessFileSha256,
    ProcessFileMd5,
    ProcessFileSha1,
    ProcessParentPid,
    ProcessParentCommandLine,
    ProcessParentProductSpecificProcessId,
    ProcessParentFileFullPath,
    Application,
    ResourceName,
    ResourceType,
    FileFullPath,
    FileSha256,
    FileMd5,
    FileSha1,
    RegistryKey,
    RegistryValueName,
    RegistryValueData,
    AssetHostname,
    Labels,  // map: <noun>.labels["key"]
    Count
};

inline constexpr FieldId kTopFieldCount = static_cast<FieldId>(TopField::Count);
inline constexpr FieldId kNounFieldCount = static_cast<FieldId>(NounField::Count);
inline constexpr FieldId kNounCount = static_cast<FieldId>(Noun::Count);

constexpr FieldId field(TopField f) noexcept { return static_cast<FieldId>(f); }
constexpr FieldId field(Noun noun, NounField f) noexcept {
    return static_cast<FieldId>(kTopFieldCount + static_cast<FieldId>(noun) * kNounFieldCount + static_cast<FieldId>(f));
}
// One past the largest FieldId: size arrays indexed by FieldId with this.
constexpr FieldId field_id_limit() noexcept { return static_cast<FieldId>(kTopFieldCount + kNounCount * kNounFieldCount); }

// Shorthands for the fields the hunt and the indexes use most.
namespace fields {
inline constexpr FieldId event_timestamp = field(TopField::MetadataEventTimestamp);
inline constexpr FieldId event_type = field(TopField::MetadataEventType);
inline constexpr FieldId product_event_type = field(TopField::MetadataProductEventType);
inline constexpr FieldId log_type = field(TopField::MetadataLogType);
inline constexpr FieldId additional_fields = field(TopField::AdditionalFields);
inline constexpr FieldId principal_hostname = field(Noun::Principal, NounField::Hostname);
inline constexpr FieldId principal_ip = field(Noun::Principal, NounField::Ip);
inline constexpr FieldId principal_user_userid = field(Noun::Principal, NounField::UserUserid);
inline constexpr FieldId target_hostname = field(Noun::Target, NounField::Hostname);
inline constexpr FieldId target_ip = field(Noun::Target, NounField::Ip);
inline constexpr FieldId target_user_userid = field(Noun::Target, NounField::UserUserid);
inline constexpr FieldId target_application = field(Noun::Target, NounField::Application);
}  // namespace fields

struct FieldInfo {
    FieldId id = 0;
    std::string path;       // snake_case query path; for maps the map itself: "principal.labels"
    std::string json_path;  // camelCase result spelling: "principal.process.commandLine"
    ValueType type = ValueType::String;
    EnumKind enum_kind = EnumKind::None;  // set when type == Enum
    bool repeated = false;
    bool is_map = false;   // labels / additional.fields: values carry a key
    bool indexed = false;  // one of Chronicle's fast (indexed) fields
};

// Every field, indexed by FieldId (all_fields()[id].id == id).
std::span<const FieldInfo> all_fields() noexcept;
// Precondition: id < field_id_limit().
const FieldInfo& field_info(FieldId id) noexcept;
// Exact snake_case query path ("target.process.command_line", "additional.fields") → id.
std::optional<FieldId> find_field(std::string_view snake_path) noexcept;
// Exact camelCase result path ("target.process.commandLine") → id.
std::optional<FieldId> find_field_by_json_path(std::string_view camel_path) noexcept;
// Closest known snake_case path by edit distance, for "did you mean" hints; "" if nothing is close.
std::string suggest_field(std::string_view unknown_path);

// snake_case ↔ camelCase for one path segment ("command_line" ↔ "commandLine").
std::string snake_to_camel(std::string_view snake);
std::string camel_to_snake(std::string_view camel);

}  // namespace lh::udm
