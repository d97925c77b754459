#include "udm/event.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <stdexcept>

namespace lh::udm {

// ---------------------------------------------------------------- EventView / EventBuilder conveniences

bool EventView::for_each_map_value(FieldId map_field, std::string_view key, ValueVisitor visit) const {
    return for_each_value(map_field, [&](const Value& v) { return v.key != key || visit(v); });
}

std::string_view EventView::first_string(FieldId field) const {
    std::string_view found;
    for_each_value(field, [&](const Value& v) {
        if (v.type != ValueType::String) return true;
        found = v.text;
        return false;
    });
    return found;
}

void EventBuilder::add_value(FieldId field, const Value& value) {
    switch (value.type) {
        case ValueType::String:
            if (field_info(field).is_map) {
                add_map_string(field, value.key, value.text);
            } else {
                add_string(field, value.text);
            }
            return;
        case ValueType::Integer:
        case ValueType::Bool: add_integer(field, value.number); return;
        case ValueType::Enum: add_enum(field, static_cast<EnumOrdinal>(value.number)); return;
        case ValueType::Timestamp: set_timestamp_us(value.number); return;
    }
}

void copy_event(const EventView& from, EventBuilder& to) {
    to.set_timestamp_us(from.timestamp_us());
    from.for_each_field([&](FieldId field, const Value& value) {
        to.add_value(field, value);
        return true;
    });
}

UdmJsonError::UdmJsonError(std::string path, const std::string& message)
    : std::runtime_error(fmt::format("udm.json: {}: {}", path.empty() ? "(root)" : path, message)),
      path_(std::move(path)) {}

// ---------------------------------------------------------------- timestamps

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-day arithmetic).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

constexpr Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    pos += count;
    out = value;
    return true;
}

bool expect_char(std::string_view text, std::size_t& pos, char c) {
    if (pos < text.size() && text[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_us(std::string_view text) noexcept {
    std::size_t pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, pos, 4, year) || !expect_char(text, pos, '-') || !read_digits(text, pos, 2, month) ||
        !expect_char(text, pos, '-') || !read_digits(text, pos, 2, day)) {
        return std::nullopt;
    }
    if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) return std::nullopt;
    ++pos;
    if (!read_digits(text, pos, 2, hour) || !expect_char(text, pos, ':') || !read_digits(text, pos, 2, minute) ||
        !expect_char(text, pos, ':') || !read_digits(text, pos, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::int64_t micros = 0;
    if (expect_char(text, pos, '.')) {
        int digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits < 6) micros = micros * 10 + (text[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 6; ++i) micros *= 10;
    }
    std::int64_t offset_seconds = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const int sign = text[pos] == '-' ? -1 : 1;
        ++pos;
        int oh = 0, om = 0;
        if (!read_digits(text, pos, 2, oh) || !expect_char(text, pos, ':') || !read_digits(text, pos, 2, om)) {
            return std::nullopt;
        }
        offset_seconds = sign * (oh * 3600 + om * 60);
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    const std::int64_t days =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
    return seconds * 1'000'000 + micros;
}

std::string format_rfc3339(std::int64_t micros) {
    std::int64_t seconds = micros / 1'000'000;
    std::int64_t fraction = micros % 1'000'000;
    if (fraction < 0) {
        fraction += 1'000'000;
        seconds -= 1;
    }
    std::int64_t days = seconds / 86400;
    std::int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        days -= 1;
    }
    const Civil date = civil_from_days(days);
    std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", date.year, date.month, date.day, rest / 3600,
                                  (rest / 60) % 60, rest % 60);
    if (fraction % 1000 == 0 && fraction != 0) {
        out += fmt::format(".{:03}", fraction / 1000);
    } else if (fraction != 0) {
        out += fmt::format(".{:06}", fraction);
    }
    out += 'Z';
    return out;
}

// ---------------------------------------------------------------- Event

namespace {

[[noreturn]] void type_mismatch(FieldId field, std::string_view what) {
    const auto& info = field_info(field);
    throw std::invalid_argument(fmt::format("udm.event: cannot add {} to {} field {}", what,
                                            value_type_name(info.type), info.path));
}

void check_field_id(FieldId field) {
    if (field >= field_id_limit()) throw std::invalid_argument(fmt::format("udm.event: no field with id {}", field));
}

}  // namespace

bool Event::for_each_value(FieldId field, ValueVisitor visit) const {
    for (const auto& entry : entries_) {
        if (entry.field == field && !visit(view_of(entry))) return false;
    }
    return true;
}

