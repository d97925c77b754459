// libFuzzer target for the SSE parser. Besides "no crash, no unbounded growth", it checks that
// the events do not depend on how the stream is split into chunks: the first input byte picks a
// chunk size, and the chunked parse must equal the one-piece parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "transport/sse.hpp"

namespace {

struct Outcome {
  std::vector<lh::transport::SseEvent> events;
  std::string last_event_id;
  bool failed = false;
};

Outcome parse(std::string_view stream, std::size_t chunk) {
  Outcome outcome;
  lh::transport::SseParser parser([&](lh::transport::SseEvent event) { outcome.events.push_back(std::move(event)); },
                                  4096);
  try {
    for (std::size_t i = 0; i < stream.size(); i += chunk) parser.feed(stream.substr(i, chunk));
  } catch (const lh::transport::SseError&) {
    outcome.failed = true;
  }
  outcome.last_event_id = parser.last_event_id();
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t chunk = 1 + data[0] % 16;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto whole = parse(stream, stream.size() + 1);
  auto pieces = parse(stream, chunk);
  // A size limit may trip at a different point depending on chunking; compare only clean runs.
  if (whole.failed || pieces.failed) return 0;
  if (whole.events.size() != pieces.events.size() || whole.last_event_id != pieces.last_event_id) std::abort();
  for (std::size_t i = 0; i < whole.events.size(); ++i) {
    const auto& a = whole.events[i];
    const auto& b = pieces.events[i];
    if (a.data != b.data || a.type != b.type || a.id != b.id) std::abort();
  }
  return 0;
}
