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
// Thread-safety: all methods may be called from many threads at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "search/searcher.h"

namespace casebook::server {

struct SearchOutcome {
  bool has_index = true;  // false: no readable index (`error` says why)
  std::string error;
  search::SearchResult result;
};

class SearcherPool {
 public:
  explicit SearcherPool(const config::SiteConfig& cfg, size_t max_idle = 16);
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
  size_t max_idle_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<search::Searcher>> idle_;  // guarded by mu_
};

}  // namespace casebook::server
