// UDM JSON in both spellings: Chronicle results (camelCase) and native UDM (snake_case).

#include "udm/event.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdint>
#include <vector>

namespace lh::udm {
namespace {

using nlohmann::json;

std::string join(std::string_view prefix, std::string_view key) {
    if (prefix.empty()) return std::string(key);
    std::string out;
    out.reserve(prefix.size() + key.size() + 1);
    out.append(prefix).append(".").append(key);
    return out;
}

std::string_view json_type(const json& v) { return v.type_name(); }

class Reader {
public:
    Reader(EventBuilder& out, const UdmJsonOptions& options) : out_(out), options_(options) {}

    void read_root(const json& root) {
        if (!root.is_object()) throw UdmJsonError("", fmt::format("expected a UDM object, got {}", json_type(root)));
        if (const auto udm = root.find("udm"); udm != root.end()) {
            if (!udm->is_object()) throw UdmJsonError("udm", fmt::format("expected an object, got {}", json_type(*udm)));
            read_object(*udm, "", "", 0);
        } else {
            read_object(root, "", "", 0);
        }
    }

private:
    template <class Read>
    void guarded(Read&& read) {
        if (!options_.lenient) {
            read();
            return;
        }
        try {
            read();
        } catch (const UdmJsonError& e) {
            if (options_.warnings) options_.warnings->emplace_back(e.what());
        }
    }

    // `snake` is the catalogue path so far; `where` is the JSON path as written, for messages.
    void read_object(const json& object, const std::string& snake, const std::string& where, int depth) {
        // No catalogue path is this deep; deeper members are outside the catalogue, and skipping them keeps
        // hostile nesting from exhausting the stack.
        if (depth > kMaxDepth) return;
        for (const auto& [key, value] : object.items()) {
            const std::string child_snake = join(snake, camel_to_snake(key));
            const std::string child_where = join(where, key);
            read_member(value, child_snake, child_where, depth + 1);
        }
    }
    static constexpr int kMaxDepth = 12;

    void read_member(const json& value, const std::string& snake, const std::string& where, int depth) {
        if (value.is_null()) return;
        if (snake == "additional") {
            guarded([&] { read_additional(value, where); });
            return;
        }
        if (const auto id = find_field(snake)) {
            guarded([&] { read_field(*id, value, where); });
            return;
        }
        if (value.is_object()) {
            read_object(value, snake, where, depth);
        } else if (value.is_array()) {
            // Repeated messages such as security_result: every element contributes to the same paths.
            std::size_t index = 0;
            for (const auto& element : value) {
                if (element.is_object()) read_object(element, snake, fmt::format("{}[{}]", where, index), depth);
                ++index;
            }
        }
        // Unknown scalars are fields outside the catalogue: ignored by design.
    }

    void read_field(FieldId id, const json& value, const std::string& where) {
        const auto& info = field_info(id);
        if (info.is_map) {
            read_labels(id, value, where);
            return;
        }
        if (value.is_array()) {
            if (!info.repeated) {
                throw UdmJsonError(where, fmt::format("expected a single {}, got an array", value_type_name(info.type)));
            }
            std::size_t index = 0;
            for (const auto& element : value) {
                // Each element stands alone: in lenient mode one bad element does not drop its neighbours.
                guarded([&] { read_scalar(info, element, fmt::format("{}[{}]", where, index)); });
                ++index;
            }
            return;
        }
        read_scalar(info, value, where);
    }

