#pragma once
// JSON and JSON-lines parsing of one input unit (a file or a zip entry) held in a padded buffer.
#include <cstddef>
#include <string_view>

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

// Flattens one JSON object into `out` (nested objects become dotted keys, arrays are kept as JSON text,
// strings are HTML-unescaped, nulls are left out). Returns false when `element` is not an object.
bool flatten_json_object(simdjson::dom::element element, FlatEvent& out);

}  // namespace lh::siem
