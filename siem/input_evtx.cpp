#include "siem/input_evtx.hpp"

// Debian's libevtx headers announce libbfio support but ship without libbfio.h; the file-handle API that
// needs it is not used here, so the feature macro is dropped before the main header.
#include <libevtx/features.h>
#undef LIBEVTX_HAVE_BFIO
#include <libevtx.h>

#include <memory>
#include <vector>

#include <fmt/format.h>

#include "siem/text_util.hpp"
#include "siem/time_parse.hpp"

namespace lh::siem {
namespace {

std::string take_error(libevtx_error_t*& error) {
  if (error == nullptr) return "unknown libevtx error";
  std::vector<char> text(1024, '\0');
  libevtx_error_sprint(error, text.data(), text.size());
  libevtx_error_free(&error);
  std::string message(text.data());
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  return message;
}

struct FileCloser {
  void operator()(libevtx_file_t* file) const {
    libevtx_error_t* error = nullptr;
    libevtx_file_close(file, &error);
    if (error) libevtx_error_free(&error);
    libevtx_file_free(&file, &error);
    if (error) libevtx_error_free(&error);
  }
};
struct RecordFreer {
  void operator()(libevtx_record_t* record) const {
    libevtx_error_t* error = nullptr;
    libevtx_record_free(&record, &error);
    if (error) libevtx_error_free(&error);
  }
};

// Minimal scanner over the well-formed XML that libevtx renders: elements, attributes, text.
class XmlScanner {
 public:
  explicit XmlScanner(std::string_view xml) : xml_(xml) {}

  // Text content of the first element named `name` (without nested markup), entity-decoded.
  std::optional<std::string> element_text(std::string_view name) const {
    const auto open = find_open_tag(name, 0);
    if (open == std::string_view::npos) return std::nullopt;
    const auto tag_end = xml_.find('>', open);
    if (tag_end == std::string_view::npos || xml_[tag_end - 1] == '/') return std::string();
    const auto close = xml_.find('<', tag_end + 1);
    if (close == std::string_view::npos) return std::nullopt;
    return html_unescape(xml_.substr(tag_end + 1, close - tag_end - 1));
  }

  // Attribute of the first element named `name`.
  std::optional<std::string> attribute(std::string_view name, std::string_view attribute_name) const {
    const auto open = find_open_tag(name, 0);
    if (open == std::string_view::npos) return std::nullopt;
    const auto tag_end = xml_.find('>', open);
    return attribute_in(xml_.substr(open, tag_end - open), attribute_name);
  }

  static std::optional<std::string> attribute_in(std::string_view tag, std::string_view attribute_name) {
    std::size_t pos = 0;
    while ((pos = tag.find(attribute_name, pos)) != std::string_view::npos) {
      const bool starts_word = pos > 0 && (tag[pos - 1] == ' ' || tag[pos - 1] == '\t' || tag[pos - 1] == '\n');
      const auto after = pos + attribute_name.size();
      if (starts_word && after + 1 < tag.size() && tag[after] == '=' && (tag[after + 1] == '"' || tag[after + 1] == '\'')) {
        const char quote = tag[after + 1];
        const auto end = tag.find(quote, after + 2);
        if (end == std::string_view::npos) return std::nullopt;
        return html_unescape(tag.substr(after + 2, end - after - 2));
      }
      pos = after;
    }
    return std::nullopt;
  }

  std::size_t find_open_tag(std::string_view name, std::size_t from) const {
    std::size_t pos = from;
    while ((pos = xml_.find('<', pos)) != std::string_view::npos) {
      if (xml_.compare(pos + 1, name.size(), name) == 0) {
        const auto next = pos + 1 + name.size();
        if (next < xml_.size() && (xml_[next] == '>' || xml_[next] == ' ' || xml_[next] == '/' || xml_[next] == '\n')) {
          return pos;
        }
      }
      ++pos;
    }
    return std::string_view::npos;
  }

  std::string_view xml() const { return xml_; }

