// Before a build writes anything to its output: is the output folder one it
// may replace? A build replaces the whole folder (publish.h), so it must
// not be or hold anything casebook reads or did not write:
//
//  - it must not overlap the archive: the site root (or any folder holding
//    it, up to /), the content, static/, layouts/, archetypes/ and themes/
//    folders, the theme in use, the cache (.casebook/) and search index,
//    a .git folder, the config file, or the home folder;
//  - it must be new, empty, or casebook's own: it holds the marker file a
//    build writes (kOutputMarker), or (a site published by an older
//    casebook, before the marker) the manifest that build left in the cache
//    folder lists every file in it;
//  - it must be a real folder (not a symbolic link, not a file), and so
//    must its staging folder beside it, which must be casebook's too.
//
// Refusals name the folder, why, and what to do; nothing is written.
#pragma once

#include <string>

#include "config/config.h"
#include "util/diagnostics.h"

namespace casebook::site {

/// True when a build may publish into cfg.OutputDir(); else false with an
/// error in `diags` (rule "output/overlap" or "output/not-ours").
bool CheckOutputFolder(const config::SiteConfig& cfg, const std::string& cache_dir,
                       util::Diagnostics* diags);

}  // namespace casebook::site
