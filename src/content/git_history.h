// GitHistory: when each source file last changed and how many commits
// touched it, read with one `git log` for the whole archive (not one per
// file). Empty when the source folder is not in a git work tree or git is
// missing; never an error.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "util/datetime.h"

namespace casebook::content {

struct FileHistory {
  util::DateTime last_changed;  // committer date of the newest commit
  int commits = 0;
};

class GitHistory {
 public:
  /// Runs git once under `source_dir`. Keys are paths relative to source_dir.
  static GitHistory Read(const std::string& source_dir);

  const FileHistory* Find(const std::string& relative_path) const;
  bool empty() const { return files_.empty(); }
  /// Every file's history, by relative path.
  const std::map<std::string, FileHistory>& files() const { return files_; }
  /// For tests.
  void Set(const std::string& relative_path, FileHistory h) { files_[relative_path] = h; }

 private:
  std::map<std::string, FileHistory> files_;
};

}  // namespace casebook::content
