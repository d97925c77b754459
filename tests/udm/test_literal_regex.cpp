#include "udm/literal_regex.hpp"

#include <doctest/doctest.h>
#include <re2/re2.h>

#include <random>
#include <string>
#include <vector>

using namespace lh::udm;

TEST_CASE("literal regex analysis") {
    CHECK(LiteralRegex::analyse("psexesvc", true));
    CHECK(LiteralRegex::analyse(R"(\\services\.exe$)", true));
    CHECK(LiteralRegex::analyse(R"(^C:\\Windows\\)", false));
    CHECK(LiteralRegex::analyse(R"(price\$)", false));
    CHECK_FALSE(LiteralRegex::analyse("a.b", false));
    CHECK_FALSE(LiteralRegex::analyse("(cmd|pwsh)", false));
    CHECK_FALSE(LiteralRegex::analyse(R"(\d+)", false));
    CHECK_FALSE(LiteralRegex::analyse("a$b", false));
    CHECK_FALSE(LiteralRegex::analyse("\xc3\xa9t\xc3\xa9", true));
    CHECK(LiteralRegex::analyse("\xc3\xa9t\xc3\xa9", false));
    const auto ends = LiteralRegex::analyse(R"(\\services\.exe$)", true);
    CHECK(ends->matches("C:\\Windows\\System32\\SERVICES.EXE") == true);
    CHECK(ends->matches("C:\\Windows\\System32\\services.exe.bak") == false);
    CHECK_FALSE(ends->matches("C:\\\xc3\xa9\\services.exe").has_value());  // non-ASCII text: RE2 decides
}

TEST_CASE("literal fast path agrees with RE2") {
    // Patterns and texts over an alphabet that stresses case, escapes, anchors and the Unicode folds
    // of k and s (KELVIN SIGN, LATIN SMALL LETTER LONG S).
    const std::vector<std::string> pattern_pieces{"a", "A", "k", "S", "s", "\\.", "\\\\", "\\$", "\\^", "-", " ", "\xc3\xa9", "x"};
    const std::vector<std::string> text_pieces{"a", "A", "k", "K", "s", "S", ".", "\\", "$", "^", "-", " ",
                                               "\xe2\x84\xaa", "\xc5\xbf", "\xc3\xa9", "\xc3\x89", "x"};
    std::mt19937 rng(99);
    auto pick = [&](const std::vector<std::string>& pieces, std::size_t max_len) {
        std::string out;
        const auto n = std::uniform_int_distribution<std::size_t>(0, max_len)(rng);
        for (std::size_t i = 0; i < n; ++i) out += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
        return out;
    };
    int fast = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string pattern = pick(pattern_pieces, 3);
        if (rng() % 2) pattern = "^" + pattern;
        if (rng() % 2) pattern += "$";
        if (pattern.empty()) continue;
        const bool nocase = rng() % 2;
        const auto literal = LiteralRegex::analyse(pattern, nocase);
        if (!literal) continue;
        RE2::Options options;
        options.set_case_sensitive(!nocase);
        const RE2 regex(pattern, options);
        REQUIRE(regex.ok());
        for (int j = 0; j < 20; ++j) {
            const std::string text = pick(text_pieces, 6);
            const auto quick = literal->matches(text);
            if (!quick) continue;
            ++fast;
            CAPTURE(pattern);
            CAPTURE(nocase);
            CAPTURE(text);
            CHECK(*quick == RE2::PartialMatch(text, regex));
        }
    }
    CHECK(fast > 1000);
}
