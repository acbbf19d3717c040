#include "config/config.h"

namespace casebook::config {

std::string SiteConfig::BasePath() const {
  std::string url = base_url;
  size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    size_t slash = url.find('/', scheme + 3);
    url = slash == std::string::npos ? "/" : url.substr(slash);
  }
  if (url.empty() || url.front() != '/') url = "/" + url;
  if (url.back() != '/') url += '/';
  return url;
}

std::string SiteConfig::AbsoluteUrl(const std::string& relative) const {
  std::string base = base_url.empty() ? "/" : base_url;
  if (base.back() != '/') base += '/';
  std::string rel = relative;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  return base + rel;
}

}  // namespace casebook::config
