// RFC 6570 level-1 matching ({var} only), enough for MCP resource templates.
#include <string>

#include "mcp/server.hpp"

namespace lh::mcp {
namespace {

struct Piece {
  bool variable = false;
  std::string text;  // literal text, or the variable name
};

std::optional<std::vector<Piece>> split_template(std::string_view uri_template) {
  std::vector<Piece> pieces;
  std::size_t at = 0;
  while (at < uri_template.size()) {
    const auto open = uri_template.find('{', at);
    if (open == std::string_view::npos) {
      pieces.push_back({false, std::string(uri_template.substr(at))});
      break;
    }
    if (open > at) pieces.push_back({false, std::string(uri_template.substr(at, open - at))});
    const auto close = uri_template.find('}', open);
    if (close == std::string_view::npos || close == open + 1) return std::nullopt;
    // Two adjacent variables cannot be told apart.
    if (!pieces.empty() && pieces.back().variable) return std::nullopt;
    pieces.push_back({true, std::string(uri_template.substr(open + 1, close - open - 1))});
    at = close + 1;
  }
  return pieces;
}

bool match_from(const std::vector<Piece>& pieces, std::size_t piece, std::string_view uri, std::size_t at,
                std::map<std::string, std::string>& out) {
  if (piece == pieces.size()) return at == uri.size();
  const Piece& current = pieces[piece];
  if (!current.variable) {
    if (uri.substr(at, current.text.size()) != current.text) return false;
    return match_from(pieces, piece + 1, uri, at + current.text.size(), out);
  }
  // A variable takes one or more characters up to the next '/', trying the longest first.
  std::size_t end = at;
  while (end < uri.size() && uri[end] != '/') ++end;
  for (std::size_t stop = end; stop > at; --stop) {
    if (match_from(pieces, piece + 1, uri, stop, out)) {
      out[current.text] = std::string(uri.substr(at, stop - at));
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::map<std::string, std::string>> match_uri_template(std::string_view uri_template,
                                                                     std::string_view uri) {
  auto pieces = split_template(uri_template);
  if (!pieces) return std::nullopt;
  std::map<std::string, std::string> variables;
  if (!match_from(*pieces, 0, uri, 0, variables)) return std::nullopt;
  return variables;
}

}  // namespace lh::mcp
