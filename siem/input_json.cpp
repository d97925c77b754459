#include "siem/input_json.hpp"

#include <cstring>
#include <string>

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
      case simdjson::dom::element_type::INT64:
        out.add_copy_key(key, fmt::format("{}", value.get_int64().value_unsafe()), true);
        break;
      case simdjson::dom::element_type::UINT64:
        out.add_copy_key(key, fmt::format("{}", value.get_uint64().value_unsafe()), true);
        break;
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

  void parse_lines(const char* data, std::size_t size, std::size_t first_line) {
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
        } else if (auto error = parse_one(a, length, element); error) {
          sink_.on_bad_record(line, fmt::format("invalid JSON: {}", simdjson::error_message(error)));
        } else {
          deliver(element, line);
        }
      }
      cursor = newline ? newline + 1 : end;
      ++line;
    }
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
  FlatEvent event_;
};

}  // namespace

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
