#include "site/publish.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "util/fs.h"
#include "util/hash.h"

namespace fs = std::filesystem;

namespace casebook::site {
namespace {

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

void FromStat(const struct stat& st, PublishedFile* f) {
  f->size = st.st_size;
  f->mtime_ns = MtimeNs(st);
  f->inode = st.st_ino;
}

// True when `st` (a regular file's) is still the one `f` describes.
bool SameFile(const struct stat& st, const PublishedFile& f) {
  return S_ISREG(st.st_mode) && st.st_size == f.size && MtimeNs(st) == f.mtime_ns &&
         st.st_ino == f.inode;
}

// True when the file at `full` is still the one `f` describes.
bool Matches(const std::string& full, const PublishedFile& f) {
  struct stat st;
  return lstat(full.c_str(), &st) == 0 && SameFile(st, f);
}

// mkdir -p with plain syscalls (std::filesystem::create_directories stats
// every component first, which dominated writing a fresh site).
bool MakeDirChain(const std::string& dir) {
  if (dir.empty() || mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return true;
  if (errno != ENOENT) return false;
  size_t slash = dir.rfind('/');
  if (slash == std::string::npos || slash == 0) return false;
  return MakeDirChain(dir.substr(0, slash)) && (mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST);
}

// Makes the folders leading to `full`, replacing a file that stands where a
// folder must be (a page that became a folder of pages).
bool MakeParents(const std::string& full, std::string* error) {
  const std::string parent = util::DirName(full);
  if (MakeDirChain(parent)) return true;
  for (fs::path p = parent; !p.empty() && p != p.root_path(); p = p.parent_path()) {
    struct stat st;
    if (lstat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) unlink(p.c_str());
      break;
    }
  }
  if (MakeDirChain(parent)) return true;
  if (error) *error = "cannot create folder " + parent + ": " + std::strerror(errno);
  return false;
}

// Removes whatever is at `full` (a file, or a folder where a file must go).
void RemovePath(const std::string& full) {
  if (unlink(full.c_str()) != 0 && (errno == EISDIR || errno == EPERM)) {
    std::error_code ec;
    fs::remove_all(full, ec);
  }
}

// Makes `target` a hard link to `source` unless it already is one.
bool LinkInto(const std::string& source, const std::string& target, std::string* error) {
  struct stat a, b;
  if (lstat(target.c_str(), &b) == 0 && stat(source.c_str(), &a) == 0 && a.st_ino == b.st_ino &&
      a.st_dev == b.st_dev)
    return true;
  RemovePath(target);
  if (link(source.c_str(), target.c_str()) == 0) return true;
  if ((errno == ENOENT || errno == ENOTDIR) && MakeParents(target, nullptr) &&
      link(source.c_str(), target.c_str()) == 0)
    return true;
  if (error) *error = "cannot link " + source + " to " + target + ": " + std::strerror(errno);
  return false;
}

bool WriteNew(const std::string& full, const std::string& content, struct stat* st,
              std::string* error) {
  RemovePath(full);  // never write into an inode the output shares
  int fd = open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
    if (!MakeParents(full, error)) return false;
    fd = open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  if (fd < 0) {
    *error = full + ": cannot write: " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = full + ": write failed: " + std::strerror(errno) + " (disk full?)";
      close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  bool ok = fstat(fd, st) == 0;
  if (close(fd) != 0 || !ok) {
    *error = full + ": write failed: " + std::strerror(errno);
    return false;
  }
  return true;
}

bool SameBytes(const std::string& full, const std::string& content, struct stat* st) {
  if (lstat(full.c_str(), st) != 0 || !S_ISREG(st->st_mode) ||
      static_cast<size_t>(st->st_size) != content.size())
    return false;
  auto old = util::ReadFile(full, nullptr);
  return old && *old == content;
}

// Swaps two folders atomically where the kernel can (renameat2 EXCHANGE),
// else with two renames (a moment without an output folder).
bool SwapIn(const std::string& staging, const std::string& output, std::string* error) {
  std::error_code ec;
  if (!fs::exists(output, ec)) {
    fs::rename(staging, output, ec);
    if (ec) *error = "cannot move " + staging + " to " + output + ": " + ec.message();
    return !ec;
  }
#ifdef SYS_renameat2
  // The previous site stays at `staging`, to be updated by the next build.
  if (syscall(SYS_renameat2, AT_FDCWD, staging.c_str(), AT_FDCWD, output.c_str(),
              RENAME_EXCHANGE) == 0)
    return true;
#endif
  std::string old = staging + ".old";
  fs::remove_all(old, ec);
  fs::rename(output, old, ec);
  if (ec) {
    *error = "cannot move the old " + output + " aside: " + ec.message();
    return false;
  }
  fs::rename(staging, output, ec);
  if (ec) {
    fs::rename(old, output, ec);
    *error = "cannot move " + staging + " into place";
    return false;
  }
  fs::remove_all(old, ec);
  return true;
}

// Every regular file under `dir`, relative, with the folders (deepest last).
void ListTree(const std::string& dir, std::vector<std::string>* files,
              std::vector<std::string>* dirs) {
  std::error_code ec;
  const size_t prefix = dir.size() + 1;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string rel = it->path().string().substr(prefix);
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      dirs->push_back(rel);
    } else {
      files->push_back(rel);
    }
  }
}

}  // namespace

