// Internal to src/search: the query parser setup and the forgiving parse
// used by Searcher. Only searcher.cc and query_parsing.cc include this; it
// forward-declares the Xapian types it needs (xapian.h stays in .cc files).
// Pure functions over the given QueryParser; not thread-safe beyond that.
#pragma once

#include <string>

#include "config/config.h"

namespace Xapian {
class Database;
class Query;
class QueryParser;
}  // namespace Xapian

namespace casebook::search {

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
};

/// Rewrites a query before parsing, outside quotes only:
/// - free text is indexed as Z<stem> only, so a wildcard must expand over Z
///   terms: "kube*" -> "zwild:kube*" (field zwild = prefix Z), "title:data*"
///   -> "ztitle:data*" (ZS);
/// - "-x" -> "NOT x": Xapian reads a lone "-tag:x" as a filter for tag x and
///   rejects "-ttr:2h.." as a range; NOT (with FLAG_PURE_NOT) gets both right.
std::string RewriteQuery(const std::string& query);

/// "Did you mean": each free-text word of `query` that matches nothing (no
/// Z<stem> term, no synonym) replaced by the database's spelling suggestion;
/// "" when nothing changed. Field names and values (but title:), wildcards,
/// operators, words with digits and words under 3 bytes are left alone.
/// (Done here, not by FLAG_SPELLING_CORRECTION, which checks unstemmed
/// terms the index does not have.)
std::string CorrectSpelling(const Xapian::Database& db, const std::string& query);

/// Parses `raw` into *out, never throwing: too-long text is cut to
/// kMaxQueryBytes, invalid UTF-8 replaced, and a query the syntax cannot
/// read is retried as plain words. An empty query matches everything.
/// `db` gives the spelling suggestions (ParsedQuery::corrected).
ParsedQuery ParseUserQuery(Xapian::QueryParser& qp, const Xapian::Database& db,
                           const std::string& raw, Xapian::Query* out);

}  // namespace casebook::search
