#include "util/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace casebook::util {

void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn) {
  size_t threads = std::min<size_t>(static_cast<size_t>(std::max(1, jobs)), n);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  // Work is handed out one index at a time: file sizes vary a lot, so fixed
  // chunks would leave one thread with the long tail.
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
}

void ParallelForOneHeavyAtATime(size_t n, int jobs, const std::function<bool(size_t)>& heavy,
                                const std::function<void(size_t)>& fn) {
  size_t threads = std::min<size_t>(static_cast<size_t>(std::max(1, jobs)), n);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::vector<size_t> heavy_ones, light_ones;
  for (size_t i = 0; i < n; ++i) (heavy(i) ? heavy_ones : light_ones).push_back(i);
  std::mutex mu;
  std::condition_variable heavy_done;
  size_t next_heavy = 0, next_light = 0;
  bool heavy_running = false;
  auto worker = [&] {
    for (;;) {
      size_t i = 0;
      bool is_heavy = false;
      {
        std::unique_lock<std::mutex> lock(mu);
        for (;;) {
          if (!heavy_running && next_heavy < heavy_ones.size() &&
              (next_light == light_ones.size() || heavy_ones[next_heavy] < light_ones[next_light])) {
            i = heavy_ones[next_heavy++];
            heavy_running = is_heavy = true;
            break;
          }
          if (next_light < light_ones.size()) {
            i = light_ones[next_light++];
            break;
          }
          if (next_heavy == heavy_ones.size()) return;  // everything is handed out
          heavy_done.wait(lock);  // only heavy ones are left, and one is running
        }
      }
      fn(i);
      if (is_heavy) {
        std::lock_guard<std::mutex> lock(mu);
        heavy_running = false;
        heavy_done.notify_all();
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
}

int DefaultJobs() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace casebook::util
