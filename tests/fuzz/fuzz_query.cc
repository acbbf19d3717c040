// The search query parser, through the Searcher that `casebook search` and
// `serve` use: casebook's rewriting (wildcards over Z terms, "-x" as NOT),
// Xapian's QueryParser with every prefix and range processor, the parse
// fallback, spelling correction and facets, on the fixture archive's index.
// Search() must never throw or crash, and a query over kMaxQueryBytes is cut.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz_site.h"
#include "search/query_parsing.h"
#include "search/searcher.h"

namespace search = casebook::search;

namespace {
std::unique_ptr<search::Searcher> g_searcher;
}  // namespace

// The site is built here, not on the first input: that takes seconds, which
// libFuzzer would count against the first input as a hang.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto& cfg = casebook::fuzz::BuiltFixtureSite();
  std::string error;
  g_searcher = search::Searcher::Open(cfg.IndexDir(), cfg, &error);
  if (!g_searcher) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string query(reinterpret_cast<const char*>(data), size);
  (void)search::RewriteQuery(query);
  search::SearchRequest request;
  request.query = query;
  request.sort = size % 2 ? search::SortOrder::kDate : search::SortOrder::kRelevance;
  search::SearchResult result = g_searcher->Search(request);
  if (!result.ok) std::abort();  // the index is fine: any failure is the query's
  if (result.query.size() > search::kMaxQueryBytes) std::abort();
  return 0;
}
