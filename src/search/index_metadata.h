// Internal to src/search: what an index holds beside its documents (see
// schema.h): spelling frequencies, the synonym table and the schema /
// synonyms stamps. Spelling is counted per document (each distinct word of
// a document adds 1, the words are kept in value slot 8), so replacing or
// deleting a document takes exactly its words back out.
#pragma once

#include <string>
#include <unordered_map>

#include "search/synonyms.h"

namespace Xapian {
class WritableDatabase;
}  // namespace Xapian

namespace casebook::search {

/// Word -> how much its spelling frequency changes.
using SpellingDelta = std::unordered_map<std::string, int>;

/// Adds `sign` for each word of a kSlotWords value to `delta`.
void CountSpelling(const std::string& words, int sign, SpellingDelta* delta);

/// The stamp kept in the index for `synonyms` (a change rewrites the table).
std::string SynonymsHash(const SynonymMap& synonyms);

/// What an update stamps into the index besides the schema version.
struct IndexStamps {
  std::string synonyms_hash;  // SynonymsHash
  std::string contents_key;   // ContentsKey (index_plan.h)
  std::string facet_dictionary;  // FacetDictionary::Encode (facets.h)
};

/// Applies `spelling`, rewrites the synonym table when `write_synonyms`,
/// and stamps the schema version and `stamps`.
void WriteIndexMetadata(Xapian::WritableDatabase& db, const SpellingDelta& spelling,
                        bool write_synonyms, const SynonymMap& synonyms,
                        const IndexStamps& stamps);

}  // namespace casebook::search
