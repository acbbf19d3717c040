// Building the Xapian full-text index from the site model, and the
// build-time uses of it (similar incidents). Callers never see Xapian types.
//
// UpdateIndex is incremental and atomic: documents whose source is unchanged
// are left alone, removed postmortems are deleted, and readers never see a
// half-written index (a failed build leaves the previous index usable).
#pragma once

#include <string>

#include "model/site_model.h"
#include "util/diagnostics.h"

namespace casebook::search {

struct IndexStats {
  int added = 0;
  int updated = 0;
  int deleted = 0;
  int unchanged = 0;
};

/// Brings the index at `index_dir` up to date with `site`. Returns false (with
/// an error in `diags`) when the index could not be written; the previous
/// index is then still intact.
bool UpdateIndex(const model::SiteModel& site, const std::string& index_dir,
                 IndexStats* stats, util::Diagnostics* diags);

/// Fills Postmortem::similar (up to 5 per postmortem, leaving out itself and
/// its explicit related ones) using relevance feedback on the index at
/// `index_dir`. Deterministic.
void ComputeSimilar(const std::string& index_dir, model::SiteModel* site);

}  // namespace casebook::search
