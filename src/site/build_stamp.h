// The build stamp: a no-change rebuild without loading the archive.
//
// A build that published writes a stamp into the cache folder: a hash of
// what a build reads besides the caches — casebook's version, site.toml and
// the build options, "today", the git history, and the path, size, mtime and
// inode of every file under the source folder, the theme, layouts/ and
// static/ — plus a hash of the search index's files as the build left them,
// the key of the site it published, and what it reported (postmortem count,
// drafts, skipped files, every warning). The next build computes the same
// hash from a walk of those folders (stat only, no file is read); when it is
// the stamp's, the index is as left and the output is intact (every
// published file still the one the manifest lists), nothing the site is
// made from changed: the build reports what the stamp holds and ends,
// without parsing, rendering or writing anything. Like make, but exact:
// any doubt (a symbolic link in a walked folder, a file changed within two
// seconds of the walk, an unreadable folder, a damaged stamp) means no
// stamp, and the build runs in full.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "content/loader.h"
#include "util/diagnostics.h"

namespace casebook::site {

struct BuildOptions;

/// What a stamped build reported (replayed by a build that matches it).
struct StampedReport {
  int postmortems = 0;
  int drafts_left_out = 0;
  int files_total = 0;
  std::vector<std::string> skipped;
  util::Diagnostics diags;  // warnings only (a build with errors is never stamped)
};

/// The hash of a build's inputs, from stat alone (see above); "" when a
/// stamp cannot be trusted for this build (then none is read or written).
/// `today` is the build's "today" as RFC 3339 text. With `listing`, the
/// source folder's walk is also kept there for the loader (when it met no
/// link and could be read whole; else it is left empty), even when the
/// stamp itself cannot be trusted (a file changed too recently).
std::string BuildInputsStamp(const config::SiteConfig& cfg, const BuildOptions& options,
                             const std::string& today,
                             content::SourceListing* listing = nullptr);

/// A hash of the files of the search index folder (paths, sizes, mtimes,
/// inodes); "" when it has none or cannot be walked.
std::string IndexStamp(const std::string& index_dir);

/// <cache_dir>/build-<16 hex digits of the output folder's Fingerprint>.stamp
std::string StampPath(const std::string& cache_dir, const std::string& output_dir);

/// Writes the stamp (atomically; best effort: without it a build runs in full).
void WriteBuildStamp(const std::string& path, const std::string& inputs,
                     const std::string& index, const std::string& site_key,
                     const StampedReport& report);

/// Reads a stamp; false when absent or damaged.
bool ReadBuildStamp(const std::string& path, std::string* inputs, std::string* index,
                    std::string* site_key, StampedReport* report);

}  // namespace casebook::site
