// Loader: the source folder -> Documents.
//
// Walks the source folder (any depth), skips non-.md files, dot-files,
// ignored names and symlink loops, splits and parses front matter (TOML
// between "+++", YAML between "---", or none), and for plain Markdown derives
// title, id, date and timeline from the text. One broken file yields a
// Diagnostic and is left out; the rest load. Thread-safe: LoadFile can run on
// many files at once.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "content/document.h"
#include "util/diagnostics.h"

namespace casebook::content {

struct LoadOptions {
  bool include_drafts = false;
};

struct LoadResult {
  std::vector<Document> documents;      // sorted by relative_path
  std::vector<std::string> skipped;     // what the walk skipped, with reasons
  std::vector<std::string> drafts;      // relative paths of drafts left out
};

/// Loads every postmortem under cfg.SourceDir().
LoadResult LoadAll(const config::SiteConfig& cfg, const LoadOptions& options,
                   util::Diagnostics* diags);

/// Parses one file's text. `relative_path` names it in diagnostics. Returns
/// false (with diagnostics) when the file cannot be used at all, e.g. its
/// front matter does not parse.
bool ParseDocument(const std::string& text, const std::string& path,
                   const std::string& relative_path,
                   const config::SiteConfig& cfg, Document* doc,
                   util::Diagnostics* diags);

}  // namespace casebook::content
