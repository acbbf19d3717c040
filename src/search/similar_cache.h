// Internal to src/search: the similar incidents of the last build, kept in
// <index_dir>/similar.cache so that a build whose postmortems did not change
// (same ids, same indexed content, same `related` lists) reads them back
// instead of recomputing them, and `casebook brief` reads them too. The
// results are a function of exactly that key (similar_engine.h), so the
// cache never depends on the state of the index. An edit appends the lines
// that changed (a checksummed delta block) instead of rewriting the file;
// it is written whole, atomically, now and then. A missing, stale, damaged
// or half-appended cache is simply not used (similar_cache.cc).
#pragma once

#include <string>
#include <vector>

#include "model/site_model.h"
#include "search/similar_engine.h"

namespace casebook::search {

/// Identifies what the results depend on: the algorithm and schema
/// versions and, per postmortem in order, its id, `hashes[i]` (the content
/// hash of its indexed document, "" when it has none) and its related ids.
std::string SimilarCacheKey(const model::SiteModel& site, const std::vector<std::string>& hashes);

/// Fills Postmortem::similar of `targets` (model indices) from the cache
/// when its key is `key`. False (nothing changed) otherwise.
bool ReadSimilarCache(const std::string& index_dir, const std::string& key,
                      const std::vector<size_t>& targets, model::SiteModel* site);

/// The cache file's contents for every postmortem's similar incidents.
std::string SimilarCacheText(const std::string& key, const model::SiteModel& site);

/// Replaces the cache file with `text` (atomically). Best effort.
void WriteSimilarCacheText(const std::string& index_dir, const std::string& text);

/// Brings the cache file to every postmortem's similar incidents under
/// `key`: appends a delta block with the lines that changed when the file
/// is usable, holds the model's ids and its deltas stay small; else writes
/// it whole (WriteSimilarCacheText). True when it appended (or nothing
/// changed). Best effort.
bool UpdateSimilarCache(const std::string& index_dir, const std::string& key,
                        const model::SiteModel& site);

/// The ranking state of the last build (similar_engine.h), kept in
/// <index_dir>/similar.state (binary, checksummed, replaced atomically). It
/// names the corpus it belongs to, so it is used whatever else happened
/// since. False (state cleared) when there is no usable file.
bool ReadRankState(const std::string& index_dir, similar::RankState* state);
void WriteRankState(const std::string& index_dir, const similar::RankState& state);

}  // namespace casebook::search
