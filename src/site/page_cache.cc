#include "site/page_cache.h"

#include <filesystem>

#include "util/fs.h"
#include "util/hash.h"

namespace fs = std::filesystem;

namespace casebook::site {

std::string PageCache::PathFor(const config::SiteConfig& cfg) {
  std::error_code ec;
  std::string out = fs::weakly_canonical(fs::absolute(cfg.OutputDir()), ec).string();
  return util::JoinPath(util::JoinPath(cfg.root, ".casebook"),
                        "pages-" + util::Fingerprint(out).substr(0, 16));
}

PageCache PageCache::Load(const config::SiteConfig& cfg) {
  PageCache cache;
  auto text = util::ReadFile(PathFor(cfg), nullptr);
  if (!text) return cache;
  // One "key<TAB>path" per line.
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    std::string line = text->substr(pos, end - pos);
    size_t tab = line.find('\t');
    if (tab != std::string::npos) cache.previous[line.substr(tab + 1)] = line.substr(0, tab);
    pos = end + 1;
  }
  return cache;
}

void PageCache::Save(const config::SiteConfig& cfg) const {
  std::string text;
  for (const auto& [path, key] : next) text += key + '\t' + path + '\n';
  // Best effort: without the cache the next build renders every page.
  util::WriteFileIfChanged(PathFor(cfg), text, nullptr, nullptr);
}

}  // namespace casebook::site
