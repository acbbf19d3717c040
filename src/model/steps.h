// The internal steps of BuildSiteModel, one file each. Not part of the
// model's public API; declared here so site_model.cc reads as the pipeline.
#pragma once

#include <string>

#include "config/config.h"
#include "model/site_model.h"
#include "util/diagnostics.h"

namespace casebook::model {

/// links.cc: renders every body, summary, timeline entry and action item,
/// turning links to other postmortems into page links (broken ones are
/// warnings). Runs on `jobs` threads; results do not depend on `jobs`. With
/// a `cache_dir`, unchanged documents whose links resolve as before are
/// taken from the render cache (render_cache.h) instead; same results.
void RenderBodies(const config::SiteConfig& cfg, SiteModel* site, int jobs,
                  const std::string& cache_dir, util::Diagnostics* diags);

/// links.cc: resolves `related`, fills referenced_by and previous/next.
void LinkIncidents(SiteModel* site, util::Diagnostics* diags);

/// taxonomies.cc: groups postmortems by each configured taxonomy.
void BuildTaxonomies(const config::SiteConfig& cfg, SiteModel* site);

/// taxonomies.cc: years and months by incident date (in the display zone).
void BuildArchive(const config::SiteConfig& cfg, SiteModel* site);

/// taxonomies.cc: every action item, open first, then by due date.
void CollectActions(SiteModel* site);

}  // namespace casebook::model
