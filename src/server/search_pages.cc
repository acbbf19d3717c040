#include "server/search_pages.h"

#include <algorithm>

#include "render/templates.h"
#include "render/urls.h"
#include "render/view.h"
#include "util/diagnostics.h"
#include "util/text.h"

namespace casebook::server {
namespace {

using util::Value;

constexpr char kNoIndex[] = "No search index: run casebook build";
constexpr char kBusy[] = "The server is busy with other searches; try again in a moment.";

// A non-negative number of at most `max`; nullopt when not digits.
// "" is 0; larger numbers are clamped to `max`.
std::optional<int> ParseCount(const std::string& s, int max) {
  if (s.empty()) return 0;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  if (s.size() > 9) return max;
  return std::min(std::stoi(s), max);
}

std::optional<search::SortOrder> ParseSort(const std::string& s) {
  if (s.empty() || s == "relevance") return search::SortOrder::kRelevance;
  if (s == "date") return search::SortOrder::kDate;
  return std::nullopt;
}

std::vector<std::string> Tokens(const std::string& q) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : q) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

PageResponse Json(int status, const Value& v) {
  return {status, "application/json; charset=utf-8", v.ToJson() + "\n"};
}

PageResponse JsonError(int status, const std::string& query, const std::string& message) {
  Value v = Value::MakeMap();
  v["ok"] = false;
  v["query"] = query;
  v["error"] = message;
  v["message"] = message;
  v["total"] = 0;
  v["hits"] = Value::MakeList();
  return Json(status, v);
}

}  // namespace

const char* StatusText(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Server Error" : "Error";
  }
}

std::string ErrorPageHtml(int status, const std::string& message, const std::string& home) {
  std::string title = std::to_string(status) + " " + StatusText(status);
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"robots\" content=\"noindex\"><title>" + util::HtmlEscape(title) +
         "</title></head>\n<body><h1>" + util::HtmlEscape(title) + "</h1>\n<p>" +
         util::HtmlEscape(message) + "</p>\n<p><a href=\"" + util::HtmlEscape(home) +
         "\">Back to the archive</a></p></body></html>\n";
}

SearchPages::SearchPages(const config::SiteConfig& cfg, const render::TemplateSet* templates,
                         size_t max_query_bytes, size_t max_concurrent_searches)
    : cfg_(cfg),
      templates_(templates),
      max_query_bytes_(max_query_bytes),
      pool_(cfg, max_concurrent_searches) {}

std::string SearchPages::SearchUrl(const std::string& query, const std::string& sort,
                                   int offset) const {
  std::string url = cfg_.BasePath() + "search/?q=" + util::UrlEncode(query);
  if (sort == "date") url += "&sort=date";
  if (offset > 0) url += "&offset=" + std::to_string(offset);
  return url;
}

