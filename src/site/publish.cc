#include "site/publish.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string_view>
#include <vector>

#include "util/exit_memory.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/parallel.h"

namespace fs = std::filesystem;

namespace casebook::site {
namespace {

// Test hook: with CASEBOOK_TEST_KILL_AT_STEP=N in the environment, the
// process kills itself (SIGKILL, as a power cut or the OOM killer would) on
// its Nth change to the file system here, so a test can stop a build at
// every step and check what it leaves behind.
void Step() {
  static const long kill_at = [] {
    const char* env = std::getenv("CASEBOOK_TEST_KILL_AT_STEP");
    return env ? std::atol(env) : 0L;
  }();
  static std::atomic<long> steps{0};
  if (kill_at > 0 && ++steps == kill_at) raise(SIGKILL);
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

void FromStat(const struct stat& st, PublishedFile* f) {
  f->size = st.st_size;
  f->mtime_ns = MtimeNs(st);
  f->inode = st.st_ino;
}

// st_nlink, up to 255 (PublishedFile::links).
uint8_t LinkCount(const struct stat& st) {
  return static_cast<uint8_t>(std::min<uint64_t>(st.st_nlink, 255));
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

// lstat of many files under one folder: each looked up from the folder
// (opened once) rather than from the root, which saves resolving the
// folder's own path ~134,500 times at 100,000 postmortems.
class FolderStat {
 public:
  explicit FolderStat(const std::string& folder)
      : folder_(folder), fd_(open(folder.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {}
  ~FolderStat() {
    if (fd_ >= 0) close(fd_);
  }
  FolderStat(const FolderStat&) = delete;
  FolderStat& operator=(const FolderStat&) = delete;
  /// lstat of `rel` (relative to the folder).
  bool Lstat(const std::string& rel, struct stat* st) const {
    if (fd_ < 0) return lstat(util::JoinPath(folder_, rel).c_str(), st) == 0;
    return fstatat(fd_, rel.c_str(), st, AT_SYMLINK_NOFOLLOW) == 0;
  }

 private:
  const std::string folder_;
  const int fd_;
};

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
  Step();
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
  Step();
  if (link(source.c_str(), target.c_str()) == 0) return true;
  if ((errno == ENOENT || errno == ENOTDIR) && MakeParents(target, nullptr) &&
      link(source.c_str(), target.c_str()) == 0)
    return true;
  if (error) *error = "cannot link " + source + " to " + target + ": " + std::strerror(errno);
  return false;
}

// Opens a new file at `full` for writing (never an inode the output
// shares: O_EXCL makes a new one), making its folders. -1 with `error`
// when it cannot. Whatever stands at `full` (a hard link to a published
// file, a folder) is removed only when the create finds it there, so
// writing into an empty folder (every file of a clean build, ~134,500 at
// 100,000 postmortems) costs no failed unlink per file.
int OpenNew(const std::string& full, std::string* error) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
  Step();
  int fd = open(full.c_str(), kFlags, 0644);
  if (fd < 0 && errno == EEXIST) {
    RemovePath(full);
    Step();
    fd = open(full.c_str(), kFlags, 0644);
  }
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
    if (!MakeParents(full, error)) return -1;
    fd = open(full.c_str(), kFlags, 0644);
  }
  if (fd < 0) *error = full + ": cannot write: " + std::strerror(errno);
  return fd;
}

// Writes all of `bytes` to `fd` (the file `full`); false with `error`.
bool WriteAll(int fd, std::string_view bytes, const std::string& full, std::string* error) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = full + ": write failed: " + std::strerror(errno) + " (disk full?)";
      return false;
    }
    done += static_cast<size_t>(n);
    if (done < bytes.size()) Step();  // half a file written
  }
  return true;
}

bool WriteNew(const std::string& full, const std::string& content, struct stat* st,
              std::string* error) {
  int fd = OpenNew(full, error);
  if (fd < 0) return false;
  if (!WriteAll(fd, content, full, error)) {
    close(fd);
    return false;
  }
  Step();
  bool ok = fstat(fd, st) == 0;
  if (close(fd) != 0 || !ok) {
    *error = full + ": write failed: " + std::strerror(errno);
    return false;
  }
  return true;
}

