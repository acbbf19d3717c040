#include "util/exit_memory.h"

#include <mutex>
#include <vector>

namespace casebook::util {

void KeepUntilExit(const void* p) {
  static std::mutex mu;
  static auto* kept = new std::vector<const void*>;  // never destroyed, like what it holds
  std::lock_guard<std::mutex> lock(mu);
  kept->push_back(p);
}

}  // namespace casebook::util
