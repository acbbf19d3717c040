// Files beside postmortems (images, PDFs, CSVs). Internal to the model
// (links.cc renders with FileLocator; CollectAttachments fills
// SiteModel::attachments).
//
// Where a file is published:
//  - a page bundle (a folder with an index.md postmortem, Hugo's leaf
//    bundle) publishes every other file in its folder (any depth, less .md
//    files, dot-files and nested bundles) beside its page:
//    content/2024/db-outage/graph.png -> postmortems/<id>/graph.png;
//  - any other file is published only when a postmortem links to it by a
//    relative path (`![p99](latency.png)`, `[data](data/x.csv)`), at
//    files/<its path under the source folder>, once however many link it.
// Never published: paths that leave the source folder ("../../etc/passwd"),
// dot-files and dot-folders, .md files, files over [limits]
// max_attachment_bytes, and links that resolve outside the site
// (util/confine.h; a content/outside-link error, as for postmortems).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/render_cache.h"
#include "model/site_model.h"
#include "util/diagnostics.h"

namespace casebook::model::internal {

enum class FileStatus {
  kPublished,
  kMissing,        // no such regular file
  kOutsideSource,  // the path leaves the source folder
  kHidden,         // a component starts with "."
  kTooLarge,       // over max_attachment_bytes
  kLinkOut,        // a symbolic link resolving outside the site
};

struct FileTarget {
  FileStatus status = FileStatus::kMissing;
  std::string source;       // normalised, relative to the source folder
  std::string full;         // on disk
  std::string output;       // relative to the output folder (when published)
  std::string link_target;  // kLinkOut: where the link resolves
  long long size = 0;       // kTooLarge
  bool in_bundle = false;   // inside a page bundle (its walk reports it)
};

class FileLocator {
 public:
  FileLocator(const config::SiteConfig& cfg, const SiteModel& site);

  /// Where the file that `target` (a link destination as written in
  /// `from`, "?query#fragment" allowed) names is published, or why not.
  /// Reads only file metadata; thread-safe.
  FileTarget Locate(const Postmortem& from, const std::string& target) const;

  /// Page bundles: folder (relative to the source folder) -> postmortem.
  const std::map<std::string, int>& bundles() const { return bundles_; }
  /// The postmortem whose bundle holds the file at `relative` (the nearest
  /// bundle folder above it), with its path inside that folder; -1 none.
  int BundleOf(const std::string& relative, std::string* inside) const;

 private:
  FileTarget LocatePath(const std::string& relative) const;

  const config::SiteConfig& cfg_;
  const SiteModel& site_;
  std::string source_dir_;
  std::vector<std::string> roots_;
  std::map<std::string, int> bundles_;
};

/// Reports each body link to a local file that is not published: missing
/// (links/missing-file), outside the source folder, hidden or too large
/// (links/unpublished-file), a link out of the site (content/outside-link).
void ReportFileLinks(const config::SiteConfig& cfg, const FileLocator& locator,
                     const Postmortem& pm, util::Diagnostics* diags);

/// Fills site->attachments with every bundle's resources and every file the
/// renderer's answers found (`answers[i]` for postmortem i), reporting
/// bundle resources that are not published.
void CollectAttachments(const config::SiteConfig& cfg, const FileLocator& locator,
                        const std::vector<std::vector<ResolverAnswer>>& answers,
                        SiteModel* site, util::Diagnostics* diags);

/// "a%20b.md" -> "a b.md" (Markdown links to files with spaces are written
/// percent-encoded, or in <angle brackets>, which cmark percent-encodes).
std::string PercentDecoded(const std::string& s);

}  // namespace casebook::model::internal
