// StepTimer: times one pipeline step (shown by `casebook build --verbose`),
// and JobsFor: the thread count a build uses. Shared by the build steps.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <string>
#include <vector>

#include "site/build.h"
#include "util/parallel.h"

namespace casebook::site {

// Times one pipeline step into `timings` (when given): wall and CPU time
// (CPU time tells more than wall time on a busy machine), and peak memory.
class StepTimer {
 public:
  StepTimer(std::vector<StepTime>* timings, std::string step)
      : timings_(timings), step_(std::move(step)),
        start_(std::chrono::steady_clock::now()), cpu_start_(CpuSeconds(nullptr)) {}
  ~StepTimer() {
    if (!timings_) return;
    std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
    long peak = 0;
    double cpu = CpuSeconds(&peak) - cpu_start_;
    timings_->push_back({step_, d.count(), cpu, peak});
  }

 private:
  static double CpuSeconds(long* peak_rss_kb) {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    if (peak_rss_kb) *peak_rss_kb = ru.ru_maxrss;
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }

  std::vector<StepTime>* timings_;
  std::string step_;
  std::chrono::steady_clock::time_point start_;
  double cpu_start_;
};

inline int JobsFor(const BuildOptions& options) {
  return options.jobs > 0 ? options.jobs : util::DefaultJobs();
}

}  // namespace casebook::site
