#pragma once
// Scores a command line run on a target for how suspicious it is (encoded PowerShell, download cradles,
// credential dumping, discovery, account creation, ...) using the catalogue's suspicious_commands table.
#include <string>
#include <string_view>
#include <vector>

namespace lh::skill::techniques {

struct CommandScore {
  int score = 0;                          // sum of matched weights, capped at 100
  std::vector<std::string> pattern_ids;   // matched table rows, in table order
  std::vector<std::string> attack_ids;    // their ATT&CK ids, deduplicated, in first-seen order
};

// The command line is read as logged (HTML-escaped shippers' `&gt;`/`&amp;`/`&quot;` are decoded first).
// When it carries a PowerShell -EncodedCommand, the decoded script is scored as well, so a payload hidden
// in base64 still counts. Never throws.
CommandScore score_command(std::string_view command_line);

// The script inside a PowerShell -EncodedCommand (UTF-16LE base64, non-ASCII dropped), or "" if none.
std::string decode_encoded_powershell(std::string_view command_line);

// `&gt; &lt; &quot; &#39; &amp;` decoded in one pass (some shippers HTML-escape event text).
std::string decode_html_entities(std::string_view text);

}  // namespace lh::skill::techniques
