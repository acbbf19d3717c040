// Links in the site's other folders that leave it (see loader.h,
// ReportLinksOutside; the rule is util/confine.h's).
#include "content/loader.h"
#include "util/confine.h"
#include "util/fs.h"

namespace casebook::content {

void ReportLinksOutside(const config::SiteConfig& cfg, util::Diagnostics* diags) {
  for (const std::string& dir :
       {cfg.ThemeDir(), util::JoinPath(cfg.root, "layouts"), util::JoinPath(cfg.root, "static"),
        util::JoinPath(cfg.root, "archetypes")}) {
    for (const auto& link : util::LinksOutside(dir, util::AllowedRoots(cfg.root, dir)))
      ReportOutsideLink(link.path, link.target, cfg, diags);
  }
}

}  // namespace casebook::content
