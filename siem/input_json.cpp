#include "siem/input_json.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <system_error>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>

#include "siem/text_util.hpp"

namespace lh::siem {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void add_string_value(FlatEvent& out, std::string_view key, std::string_view value, bool key_is_stable) {
  if (value.find('&') != std::string_view::npos) {
    const std::string decoded = html_unescape(value);
    if (key_is_stable) {
      out.add_copy(key, decoded);
    } else {
      out.add_copy_key(key, decoded);
    }
    return;
  }
  if (key_is_stable) {
    out.add(key, value);
  } else {
    out.add_copy_key(key, value);
  }
}

void add_number_value(FlatEvent& out, std::string_view key, std::string_view digits, bool key_is_stable) {
  if (key_is_stable) {
    out.add_copy(key, digits, true);
  } else {
    out.add_copy_key(key, digits, true);
  }
}

void flatten_into(simdjson::dom::object object, const std::string& prefix, FlatEvent& out, int depth) {
  for (auto [raw_key, value] : object) {
    const bool top_level = prefix.empty();
    std::string composed;
    std::string_view key = raw_key;
    if (!top_level) {
      composed = prefix + "." + std::string(raw_key);
      key = composed;
    }
    switch (value.type()) {
      case simdjson::dom::element_type::STRING:
        add_string_value(out, key, std::string_view(value.get_string().value_unsafe()), top_level);
        break;
      case simdjson::dom::element_type::INT64: {
        char digits[24];
        const auto written = std::to_chars(digits, digits + sizeof digits, value.get_int64().value_unsafe()).ptr;
        add_number_value(out, key, std::string_view(digits, static_cast<std::size_t>(written - digits)), top_level);
        break;
      }
      case simdjson::dom::element_type::UINT64: {
        char digits[24];
        const auto written = std::to_chars(digits, digits + sizeof digits, value.get_uint64().value_unsafe()).ptr;
        add_number_value(out, key, std::string_view(digits, static_cast<std::size_t>(written - digits)), top_level);
        break;
      }
      case simdjson::dom::element_type::DOUBLE:
        out.add_copy_key(key, fmt::format("{}", value.get_double().value_unsafe()), true);
        break;
      case simdjson::dom::element_type::BOOL:
        out.add_copy_key(key, value.get_bool().value_unsafe() ? "true" : "false");
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        break;
      case simdjson::dom::element_type::OBJECT:
        if (depth < 8) {
          flatten_into(value.get_object().value_unsafe(), std::string(key), out, depth + 1);
        } else {
          out.add_copy_key(key, simdjson::minify(value));
        }
        break;
      case simdjson::dom::element_type::ARRAY:
        out.add_copy_key(key, simdjson::minify(value));
        break;
    }
  }
}

bool is_native_udm(simdjson::dom::object object) {
  for (auto [key, value] : object) {
    if (key == "udm" || key == "metadata") return value.type() == simdjson::dom::element_type::OBJECT;
  }
  return false;
}

// The body of a JSON string starting at `from` (after its opening quote): where its closing quote is, whether
// it holds escapes and non-ASCII bytes. nullptr when it is not closed before `end` or holds a control
// character (left to the DOM parser to report).
inline const char* find_string_end(const char* from, const char* end, bool& escaped, bool& non_ascii) {
  const char* at = from;
  // The scan stops at '"', '\\', and (as signed bytes below 0x20) control characters, which JSON forbids
  // unescaped, and non-ASCII bytes, whose UTF-8 needs checking.
#if defined(__SSE2__)
  // Whole blocks of 16 bytes, so up to 15 bytes past `end` are read (the caller's padding). Whether a quote
  // stopped the scan comes from the scan's own mask: most strings end at the first byte that stops it, and
  // reading that byte back made each wait for a load that depended on the scan's result.
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (true) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const __m128i quotes = _mm_cmpeq_epi8(block, quote);
    const __m128i special = _mm_or_si128(_mm_or_si128(quotes, _mm_cmpeq_epi8(block, backslash)), _mm_cmplt_epi8(block, space));
    const auto hits = static_cast<unsigned>(_mm_movemask_epi8(special));
    if (hits == 0) {
      at += 16;
      if (at >= end) return nullptr;
      continue;
    }
    const auto first = static_cast<unsigned>(__builtin_ctz(hits));
    at += first;
    if (at >= end) return nullptr;
    if (((static_cast<unsigned>(_mm_movemask_epi8(quotes)) >> first) & 1u) != 0) return at;
    if (*at == '\\') {
      escaped = true;
      at += 2;  // the escaped byte, whatever it is, cannot close the string
      if (at >= end) return nullptr;
    } else if (static_cast<unsigned char>(*at) >= 0x80) {
      non_ascii = true;
      ++at;
    } else {
      return nullptr;
    }
  }
#else
  while (true) {
    while (at < end && *at != '"' && *at != '\\' && static_cast<signed char>(*at) >= 0x20) ++at;
    if (at >= end) return nullptr;
    const auto c = static_cast<unsigned char>(*at);
    if (c == '"') return at;
    if (c == '\\') {
      escaped = true;
      at += 2;  // the escaped byte, whatever it is, cannot close the string
      if (at >= end) return nullptr;
    } else if (c >= 0x80) {
      non_ascii = true;
      ++at;
    } else {
      return nullptr;
    }
  }
#endif
}

