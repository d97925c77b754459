#include "skill/report/escape.hpp"

#include <algorithm>
#include <cstdint>

namespace lh::skill::report {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at text[i], or 0 when it is not one (overlong forms, surrogates
// and code points above U+10FFFF are invalid too).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i, char32_t& code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  char32_t value = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    value = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    value = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  if ((length == 3 && value < 0x800) || (length == 4 && (value < 0x10000 || value > 0x10FFFF)) ||
      (value >= 0xD800 && value <= 0xDFFF)) {
    return 0;
  }
  code_point = value;
  return length;
}

bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F ||
         c == 0x061C;
}

// Calls line_break() for each line break and emit(sequence) for every other code point, cleaned.
template <typename LineBreak, typename Emit>
void walk(std::string_view text, LineBreak line_break, Emit emit) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = 0;
    const std::size_t length = utf8_sequence_length(text, i, c);
    if (length == 0) {
      emit(kReplacement);
      ++i;
      continue;
    }
    if (c == '\r') {
      line_break();
      i += (i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c == '\n' || c == 0x2028 || c == 0x2029 || c == 0x85) {
      line_break();
    } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || is_bidi_control(c)) {
      emit(std::string_view(" "));
    } else {
      emit(text.substr(i, length));
    }
    i += length;
  }
}

std::size_t longest_backtick_run(std::string_view text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const char c : text) {
    run = (c == '`') ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

}  // namespace

std::string clean_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  walk(text, [&] { out += ' '; }, [&](std::string_view piece) { out += piece; });
  return out;
}

std::string clean_block(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  walk(text, [&] { out += '\n'; }, [&](std::string_view piece) {
    // A tab keeps code indentation readable; it cannot end a fence.
    out += piece;
  });
  return out;
}

std::string md_text(std::string_view text) {
  const std::string line = clean_line(text);
  std::string out;
  out.reserve(line.size() + line.size() / 4);
  for (const char c : line) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '~': case '!':
      case '{': case '}': case '$':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

std::string md_paragraph(std::string_view text) {
  std::string out = md_text(text);
  const auto first = out.find_first_not_of(' ');
  out.erase(0, first == std::string::npos ? out.size() : first);
  if (out.empty()) return out;
  const char lead = out.front();
  if (lead == '#' || lead == '-' || lead == '+' || lead == '=') {
    out.insert(0, "\\");
  } else if (lead >= '0' && lead <= '9') {
    // "1. " or "1) " starts an ordered list.
    const auto digits_end = out.find_first_not_of("0123456789");
    if (digits_end != std::string::npos && (out[digits_end] == '.' || out[digits_end] == ')')) {
      out.insert(digits_end, "\\");
    }
  }
  return out;
}

std::string md_code_span(std::string_view text, bool in_table) {
  std::string body = clean_line(text);
  if (in_table) {
    std::string escaped;
    escaped.reserve(body.size());
    for (const char c : body) {
      if (c == '|') escaped += '\\';
      escaped += c;
    }
    body = std::move(escaped);
  }
  if (body.empty()) return "` `";
  const std::string fence(longest_backtick_run(body) + 1, '`');
  // A space on each side keeps a backtick at either end from joining the fence; Markdown strips one.
  const bool pad = body.front() == '`' || body.back() == '`' || (body.front() == ' ' && body.back() == ' ');
  return pad ? fence + " " + body + " " + fence : fence + body + fence;
}

std::string md_code_block(std::string_view text, std::string_view info) {
  const std::string body = clean_block(text);
  const std::string fence(std::max<std::size_t>(3, longest_backtick_run(body) + 1), '`');
  std::string out = fence + clean_line(info) + "\n" + body;
  if (out.back() != '\n') out += '\n';
  out += fence + "\n";
  return out;
}

std::string mermaid_label(std::string_view text) {
  const std::string line = clean_line(text);
  std::string out;
  out.reserve(line.size() + line.size() / 2);
  for (const char c : line) {
    switch (c) {
      case '"': out += "#quot;"; break;
      case '<': out += "#lt;"; break;
      case '>': out += "#gt;"; break;
      case '&': out += "#amp;"; break;
      // '#' and ';' would form entities; ':' lets Mermaid's style/classDef rewrite touch a label line;
      // the rest are shape, edge, comment or Markdown-string syntax.
      case '#': case ';': case ':': case '[': case ']': case '(': case ')': case '{': case '}': case '|':
      case '`': case '%':
        out += '#';
        out += std::to_string(static_cast<unsigned char>(c));
        out += ';';
        break;
      default: out += c;
    }
  }
  return out;
}

std::string mermaid_id_base(std::string_view host) {
  std::string out = "h_";
  for (const char c : host) {
    const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    out += safe ? c : '_';
  }
  return out;
}

std::string trim_text(std::string_view text, std::size_t max_chars) {
  const std::string line = clean_line(text);
  std::size_t count = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    if (count == max_chars) {
      std::string cut = line.substr(0, i);
      while (!cut.empty() && cut.back() == ' ') cut.pop_back();
      return cut + "\xE2\x80\xA6";
    }
    ++count;
  }
  return line;
}

}  // namespace lh::skill::report
