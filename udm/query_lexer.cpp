#include "udm/query_lexer.hpp"

#include "udm/query_error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace lh::udm {

ParseError::ParseError(std::size_t column, std::string message)
    : std::runtime_error(fmt::format("col {}: {}", column, message)), column_(column), message_(std::move(message)) {}

bool is_word_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == ':' || c == '-';
}

namespace {

bool is_word_start(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

std::size_t Lexer::column_of(std::size_t offset) const {
    offset = std::min(offset, source_.size());
    if (offset < counted_offset_) {
        counted_offset_ = 0;
        counted_column_ = 1;
    }
    for (; counted_offset_ < offset; ++counted_offset_) {
        // Count characters, not bytes: UTF-8 continuation bytes do not start a new column.
        if ((static_cast<unsigned char>(source_[counted_offset_]) & 0xC0) != 0x80) ++counted_column_;
    }
    return counted_column_;
}

Token Lexer::make(TokenKind kind, std::size_t start, std::size_t end, std::string text, std::int64_t number) const {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.number = number;
    t.column = column_of(start);
    t.raw = source_.substr(start, end - start);
    return t;
}

Token Lexer::next() {
    while (pos_ < source_.size() && is_space(source_[pos_])) ++pos_;
    const std::size_t start = pos_;
    if (pos_ >= source_.size()) return make(TokenKind::End, start, start);
    const char c = source_[pos_];
    const char following = pos_ + 1 < source_.size() ? source_[pos_ + 1] : '\0';
    switch (c) {
        case '"': return lex_string(start);
        case '/': return lex_regex(start);
        case '(': ++pos_; return make(TokenKind::LParen, start, pos_);
        case ')': ++pos_; return make(TokenKind::RParen, start, pos_);
        case '[': ++pos_; return make(TokenKind::LBracket, start, pos_);
        case ']': ++pos_; return make(TokenKind::RBracket, start, pos_);
        case ',': ++pos_; return make(TokenKind::Comma, start, pos_);
        case '=':
            if (following == '=') throw ParseError(column_of(start), "UDM search has no ==; write =");
            ++pos_;
            return make(TokenKind::Op, start, pos_, "=");
        case '!':
            if (following != '=') throw ParseError(column_of(start), "unexpected \"!\"; write NOT or !=");
            pos_ += 2;
            return make(TokenKind::Op, start, pos_, "!=");
        case '<':
        case '>': {
            if (c == '<' && following == '>') throw ParseError(column_of(start), "UDM search has no <>; write !=");
            const bool with_equals = following == '=';
            pos_ += with_equals ? 2 : 1;
            return make(TokenKind::Op, start, pos_, std::string(1, c) + (with_equals ? "=" : ""));
        }
        case '&': throw ParseError(column_of(start), "unexpected \"&\"; write AND");
        case '|': throw ParseError(column_of(start), "unexpected \"|\"; write OR");
        case '\'': throw ParseError(column_of(start), "strings use double quotes: write \"...\"");
        case '%': {
            std::size_t end = pos_ + 1;
            while (end < source_.size() && is_word_start(source_[end])) ++end;
            if (end == pos_ + 1) throw ParseError(column_of(start), "expected a reference list name after %");
            pos_ = end;
            return make(TokenKind::ListRef, start, end, std::string(source_.substr(start + 1, end - start - 1)));
        }
        default: break;
    }
    if (is_word_start(c) || (c == '-' && following >= '0' && following <= '9')) return lex_word_or_number(start);
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        throw ParseError(column_of(start), fmt::format("unexpected control character U+{:04X}", static_cast<unsigned>(c)));
    }
    // Report the whole (possibly multi-byte) character.
    std::size_t end = pos_ + 1;
    while (end < source_.size() && (static_cast<unsigned char>(source_[end]) & 0xC0) == 0x80) ++end;
    throw ParseError(column_of(start), fmt::format("unexpected character '{}'", source_.substr(start, end - start)));
}

Token Lexer::lex_string(std::size_t start) {
    std::string value;
    std::size_t i = start + 1;
    while (true) {
        if (i >= source_.size()) throw ParseError(column_of(start), "unterminated string");
        const char c = source_[i];
        if (c == '"') break;
        if (c == '\n' || c == '\r') throw ParseError(column_of(i), "line break inside a string; write \\n");
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
            throw ParseError(column_of(i), fmt::format("control character U+{:04X} inside a string", static_cast<unsigned>(c)));
        }
        if (c == '\\') {
            if (i + 1 >= source_.size()) throw ParseError(column_of(start), "unterminated string");
            const char e = source_[i + 1];
            switch (e) {
                case '\\': value += '\\'; break;
                case '"': value += '"'; break;
                case 'n': value += '\n'; break;
                case 't': value += '\t'; break;
                case 'r': value += '\r'; break;
                default:
                    throw ParseError(column_of(i),
                                     fmt::format("unknown escape \\{} in a string; write \\\\ for a backslash",
                                                 source_.substr(i + 1, 1)));
            }
            i += 2;
            continue;
        }
        value += c;
        ++i;
    }
    pos_ = i + 1;
    return make(TokenKind::String, start, pos_, std::move(value));
}

Token Lexer::lex_regex(std::size_t start) {
    std::string pattern;
    std::size_t i = start + 1;
    while (true) {
        if (i >= source_.size()) throw ParseError(column_of(start), "unterminated regex");
        const char c = source_[i];
        if (c == '/') break;
        if (c == '\n' || c == '\r') throw ParseError(column_of(i), "line break inside a regex; write \\n");
        if (c == '\\') {
            if (i + 1 >= source_.size()) throw ParseError(column_of(start), "unterminated regex");
            // "\/" is a slash; every other escape belongs to RE2 and is kept as written.
            if (source_[i + 1] == '/') {
                pattern += '/';
            } else {
                pattern += source_.substr(i, 2);
            }
            i += 2;
            continue;
        }
        pattern += c;
        ++i;
    }
    if (pattern.empty()) throw ParseError(column_of(start), "empty regex //");
    pos_ = i + 1;
    return make(TokenKind::Regex, start, pos_, std::move(pattern));
}

Token Lexer::lex_word_or_number(std::size_t start) {
    std::size_t end = start + 1;
    while (end < source_.size() && is_word_char(source_[end])) ++end;
    pos_ = end;
    const std::string_view text = source_.substr(start, end - start);
    const bool numeric = text.find_first_not_of("0123456789", text.front() == '-' ? 1 : 0) == std::string_view::npos;
    if (numeric) {
        std::int64_t number = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (ec != std::errc() || ptr != text.data() + text.size()) {
            throw ParseError(column_of(start), fmt::format("integer {} is out of range", text));
        }
        return make(TokenKind::Integer, start, end, std::string(text), number);
    }
    return make(TokenKind::Word, start, end, std::string(text));
}

}  // namespace lh::udm