// Decodes the escapes of the string body [from, to) into `out`; false on a \u escape (left to the DOM parser,
// which also checks surrogate pairs) or an invalid one. Advances `out` past the decoded bytes; up to 15
// bytes after them may be written too, and `from` is read in blocks of 16 (the caller's padding).
inline bool decode_simple_escapes(const char* from, const char* to, char*& out) {
  while (true) {
#if defined(__SSE2__)
    // Copy whole blocks; stop at the first backslash (or at the end: the bytes past `to` are not kept).
    const __m128i backslash = _mm_set1_epi8('\\');
    const char* next = to;
    while (from < to) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), block);
      const auto hits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, backslash)));
      if (hits != 0) {
        const auto run = static_cast<std::size_t>(__builtin_ctz(hits));
        if (from + run < to) {
          next = from + run;
          break;
        }
      }
      from += 16;
      out += 16;
    }
    if (next >= to) {
      out -= from - to;  // from passed `to` by the last block's extra bytes
      return true;
    }
    out += next - from;
    from = next;
#else
    const char* next = from;
    while (next < to && *next != '\\') *out++ = *next++;
    if (next >= to) return true;
    from = next;
#endif
    switch (from[1]) {
      case '"': *out++ = '"'; break;
      case '\\': *out++ = '\\'; break;
      case '/': *out++ = '/'; break;
      case 'b': *out++ = '\b'; break;
      case 'f': *out++ = '\f'; break;
      case 'n': *out++ = '\n'; break;
      case 'r': *out++ = '\r'; break;
      case 't': *out++ = '\t'; break;
      default: return false;
    }
    from += 2;
  }
}

