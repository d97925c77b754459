#include "udm/fields.hpp"

#include "udm/edit_distance.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>
#include <vector>

namespace lh::udm {
namespace {

struct Spec {
    std::string_view path;  // snake_case, relative to the noun for noun fields
    ValueType type = ValueType::String;
    EnumKind enum_kind = EnumKind::None;
    bool repeated = false;
    bool is_map = false;
};

constexpr Spec string_field(std::string_view p, bool repeated = false) { return {p, ValueType::String, EnumKind::None, repeated, false}; }
constexpr Spec enum_field(std::string_view p, EnumKind k, bool repeated = false) { return {p, ValueType::Enum, k, repeated, false}; }
constexpr Spec map_field(std::string_view p) { return {p, ValueType::String, EnumKind::None, false, true}; }

// Order must follow TopField.
constexpr std::array<Spec, kTopFieldCount> kTopSpecs{{
    {"metadata.event_timestamp", ValueType::Timestamp},
    enum_field("metadata.event_type", EnumKind::EventType),
    string_field("metadata.product_event_type"),
    string_field("metadata.product_name"),
    string_field("metadata.vendor_name"),
    string_field("metadata.log_type"),
    string_field("metadata.product_log_id"),
    string_field("metadata.description"),
    enum_field("network.ip_protocol", EnumKind::IpProtocol),
    string_field("network.application_protocol"),
    enum_field("network.direction", EnumKind::NetworkDirection),
    enum_field("security_result.action", EnumKind::SecurityAction, true),
    string_field("security_result.summary"),
    string_field("security_result.description"),
    string_field("security_result.rule_name"),
    enum_field("extensions.auth.mechanism", EnumKind::AuthMechanism, true),
    enum_field("extensions.auth.type", EnumKind::AuthType),
    map_field("additional.fields"),
}};

// Order must follow NounField.
constexpr std::array<Spec, kNounFieldCount> kNounSpecs{{
    string_field("hostname"),
    string_field("ip", true),
    {"port", ValueType::Integer},
    string_field("mac", true),
    string_field("administrative_domain"),
    string_field("user.userid"),
    string_field("user.user_display_name"),
    string_field("user.windows_sid"),
    string_field("user.email_addresses", true),
    string_field("process.pid"),
    string_field("process.command_line"),
    string_field("process.product_specific_process_id"),
    string_field("process.file.full_path"),
    string_field("process.file.sha256"),
    string_field("process.file.md5"),
    string_field("process.file.sha1"),
    string_field("process.parent_process.pid"),
    string_field("process.parent_process.command_line"),
    string_field("process.parent_process.product_specific_process_id"),
    string_field("process.parent_process.file.full_path"),
    string_field("application"),
    string_field("resource.name"),
    string_field("resource.type"),
    string_field("file.full_path"),
    string_field("file.sha256"),
    string_field("file.md5"),
    string_field("file.sha1"),
    string_field("registry.registry_key"),
    string_field("registry.registry_value_name"),
    string_field("registry.registry_value_data"),
    string_field("asset.hostname"),
    map_field("labels"),
}};

constexpr std::array<std::string_view, kNounCount> kNounNames{"principal", "target", "src", "intermediary", "observer"};

// Chronicle's fast fields (udm-and-windows-events.md), plus process hashes.
bool is_indexed(std::string_view path) {
    static constexpr std::array<std::string_view, 12> kIndexed{
        "metadata.event_type", "metadata.product_event_type", "metadata.log_type", "principal.hostname",
        "principal.ip", "principal.user.userid", "target.hostname", "target.ip", "target.user.userid",
        "target.application", "target.process.file.sha256", "principal.process.file.sha256"};
    return std::find(kIndexed.begin(), kIndexed.end(), path) != kIndexed.end();
}

std::string camel_path(std::string_view snake_path) {
    std::string out;
    std::size_t start = 0;
    while (start <= snake_path.size()) {
        const auto dot = snake_path.find('.', start);
        const auto end = dot == std::string_view::npos ? snake_path.size() : dot;
        if (!out.empty()) out += '.';
        out += snake_to_camel(snake_path.substr(start, end - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return out;
}

struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using PathMap = std::unordered_map<std::string, FieldId, PathHash, std::equal_to<>>;

struct Catalogue {
    std::vector<FieldInfo> fields;
    PathMap by_path;  // looked up per JSON member and per query path: no allocation per lookup
    PathMap by_json_path;

    Catalogue() {
        fields.reserve(field_id_limit());
        auto add = [&](std::string path, const Spec& spec) {
            FieldInfo info;
            info.id = static_cast<FieldId>(fields.size());
            info.json_path = camel_path(path);
            info.path = std::move(path);
            info.type = spec.type;
            info.enum_kind = spec.enum_kind;
            info.repeated = spec.repeated;
            info.is_map = spec.is_map;
            info.indexed = is_indexed(info.path);
            by_path.emplace(info.path, info.id);
            by_json_path.emplace(info.json_path, info.id);
            fields.push_back(std::move(info));
        };
        for (const auto& spec : kTopSpecs) add(std::string(spec.path), spec);
        for (const auto noun : kNounNames) {
            for (const auto& spec : kNounSpecs) add(std::string(noun) + "." + std::string(spec.path), spec);
        }
    }
};

const Catalogue& catalogue() {
    static const Catalogue instance;
    return instance;
}

}  // namespace

std::string_view value_type_name(ValueType type) noexcept {
    switch (type) {
        case ValueType::String: return "string";
        case ValueType::Integer: return "integer";
        case ValueType::Enum: return "enum";
        case ValueType::Bool: return "bool";
        case ValueType::Timestamp: return "timestamp";
    }
    return "unknown";
}

std::span<const FieldInfo> all_fields() noexcept { return catalogue().fields; }

const FieldInfo& field_info(FieldId id) noexcept { return catalogue().fields[id]; }

std::optional<FieldId> find_field(std::string_view snake_path) noexcept {
    const auto& map = catalogue().by_path;
    const auto it = map.find(snake_path);
    if (it == map.end()) return std::nullopt;
    return it->second;
}

std::optional<FieldId> find_field_by_json_path(std::string_view camel_path) noexcept {
    const auto& map = catalogue().by_json_path;
    const auto it = map.find(camel_path);
    if (it == map.end()) return std::nullopt;
    return it->second;
}

std::string suggest_field(std::string_view unknown_path) {
    std::string lowered;
    for (const char c : unknown_path) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // A camelCase path is the commonest slip: the result spelling used as a query path.
    if (const auto id = find_field(camel_to_snake(unknown_path))) return field_info(*id).path;
    // An unfinished path ("principal.host", "target.process") gets the shortest path it begins.
    std::string shortest_extension;
    for (const auto& info : all_fields()) {
        if (info.path.size() > lowered.size() && info.path.compare(0, lowered.size(), lowered) == 0 &&
            (shortest_extension.empty() || info.path.size() < shortest_extension.size())) {
            shortest_extension = info.path;
        }
    }
    if (!shortest_extension.empty() && lowered.size() >= 3) return shortest_extension;
    std::size_t best = std::max<std::size_t>(3, unknown_path.size() / 5) + 1;
    std::string best_path;
    for (const auto& info : all_fields()) {
        const auto d = edit_distance(lowered, info.path, best);
        if (d < best) {
            best = d;
            best_path = info.path;
        }
    }
    return best_path;
}

std::string snake_to_camel(std::string_view snake) {
    std::string out;
    out.reserve(snake.size());
    bool upper_next = false;
    for (const char c : snake) {
        if (c == '_') {
            upper_next = !out.empty();
            continue;
        }
        out += upper_next ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper_next = false;
    }
    return out;
}

std::string camel_to_snake(std::string_view camel) {
    std::string out;
    out.reserve(camel.size() + 4);
    for (const char c : camel) {
        if (std::isupper(static_cast<unsigned char>(c))) {
            if (!out.empty() && out.back() != '.') out += '_';
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace lh::udm
