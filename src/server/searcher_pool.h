// SearcherPool: search::Searcher objects shared by the server's request
// threads. A Searcher is not thread-safe, so each request borrows one for the
// length of one search and gives it back; idle ones are kept (up to a cap)
// so the index is not reopened on every request. Before each use a borrowed
// Searcher switches to the newest published index (ReopenIfChanged), so a
// `casebook build` while the server runs is picked up on the next search.
//
// When there is no index (not built yet, or removed) Search() reports
// has_index = false and opening is retried on the next request.
//
// At most `max_concurrent` searches run at once; up to twice as many more
// wait up to `max_wait_ms` for a turn; the rest, and those whose wait ends,
// are turned away (busy = true; the server answers 503 with Retry-After). An expensive query costs memory while it
// runs (340 x "a*" took ~60 MB), so without this eight at once took ~480 MB
// and every request thread. Idle searchers kept: as many as can run at once.
//
// Thread-safety: all methods may be called from many threads at once.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "search/searcher.h"

namespace casebook::server {

struct SearchOutcome {
  bool has_index = true;  // false: no readable index (`error` says why)
  bool busy = false;      // no turn within max_wait_ms: not searched
  std::string error;
  search::SearchResult result;
};

class SearcherPool {
 public:
  explicit SearcherPool(const config::SiteConfig& cfg, size_t max_concurrent = 2,
                        int max_wait_ms = 2000);
  ~SearcherPool();
  SearcherPool(const SearcherPool&) = delete;
  SearcherPool& operator=(const SearcherPool&) = delete;

  SearchOutcome Search(const search::SearchRequest& request);

  /// Searchers kept for reuse (for tests).
  size_t idle() const;

 private:
  std::unique_ptr<search::Searcher> Acquire(std::string* error);
  void Release(std::unique_ptr<search::Searcher> searcher);

  config::SiteConfig cfg_;
  std::string index_dir_;
  size_t max_concurrent_;
  int max_wait_ms_;
  mutable std::mutex mu_;
  std::condition_variable turn_;
  size_t running_ = 0;                                    // guarded by mu_
  size_t waiting_ = 0;                                    // guarded by mu_
  std::vector<std::unique_ptr<search::Searcher>> idle_;  // guarded by mu_
};

}  // namespace casebook::server
