// Internal to src/search, step 1 of an index update (index_writer.h): the
// index folder (layout in schema.h). Taking the build lock, deciding
// whether the published version can be updated or must be rebuilt (it fails
// its seal, index_seal.h, or Xapian cannot read it), clearing away versions
// and leftovers nobody needs, and syncing a finished version to disk.
#pragma once

#include <string>

namespace casebook::search {

/// flock() on <index_dir>/lock, held for the object's lifetime. Waits up to
/// 30 s for another build to finish.
class DirLock {
 public:
  explicit DirLock(const std::string& dir);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  bool locked() const { return locked_; }

 private:
  int fd_ = -1;
  bool locked_ = false;
};

/// Whether the published version can be updated: false when there is none,
/// it is of another schema, or it is damaged (then `damage` says why: it
/// fails its seal, or Xapian cannot read it).
bool InspectIndex(const std::string& dir, std::string* damage);

/// Removes every v<N> except `keep_a` and `keep_b` (-1: none).
void RemoveVersionsExcept(const std::string& dir, int keep_a, int keep_b);

/// <dir>/build.tmp: where the shards of a new version are written.
std::string TemporaryDir(const std::string& dir);
void RemoveTemporaryDir(const std::string& dir);

/// fsync()s every file in `dir` and the folder itself, so a version is on
/// disk before the stub names it (databases are written with DB_NO_SYNC).
bool SyncDir(const std::string& dir, std::string* error);

}  // namespace casebook::search
