#include "server/searcher_pool.h"

#include <malloc.h>

#include <chrono>

// mimalloc's "return free memory to the system now", when the binary links
// mimalloc (the casebook executable does; tests do not). Declared weak so
// this module needs neither its header nor its library.
extern "C" void mi_collect(bool force) __attribute__((weak));

namespace casebook::server {
namespace {

// An expensive query allocates tens of MB and frees them; allocators keep
// freed memory for reuse by the thread that freed it, and a worker may not
// search again for hours. Hand it back now (a few ms, after the response
// was computed).
void ReleaseFreeMemory() {
  if (mi_collect) mi_collect(true);
  malloc_trim(0);
}

}  // namespace

SearcherPool::SearcherPool(const config::SiteConfig& cfg, size_t max_concurrent, int max_wait_ms)
    : cfg_(cfg),
      index_dir_(cfg.IndexDir()),
      max_concurrent_(max_concurrent > 0 ? max_concurrent : 1),
      max_wait_ms_(max_wait_ms) {}

SearcherPool::~SearcherPool() = default;

std::unique_ptr<search::Searcher> SearcherPool::Acquire(std::string* error) {
  std::unique_ptr<search::Searcher> s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      s = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (s) {
    s->ReopenIfChanged();  // outside the lock: it touches the disk
    return s;
  }
  return search::Searcher::Open(index_dir_, cfg_, error);
}

void SearcherPool::Release(std::unique_ptr<search::Searcher> searcher) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_concurrent_) idle_.push_back(std::move(searcher));
}

size_t SearcherPool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

SearchOutcome SearcherPool::Search(const search::SearchRequest& request) {
  SearchOutcome out;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Waiting searches hold request workers too: past a few, turn away at
    // once so pages keep being served.
    if (running_ >= max_concurrent_ && waiting_ >= 2 * max_concurrent_) {
      out.busy = true;
      return out;
    }
    ++waiting_;
    const bool turn = turn_.wait_for(lock, std::chrono::milliseconds(max_wait_ms_),
                                     [this] { return running_ < max_concurrent_; });
    --waiting_;
    if (!turn) {
      out.busy = true;
      return out;
    }
    ++running_;
  }
  struct Turn {
    SearcherPool* pool;
    ~Turn() {
      ReleaseFreeMemory();
      {
        std::lock_guard<std::mutex> lock(pool->mu_);
        --pool->running_;
      }
      pool->turn_.notify_one();
    }
  } turn{this};
  std::string error;
  std::unique_ptr<search::Searcher> s = Acquire(&error);
  if (!s) {
    out.has_index = false;
    out.error = error.empty() ? "no search index" : error;
    return out;
  }
  out.result = s->Search(request);
  // A searcher that failed to read its index is dropped, not pooled: the
  // next request opens a fresh one (e.g. after the index was rebuilt).
  if (out.result.ok) Release(std::move(s));
  return out;
}

}  // namespace casebook::server