Manifest ReadManifest(const std::string& path, std::string* site_key) {
  Manifest m;
  auto text = util::ReadFile(path, nullptr);
  if (!text || text->compare(0, 6, "#site ") != 0) return m;
  size_t pos = text->find('\n');
  if (pos == std::string::npos) return m;
  if (site_key) *site_key = text->substr(6, pos - 6);
  ++pos;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) return {};  // truncated: trust none of it
    std::string line = text->substr(pos, end - pos);
    pos = end + 1;
    // key content size mtime inode path (the path may hold spaces)
    size_t f[5];
    size_t at = 0;
    bool ok = true;
    for (int i = 0; i < 5 && ok; ++i) {
      f[i] = line.find(' ', at);
      ok = f[i] != std::string::npos;
      at = f[i] + 1;
    }
    if (!ok) return {};
    PublishedFile file;
    file.key = line.substr(0, f[0]);
    file.content = line.substr(f[0] + 1, f[1] - f[0] - 1);
    try {
      file.size = std::stoll(line.substr(f[1] + 1, f[2] - f[1] - 1));
      file.mtime_ns = std::stoll(line.substr(f[2] + 1, f[3] - f[2] - 1));
      file.inode = std::stoull(line.substr(f[3] + 1, f[4] - f[3] - 1));
    } catch (...) {
      return {};
    }
    m[line.substr(f[4] + 1)] = std::move(file);
  }
  return m;
}

bool WriteManifest(const std::string& path, const Manifest& manifest,
                   const std::string& site_key) {
  std::string text = "#site " + site_key + "\n";
  text.reserve(manifest.size() * 140);
  for (const auto& [rel, f] : manifest) {
    text += f.key + ' ' + f.content + ' ' + std::to_string(f.size) + ' ' +
            std::to_string(f.mtime_ns) + ' ' + std::to_string(f.inode) + ' ' + rel + '\n';
  }
  return util::WriteFile(path, text, nullptr);  // write-then-rename
}

