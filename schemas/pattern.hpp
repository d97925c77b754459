#pragma once
// A JSON Schema "pattern" (ECMA-262 flavoured regular expression), compiled once.

#include <memory>
#include <regex>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace lh::schemas::detail {

// Searches (unanchored, as JSON Schema requires) with RE2, which runs in linear time and so cannot be
// driven into catastrophic backtracking by a hostile argument. Patterns RE2 rejects because they use
// ECMAScript-only syntax (lookaround, back-references) fall back to std::regex.
class Pattern {
 public:
  // Throws std::invalid_argument with the regex engine's explanation when the pattern does not compile.
  explicit Pattern(std::string source);
  ~Pattern();
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  bool search(std::string_view text) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::unique_ptr<re2::RE2> re2_;
  std::unique_ptr<std::regex> ecma_;
};

}  // namespace lh::schemas::detail
