// Publishing: brings a staging folder beside the output (".<output>.staging")
// up to date with the new site, then swaps the two folders with one atomic
// rename (renameat2 RENAME_EXCHANGE), so readers and web servers never see a
// half-written site and a failed build changes nothing in the output.
//
// The staging folder is the previous generation, kept after each swap and
// updated in place next time: files whose bytes are unchanged are hard links
// to the published ones (same inode, so they keep their mtimes and rsync or a
// CDN uploads only what changed), changed files are written anew (never into
// a shared inode: always write-then-rename), and files no longer in the site
// are removed. So a rebuild touches only what changed and creates or deletes
// no folders — deleting folders is slow on file systems mounted with
// `discard`. A lock file keeps two builds from publishing at once.
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