std::unique_ptr<Publisher> Publisher::Open(const std::string& output_dir,
                                           const std::string& cache_dir, std::string* error) {
  std::unique_ptr<Publisher> p(new Publisher());
  fs::path out = fs::absolute(output_dir).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();
  p->output_ = out.string();
  const std::string name = out.filename().string();
  p->staging_ = (out.parent_path() / ("." + name + ".staging")).string();
  std::error_code ec;
  fs::create_directories(out.parent_path(), ec);

  // One publisher at a time: the staging folder is shared between builds.
  const std::string lock_path = (out.parent_path() / ("." + name + ".lock")).string();
  p->lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (p->lock_fd_ < 0 || flock(p->lock_fd_, LOCK_EX) != 0) {
    *error = "cannot lock " + lock_path + ": " + std::strerror(errno);
    return nullptr;
  }

  // Named after the output folder, so builds into different folders never
  // share a manifest.
  const std::string id = util::Fingerprint(p->output_).substr(0, 16);
  p->output_manifest_path_ = util::JoinPath(cache_dir, "output-" + id);
  p->staging_manifest_path_ = util::JoinPath(cache_dir, "staging-" + id);
  p->output_exists_ = util::IsDirectory(p->output_);
  if (p->output_exists_)
    p->published_ = ReadManifest(p->output_manifest_path_, &p->published_site_key_);
  if (p->published_.empty()) p->published_site_key_.clear();
  p->Revalidate();
  struct stat st;
  if (lstat(p->staging_.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) unlink(p->staging_.c_str());
  if (util::IsDirectory(p->staging_)) {
    p->staged_ = ReadManifest(p->staging_manifest_path_);
    p->staging_known_ = !p->staged_.empty();  // missing or unreadable: walk it
  }
  return p;
}

Publisher::~Publisher() {
  if (lock_fd_ >= 0) close(lock_fd_);
}

// A restored copy of the output (a CI cache, `cp -r`, a backup) has the
// bytes the manifest describes but new mtimes and inodes. A file whose size
// matches is read once and trusted again when its bytes hash to the
// manifest's content hash, so its page is not rendered again; the manifest
// then records its new mtime and inode (see Commit). Costs one lstat per
// file when nothing was restored.
void Publisher::Revalidate() {
  for (auto& [path, f] : published_) {
    const std::string full = util::JoinPath(output_, path);
    struct stat st;
    if (lstat(full.c_str(), &st) != 0 || SameFile(st, f)) continue;
    if (!S_ISREG(st.st_mode) || st.st_size != f.size) continue;  // changed: not a copy
    auto bytes = util::ReadFile(full, nullptr);
    if (!bytes || util::Fingerprint(*bytes) != f.content) continue;
    FromStat(st, &f);
    revalidated_ = true;
  }
}

std::string Publisher::PublishedKey(const std::string& path) const {
  auto it = published_.find(path);
  if (it == published_.end() || !Matches(util::JoinPath(output_, path), it->second)) return "";
  return it->second.key;
}

bool Publisher::KeepAll() {
  if (published_.empty()) return false;
  for (const auto& [path, f] : published_) {
    if (!Matches(util::JoinPath(output_, path), f)) return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  next_ = published_;
  for (const auto& [path, f] : published_) written_[path] = false;
  return true;
}

void Publisher::Keep(const std::string& path, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  PublishedFile f = published_.at(path);
  f.key = key;
  next_[path] = std::move(f);
  written_[path] = false;
}

// Staging is about to change: until it is consistent again, it has no
// manifest (so a crash or a failed build leaves it "unknown", never wrong).
void Publisher::TouchStaging() {
  std::lock_guard<std::mutex> lock(mu_);
  if (staging_touched_) return;
  staging_touched_ = true;
  unlink(staging_manifest_path_.c_str());
  util::MakeDirs(staging_, nullptr);
}

bool Publisher::Stage(const std::string& path, const std::string& content, PublishedFile* file,
                      std::string* error) {
  TouchStaging();
  struct stat st;
  if (!WriteNew(util::JoinPath(staging_, path), content, &st, error)) return false;
  FromStat(st, file);
  return true;
}

bool Publisher::Put(const std::string& path, const std::string& key, const std::string& content,
                    std::string* error) {
  PublishedFile f;
  f.content = util::Fingerprint(content);
  f.key = key.empty() ? f.content : key;
  bool write = true;
  auto it = published_.find(path);
  if (it != published_.end()) {
    if (it->second.content == f.content && Matches(util::JoinPath(output_, path), it->second)) {
      f.size = it->second.size;
      f.mtime_ns = it->second.mtime_ns;
      f.inode = it->second.inode;
      write = false;
    }
  } else if (output_exists_ && published_.empty()) {
    // No manifest (first build with one, or it was lost): compare bytes.
    struct stat st;
    if (SameBytes(util::JoinPath(output_, path), content, &st)) {
      FromStat(st, &f);
      write = false;
    }
  }
  if (write && !Stage(path, content, &f, error)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  next_[path] = std::move(f);
  written_[path] = write;
  return true;
}

bool Publisher::SyncStaging(std::string* error) {
  TouchStaging();
  // Unchanged files: hard links to the published ones.
  for (const auto& [path, written] : written_) {
    if (written) continue;
    if (!LinkInto(util::JoinPath(output_, path), util::JoinPath(staging_, path), error))
      return false;
  }
  // What staging holds that the new site does not.
  std::vector<std::string> files, dirs;
  if (staging_known_) {
    for (const auto& [path, f] : staged_) {
      if (next_.count(path)) continue;
      files.push_back(path);
      // Its folders may be left empty: try them, deepest first.
      for (std::string d = util::DirName(path); !d.empty() && d != "."; d = util::DirName(d))
        dirs.push_back(d);
    }
  } else {
    ListTree(staging_, &files, &dirs);
  }
  for (const auto& rel : files) {
    if (!next_.count(rel)) RemovePath(util::JoinPath(staging_, rel));
  }
  std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
    return std::count(a.begin(), a.end(), '/') > std::count(b.begin(), b.end(), '/');
  });
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (const auto& d : dirs) rmdir(util::JoinPath(staging_, d).c_str());  // fails if not empty
  return true;
}

StaticFiles ListStaticFiles(const std::vector<std::string>& dirs) {
  StaticFiles statics;
  for (const auto& dir : dirs) {
    if (!util::IsDirectory(dir)) continue;
    std::vector<std::string> files, folders;
    fs::path base = fs::path(dir).lexically_normal();
    std::string root = base.filename().empty() ? base.parent_path().string() : base.string();
    ListTree(root, &files, &folders);
    for (const auto& rel : files) {
      std::string full = util::JoinPath(root, rel);
      if (util::IsRegularFile(full)) statics[rel] = full;
    }
  }
  return statics;
}

bool Publisher::Commit(const StaticFiles& statics, const std::string& site_key,
                       PublishStats* stats, std::string* error) {
  // Static files; rendered files win.
  for (const auto& [rel, full] : statics) {
    if (next_.count(rel)) continue;
    auto bytes = util::ReadFile(full, error);
    if (!bytes || !Put(rel, "", *bytes, error)) return false;
  }

  bool changed = !output_exists_ || published_.empty();
  for (const auto& [path, written] : written_) {
    if (written) ++stats->written;
    else ++stats->unchanged;
    changed = changed || written;
  }
  for (const auto& [path, f] : published_) {
    if (!next_.count(path)) {
      ++stats->removed;
      changed = true;
    }
  }
  if (!changed) {
    // Nothing to move; only keys may differ (e.g. a template edit that left
    // a page's bytes as they were).
    bool same_keys = true;
    for (const auto& [path, f] : next_) {
      auto it = published_.find(path);
      same_keys = same_keys && it != published_.end() && it->second.key == f.key;
    }
    if (!same_keys || site_key != published_site_key_ || revalidated_)
      WriteManifest(output_manifest_path_, next_, site_key);
    return true;
  }

  unlink(output_manifest_path_.c_str());  // stale from the swap on
  if (!SyncStaging(error)) return false;
  if (!SwapIn(staging_, output_, error)) return false;
  // The old output is now the staging folder: its manifest (when known)
  // describes it exactly.
  bool ok = WriteManifest(output_manifest_path_, next_, site_key);
  if (output_exists_ && !published_.empty()) {
    WriteManifest(staging_manifest_path_, published_, published_site_key_);
  } else {
    unlink(staging_manifest_path_.c_str());
  }
  (void)ok;  // without a manifest the next build compares bytes instead
  return true;
}

}  // namespace casebook::site