    void read_scalar(const FieldInfo& info, const json& value, const std::string& where) {
        switch (info.type) {
            case ValueType::String:
                if (value.is_string()) {
                    out_.add_string(info.id, value.get_ref<const std::string&>());
                } else if (value.is_number_integer()) {
                    // pids and similar arrive as numbers from some producers; keep their decimal text.
                    out_.add_string(info.id, value.dump());
                } else {
                    throw UdmJsonError(where, fmt::format("expected a string, got {}", json_type(value)));
                }
                return;
            case ValueType::Integer: out_.add_integer(info.id, read_integer(value, where)); return;
            case ValueType::Bool:
                if (value.is_boolean()) {
                    out_.add_integer(info.id, value.get<bool>() ? 1 : 0);
                } else if (value.is_string() && (value == "true" || value == "false")) {
                    out_.add_integer(info.id, value == "true" ? 1 : 0);
                } else {
                    throw UdmJsonError(where, fmt::format("expected a boolean, got {}", json_type(value)));
                }
                return;
            case ValueType::Enum: {
                if (!value.is_string()) {
                    throw UdmJsonError(where, fmt::format("expected a {} name, got {}", enum_kind_name(info.enum_kind),
                                                          json_type(value)));
                }
                const auto& name = value.get_ref<const std::string&>();
                const auto ordinal = enum_ordinal(info.enum_kind, name);
                if (!ordinal) {
                    throw UdmJsonError(where, fmt::format("\"{}\" is not a known {} value", name,
                                                          enum_kind_name(info.enum_kind)));
                }
                out_.add_enum(info.id, *ordinal);
                return;
            }
            case ValueType::Timestamp: out_.set_timestamp_us(read_timestamp(value, where)); return;
        }
    }

    static std::int64_t read_integer(const json& value, const std::string& where) {
        if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
            throw UdmJsonError(where, fmt::format("integer {} is out of range", value.dump()));
        }
        if (value.is_number_integer()) return value.get<std::int64_t>();
        if (value.is_number_float()) {
            const double d = value.get<double>();
            if (d == static_cast<double>(static_cast<std::int64_t>(d))) return static_cast<std::int64_t>(d);
            throw UdmJsonError(where, fmt::format("expected an integer, got {}", value.dump()));
        }
        if (value.is_string()) {
            // proto3 JSON writes int64 as a decimal string.
            const auto& text = value.get_ref<const std::string&>();
            std::int64_t n = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return n;
            throw UdmJsonError(where, fmt::format("expected an integer, got string \"{}\"", text));
        }
        throw UdmJsonError(where, fmt::format("expected an integer, got {}", json_type(value)));
    }

    static std::int64_t read_timestamp(const json& value, const std::string& where) {
        if (value.is_string()) {
            const auto& text = value.get_ref<const std::string&>();
            if (const auto micros = parse_rfc3339_us(text)) return *micros;
            throw UdmJsonError(where, fmt::format("\"{}\" is not an RFC 3339 timestamp", text));
        }
        if (value.is_object()) {
            const auto seconds = value.find("seconds");
            if (seconds == value.end()) throw UdmJsonError(where, "timestamp object has no \"seconds\"");
            const std::int64_t s = read_integer(*seconds, join(where, "seconds"));
            std::int64_t nanos = 0;
            if (const auto n = value.find("nanos"); n != value.end()) nanos = read_integer(*n, join(where, "nanos"));
            return s * 1'000'000 + nanos / 1000;
        }
        throw UdmJsonError(where, fmt::format("expected an RFC 3339 timestamp string, got {}", json_type(value)));
    }

    static std::string scalar_text(const json& value, const std::string& where) {
        if (value.is_string()) return value.get<std::string>();
        if (value.is_number() || value.is_boolean()) return value.dump();
        if (value.is_object()) {
            // google.protobuf.Value spellings: {"stringValue": ...}, {"numberValue": ...}, {"boolValue": ...}.
            for (const char* member : {"stringValue", "string_value", "numberValue", "number_value", "boolValue",
                                       "bool_value"}) {
                if (const auto it = value.find(member); it != value.end()) return scalar_text(*it, join(where, member));
            }
        }
        throw UdmJsonError(where, fmt::format("expected a string value, got {}", json_type(value)));
    }

