#include <doctest/doctest.h>

#include "skill/report/escape.hpp"

using namespace lh::skill::report;

TEST_CASE("md_text escapes Markdown punctuation and HTML on one line") {
  CHECK(md_text("a|b") == "a\\|b");
  CHECK(md_text("<b>&") == "&lt;b&gt;&amp;");
  CHECK(md_text("*x* _y_ [z](u) `c` ~d~ !e \\f") == "\\*x\\* \\_y\\_ \\[z\\](u) \\`c\\` \\~d\\~ \\!e \\\\f");
  CHECK(md_text("one\r\ntwo\nthree\rfour") == "one two three four");
}

TEST_CASE("md_paragraph neutralises block markers at the start") {
  CHECK(md_paragraph("# h") == "\\# h");
  CHECK(md_paragraph("  - item") == "\\- item");
  CHECK(md_paragraph("12. item") == "12\\. item");
  CHECK(md_paragraph("3) item") == "3\\) item");
  CHECK(md_paragraph("> quote") == "&gt; quote");
  CHECK(md_paragraph("2024 was") == "2024 was");
  CHECK(md_paragraph("") == "");
}

TEST_CASE("code spans and blocks pick a fence longer than the content's") {
  CHECK(md_code_span("a") == "`a`");
  CHECK(md_code_span("a`b") == "``a`b``");
  CHECK(md_code_span("`x`") == "`` `x` ``");
  CHECK(md_code_span("a|b", true) == "`a\\|b`");
  CHECK(md_code_span("") == "` `");
  CHECK(md_code_block("x", "udm") == "```udm\nx\n```\n");
  CHECK(md_code_block("```\ny\r\n", "") == "````\n```\ny\n````\n");
}

TEST_CASE("trim_text cuts on code points") {
  CHECK(trim_text("abcdef", 3) == "abc\xE2\x80\xA6");
  CHECK(trim_text("\xC3\xA9\xC3\xA9\xC3\xA9", 2) == "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
  CHECK(trim_text("short", 10) == "short");
}
