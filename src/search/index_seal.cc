// The seal on a version of the index (see index_seal.h).
//
// Format (text): "casebook index seal 1", one "size mtime_ns inode hash
// name" line per file (names sorted; hash "-" when not known: a file an
// update in place changed), then "sum <Fingerprint of the lines above>".
// The inode is recorded but no longer compared (a copy that keeps the times
// is trusted like the original).
#include "search/index_seal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
constexpr char kUnknownHash[] = "-";

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
  // Streamed: the largest table of a big index is hundreds of MB. The
  // same hash as util::Fingerprint of the whole file.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::vector<char> buffer(1 << 20);
  util::StreamHash h;
  ssize_t n;
  while ((n = ::read(fd, buffer.data(), buffer.size())) > 0)
    h.AddBytes(buffer.data(), static_cast<size_t>(n));
  ::close(fd);
  if (n < 0) return false;
  seal->hash = h.Hex();
  return true;
}

bool SameFile(const FileSeal& a, const FileSeal& b) {
  return a.size == b.size && a.mtime_ns == b.mtime_ns;
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

bool ResealVersion(const std::string& version_dir) {
  std::map<std::string, FileSeal> sealed, files;
  if (!Read(version_dir, &sealed)) return false;
  for (const auto& name : Files(version_dir)) {
    FileSeal& f = files[name];
    if (!Describe(util::JoinPath(version_dir, name), &f, /*hash=*/false)) return false;
    auto it = sealed.find(name);
    f.hash = it != sealed.end() && SameFile(f, it->second) ? it->second.hash : kUnknownHash;
  }
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
    if (SameFile(now, it->second)) continue;
    // Changed on disk since the build sealed it: a copy is trusted again by
    // its bytes, anything else is damage.
    if (it->second.hash == kUnknownHash) {
      *why = path + " changed after the build that wrote it (a copy of the index must keep" +
             " modification times, as cp -a and rsync -a do)";
      return false;
    }
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