    // Labels: [{"key": k, "value": v}, ...] (Chronicle) or {"k": "v"}.
    void read_labels(FieldId id, const json& value, const std::string& where) {
        if (value.is_object()) {
            for (const auto& [key, v] : value.items()) {
                if (!v.is_null()) out_.add_map_string(id, key, scalar_text(v, join(where, key)));
            }
            return;
        }
        if (!value.is_array()) {
            throw UdmJsonError(where, fmt::format("expected a list of {{\"key\", \"value\"}} labels, got {}", json_type(value)));
        }
        std::size_t index = 0;
        for (const auto& label : value) {
            const auto at = fmt::format("{}[{}]", where, index++);
            if (!label.is_object()) throw UdmJsonError(at, fmt::format("expected a label object, got {}", json_type(label)));
            const auto key = label.find("key");
            if (key == label.end() || !key->is_string()) throw UdmJsonError(join(at, "key"), "expected a string key");
            const auto v = label.find("value");
            if (v == label.end() || v->is_null()) continue;
            out_.add_map_string(id, key->get_ref<const std::string&>(), scalar_text(*v, join(at, "value")));
        }
    }

    // "additional": {"fields": {...}} as this library writes it, or the bare Struct {"k": ...}.
    void read_additional(const json& value, const std::string& where) {
        if (!value.is_object()) throw UdmJsonError(where, fmt::format("expected an object, got {}", json_type(value)));
        const auto fields = value.find("fields");
        if (fields != value.end() && (fields->is_object() || fields->is_array())) {
            read_labels(fields::additional_fields, *fields, join(where, "fields"));
        } else {
            read_labels(fields::additional_fields, value, where);
        }
    }

    EventBuilder& out_;
    const UdmJsonOptions& options_;
};

// Per field: the camelCase path split into segments, computed once.
const std::vector<std::vector<std::string>>& json_segments() {
    static const auto segments = [] {
        std::vector<std::vector<std::string>> all;
        for (const auto& info : all_fields()) {
            std::vector<std::string> parts;
            std::size_t start = 0;
            while (true) {
                const auto dot = info.json_path.find('.', start);
                parts.push_back(info.json_path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
                if (dot == std::string::npos) break;
                start = dot + 1;
            }
            all.push_back(std::move(parts));
        }
        return all;
    }();
    return segments;
}

json scalar_json(const FieldInfo& info, const Value& value) {
    switch (info.type) {
        case ValueType::String: return json(value.text);
        case ValueType::Integer: return json(value.number);
        case ValueType::Bool: return json(value.number != 0);
        case ValueType::Enum: return json(enum_name(info.enum_kind, static_cast<EnumOrdinal>(value.number)));
        case ValueType::Timestamp: return json(format_rfc3339(value.number));
    }
    return json();
}

}  // namespace

void read_udm_json(const nlohmann::json& udm, EventBuilder& out, const UdmJsonOptions& options) {
    Reader(out, options).read_root(udm);
}

nlohmann::json to_result_json(const EventView& event) {
    json root = json::object();
    root["metadata"]["eventTimestamp"] = format_rfc3339(event.timestamp_us());
    const auto& segments = json_segments();
    event.for_each_field([&](FieldId id, const Value& value) {
        if (id >= field_id_limit() || id == fields::event_timestamp) return true;
        const auto& info = field_info(id);
        const auto& parts = segments[id];
        json* node = &root;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
        json& slot = (*node)[parts.back()];
        if (info.is_map) {
            if (id == fields::additional_fields) {
                slot[std::string(value.key)] = value.text;
            } else {
                slot.push_back(json{{"key", value.key}, {"value", value.text}});
            }
        } else if (info.repeated) {
            slot.push_back(scalar_json(info, value));
        } else if (slot.is_null()) {
            slot = scalar_json(info, value);
        }
        return true;
    });
    // security_result is a repeated message in UDM; results carry it as a list.
    if (const auto it = root.find("securityResult"); it != root.end() && it->is_object()) {
        *it = json::array({*it});
    }
    return root;
}

}  // namespace lh::udm
