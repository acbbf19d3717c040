#include "site/watch.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "util/confine.h"
#include "util/fs.h"
#include "util/hash.h"

namespace casebook::site {
namespace {

void AddFile(const std::string& label, const std::string& path, util::StreamHash* h) {
  struct stat st {};
  h->AddString(label);
  if (::stat(path.c_str(), &st) != 0) {
    h->AddInt(-1);  // missing (or unreadable) is a state of its own
    return;
  }
  h->AddInt(static_cast<int64_t>(st.st_size));
  h->AddInt(static_cast<int64_t>(st.st_mtim.tv_sec));
  h->AddInt(static_cast<int64_t>(st.st_mtim.tv_nsec));
  h->AddInt(static_cast<int64_t>(st.st_ino));
}

void AddTree(const std::string& label, const std::string& site_root, const std::string& root,
             const std::string& extension, util::StreamHash* h) {
  // Links out of the site are never read (build reports them), nor walked:
  // static/root -> / would have every poll stat the whole machine.
  const std::vector<std::string> roots = util::AllowedRoots(site_root, root);
  util::WalkResult walk = util::WalkFiles(root, extension, &roots);
  h->AddString(label);
  h->AddInt(static_cast<int64_t>(walk.files.size()));
  for (const auto& f : walk.files) AddFile(f.relative, f.path, h);
}

}  // namespace

std::string StampInputs(const config::SiteConfig& cfg) {
  util::StreamHash h;
  AddFile("site.toml", cfg.config_path, &h);
  // Every file: images and other files beside postmortems are published too.
  AddTree("content", cfg.root, cfg.SourceDir(), "", &h);
  AddTree("theme", cfg.root, cfg.ThemeDir(), "", &h);
  AddTree("static", cfg.root, util::JoinPath(cfg.root, "static"), "", &h);
  return h.Hex();
}

namespace {

constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                             IN_MOVED_TO | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

}  // namespace

InputWatcher::InputWatcher(const config::SiteConfig& cfg) {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  Rewatch(cfg);
}

InputWatcher::~InputWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

void InputWatcher::Add(const std::string& dir, bool recursive) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  if (::inotify_add_watch(fd_, dir.c_str(), kEvents) < 0) {
    ::close(fd_);  // e.g. out of watches: poll the stamp instead
    fd_ = -1;
    return;
  }
  if (!recursive) return;
  for (fs::recursive_directory_iterator it(dir, ec), end; fd_ >= 0 && !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {  // not inputs (see StampInputs)
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec) && ::inotify_add_watch(fd_, it->path().c_str(), kEvents) < 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
}

void InputWatcher::Rewatch(const config::SiteConfig& cfg) {
  cfg_ = cfg;
  if (fd_ < 0) return;
  Add(cfg.root.empty() ? "." : cfg.root, false);  // site.toml
  Add(cfg.SourceDir(), true);
  Add(cfg.ThemeDir(), true);
  Add(util::JoinPath(cfg.root, "static"), true);
}

bool InputWatcher::MaybeChanged() {
  if (fd_ < 0) return true;
  alignas(inotify_event) char buf[16 * 1024];
  bool any = false, new_dir = false;
  ssize_t n;
  while ((n = ::read(fd_, buf, sizeof buf)) > 0) {
    any = true;
    for (char* p = buf; p < buf + n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(p);
      if (e->mask & IN_Q_OVERFLOW) new_dir = true;  // events lost: look again everywhere
      if ((e->mask & IN_ISDIR) && (e->mask & (IN_CREATE | IN_MOVED_TO))) new_dir = true;
      p += sizeof(inotify_event) + e->len;
    }
  }
  if (new_dir) Rewatch(cfg_);  // watches for folders made since (re-adding is harmless)
  return any;
}

}  // namespace casebook::site
