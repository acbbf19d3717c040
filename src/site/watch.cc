#include "site/watch.h"

#include <sys/stat.h>

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

void AddTree(const std::string& label, const std::string& root, const std::string& extension,
             util::StreamHash* h) {
  util::WalkResult walk = util::WalkFiles(root, extension);
  h->AddString(label);
  h->AddInt(static_cast<int64_t>(walk.files.size()));
  for (const auto& f : walk.files) AddFile(f.relative, f.path, h);
}

}  // namespace

std::string StampInputs(const config::SiteConfig& cfg) {
  util::StreamHash h;
  AddFile("site.toml", cfg.config_path, &h);
  AddTree("content", cfg.SourceDir(), ".md", &h);
  AddTree("theme", cfg.ThemeDir(), "", &h);
  AddTree("static", util::JoinPath(cfg.root, "static"), "", &h);
  return h.Hex();
}

}  // namespace casebook::site
