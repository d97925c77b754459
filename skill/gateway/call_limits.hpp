// The per-server limit on tool calls in flight: a counting semaphore whose waits end at once when the
// caller's stop_token is triggered (std::counting_semaphore cannot be interrupted).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <stop_token>

namespace lh::skill::gateway {

class CallSlots {
 public:
  explicit CallSlots(std::size_t limit);
  CallSlots(const CallSlots&) = delete;
  CallSlots& operator=(const CallSlots&) = delete;

  // Blocks until a slot is free. Returns false (holding nothing) when `cancel` was triggered first.
  bool acquire(std::stop_token cancel);
  void release();

  std::size_t limit() const noexcept { return limit_; }
  std::size_t in_flight() const;

  // Holds one slot for its lifetime.
  class Held {
   public:
    Held() = default;
    explicit Held(CallSlots& slots) : slots_(&slots) {}
    Held(Held&& other) noexcept : slots_(other.slots_) { other.slots_ = nullptr; }
    Held& operator=(Held&& other) noexcept;
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() { reset(); }
    void reset();
    explicit operator bool() const noexcept { return slots_ != nullptr; }

   private:
    CallSlots* slots_ = nullptr;
  };
  // An empty Held when cancelled.
  Held hold(std::stop_token cancel);

 private:
  const std::size_t limit_;
  mutable std::mutex mutex_;
  std::condition_variable_any freed_;
  std::size_t in_flight_ = 0;
};

}  // namespace lh::skill::gateway
