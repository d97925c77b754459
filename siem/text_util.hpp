#pragma once
// Small text normalisations shared by the readers, the normalisers and the store.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lh::siem {

// True when `text` holds one of the HTML entities some shippers add (&lt; &gt; &amp; &quot; &#39; &#NN;).
bool has_html_entity(std::string_view text);

// Appends `text` to `out` with HTML entities decoded; unknown entities are kept verbatim.
void append_html_unescaped(std::string_view text, std::string& out);
std::string html_unescape(std::string_view text);

// Host name as used for comparisons: lower case, domain suffix removed, whitespace trimmed.
// "WORKSTATION5.theshire.local" -> "workstation5". IP addresses are returned unchanged (lower case).
std::string short_hostname(std::string_view hostname);

// ASCII case-insensitive equality (channel names, provider names).
bool iequals(std::string_view a, std::string_view b);
std::string to_lower_ascii(std::string_view text);

// Replaces bytes that are not valid UTF-8 with U+FFFD so that every stored string is valid UTF-8.
bool is_valid_utf8(std::string_view text);
std::string sanitize_utf8(std::string_view text);

// Parses a decimal or 0x-prefixed hexadecimal integer; nullopt when `text` is not entirely a number.
std::optional<std::int64_t> parse_integer(std::string_view text);

}  // namespace lh::siem
