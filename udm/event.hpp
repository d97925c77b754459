#pragma once
// The UDM event model.
//
//  - Value:        one field value as seen by readers (no ownership).
//  - EventView:    read interface: the timestamp and "each value of field F". Stores implement it over
//                  their compact representation; queries and the JSON writer only need this.
//  - EventBuilder: write interface: normalisers and the JSON reader fill any store through it.
//  - Event:        the owning value type implementing both (tests, small result sets, conversions).
//
// The event timestamp is NOT stored as a field: it is timestamp_us() / set_timestamp_us(). Readers
// asking for fields::event_timestamp get it from there (the query compiler and JSON writer do this);
// implementations of EventView never need to yield it from for_each_value.
//
// Cost model: one virtual call per field lookup or per added value, one indirect call per visited
// value; strings cross the interfaces as std::string_view.

#include "udm/fields.hpp"
#include "udm/function_ref.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace lh::udm {

struct Value {
    ValueType type = ValueType::String;
    std::string_view text;    // ValueType::String
    std::int64_t number = 0;  // Integer; Enum (ordinal); Bool (0/1); Timestamp (µs since the Unix epoch)
    std::string_view key;     // map fields only: the label / additional field key

    static Value string(std::string_view s, std::string_view key = {}) { return {ValueType::String, s, 0, key}; }
    static Value integer(std::int64_t n) { return {ValueType::Integer, {}, n, {}}; }
    static Value enumeration(EnumOrdinal o) { return {ValueType::Enum, {}, o, {}}; }
    static Value boolean(bool b) { return {ValueType::Bool, {}, b ? 1 : 0, {}}; }
};

// Return true to continue, false to stop the iteration.
using ValueVisitor = FunctionRef<bool(const Value&)>;
using FieldValueVisitor = FunctionRef<bool(FieldId, const Value&)>;

class EventView {
public:
    virtual ~EventView() = default;

    virtual std::int64_t timestamp_us() const = 0;
    // Visits each stored value of `field` (several for repeated fields, one per key for maps) in
    // insertion order. Returns false iff a visit returned false.
    virtual bool for_each_value(FieldId field, ValueVisitor visit) const = 0;
    // Visits every stored value of every field (grouped or not); used for serialisation.
    virtual bool for_each_field(FieldValueVisitor visit) const = 0;
    // Values of a map field under one key. The default filters for_each_value; stores with interned
    // keys may override it.
    virtual bool for_each_map_value(FieldId map_field, std::string_view key, ValueVisitor visit) const;

    // Convenience for callers (not for hot loops): first string value of a field, or "".
    std::string_view first_string(FieldId field) const;
};

class EventBuilder {
public:
    virtual ~EventBuilder() = default;

    virtual void set_timestamp_us(std::int64_t micros) = 0;
    // Preconditions (checked by Event, expected of stores): the field's type matches; for maps use
    // add_map_string. Repeated fields take several calls; a second call on a non-repeated field adds
    // a second value anyway (the readers then match any), so builders need not check.
    virtual void add_string(FieldId field, std::string_view value) = 0;
    virtual void add_integer(FieldId field, std::int64_t value) = 0;  // Integer and Bool (0/1) fields
    virtual void add_enum(FieldId field, EnumOrdinal value) = 0;
    virtual void add_map_string(FieldId map_field, std::string_view key, std::string_view value) = 0;

    // Conveniences over the virtual calls.
    template <class E>
        requires std::is_enum_v<E>
    void add_enum(FieldId field, E value) {
        add_enum(field, static_cast<EnumOrdinal>(value));
    }
    void add_bool(FieldId field, bool value) { add_integer(field, value ? 1 : 0); }
    void add_label(Noun noun, std::string_view key, std::string_view value) {
        add_map_string(field(noun, NounField::Labels), key, value);
    }
    void add_additional(std::string_view key, std::string_view value) {
        add_map_string(fields::additional_fields, key, value);
    }
    // Adds a value of whatever type `value` carries (key used for maps).
    void add_value(FieldId field, const Value& value);
};

// Copies the timestamp and every value of `from` into `to` (e.g. to materialise a stored event as Event).
void copy_event(const EventView& from, EventBuilder& to);

