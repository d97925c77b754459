// Line-level helpers for checking rendered text exactly.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lh::skill::report::test {

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    if (end == std::string::npos) {
      if (start < text.size()) out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

inline bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text)) {
    if (l == line) return true;
  }
  return false;
}

// The lines after the first line equal to `heading`, up to the next line starting with "## ".
inline std::vector<std::string> section(const std::string& text, const std::string& heading) {
  std::vector<std::string> out;
  bool inside = false;
  for (const auto& l : lines_of(text)) {
    if (inside && l.rfind("## ", 0) == 0) break;
    if (inside && !l.empty()) out.push_back(l);
    if (l == heading) inside = true;
  }
  return out;
}

// Cell separators of a table row: '|' not escaped by a backslash.
inline std::size_t unescaped_pipes(const std::string& row) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '\\') {
      ++i;
    } else if (row[i] == '|') {
      ++count;
    }
  }
  return count;
}

// The text without fenced code blocks (a fence is a line of 3+ backticks, closed by a line of at least
// as many backticks and nothing else).
inline std::string outside_code_blocks(const std::string& text) {
  std::string out;
  std::size_t open_fence = 0;
  for (const auto& l : lines_of(text)) {
    const std::size_t ticks = l.find_first_not_of('`') == std::string::npos ? l.size() : l.find_first_not_of('`');
    if (open_fence == 0 && ticks >= 3) {
      open_fence = ticks;
    } else if (open_fence != 0 && ticks >= open_fence && ticks == l.size()) {
      open_fence = 0;
    } else if (open_fence == 0) {
      out += l + "\n";
    }
  }
  return out;
}

}  // namespace lh::skill::report::test
