// ParallelFor: runs fn(0..n-1) on up to `jobs` threads. Each index runs
// exactly once; callers write results into per-index slots and merge them
// in index order afterwards, so output never depends on scheduling.
#pragma once

#include <cstddef>
#include <functional>

namespace casebook::util {

/// Blocks until every index has run. jobs <= 1 (or small n) runs inline.
/// `fn` must not throw.
void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn);

/// The number of cores, at least 1.
int DefaultJobs();

}  // namespace casebook::util