Value SearchPages::PageData(const std::string& query, const std::string& sort,
                            const SearchOutcome& outcome, int offset) const {
  Value v = render::SearchView(cfg_, query);
  v["sort_date"] = sort == "date";
  if (!outcome.has_index) {
    v["message"] = kNoIndex;
    return v;
  }
  const search::SearchResult& r = outcome.result;
  const std::string base = cfg_.BasePath();
  Value results = Value::MakeList();
  for (const auto& h : r.hits) {
    Value item = Value::MakeMap();
    item["id"] = h.id;
    item["title"] = h.title.empty() ? h.id : h.title;
    item["url"] = base + render::EncodePath(h.url);
    item["date"] = h.date;
    item["summary"] = h.summary;
    item["severity_label"] = h.severity_label;
    Value badge = render::SeverityBadge(cfg_, h.severity);
    item["severity_color"] = h.severity.empty() ? Value("") : *badge.Find("color");
    item["severity_text_color"] = h.severity.empty() ? Value("") : *badge.Find("text_color");
    item["snippet_html"] = h.snippet_html;  // escaped by Xapian, <mark> only
    item["source_path"] = h.source_path;
    item["missing_note"] = search::MissingWordsNote(r, h);
    results.Push(std::move(item));
  }
  const bool has_results = !r.hits.empty();
  v["results"] = std::move(results);
  v["has_results"] = has_results;
  v["no_results"] = !has_results && r.ok && !util::Trim(query).empty();
  v["server_rendered"] = true;  // the page's script leaves the results alone
  v["total"] = std::to_string(r.total);
  v["total_label"] = (r.total_estimated ? "~" : "") +  // an estimate: SearchResult::total_estimated
                     render::CountLabel(static_cast<size_t>(r.total), "result", "results");
  v["message"] = r.message;
  v["auto_retried"] = r.auto_retried;
  if (r.relaxed) v["relaxed_note"] = search::RelaxedNote(r);
  if (!r.corrected_query.empty() && r.auto_retried) {
    // The results shown are already those of the correction: say so.
    if (r.message.empty())
      v["message"] = "Nothing matched “" + query + "”; showing results for “" + r.corrected_query + "”.";
  } else if (!r.corrected_query.empty()) {
    v["did_you_mean"] = r.corrected_query;
    v["did_you_mean_url"] = SearchUrl(r.corrected_query, sort, 0);
  }
  // Every suggestion but the one already shown, as links.
  Value others = Value::MakeList();
  for (const auto& s : r.suggestions) {
    if (s == r.corrected_query && !r.auto_retried) continue;
    Value item = Value::MakeMap();
    item["query"] = s;
    item["url"] = SearchUrl(s, sort, 0);
    others.Push(std::move(item));
  }
  v["has_other_suggestions"] = !others.as_list().empty();
  v["other_suggestions"] = std::move(others);

  // Facets and pages follow the query whose results are shown: the
  // correction when it was run instead.
  const std::string& shown = r.auto_retried && !r.corrected_query.empty() ? r.corrected_query : query;

  // Facets refine the query: a value adds "prefix:slug"; a value already in
  // the query is marked active and its link takes it out again.
  const std::vector<std::string> tokens = Tokens(shown);
  Value facets = Value::MakeList();
  for (const auto& f : r.facets) {
    if (f.values.empty()) continue;
    Value fv = Value::MakeMap();
    fv["name"] = f.label;
    fv["key"] = f.key;
    Value values = Value::MakeList();
    for (const auto& val : f.values) {
      std::string term = f.prefix + ":" +
                         (val.slug.empty() ? "\"" + util::ReplaceAll(val.name, "\"", "") + "\"" : val.slug);
      auto same = [&](const std::string& t) { return util::ToLowerAscii(t) == util::ToLowerAscii(term); };
      bool active = std::any_of(tokens.begin(), tokens.end(), same);
      std::string refined;
      if (active) {
        std::vector<std::string> rest;
        for (const auto& t : tokens)
          if (!same(t)) rest.push_back(t);
        refined = util::Join(rest, " ");
      } else {
        refined = shown.empty() ? term : shown + " " + term;
      }
      Value item = Value::MakeMap();
      std::string label = val.name.empty() ? val.slug : val.name;
      if (f.key == "severity") label = render::SeverityBadge(cfg_, label).Find("label")->ToText();
      item["label"] = label;
      // "~": an estimate from a sample (SearchResult::facets_estimated).
      item["count"] = (r.facets_estimated ? "~" : "") +
                      render::GroupDigits(static_cast<size_t>(val.count));
      item["url"] = SearchUrl(refined, sort, 0);
      item["active"] = active;
      values.Push(std::move(item));
    }
    fv["values"] = std::move(values);
    facets.Push(std::move(fv));
  }
  v["has_facets"] = !facets.as_list().empty();
  v["facets"] = std::move(facets);

  // Pagination: at most 9 page links around the current one.
  const int64_t pages = (r.total + kPageSize - 1) / kPageSize;
  const int64_t current = offset / kPageSize;  // 0-based
  if (pages > 1) {
    int64_t first = std::max<int64_t>(0, current - 4);
    int64_t last = std::min<int64_t>(pages - 1, first + 8);
    first = std::max<int64_t>(0, last - 8);
    Value list = Value::MakeList();
    for (int64_t p = first; p <= last && p * kPageSize <= kMaxOffset; ++p) {
      Value page = Value::MakeMap();
      page["number"] = std::to_string(p + 1);
      page["url"] = SearchUrl(shown, sort, static_cast<int>(p * kPageSize));
      page["current"] = p == current;
      list.Push(std::move(page));
    }
    v["pages"] = std::move(list);
    v["has_pages"] = true;
    auto link = [&](int64_t p) -> Value {
      if (p < 0 || p >= pages || p * kPageSize > kMaxOffset) return Value(false);
      Value l = Value::MakeMap();
      l["url"] = SearchUrl(shown, sort, static_cast<int>(p * kPageSize));
      return l;
    };
    v["previous_page"] = link(current - 1);
    v["next_page"] = link(current + 1);
  }
  return v;
}

