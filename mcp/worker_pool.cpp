#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "mcp/log.hpp"
#include "mcp/protocol.hpp"

namespace lh::mcp {

namespace {
// Threads above the minimum retire after this long without work.
constexpr auto kIdleRetirement = std::chrono::seconds(10);
}  // namespace

struct WorkerPool::State : std::enable_shared_from_this<WorkerPool::State> {
  std::mutex mutex;
  std::condition_variable work_ready;
  std::condition_variable all_exited;
  std::deque<std::function<void()>> queue;
  std::size_t min_threads = 1;
  std::size_t max_threads = 1;
  std::size_t threads = 0;  // alive
  std::size_t idle = 0;     // waiting for work
  bool stopping = false;

  static thread_local const State* current;

  // Threads are detached and own a reference to the state, so a pool may be destroyed from one of
  // its own tasks without joining itself; the destructor waits for the count to drop instead.
  void spawn_locked() {
    ++threads;
    std::thread([self = shared_from_this()] { self->run(); }).detach();
  }

  void run() {
    current = this;
    std::unique_lock lock(mutex);
    for (;;) {
      ++idle;
      const bool woke = work_ready.wait_for(lock, kIdleRetirement, [&] { return stopping || !queue.empty(); });
      --idle;
      if (queue.empty()) {
        if (stopping || (!woke && threads > min_threads)) break;
        continue;
      }
      auto task = std::move(queue.front());
      queue.pop_front();
      // Work is still waiting and nobody else is free to take it: this task may be slow, so grow.
      if (!queue.empty() && idle == 0 && threads < max_threads && !stopping) spawn_locked();
      lock.unlock();
      try {
        task();
      } catch (const std::exception& e) {
        log::error("mcp.pool", "task threw: {}", e.what());
      } catch (...) {
        log::error("mcp.pool", "task threw a non-standard exception");
      }
      task = nullptr;  // release captures outside the lock
      lock.lock();
    }
    --threads;
    all_exited.notify_all();
  }
};

thread_local const WorkerPool::State* WorkerPool::State::current = nullptr;

WorkerPool::WorkerPool(std::size_t min_threads, std::size_t max_threads) : state_(std::make_shared<State>()) {
  state_->min_threads = std::max<std::size_t>(1, min_threads);
  state_->max_threads = std::max(state_->min_threads, max_threads);
  std::lock_guard lock(state_->mutex);
  for (std::size_t i = 0; i < state_->min_threads; ++i) state_->spawn_locked();
}

WorkerPool::~WorkerPool() {
  std::unique_lock lock(state_->mutex);
  state_->stopping = true;
  state_->work_ready.notify_all();
  const std::size_t self = on_worker_thread() ? 1 : 0;
  state_->all_exited.wait(lock, [&] { return state_->threads <= self; });
}

void WorkerPool::post(std::function<void()> task) {
  {
    std::lock_guard lock(state_->mutex);
    state_->queue.push_back(std::move(task));
    // Threads that were woken but have not yet taken their task still count as idle; the taker
    // grows the pool when it leaves work behind (see run()).
    if (state_->idle == 0 && state_->threads < state_->max_threads) state_->spawn_locked();
  }
  state_->work_ready.notify_one();
}

bool WorkerPool::on_worker_thread() const { return State::current == state_.get(); }

}  // namespace lh::mcp
