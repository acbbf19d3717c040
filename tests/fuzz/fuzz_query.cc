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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace search = casebook::search;
  static std::unique_ptr<search::Searcher> searcher = [] {
    const auto& cfg = casebook::fuzz::BuiltFixtureSite();
    std::string error;
    auto s = search::Searcher::Open(cfg.IndexDir(), cfg, &error);
    if (!s) std::abort();
    return s;
  }();
  const std::string query(reinterpret_cast<const char*>(data), size);
  (void)search::RewriteQuery(query);
  search::SearchRequest request;
  request.query = query;
  request.sort = size % 2 ? search::SortOrder::kDate : search::SortOrder::kRelevance;
  search::SearchResult result = searcher->Search(request);
  if (!result.ok) std::abort();  // the index is fine: any failure is the query's
  if (result.query.size() > search::kMaxQueryBytes) std::abort();
  return 0;
}
