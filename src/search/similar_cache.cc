// The similar-incidents cache: see similar_cache.h.
//
// Format (text): "casebook-similar <key>\n", then one line per postmortem
// with similar incidents: its id, then per similar incident a tab, the id,
// a space and the shared terms joined by ','. Ids are URL-safe and terms are
// words, so neither holds a tab, space, comma or newline.
#include "search/similar_cache.h"

#include <string_view>
#include <unordered_map>

#include "search/schema.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::search {
namespace {

constexpr int kCacheVersion = 2;  // bump when the results change (similar_engine.h)

std::string CachePath(const std::string& index_dir) {
  return util::JoinPath(index_dir, "similar.cache");
}

}  // namespace

std::string SimilarCacheKey(const model::SiteModel& site, const std::vector<std::string>& hashes) {
  schema::Hasher h;
  h.Add(int64_t{kCacheVersion});
  h.Add(int64_t{schema::kVersion});
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    const auto& pm = site.postmortems[i];
    h.Add(pm.doc.id);
    h.Add(i < hashes.size() ? hashes[i] : std::string());
    h.Add(static_cast<int64_t>(pm.related.size()));
    for (int r : pm.related)
      h.Add(r >= 0 && r < static_cast<int>(site.postmortems.size()) ? site.postmortems[r].doc.id
                                                                    : std::string());
  }
  return h.Hex();
}

bool ReadSimilarCache(const std::string& index_dir, const std::string& key,
                      const std::vector<size_t>& targets, model::SiteModel* site) {
  std::string error;
  auto text = util::ReadFile(CachePath(index_dir), &error);
  if (!text || !util::StartsWith(*text, "casebook-similar " + key + "\n")) return false;
  std::unordered_map<std::string_view, int> index_of;
  index_of.reserve(site->postmortems.size());
  for (size_t i = 0; i < site->postmortems.size(); ++i)
    index_of.emplace(site->postmortems[i].doc.id, static_cast<int>(i));
  std::vector<std::vector<model::SimilarIncident>> found(site->postmortems.size());
  std::string_view rest(*text);
  rest.remove_prefix(rest.find('\n') + 1);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    auto self = index_of.find(line.substr(0, tab));
    if (self == index_of.end()) return false;  // does not fit this model
    auto& list = found[self->second];
    list.clear();
    line.remove_prefix(tab + 1);
    while (true) {
      size_t next = line.find('\t');
      std::string_view field = line.substr(0, next);
      size_t space = field.find(' ');
      auto other = index_of.find(field.substr(0, space));
      if (other == index_of.end()) return false;
      model::SimilarIncident s;
      s.index = other->second;
      if (space != std::string_view::npos) {
        std::string_view terms = field.substr(space + 1);
        while (!terms.empty()) {
          size_t comma = terms.find(',');
          s.shared_terms.emplace_back(terms.substr(0, comma));
          if (comma == std::string_view::npos) break;
          terms.remove_prefix(comma + 1);
        }
      }
      list.push_back(std::move(s));
      if (next == std::string_view::npos) break;
      line.remove_prefix(next + 1);
    }
  }
  for (size_t i : targets) site->postmortems[i].similar = std::move(found[i]);
  return true;
}

std::string SimilarCacheText(const std::string& key, const model::SiteModel& site) {
  std::string out = "casebook-similar " + key + "\n";
  for (const auto& pm : site.postmortems) {
    if (pm.similar.empty()) continue;
    out += pm.doc.id;
    for (const auto& s : pm.similar) {
      out += '\t';
      out += site.postmortems[s.index].doc.id;
      out += ' ';
      out += util::Join(s.shared_terms, ",");
    }
    out += '\n';
  }
  return out;
}

void WriteSimilarCacheText(const std::string& index_dir, const std::string& text) {
  std::string error;
  util::WriteFile(CachePath(index_dir), text, &error);  // best effort
}

}  // namespace casebook::search
