// ParallelFor and ParallelForOneHeavyAtATime: every index runs exactly once,
// on any number of threads, and heavy indexes never overlap.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "util/parallel.h"

using casebook::util::ParallelFor;
using casebook::util::ParallelForOneHeavyAtATime;

TEST_CASE("ParallelFor runs every index exactly once") {
  for (int jobs : {0, 1, 3, 8}) {
    std::vector<std::atomic<int>> runs(1000);
    ParallelFor(runs.size(), jobs, [&](size_t i) { ++runs[i]; });
    CHECK(std::all_of(runs.begin(), runs.end(), [](const std::atomic<int>& r) { return r == 1; }));
  }
}

TEST_CASE("Heavy indexes run one at a time, every index exactly once") {
  // Every third index is heavy and sleeps a little, so that overlapping
  // heavy runs would be seen; the light ones run meanwhile.
  auto heavy = [](size_t i) { return i % 3 == 0; };
  for (int jobs : {1, 2, 4}) {
    std::vector<std::atomic<int>> runs(90);
    std::atomic<int> heavy_now{0}, most_heavy_at_once{0}, light_during_heavy{0};
    ParallelForOneHeavyAtATime(runs.size(), jobs, heavy, [&](size_t i) {
      ++runs[i];
      if (!heavy(i)) {
        light_during_heavy += heavy_now.load() > 0;
        return;
      }
      int now = ++heavy_now;
      int most = most_heavy_at_once.load();
      while (now > most && !most_heavy_at_once.compare_exchange_weak(most, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      --heavy_now;
    });
    INFO("jobs " << jobs);
    CHECK(std::all_of(runs.begin(), runs.end(), [](const std::atomic<int>& r) { return r == 1; }));
    CHECK(most_heavy_at_once == 1);
    if (jobs > 1) CHECK(light_during_heavy > 0);  // the other threads were not idle
  }
}

TEST_CASE("Only heavy indexes, or none: still each exactly once") {
  for (bool all_heavy : {true, false}) {
    std::vector<std::atomic<int>> runs(50);
    ParallelForOneHeavyAtATime(runs.size(), 4, [&](size_t) { return all_heavy; },
                               [&](size_t i) { ++runs[i]; });
    CHECK(std::all_of(runs.begin(), runs.end(), [](const std::atomic<int>& r) { return r == 1; }));
  }
}
