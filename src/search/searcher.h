// Searcher: queries the index that UpdateIndex writes (layout in schema.h).
// Used by `casebook search`, `casebook serve` and the brief. Callers never
// see Xapian types.
//
// Query syntax (Xapian QueryParser, English stemming, default operator AND,
// common English words ignored unless the query is only those): words,
// "phrases", AND / OR / NOT / + / - (a lone "-tag:x" or "NOT x" means "all
// but"), (brackets), wildcards (kube*, title:cert*), prefixes title: tag:
// service: severity: status: year: owner: id: and each configured taxonomy
// key (also in the singular: categories: / category:), date ranges on the
// incident date (2023-01-01..2023-06-30, date:2023..2024, date:2023-03..,
// date:2023-04), time-to-resolve ranges (ttr:2h.., ttr:..30m, ttr:1h..1d),
// synonyms from [search.synonyms] (both ways: db -> database, database -> db),
// spelling correction ("did you mean", and a retry when nothing matched).
// Prefixed values are matched by slug, so tag:Database, tag:database and
// service:"Checkout API" all work. An unknown prefix (foo:bar) is read as
// words. An empty query matches every postmortem (browse by facets / date).
//
// Error contract: Search() never throws. A query that cannot be parsed is
// retried as plain words and `message` says so; an over-long query (4 KB) is
// cut, invalid UTF-8 is replaced; an index error gives ok = false and a
// message. Open() returns nullptr and *error when there is no readable index.
//
// Thread-safety: a Searcher is NOT thread-safe (Xapian databases are not).
// Use one Searcher per thread (or a pool, one borrower at a time); opening
// one is cheap (a few file opens). Reusing one pays: from its second search
// on it keeps every document's facet values in memory (about 30 bytes per
// postmortem), so facets cost an array lookup per match. Results are plain
// data and may be shared freely.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/value.h"

namespace casebook::search {

enum class SortOrder { kRelevance, kDate };  // date: newest first

struct SearchRequest {
  std::string query;
  int offset = 0;
  int limit = 10;  // capped at kMaxLimit; 0 gives only the total and facets
  SortOrder sort = SortOrder::kRelevance;
};

inline constexpr int kMaxLimit = 100;
inline constexpr size_t kMaxQueryBytes = 4096;

/// A highlighted match inside SearchHit::snippet_text (byte offsets).
struct Highlight {
  size_t offset = 0;
  size_t length = 0;
};

struct SearchHit {
  std::string id, url, title;
  std::string date;  // incident date "2023-04-05", "" when unknown
  std::string severity, severity_label, summary;
  std::string source_path;  // relative to the source folder
  std::vector<std::string> tags, services;
  std::string snippet_html;           // HTML-escaped, matches in <mark>...</mark>
  std::string snippet_text;           // plain text (for terminals)
  std::vector<Highlight> highlights;  // the matches within snippet_text
  int percent = 0;                    // relevance 0..100
  /// When the result is relaxed (SearchResult::relaxed): the query's words
  /// this postmortem does not have ("" entries never; empty when it has all).
  std::vector<std::string> missing_words;
  double weight = 0;
};

struct FacetValue {
  std::string name;  // as written in front matter ("Checkout API")
  std::string slug;  // what the query prefix takes ("checkout-api")
  int64_t count = 0;
};

/// Counts over the whole match set (not just the page); estimates when
/// SearchResult::facets_estimated.
struct Facet {
  std::string key;                 // "severity" | "tags" | "services"
  std::string label;               // "Severity" | "Tags" | "Services"
  std::string prefix;              // query prefix to refine with: "severity" | "tag" | "service"
  std::vector<FacetValue> values;  // severity: site.toml order; else by count, name
};

struct SearchResult {
  bool ok = true;             // false: the index could not be read (see message)
  std::string query;          // as run (sanitised, perhaps cut)
  /// Number of matches: exact, unless total_estimated.
  int64_t total = 0;
  int offset = 0, limit = 0;  // the page returned
  std::vector<SearchHit> hits;
  std::vector<Facet> facets;    // severity, tags, services
  /// True when the facet counts are estimates: a one-off search (not a
  /// server's) over more than 2,000 matches counts the values of about
  /// 2,000 of them, every n-th, scales up to two significant figures, and
  /// may miss a value too rare to be in the sample.
  bool facets_estimated = false;
  /// True when `total` is an estimate: a one-off search over more than
  /// 2,000 matches whose total Xapian does not know from word frequencies
  /// (several words, phrases) counts the matches among about 2,000 sampled
  /// postmortems (every n-th) and scales up, to two significant figures.
  /// Implies facets_estimated.
  bool total_estimated = false;
  std::string corrected_query;  // "did you mean", "" when none
  std::vector<std::string> suggestions;  // up to 3 corrected queries, best first
  bool auto_retried = false;    // no match, so corrected_query was run instead
  std::string message;          // for the user: parse fallback, truncation, errors
  /// True when too few postmortems had every word of a plain query, so the
  /// result ranks every postmortem with some of them, most words first;
  /// `words` are the query's words, each hit says which it lacks.
  bool relaxed = false;
  std::vector<std::string> words;
  int64_t all_words_total = 0;  // when relaxed: how many had every word (0..2)
};

/// When the result is relaxed: "No postmortem has all 3 words; showing
/// those with most of them." or "Only 1 postmortem has all 3 words; ...";
/// "" otherwise.
std::string RelaxedNote(const SearchResult& r);

/// "matching 3 of 4 words — missing: breach" for a hit of a relaxed
/// result; "" when the hit has every word or the result is not relaxed.
std::string MissingWordsNote(const SearchResult& r, const SearchHit& h);

/// The full result as JSON-ready data (for --json and /api/search).
util::Value ToValue(const SearchResult& result);

/// One stored document, for tools and tests.
struct StoredDocument {
  unsigned docid = 0;
  std::string content_hash;
  std::string data;  // the document data (JSON)
};

class Searcher {
 public:
  /// Opens the index published in `index_dir` (its `current` stub).
  static std::unique_ptr<Searcher> Open(const std::string& index_dir, const config::SiteConfig& cfg,
                                        std::string* error);
  /// True when `index_dir` holds a published index.
  static bool IndexExists(const std::string& index_dir);

  ~Searcher();
  Searcher(const Searcher&) = delete;
  Searcher& operator=(const Searcher&) = delete;

  SearchResult Search(const SearchRequest& request);

  /// Moves to the newest published index if a build changed it since Open
  /// (a new version, or an update made in place). Returns true when it did.
  /// Never throws; keeps the old one on failure. Search() also moves on by
  /// itself when its revision has gone (Xapian's DatabaseModifiedError).
  bool ReopenIfChanged();

  int64_t DocCount() const;
  int version() const;  // the published version in use (v<N>)
  std::optional<StoredDocument> Find(const std::string& id) const;

 private:
  struct Impl;
  explicit Searcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace casebook::search
