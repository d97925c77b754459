#include "skill/gateway/call_limits.hpp"

#include <algorithm>
#include <utility>

namespace lh::skill::gateway {

CallSlots::CallSlots(std::size_t limit) : limit_(std::max<std::size_t>(1, limit)) {}

bool CallSlots::acquire(std::stop_token cancel) {
  std::unique_lock lock(mutex_);
  if (!freed_.wait(lock, cancel, [this] { return in_flight_ < limit_; })) return false;
  ++in_flight_;
  return true;
}

void CallSlots::release() {
  {
    std::lock_guard lock(mutex_);
    if (in_flight_ > 0) --in_flight_;
  }
  freed_.notify_one();
}

std::size_t CallSlots::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

CallSlots::Held CallSlots::hold(std::stop_token cancel) {
  if (!acquire(std::move(cancel))) return Held{};
  return Held{*this};
}

CallSlots::Held& CallSlots::Held::operator=(Held&& other) noexcept {
  if (this != &other) {
    reset();
    slots_ = std::exchange(other.slots_, nullptr);
  }
  return *this;
}

void CallSlots::Held::reset() {
  if (slots_ != nullptr) std::exchange(slots_, nullptr)->release();
}

}  // namespace lh::skill::gateway
