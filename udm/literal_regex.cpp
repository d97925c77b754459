#include "udm/literal_regex.hpp"

#include <algorithm>

namespace lh::udm {
namespace {

constexpr char fold(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_ascii_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::optional<LiteralRegex> LiteralRegex::analyse(std::string_view pattern, bool nocase) {
    static constexpr std::string_view kMeta = R"(.+*?()|[]{}^$)";
    LiteralRegex literal;
    literal.nocase_ = nocase;
    if (!pattern.empty() && pattern.front() == '^') {
        literal.at_start_ = true;
        pattern.remove_prefix(1);
    }
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            if (i + 1 >= pattern.size()) return std::nullopt;
            const char escaped = pattern[++i];
            // Escaped ASCII punctuation is itself; letters and digits are classes or special escapes.
            if (is_ascii_alnum(escaped) || static_cast<unsigned char>(escaped) >= 0x80) return std::nullopt;
            literal.needle_ += escaped;
        } else if (c == '$' && i + 1 == pattern.size()) {
            literal.at_end_ = true;
        } else if (kMeta.find(c) != std::string_view::npos) {
            return std::nullopt;
        } else {
            literal.needle_ += c;
        }
    }
    if (nocase) {
        if (std::any_of(literal.needle_.begin(), literal.needle_.end(),
                        [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; })) {
            return std::nullopt;
        }
        for (auto& ch : literal.needle_) ch = fold(ch);
    }
    return literal;
}

std::optional<bool> LiteralRegex::matches(std::string_view text) const noexcept {
    if (nocase_ && std::any_of(text.begin(), text.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; })) {
        return std::nullopt;  // e.g. KELVIN SIGN folds to 'k' under RE2's Unicode rules
    }
    const std::size_t n = needle_.size();
    if (text.size() < n) return false;
    auto equal_at = [&](std::size_t offset) {
        if (!nocase_) return text.compare(offset, n, needle_) == 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (fold(text[offset + i]) != needle_[i]) return false;
        }
        return true;
    };
    if (at_start_ && at_end_) return text.size() == n && equal_at(0);
    if (at_start_) return equal_at(0);
    if (at_end_) return equal_at(text.size() - n);
    if (!nocase_) return text.find(needle_) != std::string_view::npos;
    for (std::size_t offset = 0; offset + n <= text.size(); ++offset) {
        if (equal_at(offset)) return true;
    }
    return false;
}

}  // namespace lh::udm
