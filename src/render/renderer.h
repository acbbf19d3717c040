// Renderer: SiteModel + theme -> every output file of the site, in memory.
//
// Pages (home, one per postmortem, taxonomy and term lists, date archive,
// 404, search page), feeds (Atom: the site and one per taxonomy term),
// sitemap.xml and postmortems.json. Writing to disk is the caller's job
// (site::Publish). The output is a pure function of the model and the
// theme: no clocks, no randomness, so two builds give identical bytes.
#pragma once

#include <string>
#include <vector>

#include "model/site_model.h"
#include "util/diagnostics.h"

namespace casebook::render {

struct OutputFile {
  std::string path;     // relative to the output folder: "postmortems/x/index.html"
  std::string content;
};

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
};

std::vector<OutputFile> RenderSite(const model::SiteModel& site,
                                   const TemplateSet& templates,
                                   const RenderOptions& options,
                                   util::Diagnostics* diags);

}  // namespace casebook::render
