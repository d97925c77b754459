#include "udm/quote.hpp"

#include "udm/fields.hpp"
#include "udm/query_parser.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>

namespace lh::udm {

std::string quote_string(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 2);
    out += '"';
    for (const char c : value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    throw std::invalid_argument(fmt::format(
                        "udm.quote: control character U+{:04X} cannot appear in a UDM string literal",
                        static_cast<unsigned>(static_cast<unsigned char>(c))));
                }
                out += c;
        }
    }
    out += '"';
    return out;
}

namespace {

// RE2 reads patterns as UTF-8 and refuses malformed sequences, so they are refused here first.
bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2;
            code = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            code = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            code = lead & 0x07;
        } else {
            return false;
        }
        if (i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            code = (code << 6) | (next & 0x3F);
        }
        const bool overlong = (length == 2 && code < 0x80) || (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
        if (overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
        i += length;
    }
    return true;
}

}  // namespace

std::string quote_regex_literal(std::string_view value) {
    if (!is_valid_utf8(value)) {
        throw std::invalid_argument("udm.quote: value is not valid UTF-8 and cannot be matched by a regex");
    }
    static constexpr std::string_view kMeta = R"(\.+*?()|[]{}^$/-)";
    std::string out;
    out.reserve(value.size() * 2);
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\x{{{:02x}}}", static_cast<unsigned>(byte));
        } else if (kMeta.find(c) != std::string_view::npos) {
            out += '\\';
            out += c;
        } else {
            out += c;  // including UTF-8 bytes, which RE2 reads as the same characters
        }
    }
    return out;
}

namespace {

const FieldInfo& checked_string_field(std::string_view path) {
    const auto id = find_field(path);
    if (!id) throw std::invalid_argument(fmt::format("udm.quote: unknown field \"{}\"", path));
    const auto& info = field_info(*id);
    if (info.type != ValueType::String || info.is_map) {
        throw std::invalid_argument(fmt::format("udm.quote: {} is not a plain string field", path));
    }
    return info;
}

}  // namespace

std::string field_equals(std::string_view path, std::string_view value, bool nocase) {
    const auto& info = checked_string_field(path);
    return fmt::format("{} = {}{}", info.path, quote_string(value), nocase ? " nocase" : "");
}

std::string map_field_equals(std::string_view map_path, std::string_view key, std::string_view value, bool nocase) {
    const auto id = find_field(map_path);
    if (!id || !field_info(*id).is_map) {
        throw std::invalid_argument(fmt::format("udm.quote: \"{}\" is not a map field such as target.labels", map_path));
    }
    return fmt::format("{}[{}] = {}{}", field_info(*id).path, quote_string(key), quote_string(value),
                       nocase ? " nocase" : "");
}

std::string any_of(std::string_view path, const std::vector<std::string>& values, bool nocase) {
    const auto& info = checked_string_field(path);
    if (values.empty()) throw std::invalid_argument(fmt::format("udm.quote: any_of({}) needs at least one value", path));
    std::string alternatives;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) alternatives += '|';
        alternatives += quote_regex_literal(values[i]);
    }
    return fmt::format("{} = /^({})$/{}", info.path, alternatives, nocase ? " nocase" : "");
}

std::string combine_with_scope(std::string_view query, std::string_view scope) {
    parse_query(query);
    if (scope.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::string(query);
    try {
        parse_query(scope);
    } catch (const ParseError& e) {
        throw ParseError(e.column(), "in the scope: " + e.message());
    }
    return fmt::format("({}) AND ({})", query, scope);
}

}  // namespace lh::udm
