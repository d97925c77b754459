#include "transport/json_text.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace lh::transport {

namespace {

using mcp::Json;

// Deeper nesting goes to nlohmann, whose parser needs no stack per level.
constexpr int kMaxFastDepth = 64;

std::string nlohmann_text(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Bytes a string may hold as they are, in both directions: printable ASCII except '"' and '\\'.
struct PlainBytes {
  bool plain[256] = {};
  constexpr PlainBytes() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr PlainBytes kPlain;

// The wire format is parsed once per message, so the common shape of a JSON-RPC line (ASCII strings
// with simple escapes, integers, objects, arrays, literals) is read here straight into a Json.
// Anything else (\u escapes, non-ASCII bytes, fractions and exponents, integers beyond 18 digits,
// deep nesting) and every error make it give up: nlohmann then parses the whole text, so values
// and error messages are exactly nlohmann's. Never accepts text nlohmann rejects.
class QuickParser {
 public:
  explicit QuickParser(std::string_view text) : at_(text.data()), end_(text.data() + text.size()) {}

  bool parse(Json& out) {
    if (!value(out, 0)) return false;
    skip_space();
    return at_ == end_;
  }

 private:
  void skip_space() {
    while (at_ < end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
  }

  bool value(Json& out, int depth) {
    skip_space();
    if (at_ == end_) return false;
    switch (*at_) {
      case '{': return object(out, depth + 1);
      case '[': return array(out, depth + 1);
      case '"': {
        ++at_;
        std::string text;
        if (!string(text)) return false;
        out = std::move(text);
        return true;
      }
      case 't': return literal("true", out, Json(true));
      case 'f': return literal("false", out, Json(false));
      case 'n': return literal("null", out, Json(nullptr));
      default: return number(out);
    }
  }

  bool object(Json& out, int depth) {
    if (depth > kMaxFastDepth) return false;
    ++at_;
    out = Json(Json::value_t::object);
    auto& members = *out.get_ptr<Json::object_t*>();
    skip_space();
    if (at_ < end_ && *at_ == '}') {
      ++at_;
      return true;
    }
    for (;;) {
      skip_space();
      if (at_ == end_ || *at_ != '"') return false;
      ++at_;
      std::string key;
      if (!string(key)) return false;
      skip_space();
      if (at_ == end_ || *at_ != ':') return false;
      ++at_;
      // A repeated key keeps its last value, as nlohmann does.
      if (!value(members[std::move(key)], depth)) return false;
      skip_space();
      if (at_ == end_) return false;
      if (*at_ == ',') {
        ++at_;
        continue;
      }
      if (*at_ != '}') return false;
      ++at_;
      return true;
    }
  }

  bool array(Json& out, int depth) {
    if (depth > kMaxFastDepth) return false;
    ++at_;
    out = Json(Json::value_t::array);
    auto& items = *out.get_ptr<Json::array_t*>();
    skip_space();
    if (at_ < end_ && *at_ == ']') {
      ++at_;
      return true;
    }
    for (;;) {
      if (!value(items.emplace_back(), depth)) return false;
      skip_space();
      if (at_ == end_) return false;
      if (*at_ == ',') {
        ++at_;
        continue;
      }
      if (*at_ != ']') return false;
      ++at_;
      return true;
    }
  }

  // After the opening quote; consumes the closing one.
  bool string(std::string& out) {
    const char* run = at_;
    for (;;) {
      while (at_ < end_ && kPlain.plain[static_cast<unsigned char>(*at_)]) ++at_;
      if (at_ == end_) return false;
      if (*at_ == '"') {
        out.append(run, static_cast<std::size_t>(at_ - run));
        ++at_;
        return true;
      }
      // Control characters are errors; bytes >= 0x80 need UTF-8 validation: nlohmann's job.
      if (*at_ != '\\') return false;
      out.append(run, static_cast<std::size_t>(at_ - run));
      if (++at_ == end_) return false;
      switch (*at_) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        default: return false;  // \u (and invalid escapes): nlohmann's job
      }
      run = ++at_;
    }
  }

  bool literal(std::string_view word, Json& out, Json value) {
    if (static_cast<std::size_t>(end_ - at_) < word.size() || std::string_view(at_, word.size()) != word) return false;
    at_ += word.size();
    out = std::move(value);
    return true;
  }

  // Integers of up to 18 digits: non-negative ones are unsigned, negative ones signed, as in nlohmann.
  bool number(Json& out) {
    const bool negative = *at_ == '-';
    if (negative) ++at_;
    if (at_ == end_ || *at_ < '0' || *at_ > '9') return false;
    std::uint64_t magnitude = 0;
    if (*at_ == '0') {
      ++at_;
    } else {
      int digits = 0;
      while (at_ < end_ && *at_ >= '0' && *at_ <= '9') {
        if (++digits > 18) return false;
        magnitude = magnitude * 10 + static_cast<std::uint64_t>(*at_ - '0');
        ++at_;
      }
    }
    if (at_ < end_ && ((*at_ >= '0' && *at_ <= '9') || *at_ == '.' || *at_ == 'e' || *at_ == 'E')) return false;
    if (negative) {
      out = -static_cast<std::int64_t>(magnitude);
    } else {
      out = magnitude;
    }
    return true;
  }

  const char* at_;
  const char* end_;
};

bool is_plain(std::string_view text) {
  for (char c : text) {
    if (!kPlain.plain[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// Small messages are written into inline storage, then copied out once.
using Buffer = fmt::basic_memory_buffer<char, 1024>;

void append_text(Buffer& out, std::string_view text) { out.append(text.data(), text.data() + text.size()); }

// `text` between quotes, as it is (the caller checked that it needs no escaping).
void append_quoted(Buffer& out, std::string_view text) {
  const std::size_t at = out.size();
  out.resize(at + text.size() + 2);
  char* to = out.data() + at;
  to[0] = '"';
  std::memcpy(to + 1, text.data(), text.size());
  to[text.size() + 1] = '"';
}

void append_string(Buffer& out, std::string_view text) {
  if (is_plain(text)) {
    append_quoted(out, text);
    return;
  }
  append_text(out, nlohmann_text(Json(std::string(text))));
}

template <typename Integer>
void append_integer(Buffer& out, Integer value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// Writes what nlohmann's compact dump writes, byte for byte; what is not plain ASCII text, an
// integer, a literal or a container (escapes, floats, binary, deep nesting) is left to nlohmann.
void append_value(Buffer& out, const Json& value, int depth) {
  switch (value.type()) {
    case Json::value_t::object: {
      if (depth >= kMaxFastDepth) break;
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : *value.get_ptr<const Json::object_t*>()) {
        if (!first) out.push_back(',');
        first = false;
        append_string(out, key);
        out.push_back(':');
        append_value(out, member, depth + 1);
      }
      out.push_back('}');
      return;
    }
    case Json::value_t::array: {
      if (depth >= kMaxFastDepth) break;
      out.push_back('[');
      bool first = true;
      for (const auto& item : *value.get_ptr<const Json::array_t*>()) {
        if (!first) out.push_back(',');
        first = false;
        append_value(out, item, depth + 1);
      }
      out.push_back(']');
      return;
    }
    case Json::value_t::string: {
      const auto& text = *value.get_ptr<const std::string*>();
      if (!is_plain(text)) break;
      append_quoted(out, text);
      return;
    }
    case Json::value_t::number_integer: append_integer(out, *value.get_ptr<const std::int64_t*>()); return;
    case Json::value_t::number_unsigned: append_integer(out, *value.get_ptr<const std::uint64_t*>()); return;
    case Json::value_t::boolean: append_text(out, *value.get_ptr<const bool*>() ? "true" : "false"); return;
    case Json::value_t::null: append_text(out, "null"); return;
    default: break;
  }
  append_text(out, nlohmann_text(value));
}

}  // namespace

void append_wire(std::string& out, const mcp::Json& message) {
  Buffer text;
  append_value(text, message, 0);
  out.append(text.data(), text.size());
}

std::string to_wire(const mcp::Json& message) {
  std::string out;
  append_wire(out, message);
  return out;
}

std::optional<mcp::Json> parse_json(std::string_view text, std::string* error) {
  {
    mcp::Json quick;
    if (QuickParser(text).parse(quick)) return quick;
  }
  try {
    return mcp::Json::parse(text.begin(), text.end());
  } catch (const mcp::Json::exception& e) {
    // parse_error, and also out_of_range for a number beyond double's range such as 1e400: either
    // way the text is not a message we can use, and the reader thread must live on.
    if (error) {
      // Drop nlohmann's "[json.exception.parse_error.101] " prefix; the rest says where and why.
      std::string_view what = e.what();
      auto bracket = what.find("] ");
      *error = std::string(bracket == std::string_view::npos ? what : what.substr(bracket + 2));
    }
    return std::nullopt;
  }
}

mcp::Json jsonrpc_error(const mcp::Json& id, int code, std::string message) {
  return mcp::Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", std::move(message)}}}};
}

WireKind classify(const mcp::Json& message) {
  if (!message.is_object()) return WireKind::other;
  bool has_id = message.contains("id") && !message["id"].is_null();
  if (message.contains("method")) return has_id ? WireKind::request : WireKind::notification;
  if (message.contains("result") || message.contains("error")) return WireKind::response;
  return WireKind::other;
}

}  // namespace lh::transport
