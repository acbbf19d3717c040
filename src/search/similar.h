// Similar incidents for some postmortems only (ComputeSimilar, declared in
// index_builder.h, does all of them at build time). `casebook brief` uses
// this for the incidents it lists, so it does not expand the whole archive.
// Same results, per postmortem, as ComputeSimilar. Not thread-safe on one
// SiteModel; never throws (on an index error the postmortems are left with
// no similar incidents).
#pragma once

#include <string>
#include <vector>

#include "model/site_model.h"

namespace casebook::search {

/// Fills Postmortem::similar of the postmortems at `postmortems` (indices
/// into site->postmortems) from the index at `index_dir`.
void ComputeSimilarFor(const std::string& index_dir, model::SiteModel* site,
                       const std::vector<int>& postmortems);

/// Diagnostics (and the test that the fast computation matches Xapian's):
/// the expansion terms similarity uses for postmortem `id`, best first, as
/// ComputeSimilar computes them, or through Enquire::get_eset when
/// `with_enquire`. Empty when there is no such document or no index.
std::vector<std::string> ExpansionTerms(const std::string& index_dir, const std::string& id,
                                        bool with_enquire);

}  // namespace casebook::search