// JSON's whitespace; all four are below '!', which most bytes after a token are not.
inline bool is_json_space(char c) {
  return static_cast<unsigned char>(c) <= ' ' && (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

inline const char* skip_json_space(const char* at, const char* end) {
  while (at < end && is_json_space(*at)) ++at;
  return at;
}

// The end of an integer token at `at` that the DOM parser reads as an int64 or a uint64, so that its text is
// what formatting the parsed value gives; nullptr for anything else ("-0", leading zeros, values out of
// range; fractions and exponents fail at the byte after the digits, which must then be a delimiter).
inline const char* integer_end(const char* at, const char* end) {
  const char* const start = at;
  if (*at == '-') ++at;
  const char* const first_digit = at;
  while (at < end && *at >= '0' && *at <= '9') ++at;
  const auto count = at - first_digit;
  if (count == 0 || count > 20 || (*first_digit == '0' && (count > 1 || first_digit != start))) return nullptr;
  if (count > 18) {
    // Near the limits (Windows "Keywords" masks are 19 digits): negative ones must fit int64, others uint64.
    std::from_chars_result parsed{};
    if (first_digit != start) {
      std::int64_t value = 0;
      parsed = std::from_chars(start, at, value);
    } else {
      std::uint64_t value = 0;
      parsed = std::from_chars(start, at, value);
    }
    if (parsed.ec != std::errc() || parsed.ptr != at) return nullptr;
  }
  return at;
}

// An array of plain scalars (strings without escapes, integers as integer_end takes them, true, false, null)
// starting at `at` ('['), written minified to `out` exactly as the DOM path's minify writes it (such
// elements are written back as they are; whitespace between tokens goes). Returns the byte after ']', or
// nullptr for any other array (nested, escapes, fractions, malformed).
inline const char* minify_plain_array(const char* at, const char* end, char*& out, bool& non_ascii) {
  *out++ = '[';
  at = skip_json_space(at + 1, end);
  if (*at == ']') {
    *out++ = ']';
    return at + 1;
  }
  while (true) {
    const char* token_end = nullptr;
    switch (*at) {
      case '"': {
        bool escaped = false;
        const char* quote = find_string_end(at + 1, end, escaped, non_ascii);
        if (quote == nullptr || escaped) return nullptr;
        token_end = quote + 1;
        break;
      }
      case 't': token_end = end - at >= 4 && std::memcmp(at, "true", 4) == 0 ? at + 4 : nullptr; break;
      case 'f': token_end = end - at >= 5 && std::memcmp(at, "false", 5) == 0 ? at + 5 : nullptr; break;
      case 'n': token_end = end - at >= 4 && std::memcmp(at, "null", 4) == 0 ? at + 4 : nullptr; break;
      default: token_end = integer_end(at, end); break;
    }
    if (token_end == nullptr) return nullptr;
    std::memcpy(out, at, static_cast<std::size_t>(token_end - at));
    out += token_end - at;
    at = skip_json_space(token_end, end);
    if (*at == ']') {
      *out++ = ']';
      return at + 1;
    }
    if (*at != ',') return nullptr;
    *out++ = ',';
    at = skip_json_space(at + 1, end);
  }
}

class UnitParser {
 public:
  explicit UnitParser(RecordSink& sink) : sink_(sink) {}

  void deliver(simdjson::dom::element element, std::size_t line) {
    if (element.type() != simdjson::dom::element_type::OBJECT) {
      sink_.on_bad_record(line, "record is not a JSON object");
      return;
    }
    const auto object = element.get_object().value_unsafe();
    if (is_native_udm(object)) {
      sink_.on_udm_json(simdjson::minify(element), line);
      return;
    }
    event_.clear();
    flatten_json_object(element, event_);
    sink_.on_flat_event(event_, line);
  }

  // Parses [begin, begin+size) as a single document (padding guaranteed by the caller's buffer).
  simdjson::error_code parse_one(const char* begin, std::size_t size, simdjson::dom::element& out) {
    if (size > kMaxJsonDocumentBytes) return simdjson::CAPACITY;
    if (size > parser_.capacity()) {
      if (auto error = parser_.allocate(size); error) return error;
    }
    return parser_.parse(begin, size, false).get(out);
  }

  // Returns the number of the line after the block.
  std::size_t parse_lines(const char* data, std::size_t size, std::size_t first_line) {
    std::size_t line = first_line;
    const char* cursor = data;
    const char* const end = data + size;
    while (cursor < end) {
      const char* newline = static_cast<const char*>(std::memchr(cursor, '\n', static_cast<std::size_t>(end - cursor)));
      const char* line_end = newline ? newline : end;
      const char* a = cursor;
      const char* b = line_end;
      while (a < b && is_blank(*a)) ++a;
      while (b > a && is_blank(b[-1])) --b;
      if (a < b) {
        simdjson::dom::element element;
        const auto length = static_cast<std::size_t>(b - a);
        if (length > kMaxJsonDocumentBytes) {
          sink_.on_bad_record(line, fmt::format("line of {} bytes exceeds the {} byte limit", length,
                                                kMaxJsonDocumentBytes));
        } else if (fast_path_.flatten(a, length, event_)) {
          sink_.on_flat_event(event_, line);
        } else if (auto error = parse_one(a, length, element); error) {
          sink_.on_bad_record(line, fmt::format("invalid JSON: {}", simdjson::error_message(error)));
        } else {
          deliver(element, line);
        }
      }
      cursor = newline ? newline + 1 : end;
      if (newline) ++line;
    }
    return line;
  }

  void parse_document(simdjson::dom::element root, std::size_t line) {
    if (root.type() == simdjson::dom::element_type::ARRAY) {
      std::size_t index = 0;
      simdjson::dom::array elements;
      if (root.get(elements)) return;
      for (simdjson::dom::element element : elements) {
        // Elements of one document share its line; the index tells them apart in messages.
        if (element.type() != simdjson::dom::element_type::OBJECT) {
          sink_.on_bad_record(line, fmt::format("array element {} is not a JSON object", index));
        } else {
          deliver(element, line);
        }
        ++index;
      }
      return;
    }
    if (root.type() == simdjson::dom::element_type::OBJECT) {
      // A saved search_udm result: {"events": [{"name": ..., "udm": {...}}, ...]}.
      simdjson::dom::element events;
      if (!root["events"].get(events) && events.type() == simdjson::dom::element_type::ARRAY &&
          !is_native_udm(root.get_object().value_unsafe())) {
        parse_document(events, line);
        return;
      }
    }
    deliver(root, line);
  }

  // Decides between JSON lines and one document from the start of a unit (BOM and blank lines skipped):
  // JSON lines when the first line is a complete object on its own.
  // `complete` says whether [data, data+size) is the whole unit.
  enum class Mode { lines, document, undecided };
  Mode sniff(const char* data, std::size_t size, bool complete) {
    std::size_t first = 0;
    while (first < size && is_blank(data[first])) ++first;
    if (first == size) return complete ? Mode::lines : Mode::undecided;
    if (data[first] == '[') return Mode::document;
    if (data[first] != '{') return Mode::lines;
    const char* start = data + first;
    const char* newline = static_cast<const char*>(std::memchr(start, '\n', size - first));
    if (newline == nullptr) return complete ? Mode::document : Mode::undecided;
    const char* b = newline;
    while (b > start && is_blank(b[-1])) --b;
    simdjson::dom::element first_record;
    return parse_one(start, static_cast<std::size_t>(b - start), first_record) ? Mode::document : Mode::lines;
  }

  void parse_unit(const char* data, std::size_t size) {
    std::size_t line = 1;
    // UTF-8 byte-order mark written by some Windows tools.
    if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
      data += 3;
      size -= 3;
    }
    std::size_t first = 0;
    while (first < size && is_blank(data[first])) {
      if (data[first] == '\n') ++line;
      ++first;
    }
    if (first == size) return;
    const char* start = data + first;
    const std::size_t rest = size - first;
    // JSON lines when the first line is a complete object on its own; otherwise one document.
    const char* newline = static_cast<const char*>(std::memchr(start, '\n', rest));
    if (start[0] == '{' && newline != nullptr) {
      const char* b = newline;
      while (b > start && is_blank(b[-1])) --b;
      simdjson::dom::element first_record;
      if (!parse_one(start, static_cast<std::size_t>(b - start), first_record)) {
        parse_lines(start, rest, line);
        return;
      }
    }
    if (start[0] != '{' && start[0] != '[') {
      parse_lines(start, rest, line);
      return;
    }
    simdjson::dom::element root;
    if (auto error = parse_one(start, rest, root); error) {
      if (start[0] == '[' || newline == nullptr) {
        sink_.on_bad_record(line, fmt::format("invalid JSON document: {}", simdjson::error_message(error)));
      } else {
        parse_lines(start, rest, line);  // JSON lines whose first line is broken: report line by line
      }
      return;
    }
    parse_document(root, line);
  }

 private:
  RecordSink& sink_;
  simdjson::dom::parser parser_{kMaxJsonDocumentBytes};
  JsonLineFlattener fast_path_;
  FlatEvent event_;
};

// Sniffing delivers nothing; a sink is only needed to build the parser.
class NullSink final : public RecordSink {
 public:
  void on_flat_event(const FlatEvent&, std::size_t) override {}
  void on_udm_json(std::string_view, std::size_t) override {}
  void on_bad_record(std::size_t, std::string_view) override {}
};

std::size_t skip_bom(const char* data, std::size_t size) {
  return size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

}  // namespace

namespace {

// The buffer a unit streams through: refilled from `read`, doubled when one record does not fit.
class StreamBuffer {
 public:
  StreamBuffer(const ByteReader& read, std::size_t chunk_bytes)
      : capacity_(std::max<std::size_t>(chunk_bytes, 4096)), buffer_(capacity_ + simdjson::SIMDJSON_PADDING), read_(read) {}

  bool fill() {
    while (!eof_ && filled_ < capacity_) {
      const std::ptrdiff_t got = read_(buffer_.data() + filled_, capacity_ - filled_);
      if (got < 0) return false;
      if (got == 0) eof_ = true;
      filled_ += static_cast<std::size_t>(std::max<std::ptrdiff_t>(got, 0));
    }
    return true;
  }
  void grow() {
    capacity_ *= 2;
    buffer_.resize(capacity_ + simdjson::SIMDJSON_PADDING);
  }

  // JSON lines from pos_ to the end of the input, the first one numbered `line`; `line` ends as the number
  // of the line after the last newline parsed.
  bool parse_lines(UnitParser& parser, RecordSink& sink, std::size_t& line) {
    while (true) {
      const char* block = buffer_.data() + pos_;
      const std::size_t available = filled_ - pos_;
      const char* last_newline = static_cast<const char*>(::memrchr(block, '\n', available));
      if (last_newline != nullptr) {
        const auto length = static_cast<std::size_t>(last_newline + 1 - block);
        line = parser.parse_lines(block, length, line);
        pos_ += length;
      }
      if (eof_) {
        if (pos_ < filled_) parser.parse_lines(buffer_.data() + pos_, filled_ - pos_, line);
        return true;
      }
      std::memmove(buffer_.data(), buffer_.data() + pos_, filled_ - pos_);
      filled_ -= pos_;
      pos_ = 0;
      if (filled_ == capacity_) {
        if (capacity_ <= kMaxJsonDocumentBytes) {
          grow();
        } else if (!skip_long_line(sink, line)) {
          return false;
        }
      }
      if (!fill()) return false;
    }
  }

  std::size_t capacity_;  // public state for parse_json_stream's mode detection
  std::vector<char> buffer_;
  std::size_t filled_ = 0;
  std::size_t pos_ = 0;
  bool eof_ = false;

 private:
  const ByteReader& read_;

  // One line longer than any document we accept: report it and skip to its end.
  bool skip_long_line(RecordSink& sink, std::size_t& line) {
    sink.on_bad_record(line, fmt::format("line longer than the {} byte limit", kMaxJsonDocumentBytes));
    filled_ = 0;
    while (true) {
      if (!fill()) return false;
      const char* newline = static_cast<const char*>(std::memchr(buffer_.data(), '\n', filled_));
      if (newline != nullptr) {
        const auto rest = static_cast<std::size_t>(buffer_.data() + filled_ - (newline + 1));
        std::memmove(buffer_.data(), newline + 1, rest);
        filled_ = rest;
        ++line;
        return true;
      }
      if (eof_) {
        filled_ = 0;
        return true;
      }
      filled_ = 0;
    }
  }
};

}  // namespace

bool parse_json_stream(const ByteReader& read, RecordSink& sink, std::size_t chunk_bytes) {
  UnitParser parser(sink);
  StreamBuffer in(read, chunk_bytes);
  if (!in.fill()) return false;
  in.pos_ = skip_bom(in.buffer_.data(), in.filled_);

  // Mode: keep reading while the start of the unit does not tell.
  auto mode = parser.sniff(in.buffer_.data() + in.pos_, in.filled_ - in.pos_, in.eof_);
  while (mode == UnitParser::Mode::undecided && in.capacity_ < kMaxJsonDocumentBytes) {
    if (in.filled_ == in.capacity_) in.grow();
    if (!in.fill()) return false;
    mode = parser.sniff(in.buffer_.data() + in.pos_, in.filled_ - in.pos_, in.eof_);
  }
  if (mode == UnitParser::Mode::document) {
    while (!in.eof_) {
      if (in.filled_ == in.capacity_) {
        if (in.capacity_ > kMaxJsonDocumentBytes) {
          sink.on_bad_record(1, fmt::format("JSON document larger than the {} byte limit", kMaxJsonDocumentBytes));
          return true;
        }
        in.grow();
      }
      if (!in.fill()) return false;
    }
    parser.parse_unit(in.buffer_.data() + in.pos_, in.filled_ - in.pos_);
    return true;
  }
  std::size_t line = 1;
  return in.parse_lines(parser, sink, line);
}

bool parse_json_lines_stream(const ByteReader& read, RecordSink& sink, bool skip_byte_order_mark,
                             std::size_t chunk_bytes, std::uint64_t* newlines) {
  UnitParser parser(sink);
  StreamBuffer in(read, chunk_bytes);
  // The number of the line after the last one parsed tells how many newlines were read; bytes read but not
  // yet parsed when reading fails are counted apart.
  std::size_t line = 1;
  bool ok = in.fill();
  if (ok) {
    if (skip_byte_order_mark) in.pos_ = skip_bom(in.buffer_.data(), in.filled_);
    ok = in.parse_lines(parser, sink, line);
  }
  if (newlines != nullptr) {
    *newlines = line - 1;
    if (!ok) {
      const char* const end = in.buffer_.data() + in.filled_;
      for (const char* at = in.buffer_.data() + in.pos_;
           (at = static_cast<const char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)))) != nullptr; ++at) {
        ++*newlines;
      }
    }
  }
  return ok;
}

