// Renderer: SiteModel + theme -> every output file of the site, in memory.
//
// Pages (home, one per postmortem, taxonomy and term lists, date archive,
// 404, search page), feeds (Atom: the site and one per taxonomy term),
// sitemap.xml and postmortems.json. Writing to disk is the caller's job
// (site::Publish). The output is a pure function of the model and the
// theme: no clocks, no randomness, so two builds give identical bytes.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/site_model.h"
#include "util/diagnostics.h"

namespace casebook::render {

struct OutputFile {
  std::string path;     // relative to the output folder: "postmortems/x/index.html"
  std::string content;
  /// True when the page cache found this page unchanged: `content` is empty
  /// and the file already in the output folder is the right one.
  bool reuse = false;
};

/// The page cache: output path -> key of what the page was made from (the
/// template set's fingerprint, the template name and the page's view data).
/// Equal keys mean byte-identical pages, so a page whose key is unchanged is
/// not rendered again. Exact by construction: any change to the data or the
/// theme changes the key.
using PageKeys = std::map<std::string, std::string>;

class TemplateSet;  // templates.h: loads and parses a theme once

/// Renders the whole site. Template errors go to `diags` with the template's
/// file name. Uses one thread per core (see RenderOptions).
std::vector<OutputFile> RenderSite(const model::SiteModel& site,
                                   const TemplateSet& templates,
                                   util::Diagnostics* diags);

struct RenderOptions {
  /// Threads rendering pages; 0 = one per core. The output (files, order,
  /// bytes, diagnostics) is the same for any value.
  int jobs = 0;
  /// Keys from the previous build (nullptr: render everything). A page is
  /// reused only when its key matches and `previous_exists(path)` says the
  /// previous file is still there.
  const PageKeys* previous = nullptr;
  std::function<bool(const std::string& path)> previous_exists;
  /// Filled with this build's keys (may be nullptr).
  PageKeys* keys = nullptr;
};

std::vector<OutputFile> RenderSite(const model::SiteModel& site,
                                   const TemplateSet& templates,
                                   const RenderOptions& options,
                                   util::Diagnostics* diags);

}  // namespace casebook::render
