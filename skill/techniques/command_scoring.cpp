#include "skill/techniques/command_scoring.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include <re2/re2.h>

#include "skill/techniques/catalogue.hpp"

namespace lh::skill::techniques {
namespace {

struct CompiledPattern {
  const CommandPattern* row;
  std::unique_ptr<RE2> regex;
};

const std::vector<CompiledPattern>& compiled_table() {
  static const std::vector<CompiledPattern> table = [] {
    std::vector<CompiledPattern> out;
    for (const auto& row : catalogue().suspicious_commands) {
      out.push_back({&row, std::make_unique<RE2>(row.regex, RE2::Quiet)});
    }
    return out;
  }();
  return table;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

// One left-to-right pass, so "&amp;gt;" becomes "&gt;" (decoded once), as a browser would.
std::string decode_html_entities(std::string_view in) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&gt;", '>'}, {"&lt;", '<'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&amp;", '&'}};
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    bool replaced = false;
    if (in[i] == '&') {
      for (const auto& [entity, character] : kEntities) {
        if (in.substr(i, entity.size()) == entity) {
          out += character;
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += in[i++];
  }
  return out;
}

std::string decode_encoded_powershell(std::string_view command_line) {
  static const RE2 encoded(R"((?i)(?:^|\s)[-/]e(?:c|n|nc|nco|ncod|ncode|ncoded|ncodedc|ncodedco|ncodedcom|ncodedcomm|ncodedcomma|ncodedcomman|ncodedcommand)?\s+"?([A-Za-z0-9+/=]{16,}))");
  std::string payload;
  if (!RE2::PartialMatch(command_line, encoded, &payload)) return {};
  std::string bytes;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : payload) {
    const int v = base64_value(c);
    if (v < 0) break;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // UTF-16LE: keep the ASCII code units, which is all the patterns look at.
  std::string script;
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    const auto low = static_cast<unsigned char>(bytes[i]);
    const auto high = static_cast<unsigned char>(bytes[i + 1]);
    if (high == 0 && low != 0 && low < 0x80) script += static_cast<char>(low);
  }
  return script;
}

CommandScore score_command(std::string_view command_line) {
  CommandScore result;
  const std::string plain = decode_html_entities(command_line);
  const std::string decoded = decode_encoded_powershell(plain);
  for (const auto& pattern : compiled_table()) {
    if (!pattern.regex->ok()) continue;  // the catalogue loader rejects bad patterns; this is belt and braces
    const bool hit = RE2::PartialMatch(plain, *pattern.regex) || (!decoded.empty() && RE2::PartialMatch(decoded, *pattern.regex));
    if (!hit) continue;
    result.score += pattern.row->weight;
    result.pattern_ids.push_back(pattern.row->id);
    for (const auto& attack : pattern.row->attack_ids) {
      if (std::find(result.attack_ids.begin(), result.attack_ids.end(), attack) == result.attack_ids.end()) {
        result.attack_ids.push_back(attack);
      }
    }
  }
  result.score = std::min(result.score, 100);
  return result;
}

}  // namespace lh::skill::techniques