std::string SearchPages::RenderPage(const Value& data) const {
  if (templates_ && templates_->Has("search")) {
    util::Diagnostics diags;
    std::string html = templates_->Render("search", data, &diags);
    if (!html.empty()) return html;
  }
  // No usable theme template: a plain page, everything escaped.
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"robots\" content=\"noindex\"><title>Search</title></head><body>\n"
      "<form method=\"get\" action=\"" + util::HtmlEscape(cfg_.BasePath() + "search/") +
      "\"><input type=\"search\" name=\"q\" value=\"";
  if (const Value* q = data.Find("query")) html += util::HtmlEscape(q->ToText());
  html += "\"> <button>Search</button></form>\n";
  if (const Value* m = data.Find("message"); m && !m->ToText().empty())
    html += "<p>" + util::HtmlEscape(m->ToText()) + "</p>\n";
  if (const Value* results = data.Find("results"); results && results->is_list()) {
    html += "<ol>\n";
    for (const Value& r : results->as_list()) {
      html += "<li><a href=\"" + util::HtmlEscape(r.Find("url")->ToText()) + "\">" +
              util::HtmlEscape(r.Find("title")->ToText()) + "</a> " +
              util::HtmlEscape(r.Find("date")->ToText()) + "<p>" +
              r.Find("snippet_html")->ToText() + "</p></li>\n";
    }
    html += "</ol>\n";
  }
  return html + "</body></html>\n";
}

PageResponse SearchPages::Html(const SearchParams& params) {
  std::string query = util::SanitizeUtf8(params.q);
  const int offset = ParseCount(params.offset, kMaxOffset).value_or(0);
  const search::SortOrder sort = ParseSort(params.sort).value_or(search::SortOrder::kRelevance);
  const std::string sort_name = sort == search::SortOrder::kDate ? "date" : "relevance";
  if (query.size() > max_query_bytes_) {
    Value v = render::SearchView(cfg_, util::Truncate(query, max_query_bytes_));
    v["message"] = "The query is too long (" + std::to_string(query.size()) +
                   " bytes; at most " + std::to_string(max_query_bytes_) + "). Shorten it and search again.";
    return {414, "text/html; charset=utf-8", RenderPage(v)};
  }
  SearchOutcome outcome;
  if (util::Trim(query).empty()) {
    outcome.has_index = search::Searcher::IndexExists(cfg_.IndexDir());
  } else {
    search::SearchRequest req;
    req.query = query;
    req.offset = offset;
    req.limit = kPageSize;
    req.sort = sort;
    outcome = pool_.Search(req);
  }
  if (outcome.busy) {
    Value v = render::SearchView(cfg_, query);
    v["message"] = kBusy;
    return {503, "text/html; charset=utf-8", RenderPage(v)};
  }
  Value v = PageData(query, sort_name, outcome, offset);
  if (outcome.has_index && !outcome.result.ok && outcome.result.message.empty())
    v["message"] = "The search index could not be read; try again after `casebook build`.";
  return {200, "text/html; charset=utf-8", RenderPage(v)};
}

PageResponse SearchPages::Api(const SearchParams& params) {
  std::string query = util::SanitizeUtf8(params.q);
  if (query.size() > max_query_bytes_) {
    return JsonError(414, "", "query too long: " + std::to_string(query.size()) +
                                  " bytes, at most " + std::to_string(max_query_bytes_));
  }
  auto offset = ParseCount(params.offset, kMaxOffset);
  if (!offset) return JsonError(400, query, "offset must be a number from 0 to " + std::to_string(kMaxOffset));
  auto limit = params.limit.empty() ? std::optional<int>(kPageSize) : ParseCount(params.limit, kMaxLimit);
  if (!limit) return JsonError(400, query, "limit must be a number from 0 to " + std::to_string(kMaxLimit));
  auto sort = ParseSort(params.sort);
  if (!sort) return JsonError(400, query, "sort must be relevance or date");

  search::SearchRequest req;
  req.query = query;
  req.offset = *offset;
  req.limit = *limit;
  req.sort = *sort;
  SearchOutcome outcome = pool_.Search(req);
  if (outcome.busy) return JsonError(503, query, kBusy);
  if (!outcome.has_index) return JsonError(503, query, kNoIndex);
  Value v = search::ToValue(outcome.result);
  // Links the search page's script can use as they are (base path applied).
  if (Value* hits = &v["hits"]; hits->is_list()) {
    for (Value& h : hits->as_list()) {
      if (const Value* url = h.Find("url")) h["link"] = cfg_.BasePath() + render::EncodePath(url->ToText());
    }
  }
  return Json(outcome.result.ok ? 200 : 503, v);
}

}  // namespace casebook::server
