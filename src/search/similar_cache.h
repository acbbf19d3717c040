// Internal to src/search: the similar incidents of the last ComputeSimilar,
// kept in <index_dir>/similar.cache so that a build whose index did not
// change (same database uuid and revision) and whose postmortems and
// `related` lists are the same gets them back instead of recomputing them
// (~2 s at 10,000 postmortems), and `casebook brief` reads them too. The
// file is replaced atomically; a missing, stale or unreadable cache is
// simply not used. Functions of their arguments and that one file.
#pragma once

#include <string>
#include <vector>

#include "model/site_model.h"

namespace casebook::search {

/// Identifies what the results depend on: the index revision (`db_state`,
/// its uuid and revision), the algorithm version, and every postmortem's id
/// and related ids in order.
std::string SimilarCacheKey(const std::string& db_state, const model::SiteModel& site);

/// Fills Postmortem::similar of `targets` (model indices) from the cache
/// when its key is `key`. False (nothing changed) otherwise.
bool ReadSimilarCache(const std::string& index_dir, const std::string& key,
                      const std::vector<size_t>& targets, model::SiteModel* site);

/// Writes every postmortem's similar incidents under `key`. Best effort.
void WriteSimilarCache(const std::string& index_dir, const std::string& key,
                       const model::SiteModel& site);

}  // namespace casebook::search
