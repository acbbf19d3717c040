#include "site/publish.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <vector>

#include "util/fs.h"

namespace fs = std::filesystem;

namespace casebook::site {
namespace {

// One file of the new output: rendered bytes, a static file to copy, or
// (reuse) the file already in the output, which the page cache vouched for.
struct Entry {
  const std::string* content = nullptr;
  std::string static_path;
  bool reuse = false;
};

bool SameBytes(const std::string& path, const std::string& content) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) != content.size())
    return false;
  auto old = util::ReadFile(path, nullptr);
  return old && *old == content;
}

// Makes `target` a hard link to `previous` (the published file), unless it
// already is one. Writes into neither file.
bool LinkInto(const std::string& previous, const std::string& target, std::string* error) {
  struct stat a, b;
  if (lstat(target.c_str(), &b) == 0 && stat(previous.c_str(), &a) == 0 &&
      a.st_ino == b.st_ino && a.st_dev == b.st_dev)
    return true;
  unlink(target.c_str());
  if (link(previous.c_str(), target.c_str()) != 0) {
    std::error_code ec;
    fs::create_directories(fs::path(target).parent_path(), ec);
    if (link(previous.c_str(), target.c_str()) != 0) {
      if (error) *error = "cannot link " + previous + " to " + target + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

// Removes what the staging folder (the previous generation) holds that the
// new site does not: stale files, then folders left empty.
void RemoveOthers(const std::string& staging, const std::map<std::string, Entry>& entries) {
  std::error_code ec;
  std::vector<fs::path> dirs;
  const size_t prefix = fs::path(staging).generic_string().size() + 1;
  for (auto it = fs::recursive_directory_iterator(staging, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      dirs.push_back(it->path());
      continue;
    }
    std::string rel = it->path().generic_string().substr(prefix);
    if (!entries.count(rel)) fs::remove(it->path(), ec);
  }
  // Deepest first, so a folder's empty sub-folders go before it.
  for (auto d = dirs.rbegin(); d != dirs.rend(); ++d)
    if (fs::is_empty(*d, ec)) fs::remove(*d, ec);
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

}  // namespace

bool Publish(const std::vector<render::OutputFile>& files,
             const std::vector<std::string>& static_dirs,
             const std::string& output_dir, PublishStats* stats,
             std::string* error) {
  std::map<std::string, Entry> entries;  // sorted: deterministic work order
  for (const auto& dir : static_dirs) {
    if (!util::IsDirectory(dir)) continue;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      // A prefix strip, not fs::relative (which canonicalises every path).
      std::string rel = it->path().generic_string().substr(fs::path(dir).generic_string().size());
      while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
      entries[rel] = Entry{nullptr, it->path().string(), false};
    }
  }
  for (const auto& f : files) entries[f.path] = Entry{&f.content, {}, f.reuse};

  fs::path out = fs::absolute(output_dir).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();
  const std::string output = out.string();
  const std::string name = out.filename().string();
  const std::string staging = (out.parent_path() / ("." + name + ".staging")).string();
  std::error_code ec;
  fs::create_directories(out.parent_path(), ec);

  // One publisher at a time: the staging folder is shared between builds.
  const std::string lock_path = (out.parent_path() / ("." + name + ".lock")).string();
  int lock = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    *error = "cannot lock " + lock_path + ": " + std::strerror(errno);
    if (lock >= 0) close(lock);
    return false;
  }
  struct Unlock {
    int fd;
    ~Unlock() { close(fd); }
  } unlock{lock};

  if (fs::exists(staging, ec) && !fs::is_directory(staging, ec)) fs::remove(staging, ec);
  if (!util::MakeDirs(staging, error)) return false;

  for (const auto& [rel, entry] : entries) {
    std::string target = util::JoinPath(staging, rel);
    std::string previous = util::JoinPath(output, rel);
    if (entry.reuse) {
      if (!LinkInto(previous, target, error)) return false;
      ++stats->unchanged;
      continue;
    }
    std::string content;
    if (entry.content) {
      content = *entry.content;
    } else {
      auto bytes = util::ReadFile(entry.static_path, error);
      if (!bytes) return false;
      content = std::move(*bytes);
    }
    if (SameBytes(previous, content) && LinkInto(previous, target, nullptr)) {
      ++stats->unchanged;
      continue;
    }
    if (!util::WriteFile(target, content, error)) return false;
    ++stats->written;
  }
  RemoveOthers(staging, entries);
  return SwapIn(staging, output, error);
}

}  // namespace casebook::site
