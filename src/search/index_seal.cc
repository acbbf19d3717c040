// The seal on a version of the index (see index_seal.h).
//
// Format (text): "casebook index seal 1", one "size mtime_ns inode hash
// name" line per file (names sorted), then "sum <Fingerprint of the lines
// above>".
#include "search/index_seal.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

#include "util/fs.h"
#include "util/hash.h"

namespace casebook::search {
namespace {

constexpr char kSealName[] = "casebook.seal";
constexpr char kMagic[] = "casebook index seal 1\n";

struct FileSeal {
  long long size = 0, mtime_ns = 0;
  unsigned long long inode = 0;
  std::string hash;
};

long long MtimeNs(const struct stat& st) {
  return static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

// The regular files of the version (the seal and Xapian's lock file aside:
// neither holds data).
std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == ".." || name == kSealName || name == "flintlock") continue;
      names.push_back(name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool Describe(const std::string& path, FileSeal* seal, bool hash) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  seal->size = st.st_size;
  seal->mtime_ns = MtimeNs(st);
  seal->inode = st.st_ino;
  if (!hash) return true;
  auto bytes = util::ReadFile(path, nullptr);
  if (!bytes) return false;
  seal->hash = util::Fingerprint(*bytes);
  return true;
}

bool Write(const std::string& dir, const std::map<std::string, FileSeal>& files) {
  std::string text = kMagic;
  for (const auto& [name, f] : files)
    text += std::to_string(f.size) + ' ' + std::to_string(f.mtime_ns) + ' ' +
            std::to_string(f.inode) + ' ' + f.hash + ' ' + name + '\n';
  text += "sum " + util::Fingerprint(text) + "\n";
  return util::WriteFile(util::JoinPath(dir, kSealName), text, nullptr);
}

bool Read(const std::string& dir, std::map<std::string, FileSeal>* files) {
  auto text = util::ReadFile(util::JoinPath(dir, kSealName), nullptr);
  if (!text || text->compare(0, sizeof kMagic - 1, kMagic) != 0) return false;
  size_t sum_at = text->rfind("sum ");
  if (sum_at == std::string::npos ||
      text->substr(sum_at) != "sum " + util::Fingerprint(text->substr(0, sum_at)) + "\n")
    return false;
  std::istringstream in(text->substr(sizeof kMagic - 1, sum_at - (sizeof kMagic - 1)));
  FileSeal f;
  std::string name;
  while (in >> f.size >> f.mtime_ns >> f.inode >> f.hash >> name) (*files)[name] = f;
  return in.eof();
}

}  // namespace

bool SealVersion(const std::string& version_dir) {
  std::map<std::string, FileSeal> files;
  for (const auto& name : Files(version_dir))
    if (!Describe(util::JoinPath(version_dir, name), &files[name], /*hash=*/true)) return false;
  return Write(version_dir, files);
}

bool CheckSeal(const std::string& version_dir, std::string* why) {
  std::map<std::string, FileSeal> sealed;
  if (!Read(version_dir, &sealed)) {
    *why = "it has no intact seal (" + util::JoinPath(version_dir, kSealName) +
           "): an older casebook's index, or a damaged one";
    return false;
  }
  const std::vector<std::string> names = Files(version_dir);
  bool renewed = false;
  for (const auto& name : names) {
    auto it = sealed.find(name);
    const std::string path = util::JoinPath(version_dir, name);
    if (it == sealed.end()) {
      *why = path + " is not one a build wrote";
      return false;
    }
    FileSeal now;
    if (!Describe(path, &now, /*hash=*/false)) {
      *why = path + " cannot be read";
      return false;
    }
    if (now.size == it->second.size && now.mtime_ns == it->second.mtime_ns &&
        now.inode == it->second.inode)
      continue;
    // Changed on disk since the build sealed it: a copy is trusted again by
    // its bytes, anything else is damage.
    if (now.size != it->second.size || !Describe(path, &now, /*hash=*/true) ||
        now.hash != it->second.hash) {
      *why = path + " changed after the build that wrote it";
      return false;
    }
    it->second = now;
    renewed = true;
  }
  if (names.size() != sealed.size()) {
    *why = "a file of " + version_dir + " is missing";
    return false;
  }
  if (renewed) Write(version_dir, sealed);
  return true;
}

}  // namespace casebook::search
