#pragma once
// Many hunt regexes are plain text with optional anchors (`/psexesvc/ nocase`, `/\\services\.exe$/ nocase`).
// Those are matched here by direct comparison, with exactly RE2's result; anything else goes to RE2.

#include <optional>
#include <string>
#include <string_view>

namespace lh::udm {

class LiteralRegex {
public:
    // The pattern as stored in the AST ("\/" already decoded); nullopt unless it is a literal with an
    // optional leading ^ and trailing $.
    static std::optional<LiteralRegex> analyse(std::string_view pattern, bool nocase);

    // Whether RE2's PartialMatch would match; nullopt when only RE2 can tell (case-insensitive matching of
    // non-ASCII text, where Unicode folding applies).
    std::optional<bool> matches(std::string_view text) const noexcept;

private:
    std::string needle_;  // ASCII-folded when nocase_
    bool nocase_ = false;
    bool at_start_ = false;
    bool at_end_ = false;
};

}  // namespace lh::udm
