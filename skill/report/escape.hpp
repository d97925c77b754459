// Escaping of log-derived text for the places the report puts it. Event text is attacker-controlled
// (command lines, host and user names), so none of it may close a table cell, open a link, inject HTML
// or end a Mermaid label.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lh::skill::report {

// Valid UTF-8 with one line: invalid bytes become U+FFFD, control characters (newlines included) and
// bidirectional overrides become spaces, so text cannot reorder or break the line it is put on.
std::string clean_line(std::string_view text);

// Like clean_line but keeps newlines (CR LF and CR become LF), for fenced code blocks.
std::string clean_block(std::string_view text);

// Inline Markdown text, safe in a paragraph, a list item and a table cell: one line, Markdown
// punctuation backslash-escaped, '<', '>' and '&' as entities.
std::string md_text(std::string_view text);

// md_text for text that starts a line (a paragraph): also neutralises a leading heading, list, quote
// or thematic-break marker.
std::string md_paragraph(std::string_view text);

// An inline code span holding `text` literally (fence longer than any backtick run inside). With
// `in_table`, '|' is escaped as GFM requires inside table cells.
std::string md_code_span(std::string_view text, bool in_table = false);

// A fenced code block (fence longer than any backtick run inside), ending with a newline.
std::string md_code_block(std::string_view text, std::string_view info = "");

// A Mermaid label body (the text between the quotes of ["..."] or |"..."|): every character Mermaid
// or its entity pass could read as syntax is written as a #code; entity.
std::string mermaid_label(std::string_view text);

// A Mermaid node id from a host name: "h_" followed by letters, digits and '_' only.
std::string mermaid_id_base(std::string_view host);

// At most `max_chars` code points of one-line text, with "…" when cut.
std::string trim_text(std::string_view text, std::size_t max_chars);

}  // namespace lh::skill::report
