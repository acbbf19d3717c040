// StepTimer: times one pipeline step (shown by `casebook build --verbose`),
// and JobsFor: the thread count a build uses. Shared by the build steps.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "site/build.h"
#include "util/parallel.h"

namespace casebook::site {

// Times one pipeline step into `timings` (when given).
class StepTimer {
 public:
  StepTimer(std::vector<StepTime>* timings, std::string step)
      : timings_(timings), step_(std::move(step)),
        start_(std::chrono::steady_clock::now()) {}
  ~StepTimer() {
    if (!timings_) return;
    std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
    timings_->push_back({step_, d.count()});
  }

 private:
  std::vector<StepTime>* timings_;
  std::string step_;
  std::chrono::steady_clock::time_point start_;
};

inline int JobsFor(const BuildOptions& options) {
  return options.jobs > 0 ? options.jobs : util::DefaultJobs();
}

}  // namespace casebook::site
