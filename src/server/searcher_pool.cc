#include "server/searcher_pool.h"

namespace casebook::server {

SearcherPool::SearcherPool(const config::SiteConfig& cfg, size_t max_idle)
    : cfg_(cfg), index_dir_(cfg.IndexDir()), max_idle_(max_idle) {}

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
  if (idle_.size() < max_idle_) idle_.push_back(std::move(searcher));
}

size_t SearcherPool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

SearchOutcome SearcherPool::Search(const search::SearchRequest& request) {
  SearchOutcome out;
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