bool Event::for_each_field(FieldValueVisitor visit) const {
    for (const auto& entry : entries_) {
        if (!visit(entry.field, view_of(entry))) return false;
    }
    return true;
}

void Event::add_string(FieldId field, std::string_view value) {
    check_field_id(field);
    const auto& info = field_info(field);
    if (info.type != ValueType::String || info.is_map) type_mismatch(field, "a string");
    entries_.push_back(Entry{field, ValueType::String, 0, std::string(value), {}});
}

void Event::add_integer(FieldId field, std::int64_t value) {
    check_field_id(field);
    const auto& info = field_info(field);
    if (info.type == ValueType::Timestamp) {
        timestamp_us_ = value;
        return;
    }
    if (info.type != ValueType::Integer && info.type != ValueType::Bool) type_mismatch(field, "an integer");
    entries_.push_back(Entry{field, info.type, info.type == ValueType::Bool ? (value != 0) : value, {}, {}});
}

void Event::add_enum(FieldId field, EnumOrdinal value) {
    check_field_id(field);
    const auto& info = field_info(field);
    if (info.type != ValueType::Enum) type_mismatch(field, "an enum value");
    if (enum_name(info.enum_kind, value).empty()) {
        throw std::invalid_argument(fmt::format("udm.event: {} is not a valid {} ordinal for {}", value,
                                                enum_kind_name(info.enum_kind), info.path));
    }
    entries_.push_back(Entry{field, ValueType::Enum, value, {}, {}});
}

void Event::add_map_string(FieldId map_field, std::string_view key, std::string_view value) {
    check_field_id(map_field);
    if (!field_info(map_field).is_map) type_mismatch(map_field, "a keyed value");
    entries_.push_back(Entry{map_field, ValueType::String, 0, std::string(value), std::string(key)});
}

namespace {

struct PathAndKey {
    FieldId field;
    std::string key;
    bool has_key;
};

// "principal.labels[\"k\"]" → (principal.labels, k); "target.port" → (target.port).
PathAndKey resolve_path(std::string_view path) {
    std::string_view base = path;
    std::string key;
    bool has_key = false;
    if (const auto open = path.find('['); open != std::string_view::npos) {
        base = path.substr(0, open);
        auto inner = path.substr(open + 1);
        if (inner.size() < 3 || inner.front() != '"' || inner.substr(inner.size() - 2) != "\"]") {
            throw std::invalid_argument(fmt::format("udm.event: bad map path {} (write {}[\"key\"])", path, base));
        }
        key = std::string(inner.substr(1, inner.size() - 3));
        has_key = true;
    }
    const auto id = find_field(base);
    if (!id) throw std::invalid_argument(fmt::format("udm.event: unknown field {}", base));
    if (field_info(*id).is_map != has_key) {
        throw std::invalid_argument(fmt::format("udm.event: {} {}", path,
                                                has_key ? "is not a map field" : "is a map field: add [\"key\"]"));
    }
    return {*id, std::move(key), has_key};
}

}  // namespace

Event& Event::set(std::string_view path, std::string_view value) {
    const auto target = resolve_path(path);
    const auto& info = field_info(target.field);
    if (target.has_key) {
        add_map_string(target.field, target.key, value);
    } else if (info.type == ValueType::Enum) {
        const auto ordinal = enum_ordinal(info.enum_kind, value);
        if (!ordinal) {
            throw std::invalid_argument(
                fmt::format("udm.event: \"{}\" is not a {} value ({})", value, enum_kind_name(info.enum_kind), path));
        }
        add_enum(target.field, *ordinal);
    } else if (info.type == ValueType::Timestamp) {
        const auto micros = parse_rfc3339_us(value);
        if (!micros) throw std::invalid_argument(fmt::format("udm.event: \"{}\" is not an RFC 3339 time", value));
        timestamp_us_ = *micros;
    } else {
        add_string(target.field, value);
    }
    return *this;
}

Event& Event::set(std::string_view path, std::int64_t value) {
    const auto target = resolve_path(path);
    add_integer(target.field, value);
    return *this;
}

Event& Event::set_bool(std::string_view path, bool value) {
    const auto target = resolve_path(path);
    if (field_info(target.field).type != ValueType::Bool) type_mismatch(target.field, "a bool");
    add_integer(target.field, value ? 1 : 0);
    return *this;
}

Event Event::from_json(const nlohmann::json& udm, const UdmJsonOptions& options) {
    Event event;
    read_udm_json(udm, event, options);
    return event;
}

}  // namespace lh::udm

namespace lh::udm {
nlohmann::json Event::to_json() const { return to_result_json(*this); }
}  // namespace lh::udm
