// File-system access. Everything that touches the disk goes through here so
// that stages stay testable and error handling stays in one place. Functions
// return false / nullopt and fill `*error` (a sentence naming the path and
// the OS reason) instead of throwing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace casebook::util {

/// Reads a whole file. nullopt + *error on failure.
std::optional<std::string> ReadFile(const std::string& path, std::string* error);

/// A whole file mapped read-only, for files read from end to end: its
/// bytes are the page cache's, neither copied nor zero-filled first
/// (ReadFile of a 67 MB cache did both). Only for files replaced by rename
/// (WriteFile), never rewritten in place: a file truncated while mapped
/// would fault on access. Movable, not copyable.
class MappedFile {
 public:
  MappedFile() = default;
  /// Maps `path`; !ok() (and *error) when it cannot be opened or mapped.
  MappedFile(const std::string& path, std::string* error);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  bool ok() const { return ok_; }
  std::string_view bytes() const { return {data_, size_}; }

 private:
  void Unmap();
  const char* data_ = nullptr;
  size_t size_ = 0;
  bool ok_ = false;
};

/// Writes a file, creating parent folders. Writes to "path.tmp" then renames,
/// so a reader never sees half a file.
bool WriteFile(const std::string& path, const std::string& content,
               std::string* error);

/// Writes only when the content differs, so unchanged files keep their mtime.
/// Returns true on success (changed or not); *changed tells which.
bool WriteFileIfChanged(const std::string& path, const std::string& content,
                        bool* changed, std::string* error);

struct WalkEntry {
  std::string path;      // full path
  std::string relative;  // relative to the walk root, with '/' separators
};

struct WalkResult {
  std::vector<WalkEntry> files;    // regular files ending in `extension`, sorted
  std::vector<std::string> skipped;  // relative paths skipped, with the reason
  /// With `roots`: links to folders, and to files ending in `extension`,
  /// that resolve outside them: not read; `relative` is "." when `root`
  /// itself does. In walk order. (Other links out are only `skipped`.)
  std::vector<WalkEntry> outside;
  std::vector<std::string> outside_targets;  // outside[i] resolves to this
};

/// Recursively lists files under `root` whose names end in `extension`
/// (e.g. ".md"), sorted by relative path. Dot-files and dot-folders, other
/// extensions and symlink loops are skipped and listed in `skipped`.
/// Symlinks to files and folders inside are followed once. With `roots`
/// (canonical folders, see util/confine.h), entries that resolve outside
/// every one of them are listed in `outside` instead of being followed.
WalkResult WalkFiles(const std::string& root, const std::string& extension,
                     const std::vector<std::string>* roots = nullptr);

bool IsDirectory(const std::string& path);
bool IsRegularFile(const std::string& path);
bool MakeDirs(const std::string& path, std::string* error);
/// Removes a file or folder tree; true when it is gone afterwards.
bool RemoveAll(const std::string& path, std::string* error);
/// Copies a folder tree (files and folders only).
bool CopyTree(const std::string& from, const std::string& to, std::string* error);
/// Joins two path parts with one "/".
std::string JoinPath(const std::string& a, const std::string& b);
/// The folder part of a path ("a/b/c.md" -> "a/b"; "c.md" -> "").
std::string DirName(const std::string& path);
/// The last component ("a/b/c.md" -> "c.md").
std::string BaseName(const std::string& path);
/// "a/./b/../c" -> "a/c". Leading ".." that cannot be resolved are kept.
std::string NormalizePath(const std::string& path);

}  // namespace casebook::util
