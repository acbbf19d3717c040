#include "site/publish.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "util/fs.h"

namespace fs = std::filesystem;

namespace casebook::site {
namespace {

// One file of the new output: rendered bytes, or a static file to copy.
struct Entry {
  const std::string* content = nullptr;
  std::string static_path;
};

bool SameBytes(const std::string& path, const std::string& content) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) != content.size())
    return false;
  auto old = util::ReadFile(path, nullptr);
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
  if (syscall(SYS_renameat2, AT_FDCWD, staging.c_str(), AT_FDCWD, output.c_str(),
              RENAME_EXCHANGE) == 0) {
    fs::remove_all(staging, ec);  // now holds the previous site
    return true;
  }
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
      entries[rel] = Entry{nullptr, it->path().string()};
    }
  }
  for (const auto& f : files) entries[f.path] = Entry{&f.content, {}};

  fs::path out = fs::absolute(output_dir).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();
  const std::string output = out.string();
  const std::string staging =
      (out.parent_path() / ("." + out.filename().string() + ".staging-" +
                            std::to_string(getpid())))
          .string();
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (!util::MakeDirs(staging, error)) return false;

  auto fail = [&](const std::string& message) {
    *error = message;
    fs::remove_all(staging, ec);
    return false;
  };
  for (const auto& [rel, entry] : entries) {
    std::string target = util::JoinPath(staging, rel);
    std::string previous = util::JoinPath(output, rel);
    std::string content;
    if (entry.content) {
      content = *entry.content;
    } else {
      auto bytes = util::ReadFile(entry.static_path, error);
      if (!bytes) return fail(*error);
      content = std::move(*bytes);
    }
    fs::create_directories(fs::path(target).parent_path(), ec);
    if (SameBytes(previous, content) && link(previous.c_str(), target.c_str()) == 0) {
      ++stats->unchanged;
      continue;
    }
    if (!util::WriteFile(target, content, error)) return fail(*error);
    ++stats->written;
  }
  if (!SwapIn(staging, output, error)) {
    fs::remove_all(staging, ec);
    return false;
  }
  return true;
}

}  // namespace casebook::site
