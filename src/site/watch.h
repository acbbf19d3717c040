// What `casebook serve --watch` polls to notice an edit: a cheap stamp of
// every input a build reads, from file metadata only (no file is read), so
// it can be taken a few times a second on an archive of thousands of files.
//
// The inputs: site.toml, the postmortems under the source folder (*.md, as
// the loader finds them: dot-files and dot-folders are not inputs, so editor
// swap files and .casebook/ never count), and every file of the theme and of
// the site's static/ folder. The output folder is never inside the source
// (build refuses that), so a build does not change the stamp it was
// started for.
#pragma once

#include <string>

#include "config/config.h"

namespace casebook::site {

/// A hash of the path, size, mtime (ns) and inode of every input. Two equal
/// stamps mean no input was written, created, deleted or renamed in between
/// (as far as the file system's timestamps tell).
std::string StampInputs(const config::SiteConfig& cfg);

/// Tells when a stamp is worth taking: inotify watches on the folders that
/// hold inputs (the site's root, and every folder of the source, the theme
/// and static/), so an idle `serve --watch` does not walk a large archive
/// four times a second. Only a hint: the stamp decides. Without inotify
/// (or when its queue overflowed) it always says "maybe".
class InputWatcher {
 public:
  explicit InputWatcher(const config::SiteConfig& cfg);
  ~InputWatcher();
  InputWatcher(const InputWatcher&) = delete;
  InputWatcher& operator=(const InputWatcher&) = delete;

  /// True when anything happened in a watched folder since the last call.
  bool MaybeChanged();
  /// Watches the folders `cfg` names now (site.toml may have moved them).
  void Rewatch(const config::SiteConfig& cfg);

 private:
  void Add(const std::string& dir, bool recursive);
  int fd_ = -1;
  config::SiteConfig cfg_;
};

}  // namespace casebook::site
