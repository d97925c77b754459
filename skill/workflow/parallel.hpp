// Runs `work(i)` for i in [0, count) on at most `parallelism` threads. Once `cancel` is requested no
// further item is started (the ones running finish on their own, their calls see the same token);
// the caller tells "never started" apart by the state it gave each item beforehand.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <stop_token>
#include <thread>
#include <vector>

namespace lh::skill::workflow::detail {

template <typename Work>
void for_each_parallel(std::size_t count, std::size_t parallelism, const std::stop_token& cancel, Work&& work) {
  if (count == 0) return;
  const std::size_t threads = std::clamp<std::size_t>(parallelism, 1, count);
  std::atomic<std::size_t> next{0};
  auto drain = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      if (cancel.stop_requested()) return;
      work(i);
    }
  };
  if (threads == 1) {
    drain();
    return;
  }
  std::vector<std::jthread> workers;
  workers.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) workers.emplace_back(drain);
  drain();  // this thread works too
}

}  // namespace lh::skill::workflow::detail