// True when the files at `a` (with `st` of it) and `b` hold the same bytes.
bool SameFileBytes(const std::string& a, const std::string& b, struct stat* st) {
  struct stat other;
  if (lstat(a.c_str(), st) != 0 || !S_ISREG(st->st_mode) || stat(b.c_str(), &other) != 0 ||
      st->st_size != other.st_size)
    return false;
  int fa = open(a.c_str(), O_RDONLY | O_CLOEXEC), fb = open(b.c_str(), O_RDONLY | O_CLOEXEC);
  bool same = fa >= 0 && fb >= 0;
  std::vector<char> x(1 << 16), y(1 << 16);
  while (same) {
    ssize_t n = read(fa, x.data(), x.size());
    if (n <= 0) {
      same = n == 0;
      break;
    }
    ssize_t m = 0;
    while (m < n) {
      ssize_t r = read(fb, y.data() + m, static_cast<size_t>(n - m));
      if (r <= 0) break;
      m += r;
    }
    same = m == n && std::memcmp(x.data(), y.data(), static_cast<size_t>(n)) == 0;
  }
  if (fa >= 0) close(fa);
  if (fb >= 0) close(fb);
  return same;
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
  Step();
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

namespace {

// True when `m` is the manifest of exactly the folder `folder` (named `name`)
// as it is now: its folder and device, and the marker it lists is the very
// file there (written anew whenever casebook changes the folder; a moved
// folder keeps it, a copied one does not).
bool DescribesFolderNow(const ManifestFile& m, const std::string& folder, const std::string& name) {
  if (m.legacy || m.folder != name) return false;
  auto it = m.files.find(kOutputMarker);
  struct stat dir, marker;
  return it != m.files.end() && stat(folder.c_str(), &dir) == 0 &&
         static_cast<uint64_t>(dir.st_dev) == m.device &&
         lstat(util::JoinPath(folder, kOutputMarker).c_str(), &marker) == 0 &&
         SameFile(marker, it->second);
}

}  // namespace

std::unique_ptr<Publisher> Publisher::Open(const std::string& output_dir,
                                           const std::string& cache_dir, std::string* error) {
  std::unique_ptr<Publisher> p(new Publisher());
  p->output_ = NormalFolder(output_dir);
  p->staging_ = StagingDirFor(p->output_);
  p->output_name_ = FolderName(cache_dir, p->output_);
  p->staging_name_ = FolderName(cache_dir, p->staging_);
  std::error_code ec;
  fs::create_directories(fs::path(p->output_).parent_path(), ec);

  // One publisher at a time: the staging folder is shared between builds.
  // The lock lives in the cache folder, so nothing but the output, its
  // staging folder and the cache is ever written.
  if (!util::MakeDirs(cache_dir, error)) return nullptr;
  const std::string id = util::Fingerprint(p->output_name_).substr(0, 16);
  const std::string lock_path = util::JoinPath(cache_dir, "publish-" + id + ".lock");
  p->lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (p->lock_fd_ < 0 || flock(p->lock_fd_, LOCK_EX) != 0) {
    *error = "cannot lock " + lock_path + ": " + std::strerror(errno);
    return nullptr;
  }

  p->output_manifest_path_ = OutputManifestPath(cache_dir, p->output_);
  p->staging_manifest_path_ = StagingManifestPath(cache_dir, p->output_);
  p->output_exists_ = util::IsDirectory(p->output_);
  struct stat output_st;
  if (p->output_exists_ && stat(p->output_.c_str(), &output_st) == 0)
    p->output_device_ = static_cast<uint64_t>(output_st.st_dev);
  if (p->output_exists_) {
    ManifestFile m;
    // A manifest that names another folder (or an older casebook's) is no
    // use here: the files are then compared by bytes.
    if (ReadManifest(p->output_manifest_path_, &m) && !m.legacy && m.folder == p->output_name_) {
      const bool exact = DescribesFolderNow(m, p->output_, p->output_name_);
      p->published_ = std::move(m.files);
      p->published_site_key_ = std::move(m.site_key);
      p->Revalidate();
      // Not the generation it was written for (a restored copy, an older
      // manifest): what it lists is verified file by file, but the folder
      // may hold more.
      if (!exact) p->FindUnlisted();
    }
  }
  if (p->published_.empty()) p->published_site_key_.clear();
  // The staging folder's manifest is read when staging is first touched
  // (LoadStagingManifest): a build that changes nothing never needs it.
  return p;
}

void Publisher::LoadStagingManifest() {
  if (!util::IsDirectory(staging_)) return;
  ManifestFile m;
  if (!ReadManifest(staging_manifest_path_, &m)) return;
  // The output's manifest, moved here by the Commit that swapped this folder
  // out (it names the output folder): whether it describes this folder is
  // decided, as always, by the marker it lists being the very file here.
  if (m.folder == output_name_) m.folder = staging_name_;
  if (DescribesFolderNow(m, staging_, staging_name_)) {
    staged_ = std::move(m.files);
    staging_known_ = true;
  }
}

bool Publisher::OpenedFor(const std::string& output_dir, const std::string& cache_dir) const {
  const std::string output = NormalFolder(output_dir);
  return output == output_ && OutputManifestPath(cache_dir, output) == output_manifest_path_;
}

// Walks the output for files the manifest does not list (a restored copy of
// an older site, say): a build then replaces the folder even when no file
// of the site changed, so nothing unlisted stays published.
void Publisher::FindUnlisted() {
  std::vector<std::string> files, dirs;
  ListTree(output_, &files, &dirs);
  for (const auto& rel : files)
    if (!published_.count(rel)) output_unlisted_ = true;
}

// A build that wrote into staging and did not publish (an error in the
// archive, a full disk, a write refused) leaves nothing half-written behind
// to take room: staging, which has no manifest now, is emptied (the next
// build would empty it anyway, see TouchStaging).
Publisher::~Publisher() {
  if (staging_touched_ && !committed_) EmptyStaging();
  if (lock_fd_ >= 0) close(lock_fd_);
}

void Publisher::LeaveToExit(std::unique_ptr<Publisher> publisher) {
  if (!publisher) return;
  Publisher& p = *publisher;
  if (p.staging_touched_ && !p.committed_) p.EmptyStaging();
  if (p.lock_fd_ >= 0) close(p.lock_fd_);
  p.lock_fd_ = -1;
  util::LeaveToExit(std::move(publisher));
}

// A restored copy of the output (a CI cache, `cp -r`, a backup) has the
// bytes the manifest describes but new mtimes and inodes. A file whose size
// matches is read once and trusted again when its bytes hash to the
// manifest's content hash, so its page is not rendered again; the manifest
// then records its new mtime and inode (see Commit). Costs one lstat per
// file when nothing was restored.
void Publisher::Revalidate() {
  // One lstat per file, on every core (100,000 postmortems make ~130,000
  // files); the rare file that differs is looked at afterwards.
  std::vector<PublishedFile*> files;
  std::vector<const std::string*> paths;
  files.reserve(published_.size());
  paths.reserve(published_.size());
  for (auto& [path, f] : published_) {
    paths.push_back(&path);
    files.push_back(&f);
  }
  std::vector<char> same(files.size(), 0);
  const FolderStat output(output_);
  util::ParallelFor(files.size(), util::DefaultJobs(), [&](size_t i) {
    struct stat st;
    same[i] = output.Lstat(*paths[i], &st) && SameFile(st, *files[i]);
    if (same[i]) files[i]->links = LinkCount(st);  // (each i once)
  });
  intact_ = true;
  for (size_t i = 0; i < files.size(); ++i) {
    files[i]->verified = same[i];
    if (same[i]) continue;
    intact_ = false;
    const std::string full = util::JoinPath(output_, *paths[i]);
    PublishedFile& f = *files[i];
    struct stat st;
    if (lstat(full.c_str(), &st) != 0 || SameFile(st, f)) continue;
    if (!S_ISREG(st.st_mode) || st.st_size != f.size) continue;  // changed: not a copy
    auto bytes = util::ReadFile(full, nullptr);
    if (!bytes || util::Fingerprint(*bytes) != f.content) continue;
    FromStat(st, &f);
    f.verified = true;
    f.links = LinkCount(st);
    revalidated_ = true;
  }
}

PublishedFile* Publisher::FindPublished(const std::string& path) const {
  // published_ gains and loses no entry after Open (Revalidate and Keep
  // change entries in place), so the map's nodes and keys stay put.
  std::call_once(published_index_once_, [this] {
    auto& files = const_cast<Manifest&>(published_);  // Keep marks entries through it
    published_index_.reserve(files.size());
    for (auto& [p, f] : files) published_index_.emplace(p, &f);
  });
  auto it = published_index_.find(path);
  return it == published_index_.end() ? nullptr : it->second;
}

PublishedFile* Publisher::IntactPublished(const std::string& path) const {
  // Open lstat'd every listed file once (Revalidate): a file it found as
  // listed is not looked at again. One edited by hand after that is still
  // noticed by the next build, as the manifest keeps the stat Open saw.
  PublishedFile* f = FindPublished(path);
  if (!f || (!f->verified && !Matches(util::JoinPath(output_, path), *f))) return nullptr;
  return f;
}

std::string_view Publisher::PublishedKey(const std::string& path) const {
  const PublishedFile* f = IntactPublished(path);
  return f ? std::string_view(f->key) : std::string_view();
}

bool Publisher::KeepPublished(const std::string& path, std::string_view key) {
  PublishedFile* f = IntactPublished(path);
  if (!f || f->key.empty() || (!key.empty() && f->key != key)) return false;
  f->kept = true;  // kept_key "": the published key (MergeKept)
  return true;
}

bool Publisher::AllIntact(bool as_opened) const {
  if (published_.empty()) return false;
  if (!as_opened || !intact_) {
    for (const auto& [path, f] : published_) {
      if (!Matches(util::JoinPath(output_, path), f)) return false;
    }
  }
  return true;
}

bool Publisher::KeepAll(bool as_opened) {
  if (!AllIntact(as_opened)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  next_ = published_;
  return true;
}

// Called once per kept file, from the render threads: the mark goes on the
// published entry itself (published_ does not change while files arrive,
// and each path arrives once), so keeping ~134,500 files at 100,000
// postmortems takes no lock and no insertion into a map; MergeKept adds
// them to the new site's manifest in one ordered pass.
void Publisher::Keep(const std::string& path, const std::string& key) {
  PublishedFile* f = FindPublished(path);
  if (!f) return;  // (Keep follows a PublishedKey that found it)
  f->kept = true;
  // Nearly always the published key (a file is kept because its key is
  // unchanged): then nothing is copied, "" stands for it.
  if (key != f->key) f->kept_key = key;
}

// The files Keep marked, into next_ (which holds those Put wrote or found
// unchanged): both are in path order, so each goes in at the end.
void Publisher::MergeKept() {
  std::lock_guard<std::mutex> lock(mu_);
  Manifest merged;
  auto put = next_.begin();
  for (auto& [path, f] : published_) {
    if (!f.kept) continue;
    while (put != next_.end() && put->first < path) {
      merged.emplace_hint(merged.end(), put->first, std::move(put->second));
      ++put;
    }
    if (put != next_.end() && put->first == path) continue;  // Put wins (never both)
    // Field by field: a copy of the whole entry would copy its old key and
    // kept_key only to replace and clear them (two strings per kept file).
    // kept_key "" stands for the published key (Keep, KeepPublished).
    PublishedFile g;
    g.key = f.kept_key.empty() ? f.key : std::move(f.kept_key);
    g.content = f.content;
    g.size = f.size;
    g.mtime_ns = f.mtime_ns;
    g.inode = f.inode;
    g.verified = f.verified;
    g.links = f.links;
    f.kept = false;
    f.kept_key.clear();
    merged.emplace_hint(merged.end(), path, std::move(g));
  }
  for (; put != next_.end(); ++put) merged.emplace_hint(merged.end(), put->first, std::move(put->second));
  next_ = std::move(merged);
}

// Staging is about to change: until it is consistent again, it has no
// manifest (so a crash or a failed build leaves it "unknown", never wrong).
// First it loses everything the new site cannot take from it, so a build
// needs no more room than the files it changes (on a full disk, nothing
// half-written is kept and written around): an unknown staging folder (a
// build failed or was killed in it) is emptied; a known one keeps only
// its hard links to the published files. Then its marker is replaced by a
// new file, so any manifest of the folder as it was no longer matches it.
// The folder holds a marker at every step, so a build killed at any point
// leaves a folder the next one recognises as its own (output_guard.h).
void Publisher::TouchStaging() {
  std::lock_guard<std::mutex> lock(mu_);
  if (staging_touched_) return;
  staging_touched_ = true;
  LoadStagingManifest();
  const std::string marker = util::JoinPath(staging_, kOutputMarker);
  const std::string& text = OutputMarkerText();
  staged_marker_.content = util::Fingerprint(text);
  staged_marker_.key = staged_marker_.content;
  staged_marker_.size = -1;  // until written (Commit reports it)
  struct stat st;
  std::string error;
  util::MakeDirs(staging_, nullptr);
  if (lstat(marker.c_str(), &st) != 0 && !WriteNew(marker, text, &st, &error)) return;
  Step();
  unlink(staging_manifest_path_.c_str());
  if (!staging_known_) {
    EmptyStaging();
    staged_.clear();
  } else {
    // Both in path order: the published entry of each staged file is found
    // by walking the two side by side, not by a search per file.
    auto out = published_.begin();
    for (auto it = staged_.begin(); it != staged_.end();) {
      while (out != published_.end() && out->first < it->first) ++out;
      if (it->first == kOutputMarker) {
        it = staged_.erase(it);  // replaced below
        continue;
      }
      if (out != published_.end() && out->first == it->first &&
          out->second.inode == it->second.inode) {
        ++it;
        continue;
      }
      RemovePath(util::JoinPath(staging_, it->first));
      for (std::string d = util::DirName(it->first); !d.empty() && d != "."; d = util::DirName(d))
        pruned_dirs_.push_back(d);
      it = staged_.erase(it);
    }
  }
  const std::string fresh = marker + ".new";
  if (!WriteNew(fresh, text, &st, &error)) return;
  Step();
  if (rename(fresh.c_str(), marker.c_str()) != 0) return;
  FromStat(st, &staged_marker_);
}

// Removes everything in staging but its marker (last, so the folder stays
// recognisably casebook's however far this gets).
void Publisher::EmptyStaging() {
  std::error_code ec;
  std::vector<fs::path> entries;
  for (auto it = fs::directory_iterator(staging_, ec); !ec && it != fs::directory_iterator();
       it.increment(ec))
    if (it->path().filename() != kOutputMarker) entries.push_back(it->path());
  for (const auto& p : entries) {
    Step();
    fs::remove_all(p, ec);
  }
}

bool Publisher::Stage(const std::string& path, const std::string& content, PublishedFile* file,
                      std::string* error) {
  TouchStaging();
  {
    std::lock_guard<std::mutex> lock(mu_);
    restaged_.insert(path);
  }
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
  bool write = !PublishedSame(path, &f);
  if (write && output_exists_ && published_.empty()) {
    // No manifest (first build with one, or it was lost): compare bytes.
    struct stat st;
    if (SameBytes(util::JoinPath(output_, path), content, &st)) {
      FromStat(st, &f);
      write = false;
    }
  }
  if (write && !Stage(path, content, &f, error)) return false;
  Record(path, std::move(f), write);
  return true;
}

// True (with `f`'s size, mtime and inode) when the published file at `path`
// is still there with `f`'s content hash.
bool Publisher::PublishedSame(const std::string& path, PublishedFile* f) const {
  const PublishedFile* p = FindPublished(path);
  if (!p || p->content != f->content ||
      !(p->verified || Matches(util::JoinPath(output_, path), *p)))
    return false;
  f->size = p->size;
  f->mtime_ns = p->mtime_ns;
  f->inode = p->inode;
  return true;
}

void Publisher::Record(const std::string& path, PublishedFile f, bool written) {
  std::lock_guard<std::mutex> lock(mu_);
  next_[path] = std::move(f);
  written_[path] = written;
}

std::unique_ptr<Publisher::Stream> Publisher::OpenStream(const std::string& path,
                                                         std::string* error) {
  TouchStaging();
  {
    std::lock_guard<std::mutex> lock(mu_);
    restaged_.insert(path);
  }
  std::unique_ptr<Stream> s(new Stream(this, path, util::JoinPath(staging_, path)));
  s->fd_ = OpenNew(s->full_, error);
  if (s->fd_ < 0) return nullptr;
  return s;
}

Publisher::Stream::~Stream() {
  if (fd_ < 0) return;
  close(fd_);
  RemovePath(full_);  // never finished: nothing half-written stays
}

bool Publisher::Stream::Write(std::string_view bytes, std::string* error) {
  if (fd_ < 0) {
    *error = full_ + ": write failed";
    return false;
  }
  hash_.AddBytes(bytes.data(), bytes.size());
  if (WriteAll(fd_, bytes, full_, error)) return true;
  close(fd_);
  fd_ = -1;
  RemovePath(full_);
  return false;
}

bool Publisher::Stream::Close(const std::string& key, std::string* error) {
  if (fd_ < 0) {
    *error = full_ + ": write failed";
    return false;
  }
  Step();
  struct stat st;
  const bool ok = fstat(fd_, &st) == 0;
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0 || !ok) {
    *error = full_ + ": write failed: " + std::strerror(errno);
    RemovePath(full_);
    return false;
  }
  PublishedFile f;
  f.content = hash_.Hex();  // (the same hash as util::Fingerprint of the bytes)
  f.key = key.empty() ? f.content : key;
  FromStat(st, &f);
  bool same = pub_->PublishedSame(path_, &f);
  if (!same && pub_->output_exists_ && pub_->published_.empty()) {
    // No manifest: compare bytes, as Put does.
    struct stat out;
    const std::string published = util::JoinPath(pub_->output_, path_);
    if (SameFileBytes(published, full_, &out)) {
      FromStat(out, &f);
      same = true;
    }
  }
  // The published file is the same: it is linked into staging as any
  // unchanged file (it keeps its inode and mtime), not this copy.
  if (same) RemovePath(full_);
  pub_->Record(path_, std::move(f), !same);
  return true;
}

bool Publisher::SyncStaging(std::string* error) {
  TouchStaging();
  if (staged_marker_.size < 0) {
    *error = "cannot write " + util::JoinPath(staging_, kOutputMarker) + ": " +
             std::strerror(errno) + " (disk full?)";
    return false;
  }
  next_[kOutputMarker] = staged_marker_;
  written_[kOutputMarker] = true;
  // Unchanged files: hard links to the published ones. Most already are
  // (staging is the previous generation): staging's manifest lists them
  // with the published file's inode, and the link count Open's lstat saw
  // (two: the output's and staging's) says that second link is still
  // there, so they need no lstat (134,500 at 100,000 postmortems). One
  // deleted or replaced in staging by hand leaves its published file with
  // one link; that file, one with more links, and any other (no entry in
  // staging's manifest, or one this build wrote over: restaged_) is
  // lstat'd, on every core, against the inode Open verified, and linked
  // when it is not that file. (What this cannot tell: a hard link made
  // outside, a `cp -al` backup, and then staging's own one deleted by
  // hand; staging is casebook's hidden folder.) (written_ lists the files
  // Put saw, a few on an edit; every other file of the new site was kept.)
  std::vector<const std::string*> unwritten;
  auto w = written_.begin();
  for (const auto& [path, f] : next_) {
    const bool written = w != written_.end() && w->first == path && w->second;
    if (w != written_.end() && w->first == path) ++w;
    if (!written) unwritten.push_back(&path);
  }
  // Their published entries, found in one ordered walk (both in path order).
  std::vector<const PublishedFile*> published(unwritten.size(), nullptr);
  {
    auto p = published_.begin();
    for (size_t i = 0; i < unwritten.size(); ++i) {
      while (p != published_.end() && p->first < *unwritten[i]) ++p;
      if (p != published_.end() && p->first == *unwritten[i]) published[i] = &p->second;
    }
  }
  std::vector<char> linked(unwritten.size(), 0);
  struct stat staging_st;
  if (staging_known_ && stat(staging_.c_str(), &staging_st) == 0 &&
      static_cast<uint64_t>(staging_st.st_dev) == output_device_) {
    auto s = staged_.begin();  // both in path order
    for (size_t i = 0; i < unwritten.size(); ++i) {
      while (s != staged_.end() && s->first < *unwritten[i]) ++s;
      const PublishedFile* f = published[i];
      linked[i] = s != staged_.end() && s->first == *unwritten[i] && f && f->verified &&
                  f->links == 2 && s->second.inode == f->inode && !restaged_.count(s->first);
    }
  }
  const FolderStat staging(staging_);
  util::ParallelFor(unwritten.size(), util::DefaultJobs(), [&](size_t i) {
    if (linked[i]) return;
    const PublishedFile* f = published[i];
    struct stat st;
    linked[i] = f && f->verified && staging.Lstat(*unwritten[i], &st) && S_ISREG(st.st_mode) &&
                static_cast<uint64_t>(st.st_ino) == f->inode &&
                static_cast<uint64_t>(st.st_dev) == output_device_;
  });
  for (size_t i = 0; i < unwritten.size(); ++i) {
    if (linked[i]) continue;
    const std::string& path = *unwritten[i];
    if (!LinkInto(util::JoinPath(output_, path), util::JoinPath(staging_, path), error))
      return false;
  }
  // What staging holds that the new site does not (staging was emptied by
  // TouchStaging when it was not known).
  // Both in path order: one walk side by side, not a search of next_ per
  // staged file (134,500 at 100,000 postmortems).
  std::vector<std::string> files, dirs = pruned_dirs_;
  auto n = next_.begin();
  for (const auto& [path, f] : staged_) {
    while (n != next_.end() && n->first < path) ++n;
    if (n != next_.end() && n->first == path) continue;
    files.push_back(path);
    // Its folders may be left empty: try them, deepest first.
    for (std::string d = util::DirName(path); !d.empty() && d != "."; d = util::DirName(d))
      dirs.push_back(d);
  }
  for (const auto& rel : files) RemovePath(util::JoinPath(staging_, rel));
  std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
    const auto da = std::count(a.begin(), a.end(), '/'), db = std::count(b.begin(), b.end(), '/');
    return da != db ? da > db : a < b;
  });
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (const auto& d : dirs) rmdir(util::JoinPath(staging_, d).c_str());  // fails if not empty
  return true;
}

