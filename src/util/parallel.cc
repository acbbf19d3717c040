#include "util/parallel.h"

#include <algorithm>
#include <atomic>
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

int DefaultJobs() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace casebook::util
