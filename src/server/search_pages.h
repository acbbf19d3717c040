// The server's search routes, independent of the HTTP library:
//   Html()  the results page through the theme's "search" template
//           (results with snippets, facets as links that refine the query,
//           pagination, did-you-mean), or a plain built-in page when the
//           theme has no such template;
//   Api()   the same search as JSON for scripts and the search page's JS.
//
// Bad input never throws: an over-long query is 414 with a message, a bad
// sort or a non-number offset/limit is clamped (HTML) or 400 (API), a query
// the parser rejects is a 200 page with the searcher's message. A missing
// index is "No search index: run casebook build" (HTML 200, API 503). When
// the searches running at once are at their limit for too long
// (searcher_pool.h) the answer is 503 "busy, try again" (HTML and API).
//
// Thread-safety: Html and Api may be called from many threads at once;
// searchers come from the SearcherPool. The TemplateSet is borrowed (may be
// null) and must outlive this object.
#pragma once

#include <string>

#include "config/config.h"
#include "server/searcher_pool.h"
#include "util/value.h"

namespace casebook::render {
class TemplateSet;
}

namespace casebook::server {

/// Query parameters as received (already URL-decoded, not yet validated).
struct SearchParams {
  std::string q;
  std::string offset;  // "" = 0
  std::string limit;   // "" = default (API only; HTML pages are fixed size)
  std::string sort;    // "" | "relevance" | "date"
};

struct PageResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

class SearchPages {
 public:
  static constexpr int kPageSize = 10;
  static constexpr int kMaxLimit = 100;
  static constexpr int kMaxOffset = 10000;

  SearchPages(const config::SiteConfig& cfg, const render::TemplateSet* templates,
              size_t max_query_bytes, size_t max_concurrent_searches = 2);

  PageResponse Html(const SearchParams& params);
  PageResponse Api(const SearchParams& params);

  /// The search page's data for a result (exposed for tests): the view keys
  /// documented in render/view.h under "search".
  util::Value PageData(const std::string& query, const std::string& sort,
                       const SearchOutcome& outcome, int offset) const;

 private:
  std::string RenderPage(const util::Value& data) const;
  std::string SearchUrl(const std::string& query, const std::string& sort,
                        int offset) const;

  config::SiteConfig cfg_;
  const render::TemplateSet* templates_;
  size_t max_query_bytes_;
  SearcherPool pool_;
};

/// A small HTML page for errors ("404 Not Found" + a message), escaped,
/// linking back to `home`. Used when the site has no 404.html and for 4xx/5xx.
std::string ErrorPageHtml(int status, const std::string& message, const std::string& home);

/// "Not Found" for 404, "Forbidden" for 403, ...
const char* StatusText(int status);

}  // namespace casebook::server
