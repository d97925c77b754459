#pragma once
// Tokens of the UDM search language, produced on demand so that errors are reported left to right.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lh::udm {

enum class TokenKind : std::uint8_t {
    End,
    Word,      // field paths, keywords (AND OR NOT nocase in), true/false, and unquoted values
    String,    // "..." — text is decoded
    Regex,     // /.../ — text is the pattern with "\/" decoded to "/"
    Integer,   // -?[0-9]+ — number
    Op,        // = != < <= > >=
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    ListRef,   // %name — text is the name
};

struct Token {
    TokenKind kind = TokenKind::End;
    std::string text;
    std::int64_t number = 0;
    std::size_t column = 0;  // 1-based, in characters
    std::string_view raw;    // the token as written
};

class Lexer {
public:
    explicit Lexer(std::string_view source) : source_(source) {}
    // Next token; throws ParseError for malformed strings, regexes, numbers and stray characters.
    Token next();
    // 1-based character column of a byte offset.
    std::size_t column_of(std::size_t offset) const;

private:
    Token lex_string(std::size_t start);
    Token lex_regex(std::size_t start);
    Token lex_word_or_number(std::size_t start);
    Token make(TokenKind kind, std::size_t start, std::size_t end, std::string text = {}, std::int64_t number = 0) const;

    std::string_view source_;
    std::size_t pos_ = 0;
    // Columns are asked for in (mostly) increasing offsets: counting on from the previous answer keeps
    // lexing linear instead of rescanning the text from the start for every token.
    mutable std::size_t counted_offset_ = 0;
    mutable std::size_t counted_column_ = 1;
};

bool is_word_char(char c) noexcept;

}  // namespace lh::udm
