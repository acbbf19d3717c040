// PageCache: the render page keys (render::PageKeys) of the last published
// build, kept under the index's folder in .casebook/ and named after the output
// folder, so builds into different folders never share one. Loaded before
// rendering; saved only after a successful publish, so the keys always
// describe the files that are really in the output folder. A missing or
// unreadable cache just means every page is rendered.
#pragma once

#include <string>

#include "config/config.h"
#include "render/renderer.h"

namespace casebook::site {

struct PageCache {
  render::PageKeys previous;  // from the last build
  render::PageKeys next;      // this build's, filled by RenderSite

  static PageCache Load(const config::SiteConfig& cfg);
  void Save(const config::SiteConfig& cfg) const;
  /// .casebook/pages-<hash of the output folder's absolute path>.
  static std::string PathFor(const config::SiteConfig& cfg);
};

}  // namespace casebook::site
