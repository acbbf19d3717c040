// Loader: the source folder -> Documents.
//
// Walks the source folder (any depth), skips non-.md files, dot-files,
// ignored names and symlink loops, refuses links that leave the site
// (util/confine.h) and files over the [limits] (content/limits.h) with an
// error, unread or unparsed, splits and parses front matter (TOML
// between "+++", YAML between "---", or none), and for plain Markdown derives
// title, id, date and timeline from the text. One broken file yields a
// Diagnostic and is left out; the rest load. Thread-safe: LoadFile can run on
// many files at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "content/document.h"
#include "content/git_history.h"
#include "util/diagnostics.h"
#include "util/fs.h"

namespace casebook::content {

/// The source folder as a stat walk found it (the build stamp's, see
/// site/build_stamp.h), handed to LoadAll so that it neither walks the
/// folder again nor stats each file a second time. Only made from a walk
/// that met no symbolic link (links are WalkFiles' to follow or refuse).
struct SourceListing {
  struct Entry {
    std::string relative;  // '/' separators
    int64_t size = 0, mtime_ns = 0;
    enum class Kind : unsigned char { kFile, kFolder, kOther } kind = Kind::kFile;
  };
  std::string root;            // the folder walked, as named (cfg.SourceDir())
  /// Every file and folder below root; fastest in walk order (depth
  /// first, each folder's entries by name, a folder before its entries).
  std::vector<Entry> entries;
  int64_t started_ns = 0;      // CLOCK_REALTIME when the walk began
};

/// What util::WalkFiles(listing.root, extension) gives for a tree without
/// links, from the listing alone: the same files (sorted), skipped entries
/// (same reasons, same order). `stats[i]` is the listing's entry of
/// `files[i]`.
util::WalkResult WalkFromListing(const SourceListing& listing, const std::string& extension,
                                 std::vector<const SourceListing::Entry*>* stats);

struct LoadOptions {
  bool include_drafts = false;
  int jobs = 1;  // files parsed in parallel; results do not depend on it
  /// When set (e.g. "<root>/.casebook"), the build cache lives there: files
  /// whose size and mtime, or else bytes, are unchanged are not parsed again,
  /// and their diagnostics are replayed (see load_cache.h). Results are the
  /// same with or without it.
  std::string cache_dir;
  /// False: documents have no Markdown body (`body` stays empty; ReadBody
  /// reads it from the file when needed, e.g. to render a changed file),
  /// and unchanged files are not read at all. True reads every body.
  bool bodies = true;
  /// When set and made for cfg.SourceDir(): the files and their size and
  /// mtime come from it instead of a walk and a stat of each (same results).
  const SourceListing* listing = nullptr;
};

struct LoadResult {
  std::vector<Document> documents;      // sorted by relative_path
  std::vector<std::string> skipped;     // what the walk skipped, with reasons
  std::vector<std::string> drafts;      // relative paths of drafts left out
};

/// Loads every postmortem under cfg.SourceDir(). Files that look like
/// templates (LooksLikeTemplate) are skipped unless `include` names them.
/// A document whose incident date is nowhere in it stays undated: the git
/// history gives the date of writing, not of the incident, so it is never
/// used for it. (`history` is accepted for callers and not read.)
LoadResult LoadAll(const config::SiteConfig& cfg, const LoadOptions& options,
                   util::Diagnostics* diags, const GitHistory* history = nullptr);

/// Reports `link` (a file or folder of the site that resolves to `target`,
/// outside the site folder) as a "content/outside-link" error saying what
/// to do. For every reader of site files (content, theme, layouts, static).
void ReportOutsideLink(const std::string& link, const std::string& target,
                       const config::SiteConfig& cfg, util::Diagnostics* diags);

/// Reports every link under the theme folder, layouts/, static/ and
/// archetypes/ that resolves outside the site (util/confine.h) with
/// ReportOutsideLink. The readers of those folders skip such links; build
/// and check call this so that each is reported once.
void ReportLinksOutside(const config::SiteConfig& cfg, util::Diagnostics* diags);

/// The Markdown body of `doc` (Document::body, as ParseDocument gave it),
/// read again from its file. false with `error` set when the file cannot be
/// read or its bytes are no longer the ones parsed (doc.source_hash).
bool ReadBody(const Document& doc, std::string* body, std::string* error);

/// Parses one file's text. `relative_path` names it in diagnostics. Returns
/// false (with diagnostics) when the file cannot be used at all: invalid
/// UTF-8 ("schema/encoding"), front matter never closed or not parsing
/// ("schema/front-matter"). A bad field is an error but the document loads
/// with that field empty. Fills title/id/date/timeline fallbacks for plain
/// Markdown (never the git date: see LoadAll). Zone-less date-times use the
/// site timezone. Thread-safe.
bool ParseDocument(const std::string& text, const std::string& path,
                   const std::string& relative_path,
                   const config::SiteConfig& cfg, Document* doc,
                   util::Diagnostics* diags);

}  // namespace casebook::content
