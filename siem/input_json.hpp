#pragma once
// JSON and JSON-lines parsing of one input unit (a file or a zip entry) held in a padded buffer.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "siem/record_sink.hpp"

namespace lh::siem {

// Longest single JSON document (line, or whole-file document) accepted; larger ones are reported.
inline constexpr std::size_t kMaxJsonDocumentBytes = 256u * 1024u * 1024u;

// Parses `buffer` (whose bytes after size() are SIMDJSON_PADDING readable bytes) as either one JSON document
// (an event object, an array of events, or {"events": [...]}) or JSON lines. Blank lines, CRLF line endings and
// a UTF-8 byte-order mark are accepted. Every bad record goes to sink.on_bad_record with its line.
void parse_json_unit(const simdjson::padded_string& buffer, RecordSink& sink);
// Same, over the bytes [data, data+size) of a buffer that stays readable up to data+size+SIMDJSON_PADDING.
void parse_json_unit(const char* data, std::size_t size, RecordSink& sink);

// Pull-based byte source for streaming: copies up to `size` bytes into `into` and returns how many,
// 0 at the end, or -1 on a read error (the caller keeps the error's details).
using ByteReader = std::function<std::ptrdiff_t(char* into, std::size_t size)>;

// Streams a unit: JSON lines are parsed chunk by chunk, so memory is bounded by the chunk and the longest
// line, not the unit; a unit that is one JSON document is read whole (up to kMaxJsonDocumentBytes).
// Returns false when `read` failed (records before the failure have been delivered).
bool parse_json_stream(const ByteReader& read, RecordSink& sink, std::size_t chunk_bytes = 4u << 20);

// Streams bytes known to be JSON lines (a line-aligned part of a JSON-lines unit): no mode detection, the
// first line is numbered 1. Only the unit's first part may start with a byte-order mark. When `newlines` is
// given it receives the number of newline bytes read (also when reading failed).
bool parse_json_lines_stream(const ByteReader& read, RecordSink& sink, bool skip_byte_order_mark,
                             std::size_t chunk_bytes = 4u << 20, std::uint64_t* newlines = nullptr);

// Whether a unit starting with [data, data+size) is JSON lines (true) or one document (false), decided the
// way parse_json_stream decides; nullopt while the first line is incomplete and `complete` is false.
std::optional<bool> starts_as_json_lines(const char* data, std::size_t size, bool complete);

// Flattens one JSON object into `out` (nested objects become dotted keys, arrays are kept as JSON text,
// strings are HTML-unescaped, nulls are left out). Returns false when `element` is not an object.
bool flatten_json_object(simdjson::dom::element element, FlatEvent& out);

// The JSON-lines fast path: flattens one line of the common shape (an object of strings, integers, booleans,
// nulls and arrays of those, as Windows event exports are) straight from its bytes, without a DOM tape. It
// gives exactly what parsing the line as a DOM and calling flatten_json_object gives, or declines: flatten()
// returns false for anything else (nested objects and arrays, fractions and exponents, \u escapes, escapes
// in keys or array strings, malformed JSON, a line that is not an object), and the caller then takes the DOM
// path, which reports errors and handles the rarer shapes. On false `out` holds nothing usable.
// Values may view the line's bytes: `line` must stay readable for as long as `out` is used, and the
// SIMDJSON_PADDING bytes after it must be readable too (blocks of 16 bytes are read at a time).
class JsonLineFlattener {
 public:
  bool flatten(const char* line, std::size_t size, FlatEvent& out);

 private:
  // Strings with escapes are decoded here (never larger than the line, so views into it stay valid).
  std::vector<char> decoded_;
};

}  // namespace lh::siem
