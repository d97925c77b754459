#pragma once
// Every problem with a UDM search query (syntax, unknown field, type rule, missing reference list)
// is a ParseError carrying the 1-based column where it was found, counted in characters from the start
// of the query text (a line break counts as one character).

#include <cstddef>
#include <stdexcept>
#include <string>

namespace lh::udm {

class ParseError : public std::runtime_error {
public:
    ParseError(std::size_t column, std::string message);
    std::size_t column() const noexcept { return column_; }
    // The message without the "col N: " prefix; what() is "col N: <message>".
    const std::string& message() const noexcept { return message_; }

private:
    std::size_t column_;
    std::string message_;
};

}  // namespace lh::udm
