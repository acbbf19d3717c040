// Internal to src/search: the term vectors (similar_engine.h) of the last
// build's documents, kept in <index_dir>/terms.cache with each document's
// id and content hash, so that a build computes similar incidents for the
// whole archive while generating terms only for changed postmortems. A
// cached vector is used only for a postmortem with the same id and content
// hash, so the cache never depends on the state of the index. Binary
// (varints), checksummed; a missing, stale or damaged file is not used.
// Replaced atomically. Functions of their arguments and that one file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "search/similar_engine.h"
#include "util/fs.h"

namespace casebook::search {

struct CachedTerms {
  std::string_view id, hash;  // into CachedCorpus::file
  similar::DocTerms terms;
};

/// The cache's documents. Their ids and hashes view `file` (the file as
/// mapped: neither it nor 100,000 ids and hashes are copied); moving a
/// CachedCorpus keeps them valid.
struct CachedCorpus {
  util::MappedFile file;
  std::vector<CachedTerms> docs;
};

/// Reads the cache into empty `terms` / `words` dictionaries and `cached`.
/// False (and everything cleared) when there is no usable cache.
bool ReadTermCache(const std::string& index_dir, similar::Dict* terms, similar::Dict* words,
                   CachedCorpus* cached);

/// Writes `corpus` (only the terms and words its documents use), with
/// `hashes[d]` the content hash of document d. Best effort.
void WriteTermCache(const std::string& index_dir, const similar::Corpus& corpus,
                    const std::vector<std::string>& hashes);

}  // namespace casebook::search