std::optional<bool> starts_as_json_lines(const char* data, std::size_t size, bool complete) {
  const std::size_t bom = skip_bom(data, size);
  NullSink sink;
  UnitParser parser(sink);
  switch (parser.sniff(data + bom, size - bom, complete)) {
    case UnitParser::Mode::lines: return true;
    case UnitParser::Mode::document: return false;
    case UnitParser::Mode::undecided: return std::nullopt;
  }
  return std::nullopt;
}

bool flatten_json_object(simdjson::dom::element element, FlatEvent& out) {
  if (element.type() != simdjson::dom::element_type::OBJECT) return false;
  flatten_into(element.get_object().value_unsafe(), std::string(), out, 0);
  return true;
}

void parse_json_unit(const char* data, std::size_t size, RecordSink& sink) {
  UnitParser parser(sink);
  parser.parse_unit(data, size);
}

void parse_json_unit(const simdjson::padded_string& buffer, RecordSink& sink) {
  parse_json_unit(buffer.data(), buffer.size(), sink);
}

}  // namespace lh::siem

namespace lh::siem {

bool JsonLineFlattener::flatten(const char* line, std::size_t size, FlatEvent& out) {
  out.clear();
  // Lines arrive with surrounding blanks trimmed: an object starts and ends the line.
  if (size < 2 || line[0] != '{' || line[size - 1] != '}') return false;
  const char* const end = line + size;
  const char* at = line + 1;
  // Single bytes are read at `at` <= end + 1 (the padding): a byte read there is never accepted, as the
  // object must end exactly at `end`, and every longer read is bounded by `end`.
  auto skip_space = [&] {
    while (at < end && is_json_space(*at)) ++at;
  };
  // Few lines hold an '&' at all; without one no value needs HTML-unescaping (\u escapes are declined, and
  // the simple ones never decode to '&').
  const bool line_has_ampersand = std::memchr(line, '&', size) != nullptr;
  bool non_ascii = false;
  if (decoded_.size() < size + 16) decoded_.resize(size + 16);
  char* decoded_end = decoded_.data();
  skip_space();
  if (*at == '}') {
    ++at;
  } else {
    while (true) {
      // Key: a string without escapes.
      if (*at != '"') return false;
      bool escaped = false;
      const char* key_end = find_string_end(at + 1, end, escaped, non_ascii);
      if (key_end == nullptr || escaped) return false;
      const std::string_view key(at + 1, static_cast<std::size_t>(key_end - at - 1));
      at = key_end + 1;
      if (*at != ':') {
        skip_space();
        if (*at != ':') return false;
      }
      ++at;
      if (is_json_space(*at)) skip_space();
      switch (*at) {
        case '"': {
          escaped = false;
          const char* value_end = find_string_end(at + 1, end, escaped, non_ascii);
          if (value_end == nullptr) return false;
          std::string_view value(at + 1, static_cast<std::size_t>(value_end - at - 1));
          if (escaped) {
            char* const start = decoded_end;
            if (!decode_simple_escapes(value.data(), value_end, decoded_end)) return false;
            value = std::string_view(start, static_cast<std::size_t>(decoded_end - start));
          }
          at = value_end + 1;
          if (line_has_ampersand && value.find('&') != std::string_view::npos) {
            out.add_copy(key, html_unescape(value));
          } else {
            out.add(key, value);
          }
          break;
        }
        case 't':
          if (end - at < 4 || std::memcmp(at, "true", 4) != 0) return false;
          out.add(key, std::string_view(at, 4));
          at += 4;
          break;
        case 'f':
          if (end - at < 5 || std::memcmp(at, "false", 5) != 0) return false;
          out.add(key, std::string_view(at, 5));
          at += 5;
          break;
        case 'n':
          if (end - at < 4 || std::memcmp(at, "null", 4) != 0) return false;
          at += 4;
          break;
        case '[': {
          // Kept as its minified JSON text, as the DOM path does; only arrays of plain scalars are taken.
          char* const start = decoded_end;
          at = minify_plain_array(at, end, decoded_end, non_ascii);
          if (at == nullptr) return false;
          out.add(key, std::string_view(start, static_cast<std::size_t>(decoded_end - start)));
          break;
        }
        default: {
          const char* digits = at;
          at = integer_end(at, end);
          if (at == nullptr) return false;
          out.add(key, std::string_view(digits, static_cast<std::size_t>(at - digits)), true);
          break;
        }
      }
      // After a value: ',' and the next key, or the closing '}', maybe after whitespace. A literal or number
      // run on by other bytes ("truex", "12.5", "1e3") fails here.
      if (is_json_space(*at)) skip_space();
      if (*at == ',') {
        ++at;
        if (is_json_space(*at)) skip_space();
        continue;
      }
      if (*at != '}') return false;
      ++at;
      break;
    }
  }
  // Nothing may follow the object, and non-ASCII text must be valid UTF-8 as the DOM parser requires.
  if (at != end) return false;
  return !non_ascii || simdjson::validate_utf8(line, size);
}

}  // namespace lh::siem
