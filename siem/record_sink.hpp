#pragma once
// Where the readers deliver records. Line numbers are 1-based positions in the unit (file or zip entry);
// EVTX records use their record index instead.
#include <cstddef>
#include <string_view>

#include "siem/flat_event.hpp"

namespace lh::siem {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // A Windows event in the flat OTRF layout.
  virtual void on_flat_event(const FlatEvent& event, std::size_t line) = 0;
  // A native UDM event (an object with a "udm" or "metadata" key), as minified JSON text.
  virtual void on_udm_json(std::string_view json, std::size_t line) = 0;
  // A record that could not be read; `message` says what was wrong.
  virtual void on_bad_record(std::size_t line, std::string_view message) = 0;
};

}  // namespace lh::siem
