// The similar-incidents cache: see similar_cache.h.
//
// Format (text): "casebook-similar <key>\n", then one line per postmortem
// with similar incidents: its id, then per similar incident a tab, the id,
// a space and the shared terms joined by ','. Ids are URL-safe and terms are
// words, so neither holds a tab, space, comma or newline.
#include "search/similar_cache.h"

#include <map>

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
  std::map<std::string, int> index_of;
  for (size_t i = 0; i < site->postmortems.size(); ++i)
    index_of.emplace(site->postmortems[i].doc.id, static_cast<int>(i));
  std::map<int, std::vector<model::SimilarIncident>> found;
  std::vector<std::string> lines = util::Split(*text, '\n');
  for (size_t l = 1; l < lines.size(); ++l) {
    std::vector<std::string> fields = util::Split(lines[l], '\t');
    if (fields.size() < 2) continue;
    auto self = index_of.find(fields[0]);
    if (self == index_of.end()) return false;  // does not fit this model
    auto& list = found[self->second];
    for (size_t k = 1; k < fields.size(); ++k) {
      size_t space = fields[k].find(' ');
      auto other = index_of.find(fields[k].substr(0, space));
      if (other == index_of.end()) return false;
      model::SimilarIncident s;
      s.index = other->second;
      if (space != std::string::npos)
        s.shared_terms = util::Split(fields[k].substr(space + 1), ',');
      list.push_back(std::move(s));
    }
  }
  for (size_t i : targets) {
    auto it = found.find(static_cast<int>(i));
    site->postmortems[i].similar =
        it == found.end() ? std::vector<model::SimilarIncident>() : it->second;
  }
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
