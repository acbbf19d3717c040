// Helpers shared by the tests: temporary folders, writing fixture files,
// running the built casebook binary.
#pragma once

#include <string>

namespace casebook::test {

/// A fresh folder under /tmp, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// Writes `content` to path()/relative, creating folders.
  void Write(const std::string& relative, const std::string& content) const;
  std::string Read(const std::string& relative) const;
  bool Exists(const std::string& relative) const;

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

/// Runs the built `casebook` with `args` (a shell-quoted string) in `cwd`.
CommandResult RunCasebook(const std::string& args, const std::string& cwd);

/// Path to ../shared/corpora/dfds-postmortems, or "" when absent.
std::string SharedCorpus();

/// The repository root (for content/, themes/, site.toml).
std::string SourceDir();

}  // namespace casebook::test
