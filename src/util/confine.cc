// Confinement to the site folder (see confine.h).
#include "util/confine.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <system_error>

namespace fs = std::filesystem;

namespace casebook::util {

namespace {

// `inner` is `outer` or below it, component by component (no file system).
bool LexicallyWithin(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // trailing slash
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

fs::path Absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path.empty() ? "." : path, ec);
  return p.lexically_normal();
}

bool InsideAny(const std::string& canonical, const std::vector<std::string>& roots) {
  for (const auto& root : roots)
    if (IsInsideFolder(canonical, root)) return true;
  return false;
}

void Scan(const fs::path& dir, const std::vector<std::string>& roots,
          std::set<std::string>* seen, std::vector<OutsideLink>* out) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) return;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::directory_entry& entry = *it;
    const bool link = entry.is_symlink(ec);
    const bool folder = entry.is_directory(ec);  // follows the link
    if (!link && !folder) continue;  // a plain file in a folder inside is inside
    const std::string real = RealPath(entry.path().string());
    if (real.empty()) continue;  // broken: nothing to read
    if (!InsideAny(real, roots)) {
      out->push_back({entry.path().string(), real});
      continue;
    }
    if (folder && seen->insert(real).second) Scan(entry.path(), roots, seen, out);
  }
}

}  // namespace

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (!::realpath(path.empty() ? "." : path.c_str(), buf)) return "";
  return buf;
}

bool IsInsideFolder(const std::string& path, const std::string& folder) {
  if (folder.empty() || path.empty()) return false;
  if (folder == "/") return path.front() == '/';
  return path.compare(0, folder.size(), folder) == 0 &&
         (path.size() == folder.size() || path[folder.size()] == '/');
}

std::vector<std::string> AllowedRoots(const std::string& site_root, const std::string& dir) {
  std::vector<std::string> roots;
  const std::string root = RealPath(site_root);
  if (!root.empty()) roots.push_back(root);
  if (!LexicallyWithin(Absolute(dir), Absolute(site_root))) {
    const std::string own = RealPath(dir);
    if (!own.empty()) roots.push_back(own);
  }
  return roots;
}

std::optional<std::string> ResolvesOutside(const std::string& path,
                                           const std::vector<std::string>& roots) {
  const std::string real = RealPath(path);
  if (real.empty() || InsideAny(real, roots)) return std::nullopt;
  return real;
}

std::vector<OutsideLink> LinksOutside(const std::string& dir,
                                      const std::vector<std::string>& roots) {
  std::vector<OutsideLink> out;
  const std::string real = RealPath(dir);
  if (real.empty()) return out;
  if (!InsideAny(real, roots)) return {{dir, real}};
  std::set<std::string> seen{real};
  Scan(fs::path(dir), roots, &seen, &out);
  std::sort(out.begin(), out.end(),
            [](const OutsideLink& a, const OutsideLink& b) { return a.path < b.path; });
  return out;
}

}  // namespace casebook::util
