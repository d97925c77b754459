// Two transports linked back to back in one process: what one sends, the other receives.
// For tests and for embedding a server in the same process as its client.
#pragma once

#include <memory>
#include <utility>

#include "mcp/transport.hpp"

namespace lh::transport {

// Returns {a, b}; a message sent on a arrives at b's on_message and vice versa. Messages are
// delivered on a dedicated thread per direction, in order, so a handler may send from inside
// on_message without deadlock. Closing either end closes both.
std::pair<std::shared_ptr<mcp::Transport>, std::shared_ptr<mcp::Transport>> make_in_memory_pair();

}  // namespace lh::transport
