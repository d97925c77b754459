#pragma once
// Where generated events go: each event is one JSON line logged at a given (host clock) time.
#include <string>

#include "siem/demo/clock.hpp"

namespace lh::siem::demo {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Opens an event logged at `logged`; the caller appends exactly one line to the returned string and
  // then calls commit().
  virtual std::string& open(Millis logged) = 0;
  virtual void commit() = 0;
};

}  // namespace lh::siem::demo
