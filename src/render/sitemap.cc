// sitemap.xml (sitemaps.org 0.9).
#include <string_view>
#include <unordered_map>

#include "render/outputs.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::render {

void WriteSitemapXml(const View& view, const std::vector<std::string>& page_paths, ChunkOut& chunks) {
  std::unordered_map<std::string_view, std::string> lastmod;  // postmortem url -> YYYY-MM-DD
  for (const auto& pm : view.site().postmortems) {
    if (auto d = UpdatedDate(pm)) lastmod[pm.url] = util::FormatDate(*d, d->offset_minutes);
  }
  std::string& out = chunks.text();
  out += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const auto& path : page_paths) {
    out += "  <url><loc>" + util::XmlEscape(view.Absolute(path)) + "</loc>";
    auto it = lastmod.find(path);
    if (it != lastmod.end()) out += "<lastmod>" + it->second + "</lastmod>";
    out += "</url>\n";
    chunks.Flush();
  }
  out += "</urlset>\n";
}

void AddSitemapInputs(const View& view, util::StreamHash* h) {
  // Besides the page list: each postmortem's URL and the date its
  // <lastmod> is made from (FormatDate reads only these two numbers).
  const auto& pms = view.site().postmortems;
  h->AddInt(static_cast<int64_t>(pms.size()));
  for (const auto& pm : pms) {
    h->AddString(pm.url);
    const auto d = UpdatedDate(pm);
    h->AddInt(d ? 1 : 0);
    if (d) {
      h->AddInt(d->utc_seconds);
      h->AddInt(d->offset_minutes);
    }
  }
}

std::string SitemapXml(const View& view, const std::vector<std::string>& page_paths) {
  return Collect([&](ChunkOut& out) { WriteSitemapXml(view, page_paths, out); });
}

}  // namespace casebook::render
