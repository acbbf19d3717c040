// Internal to src/search: the query parser setup and the forgiving parse
// used by Searcher. Only searcher.cc and query_parsing.cc include this; it
// forward-declares the Xapian types it needs (xapian.h stays in .cc files).
// Pure functions over the given QueryParser; not thread-safe beyond that.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace Xapian {
class Database;
class PostingSource;
class Query;
class QueryParser;
}  // namespace Xapian

namespace casebook::search {

// Query cost caps: no query runs longer than a fraction of a second or
// keeps memory afterwards (CapQueryCost says what it changed).
inline constexpr int kMaxQueryDepth = 8;          // bracket nesting
inline constexpr size_t kMaxQueryWords = 64;      // tokens searched
inline constexpr size_t kMaxWildcards = 4;        // wildcards expanded per query
inline constexpr size_t kMinWildcardBytes = 2;    // letters before the *
inline constexpr unsigned kMaxWildcardExpansion = 100;  // words per wildcard

/// Applies the caps above to a sanitised query; appends a note for the user
/// for each one that changed it. Never throws.
std::string CapQueryCost(const Xapian::Database& db, const std::string& text,
                         std::vector<std::string>* notes);

/// Stemmer, stopper, default AND, every prefix (title:, tag:, service:,
/// severity:, status:, year:, owner:, id:, date:, each configured taxonomy
/// key and its singular) and the range processors (dates on slot 0, ttr: on
/// slot 2). The database is set by the caller (spelling and synonyms).
void ConfigureQueryParser(const config::SiteConfig& cfg, Xapian::QueryParser* qp);

/// Adds a `key:` prefix for every other front matter key the index holds
/// terms for (keys casebook has no field for, indexed as "X<KEY>:value"),
/// so `company:example-corp` filters like a taxonomy. Call after
/// ConfigureQueryParser with the same config; known names are left alone.
void RegisterIndexedFields(const config::SiteConfig& cfg, const Xapian::Database& db,
                           Xapian::QueryParser* qp);

struct ParsedQuery {
  std::string text;       // the query as parsed (cut / sanitised)
  std::string message;    // what was done to it, for the user ("" if nothing)
  std::string corrected;  // spelling-corrected query, "" when none
  std::vector<std::string> suggestions;  // up to kMaxSuggestions, corrected first
};

/// Rewrites a query before parsing, outside quotes only:
/// - free text is indexed as Z<stem> only, so a wildcard must expand over Z
///   terms: "kube*" -> "zwild:kube*" (field zwild = prefix Z), "title:data*"
///   -> "ztitle:data*" (ZS);
/// - "-x" -> "NOT x": Xapian reads a lone "-tag:x" as a filter for tag x and
///   rejects "-ttr:2h.." as a range; NOT (with FLAG_PURE_NOT) gets both right.
std::string RewriteQuery(const std::string& query);

/// "Did you mean": up to `max` corrected forms of `query`, best first,
/// "" never. Only free-text words the index does not know are corrected (a
/// word with a Z<stem> term, a synonym or a split form the index has side by
/// side is known, and kept); field names and values (but title:),
/// wildcards, operators, words with digits and words under 3 bytes are
/// left alone. Each unknown word (up to kMaxSpellingWords) gets its 3
/// nearest spelling words (edit distance 1 for words of up to 4 letters,
/// else 2, transpositions counting 1); every combination is scored as a
/// whole query: its words side by side somewhere, then all in one
/// postmortem, then fewest edits, then how many postmortems agree, then
/// word frequency. So "conection pol" -> "connection pool", not "pod".
std::vector<std::string> SpellingSuggestions(Xapian::QueryParser& qp, const Xapian::Database& db,
                                             const std::string& query, size_t max);
inline constexpr size_t kMaxSuggestions = 3;
inline constexpr size_t kMaxSpellingWords = 3;         // unknown words corrected per query
inline constexpr size_t kMaxSpellingScan = 300000;     // spelling words compared per word

/// True when `word` is not a term but its halves occur side by side in
/// some postmortem ("readonly": "read only"), as loose_query.cc searches it.
bool HasSplitForm(const Xapian::Database& db, const std::string& word);


/// A plain query split for graceful degradation (searcher.cc): its loose
/// words and the explicit rest, which keeps its strict meaning.
struct LooseParts {
  /// False when the query uses boolean operators (AND, OR, NOT, XOR, NEAR,
  /// ADJ) or brackets: it is then run exactly as written.
  bool usable = false;
  std::vector<std::string> words;  // plain words, in order
  std::vector<bool> stopword;      // per word: a common word, searched only joined
  size_t content_words = 0;        // words that are not stop words
  std::string rest;                // "phrases", +word, -word, field:value, x*, ranges
  bool rest_positive = false;      // rest has something to match (not only filters)
};

/// Splits `text` (as ParsedQuery::text) into loose words and the strict rest.
LooseParts SplitLooseWords(const std::string& text);

/// One loose word parsed on its own (stemmed, with its synonyms; "add-ons"
/// as a phrase). MatchNothing when it cannot be read. Never throws.
Xapian::Query ParseWord(Xapian::QueryParser& qp, const std::string& word);

/// The units of a plain query (loose_query.cc): one per word, or per pair
/// of words the index has joined ("fail over" is one).
struct LooseUnits {
  std::vector<std::string> words;
  std::vector<std::vector<std::string>> terms;  // the terms each unit can match
};

/// A boost (BuildLooseQueries) in parts: its closeness part is `terms`
/// (Z<stem>, two or more; none when the boost has no such part) within a
/// window of `window` positions (OP_NEAR's rule: one occurrence of each,
/// the first and last less than `window` apart), which adds the terms'
/// BM25 weights and `weight`.
struct CloseBoost {
  std::vector<Xapian::Query> others;  // the boost's other parts (titles)
  std::vector<std::string> terms;
  unsigned window = 0;  // Xapian::termcount
  double weight = 0;
  /// The boost with `closeness` deciding where the terms count as close:
  /// a posting source that gives `weight` to those postmortems. With a
  /// FixedWeightPostingSource(weight), every postmortem with the terms
  /// anywhere: at least the boost's weight everywhere, the same where they
  /// are close (an upper bound that reads no positions).
  Xapian::Query With(Xapian::PostingSource* closeness) const;
};

/// Builds both queries of a usable LooseParts. A unit is a word with its
/// synonyms and compound forms ("readonly" also as "read only" when the
/// index has the two side by side; "add-ons" also as "addons"), or two
/// adjacent words the index has joined ("fail over" and "failover").
/// *strict: the rest and every unit. *relaxed: the rest and any unit, each
/// adding `coordination` to the weight so more units rank first (a boost,
/// not a strict order). *boost (empty when none): what ranks units found in
/// a title, and single words close together, higher; the caller adds it to
/// either query with OP_AND_MAYBE. *close: the same boost in parts, for a
/// caller that checks closeness itself. Returns false (and leaves *relaxed
/// alone) when it has too few units to differ.
bool BuildLooseQueries(Xapian::QueryParser& qp, const Xapian::Database& db,
                       const LooseParts& loose, double coordination, Xapian::Query* strict,
                       Xapian::Query* relaxed, Xapian::Query* boost, CloseBoost* close,
                       LooseUnits* units);

/// Parses `raw` into *out, never throwing: too-long text is cut to
/// kMaxQueryBytes, invalid UTF-8 replaced, and a query the syntax cannot
/// read is retried as plain words. An empty query matches everything.
/// `db` gives the spelling suggestions (ParsedQuery::corrected).
/// `suggest` false skips the spelling suggestions (a part of a query).
ParsedQuery ParseUserQuery(Xapian::QueryParser& qp, const Xapian::Database& db,
                           const std::string& raw, Xapian::Query* out, bool suggest = true);

}  // namespace casebook::search
