// libFuzzer target for the Windows-event path of the embedded SIEM: JSON input reader → flat event →
// Windows normaliser → UDM event → result JSON → UDM reader.
//
// Checked for every input:
//  - nothing crashes, every record is delivered as a flat event, a UDM event or a bad record;
//  - a bad record names a line inside the input and says what was wrong;
//  - reading the input whole (parse_json_unit) and streamed in pieces (parse_json_stream) gives the
//    same records on the same lines;
//  - a normalised event only holds values of its fields' types (udm::Event checks each add), and the
//    result JSON written for it reads back.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "siem/input_json.hpp"
#include "siem/normalise.hpp"
#include "siem/record_sink.hpp"
#include "udm/event.hpp"

namespace {

using namespace lh;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_windows_events: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

class CheckingSink final : public siem::RecordSink {
 public:
  explicit CheckingSink(std::size_t line_count) : line_count_(line_count) {}

  void on_flat_event(const siem::FlatEvent& event, std::size_t line) override {
    check_line(line);
    std::string record = "event " + std::to_string(line);
    for (const auto& field : event.fields()) {
      record += '|';
      record.append(field.key);
      record += '=';
      record.append(field.value);
    }
    records.push_back(std::move(record));
    normalise(event);
  }

  void on_udm_json(std::string_view json, std::size_t line) override {
    check_line(line);
    records.push_back("udm " + std::to_string(line) + "|" + std::string(json));
    // What the event store does with it: a failure here is a bad record, never a crash.
    try {
      udm::Event event;
      udm::read_udm_json(nlohmann::json::parse(json), event);
    } catch (const std::exception&) {
    }
  }

  void on_bad_record(std::size_t line, std::string_view message) override {
    check_line(line);
    if (message.empty()) fail("bad record without a message", std::to_string(line));
    records.push_back("bad " + std::to_string(line) + "|" + std::string(message));
  }

  std::vector<std::string> records;

 private:
  void check_line(std::size_t line) const {
    if (line < 1 || line > line_count_) fail("record line outside the input", std::to_string(line));
  }

  static void normalise(const siem::FlatEvent& flat) {
    udm::Event event;
    try {
      (void)siem::normalise_windows_event(flat, event);
    } catch (const std::exception& e) {
      fail("the normaliser threw", e.what());
    }
    const std::string json = udm::to_result_json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    try {
      udm::Event back;
      udm::read_udm_json(nlohmann::json::parse(json), back);
    } catch (const std::exception& e) {
      fail("the result JSON of a normalised event does not read back", std::string(e.what()) + " in: " + json);
    }
  }

  std::size_t line_count_;
};

std::vector<std::string> parse_whole(std::string_view input, std::size_t line_count) {
  CheckingSink sink(line_count);
  simdjson::padded_string buffer(input.data(), input.size());
  siem::parse_json_unit(buffer, sink);
  return std::move(sink.records);
}

std::vector<std::string> parse_streamed(std::string_view input, std::size_t piece, std::size_t line_count) {
  CheckingSink sink(line_count);
  std::size_t offset = 0;
  const bool ok = siem::parse_json_stream(
      [&](char* into, std::size_t size) -> std::ptrdiff_t {
        const std::size_t n = std::min({size, piece, input.size() - offset});
        std::memcpy(into, input.data() + offset, n);
        offset += n;
        return static_cast<std::ptrdiff_t>(n);
      },
      sink, 4096);
  if (!ok) fail("streaming reported a read error without one", input);
  return std::move(sink.records);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t line_count = 1 + static_cast<std::size_t>(std::count(input.begin(), input.end(), '\n'));
  const auto whole = parse_whole(input, line_count);
  const std::size_t piece = 1 + (size > 0 ? data[size - 1] % 61 : 0);
  const auto streamed = parse_streamed(input, piece, line_count);
  if (whole != streamed) {
    std::string detail;
    for (const auto& r : whole) detail += "\n  whole:    " + r;
    for (const auto& r : streamed) detail += "\n  streamed: " + r;
    fail("whole and streamed parses differ", detail);
  }
  return 0;
}