 private:
  std::string_view xml_;
};

// Adds the leaf elements inside [begin, end) of the XML: <Data Name="K">V</Data> as K=V; other leaves as
// their element name; unnamed <Data> as Data, Data2, ...
void add_data_section(std::string_view section, FlatEvent& out) {
  std::size_t pos = 0;
  int unnamed = 0;
  while ((pos = section.find('<', pos)) != std::string_view::npos) {
    if (pos + 1 >= section.size() || section[pos + 1] == '/' || section[pos + 1] == '?' || section[pos + 1] == '!') {
      ++pos;
      continue;
    }
    const auto tag_end = section.find('>', pos);
    if (tag_end == std::string_view::npos) return;
    const std::string_view tag = section.substr(pos + 1, tag_end - pos - 1);
    const bool self_closing = !tag.empty() && tag.back() == '/';
    const auto name_end = tag.find_first_of(" \t\n/");
    const std::string_view element = tag.substr(0, name_end);
    std::string value;
    bool leaf = true;
    std::size_t next = tag_end + 1;
    if (!self_closing) {
      const auto close = section.find('<', tag_end + 1);
      if (close == std::string_view::npos) return;
      if (section.compare(close, 2, "</") != 0) {
        leaf = false;  // container element: descend into it
      } else {
        value = html_unescape(section.substr(tag_end + 1, close - tag_end - 1));
        next = close;
      }
    }
    if (leaf) {
      std::string key;
      if (element == "Data") {
        if (auto name = XmlScanner::attribute_in(tag, "Name")) {
          key = *name;
        } else {
          ++unnamed;
          key = unnamed == 1 ? "Data" : fmt::format("Data{}", unnamed);
        }
      } else {
        key = std::string(element);
      }
      if (!key.empty()) out.add_copy_key(key, value);
    }
    pos = next;
  }
}

std::string filetime_to_text(std::uint64_t filetime) {
  // FILETIME counts 100 ns ticks since 1601-01-01.
  constexpr std::int64_t kEpochDifferenceMicros = 11644473600LL * 1'000'000;
  const auto micros = static_cast<std::int64_t>(filetime / 10) - kEpochDifferenceMicros;
  return format_rfc3339(micros);
}

}  // namespace

bool flatten_event_xml(std::string_view xml, FlatEvent& out) {
  const XmlScanner scanner(xml);
  if (scanner.find_open_tag("Event", 0) == std::string_view::npos) return false;
  if (auto id = scanner.element_text("EventID")) out.add_copy("EventID", *id, true);
  if (auto channel = scanner.element_text("Channel")) out.add_copy("Channel", *channel);
  if (auto computer = scanner.element_text("Computer")) out.add_copy("Hostname", *computer);
  if (auto provider = scanner.attribute("Provider", "Name")) out.add_copy("SourceName", *provider);
  if (auto guid = scanner.attribute("Provider", "Guid")) out.add_copy("ProviderGuid", *guid);
  if (auto time = scanner.attribute("TimeCreated", "SystemTime")) out.add_copy("TimeCreated", *time);
  if (auto record = scanner.element_text("EventRecordID")) out.add_copy("RecordNumber", *record, true);
  if (auto level = scanner.element_text("Level")) out.add_copy("Level", *level);
  if (auto task = scanner.element_text("Task")) out.add_copy("Task", *task);
  if (auto keywords = scanner.element_text("Keywords")) out.add_copy("Keywords", *keywords);
  if (auto pid = scanner.attribute("Execution", "ProcessID")) out.add_copy("ExecutionProcessID", *pid);
  if (auto tid = scanner.attribute("Execution", "ThreadID")) out.add_copy("ExecutionThreadID", *tid);
  if (auto user = scanner.attribute("Security", "UserID")) out.add_copy("UserID", *user);
  for (std::string_view section_name : {std::string_view("EventData"), std::string_view("UserData")}) {
    const auto open = scanner.find_open_tag(section_name, 0);
    if (open == std::string_view::npos) continue;
    const auto open_end = xml.find('>', open);
    if (open_end == std::string_view::npos || xml[open_end - 1] == '/') continue;
    const auto close = xml.find(fmt::format("</{}>", section_name), open_end);
    if (close == std::string_view::npos) continue;
    add_data_section(xml.substr(open_end + 1, close - open_end - 1), out);
  }
  return true;
}

std::string read_evtx_file(const std::filesystem::path& path, RecordSink& sink) {
  libevtx_error_t* error = nullptr;
  libevtx_file_t* raw_file = nullptr;
  if (libevtx_file_initialize(&raw_file, &error) != 1) return "cannot initialise libevtx: " + take_error(error);
  std::unique_ptr<libevtx_file_t, FileCloser> file(raw_file);
  if (libevtx_file_open(raw_file, path.c_str(), LIBEVTX_OPEN_READ, &error) != 1) {
    return fmt::format("cannot open EVTX file: {}", take_error(error));
  }
  int count = 0;
  if (libevtx_file_get_number_of_records(raw_file, &count, &error) != 1) {
    return fmt::format("cannot count EVTX records: {}", take_error(error));
  }
  FlatEvent event;
  std::vector<std::uint8_t> xml;
  for (int index = 0; index < count; ++index) {
    const auto line = static_cast<std::size_t>(index) + 1;
    libevtx_record_t* raw_record = nullptr;
    if (libevtx_file_get_record_by_index(raw_file, index, &raw_record, &error) != 1) {
      sink.on_bad_record(line, fmt::format("unreadable EVTX record: {}", take_error(error)));
      continue;
    }
    std::unique_ptr<libevtx_record_t, RecordFreer> record(raw_record);
    event.clear();
    std::size_t xml_size = 0;
    if (libevtx_record_get_utf8_xml_string_size(raw_record, &xml_size, &error) == 1 && xml_size > 0) {
      xml.assign(xml_size, 0);
      if (libevtx_record_get_utf8_xml_string(raw_record, xml.data(), xml.size(), &error) == 1) {
        const std::string_view text(reinterpret_cast<const char*>(xml.data()), xml_size - 1);
        flatten_event_xml(text, event);
      }
    }
    if (error) libevtx_error_free(&error);
    // Fall back to the record header for what the XML did not give.
    if (!event.find("EventID")) {
      std::uint32_t identifier = 0;
      if (libevtx_record_get_event_identifier(raw_record, &identifier, &error) != 1) {
        sink.on_bad_record(line, fmt::format("EVTX record without event identifier: {}", take_error(error)));
        continue;
      }
      event.add_copy("EventID", fmt::format("{}", identifier & 0xFFFF), true);
    }
    if (!event.find("TimeCreated")) {
      std::uint64_t filetime = 0;
      if (libevtx_record_get_written_time(raw_record, &filetime, &error) == 1) {
        event.add_copy("TimeCreated", filetime_to_text(filetime));
      } else if (error) {
        libevtx_error_free(&error);
      }
    }
    if (!event.find("Hostname")) {
      std::size_t size = 0;
      if (libevtx_record_get_utf8_computer_name_size(raw_record, &size, &error) == 1 && size > 1) {
        std::vector<std::uint8_t> name(size, 0);
        if (libevtx_record_get_utf8_computer_name(raw_record, name.data(), size, &error) == 1) {
          event.add_copy("Hostname", std::string_view(reinterpret_cast<const char*>(name.data()), size - 1));
        }
      }
      if (error) libevtx_error_free(&error);
    }
    if (!event.find("SourceName")) {
      std::size_t size = 0;
      if (libevtx_record_get_utf8_source_name_size(raw_record, &size, &error) == 1 && size > 1) {
        std::vector<std::uint8_t> name(size, 0);
        if (libevtx_record_get_utf8_source_name(raw_record, name.data(), size, &error) == 1) {
          event.add_copy("SourceName", std::string_view(reinterpret_cast<const char*>(name.data()), size - 1));
        }
      }
      if (error) libevtx_error_free(&error);
    }
    sink.on_flat_event(event, line);
  }
  return {};
}

}  // namespace lh::siem
