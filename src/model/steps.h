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
/// With a cache, body HTML and plain text go to its text file instead of
/// memory (body_store.h). Without `keep_markdown`, each doc.body is
/// released once rendered. Also finds each body's lessons.
/// `read_ahead`: the render cache already read (or null). `path_order`:
/// the postmortems' indices in relative path order (or null), to find each
/// one's record by a merge rather than a map.
void RenderBodies(const config::SiteConfig& cfg, SiteModel* site, int jobs,
                  const std::string& cache_dir, bool keep_markdown,
                  RenderCacheReadAhead* read_ahead, const std::vector<size_t>* path_order,
                  util::Diagnostics* diags);

namespace internal {
/// links.cc: renders a stored body's HTML and plain text again from its
/// source file, replaying Postmortem::answers (for a damaged text file).
bool RenderAgain(const Postmortem& pm, bool markdown_unsafe, std::string* html,
                 std::string* plain_text, std::string* error);
}  // namespace internal

/// links.cc: resolves `related`, fills referenced_by and previous/next.
void LinkIncidents(SiteModel* site, util::Diagnostics* diags);

/// taxonomies.cc: groups postmortems by each configured taxonomy. A term
/// that slugs to nothing or too long gets TermSlug's folder name, with a
/// warning (names/fallback-slug, names/shortened-slug).
void BuildTaxonomies(const config::SiteConfig& cfg, SiteModel* site, util::Diagnostics* diags);

/// taxonomies.cc: years and months by incident date (in the display zone).
void BuildArchive(const config::SiteConfig& cfg, SiteModel* site);

/// names.cc: strips control characters from the fields pages show, with a
/// warning (names/control-characters).
void StripControlCharacters(content::Document* doc, util::Diagnostics* diags);

/// names.cc: folder names (terms, owners) that differ only in case or
/// Unicode normalisation are an error naming both files (names/collision).
void CheckFolderNames(SiteModel* site, util::Diagnostics* diags);

/// names.cc: dates before 1970 or more than a year after site->today are a
/// warning (times/implausible); such an incident date is left out of charts
/// (Postmortem::incident_date_plausible).
void CheckDates(SiteModel* site, util::Diagnostics* diags);

/// taxonomies.cc: every action item, open first, then by due date.
void CollectActions(SiteModel* site);

}  // namespace casebook::model