// The next build updates staging in place, which needs staging to be the
// previous generation: after a first publish there is none, and making it
// then (a folder and a hard link per page, ~18 s at 100,000 postmortems on
// ext4) would fall on the first edit. It is made here instead, at the end
// of the build that wrote every file anyway: the folders, then the links,
// on every core, then its marker and its manifest (the new output's, with
// staging's marker). Best effort: a failure or a kill half way leaves a
// staging folder without a manifest, which the next build empties
// (TouchStaging), as after any build that failed in it; the published site
// is not touched (links only raise its files' link counts).
void Publisher::LinkStagingCopy() {
  unlink(staging_manifest_path_.c_str());  // (one left from a staging folder deleted by hand)
  if (!util::MakeDirs(staging_, nullptr)) return;
  struct stat st;
  std::string error;
  const std::string marker = util::JoinPath(staging_, kOutputMarker);
  if (!WriteNew(marker, OutputMarkerText(), &st, &error)) return;
  std::vector<const std::string*> paths;
  std::vector<std::string> dirs;
  paths.reserve(next_.size());
  for (const auto& [path, f] : next_) {
    if (path == kOutputMarker) continue;
    paths.push_back(&path);
    std::string dir = util::DirName(path);
    if (!dir.empty() && dir != "." && (dirs.empty() || dirs.back() != dir))
      dirs.push_back(std::move(dir));
  }
  std::sort(dirs.begin(), dirs.end());  // a parent before its children
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  std::atomic<bool> failed{false};
  util::ParallelFor(dirs.size(), util::DefaultJobs(), [&](size_t i) {
    Step();
    if (!MakeDirChain(util::JoinPath(staging_, dirs[i]))) failed = true;
  });
  if (failed) return;
  util::ParallelFor(paths.size(), util::DefaultJobs(), [&](size_t i) {
    if (failed) return;
    Step();
    if (link(util::JoinPath(output_, *paths[i]).c_str(),
             util::JoinPath(staging_, *paths[i]).c_str()) != 0)
      failed = true;
  });
  if (failed) return;
  // The manifest: every file as in the output (the same inodes), and
  // staging's own marker, which is what makes a later build trust it.
  auto it = next_.find(kOutputMarker);
  if (it == next_.end()) return;
  PublishedFile own_marker = it->second;
  FromStat(st, &own_marker);
  std::swap(it->second, own_marker);
  Step();
  WriteManifest(staging_manifest_path_, next_, std::string(), staging_, staging_name_);
  std::swap(it->second, own_marker);
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
  MergeKept();
  for (const auto& [rel, full] : statics) {
    if (next_.count(rel) || rel == kOutputMarker) continue;
    auto bytes = util::ReadFile(full, error);
    if (!bytes || !Put(rel, "", *bytes, error)) return false;
  }
  // The published marker stays when nothing else changes; any other change
  // writes a new one (SyncStaging).
  auto marker = published_.find(kOutputMarker);
  const bool marker_ok = marker != published_.end() &&
                         marker->second.content == util::Fingerprint(OutputMarkerText()) &&
                         Matches(util::JoinPath(output_, kOutputMarker), marker->second);
  if (marker_ok) {
    next_[kOutputMarker] = marker->second;
    written_[kOutputMarker] = false;
  }

  bool changed = !output_exists_ || published_.empty() || !marker_ok || output_unlisted_;
  for (const auto& [path, written] : written_) {
    if (path == kOutputMarker) continue;
    if (written) ++stats->written;
    changed = changed || written;
  }
  stats->unchanged = static_cast<int>(next_.size() - next_.count(kOutputMarker)) - stats->written;
  // The published files against the new site's, both in path order: which
  // are gone, and whether every key stayed.
  bool same_keys = true;
  {
    auto n = next_.begin();
    for (const auto& [path, f] : published_) {
      while (n != next_.end() && n->first < path) {
        same_keys = false;  // a new file
        ++n;
      }
      if (n == next_.end() || n->first != path) {
        ++stats->removed;
        changed = true;
        continue;
      }
      same_keys = same_keys && n->second.key == f.key;
      ++n;
    }
    if (n != next_.end()) same_keys = false;
  }
  if (!changed) {
    // Nothing to move; only keys may differ (e.g. a template edit that left
    // a page's bytes as they were).
    if (!same_keys || site_key != published_site_key_ || revalidated_) {
      Step();
      WriteManifest(output_manifest_path_, next_, site_key, output_, output_name_);
    }
    committed_ = true;
    return true;
  }

  if (!SyncStaging(error)) return false;
  // The old output becomes the staging folder: its manifest describes it
  // exactly when it listed every file there (else the next build empties
  // it). When the manifest file is still what Open read (no restored file
  // trusted again since), it is moved to be staging's as it is, rather than
  // written anew: until the swap it lists the output's marker, which is not
  // staging's, so it vouches for nothing (LoadStagingManifest).
  const bool describes_old_output = output_exists_ && !published_.empty() && !output_unlisted_;
  bool moved = false;
  if (describes_old_output && !revalidated_) {
    Step();
    moved = rename(output_manifest_path_.c_str(), staging_manifest_path_.c_str()) == 0;
  }
  if (!published_.empty() && !moved) {  // (an older casebook's is kept: it vouches for the output)
    Step();
    unlink(output_manifest_path_.c_str());  // stale from the swap on
  }
  if (!SwapIn(staging_, output_, error)) return false;
  committed_ = true;
  Step();
  bool ok = WriteManifest(output_manifest_path_, next_, site_key, output_, output_name_);
  // No previous site was swapped out (the first publish): staging is made
  // now, so the next build does not have to (LinkStagingCopy).
  if (ok && !util::IsDirectory(staging_)) {
    LinkStagingCopy();
    return true;
  }
  if (describes_old_output && util::IsDirectory(staging_)) {
    if (!moved) {
      Step();
      WriteManifest(staging_manifest_path_, published_, published_site_key_, staging_,
                      staging_name_);
    }
  } else {
    Step();
    unlink(staging_manifest_path_.c_str());
  }
  (void)ok;  // without a manifest the next build compares bytes instead
  return true;
}

}  // namespace casebook::site
