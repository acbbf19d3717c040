// Publishing: writes the rendered files and static assets into a staging
// folder beside the output, then swaps it in with one rename, so readers and
// web servers never see a half-written site and a failed build changes
// nothing. Files whose bytes are unchanged are hard-linked from the previous
// output instead of rewritten, so they keep their mtimes (rsync and CDNs
// upload only what changed) and the swap copies nothing.
#pragma once

#include <string>
#include <vector>

#include "render/renderer.h"

namespace casebook::site {

struct PublishStats {
  int written = 0;    // new or changed files
  int unchanged = 0;  // linked from the previous output
};

/// Static folders copied into the output, later ones overriding earlier
/// ones (theme static/, then the site's static/).
bool Publish(const std::vector<render::OutputFile>& files,
             const std::vector<std::string>& static_dirs,
             const std::string& output_dir, PublishStats* stats,
             std::string* error);

}  // namespace casebook::site