// Thrown by the JSON reader: `path` is the JSON path of the offending member ("principal.port").
class UdmJsonError : public std::runtime_error {
public:
    UdmJsonError(std::string path, const std::string& message);
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

// Reads a UDM event in either spelling (camelCase result JSON or snake_case native UDM; both may mix)
// into any builder. Accepts a bare UDM object or a search-result wrapper {"name": ..., "udm": {...}}.
// Unknown members are ignored (Chronicle has far more fields than the catalogue); known members of the
// wrong type throw UdmJsonError naming the path. Integers may come as JSON numbers or decimal strings
// (int64 in proto JSON); timestamps as RFC 3339 strings or {"seconds":..,"nanos":..}.
struct UdmJsonOptions {
    // Lenient: a member that is malformed (wrong type, unknown enum value such as an event type newer
    // than this catalogue, bad timestamp) is skipped and described in `warnings` instead of throwing.
    // For results from upstream servers, where losing a whole event to one odd member is worse.
    bool lenient = false;
    std::vector<std::string>* warnings = nullptr;  // optional; receives UdmJsonError::what() texts
};
void read_udm_json(const nlohmann::json& udm, EventBuilder& out, const UdmJsonOptions& options = {});
// Writes Chronicle's result spelling: {"metadata": {"eventTimestamp": "...Z", "eventType": "..."}, ...}.
// Repeated fields are arrays; labels are [{"key":..,"value":..}]; additional is {"fields": {"k": "v"}};
// security_result is a one-element list. A non-repeated field given several values keeps its first.
// Strings are copied as they are: dump with error_handler_t::replace if they may not be valid UTF-8.
nlohmann::json to_result_json(const EventView& event);

// RFC 3339 ("2020-09-20T10:11:12.123Z", offsets and 0-9 fraction digits) → µs since the epoch.
std::optional<std::int64_t> parse_rfc3339_us(std::string_view text) noexcept;
// µs since the epoch → "2020-09-20T10:11:12.123Z" (fraction omitted when zero, 3 or 6 digits).
std::string format_rfc3339(std::int64_t micros);

class Event final : public EventView, public EventBuilder {
public:
    Event() = default;
    explicit Event(std::int64_t timestamp_us) : timestamp_us_(timestamp_us) {}

    static Event from_json(const nlohmann::json& udm, const UdmJsonOptions& options = {});  // throws UdmJsonError
    nlohmann::json to_json() const;  // same as to_result_json(*this)

    // EventView
    std::int64_t timestamp_us() const override { return timestamp_us_; }
    bool for_each_value(FieldId field, ValueVisitor visit) const override;
    bool for_each_field(FieldValueVisitor visit) const override;

    // EventBuilder (throw std::invalid_argument on a type mismatch)
    void set_timestamp_us(std::int64_t micros) override { timestamp_us_ = micros; }
    void add_string(FieldId field, std::string_view value) override;
    void add_integer(FieldId field, std::int64_t value) override;
    void add_enum(FieldId field, EnumOrdinal value) override;
    void add_map_string(FieldId map_field, std::string_view key, std::string_view value) override;
    using EventBuilder::add_enum;

    // Test and tooling convenience by path; enum fields take the value name, maps use
    // `principal.labels["k"]` / `additional.fields["k"]`. Throw std::invalid_argument on bad input.
    Event& set(std::string_view path, std::string_view value);
    Event& set(std::string_view path, const char* value) { return set(path, std::string_view(value)); }
    Event& set(std::string_view path, std::int64_t value);
    Event& set(std::string_view path, int value) { return set(path, static_cast<std::int64_t>(value)); }
    Event& set_bool(std::string_view path, bool value);

    std::size_t value_count() const noexcept { return entries_.size(); }
    // Same timestamp and the same values in the same order.
    bool operator==(const Event& other) const { return timestamp_us_ == other.timestamp_us_ && entries_ == other.entries_; }

private:
    struct Entry {
        FieldId field = 0;
        ValueType type = ValueType::String;
        std::int64_t number = 0;
        std::string text;
        std::string key;
        bool operator==(const Entry&) const = default;
    };
    static Value view_of(const Entry& e) { return Value{e.type, e.text, e.number, e.key}; }

    std::int64_t timestamp_us_ = 0;
    std::vector<Entry> entries_;
};

}  // namespace lh::udm
