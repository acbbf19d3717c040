// Is the output folder one a build may replace? (see output_guard.h)
#include "site/output_guard.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <utility>
#include <vector>

#include "site/publish.h"
#include "util/fs.h"

namespace fs = std::filesystem;

namespace casebook::site {
namespace {

const char kHint[] =
    "set `output` in site.toml (or --output) to a folder of its own, e.g. \"public\"";

// `p` absolute, with every symbolic link in the part that exists resolved.
fs::path Real(const std::string& p) {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(fs::absolute(p.empty() ? "." : p), ec);
  if (ec) real = fs::absolute(p.empty() ? "." : p).lexically_normal();
  if (real.filename().empty() && real != real.root_path()) real = real.parent_path();
  return real;
}

// True when `inner` is `outer` or inside it.
bool IsWithin(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // trailing slash
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

std::vector<std::string> HomeFolders() {
  std::vector<std::string> homes;
  if (const char* home = std::getenv("HOME"); home && *home) homes.push_back(home);
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir && *pw->pw_dir)
    homes.push_back(pw->pw_dir);
  return homes;
}

// Why `out` (resolved) may not be replaced, or "" when it overlaps nothing.
std::string Overlap(const config::SiteConfig& cfg, const std::string& cache_dir,
                    const fs::path& out) {
  const std::string root = cfg.root.empty() ? "." : cfg.root;
  // Folders the output may be in but never hold.
  std::vector<std::pair<std::string, std::string>> holders = {
      {"the site folder", root}, {"the config file", cfg.config_path}};
  for (const auto& home : HomeFolders()) holders.push_back({"the home folder", home});
  for (const auto& [what, path] : holders) {
    if (IsWithin(Real(path), out))
      return (out == Real(path) ? "is " : "holds ") + what + " (" + Real(path).string() + ")";
  }
  // Folders it may be neither in nor hold.
  const std::vector<std::pair<std::string, std::string>> separate = {
      {"the content folder", cfg.SourceDir()},
      {"the static folder", util::JoinPath(root, "static")},
      {"the layouts folder", util::JoinPath(root, "layouts")},
      {"the archetypes folder", util::JoinPath(root, "archetypes")},
      {"the themes folder", util::JoinPath(root, "themes")},
      {"the theme", cfg.ThemeDir()},
      {"the build cache", cache_dir},
      {"the search index", cfg.IndexDir()},
      {"the git repository", util::JoinPath(root, ".git")},
  };
  for (const auto& [what, path] : separate) {
    const fs::path other = Real(path);
    if (IsWithin(out, other) || IsWithin(other, out))
      return (out == other ? "is " : IsWithin(out, other) ? "is inside " : "holds ") + what +
             " (" + path + ")";
  }
  for (const auto& part : out)
    if (part == ".git") return "is inside a git repository's .git folder";
  return "";
}

// Every file (not folder) under `dir`, relative.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  const size_t prefix = dir.size() + 1;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec))
      files.push_back(it->path().string().substr(prefix));
  }
  return files;
}

// True when a manifest at one of `manifests` lists every file in `dir`
// (what a site an older casebook published, before the marker, looks like).
bool ListedByManifest(const std::string& name, const std::vector<std::string>& files,
                      const std::vector<std::string>& manifests) {
  for (const auto& path : manifests) {
    ManifestFile m;
    if (!ReadManifest(path, &m) || m.files.empty()) continue;
    if (!m.legacy && m.folder != name) continue;
    bool all = true;
    for (const auto& f : files) all = all && m.files.count(f);
    if (all) return true;
  }
  return false;
}

enum class Ownership { kAbsent, kOurs, kNotFolder, kLink, kForeign };

// `dir` is the folder; `name`, its FolderName in the manifests.
Ownership Owner(const std::string& dir, const std::string& name,
                const std::vector<std::string>& manifests) {
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) return Ownership::kAbsent;
  if (S_ISLNK(st.st_mode)) return Ownership::kLink;
  if (!S_ISDIR(st.st_mode)) return Ownership::kNotFolder;
  if (lstat(util::JoinPath(dir, kOutputMarker).c_str(), &st) == 0 && S_ISREG(st.st_mode))
    return Ownership::kOurs;
  const std::vector<std::string> files = FilesUnder(dir);
  if (files.empty() || ListedByManifest(name, files, manifests)) return Ownership::kOurs;
  return Ownership::kForeign;
}

}  // namespace

bool CheckOutputFolder(const config::SiteConfig& cfg, const std::string& cache_dir,
                       util::Diagnostics* diags) {
  const std::string output = NormalFolder(cfg.OutputDir());
  const std::string why = Overlap(cfg, cache_dir, Real(output));
  if (!why.empty()) {
    diags->Error(cfg.config_path, 0, "output/overlap",
                 "output folder " + cfg.OutputDir() + " " + why +
                     ": casebook replaces the output folder on every build",
                 kHint);
    return false;
  }
  const std::string staging = StagingDirFor(output);
  const std::vector<std::string> manifests = {OutputManifestPath(cache_dir, output),
                                              StagingManifestPath(cache_dir, output)};
  for (const auto& [dir, role] : {std::pair{output, "output folder"},
                                  std::pair{staging, "staging folder (beside the output)"}}) {
    std::string problem, hint;
    switch (Owner(dir, FolderName(cache_dir, dir), manifests)) {
      case Ownership::kAbsent:
      case Ownership::kOurs:
        continue;
      case Ownership::kLink:
        problem = "is a symbolic link";
        hint = "casebook replaces the folder, not what a link points to: set `output` to the "
               "real folder, or remove the link";
        break;
      case Ownership::kNotFolder:
        problem = "is a file, not a folder";
        hint = std::string(kHint) + ", or move the file away";
        break;
      case Ownership::kForeign:
        problem = std::string("is not empty and was not written by casebook (it has no ") +
                  kOutputMarker + " file); a build replaces the whole folder, and casebook "
                  "never deletes files it did not write";
        hint = std::string(kHint) + ", or empty " + dir + " yourself if its files may go";
        break;
    }
    diags->Error(dir, 0, "output/not-ours", std::string(role) + " " + dir + " " + problem, hint);
    return false;
  }
  return true;
}

}  // namespace casebook::site
