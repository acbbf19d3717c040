// The index folder: lock, inspection, clean-up, sync (index_folder.h).
#include "search/index_folder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <xapian.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "search/index_seal.h"
#include "search/schema.h"
#include "util/fs.h"

namespace casebook::search {

namespace sc = schema;

DirLock::DirLock(const std::string& dir) {
  fd_ = ::open(util::JoinPath(dir, "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return;
  for (int i = 0; i < 600; ++i) {  // wait up to 30 s for another build
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
      locked_ = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool InspectIndex(const std::string& dir, std::string* damage) {
  std::optional<int> current = sc::ReadCurrentVersion(dir);
  if (!current) return false;
  const std::string version = sc::VersionDir(dir, *current);
  if (!CheckSeal(version, damage)) return false;
  try {
    Xapian::Database db(version);
    return db.get_metadata(sc::kMetaSchema) == std::to_string(sc::kVersion);
  } catch (const Xapian::Error& e) {
    *damage = version + " cannot be read (" + e.get_description() + ")";
    return false;
  }
}

void RemoveVersionsExcept(const std::string& dir, int keep_a, int keep_b) {
  for (int v : sc::ListVersions(dir)) {
    if (v == keep_a || v == keep_b) continue;
    std::string ignored;
    util::RemoveAll(sc::VersionDir(dir, v), &ignored);
  }
}

std::string TemporaryDir(const std::string& dir) { return util::JoinPath(dir, "build.tmp"); }

void RemoveTemporaryDir(const std::string& dir) {
  std::string ignored;
  util::RemoveAll(TemporaryDir(dir), &ignored);
}

bool SyncDir(const std::string& dir, std::string* error) {
  std::vector<std::string> paths;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') paths.push_back(util::JoinPath(dir, e->d_name));
    ::closedir(d);
  }
  paths.push_back(dir);
  for (const auto& p : paths) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok) {
      *error = "cannot sync " + p + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

}  // namespace casebook::search
