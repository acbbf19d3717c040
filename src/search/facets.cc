// Facet values by docid: see facets.h.
#include "search/facets.h"

#include <xapian.h>

#include "search/schema.h"

namespace casebook::search {

std::string EncodeFacets(const std::string& severity, const std::vector<std::string>& tags,
                         const std::vector<std::string>& services) {
  std::string out = severity;
  for (const auto* group : {&tags, &services}) {
    out += '\x1e';
    for (size_t i = 0; i < group->size(); ++i) {
      if (i) out += '\x1f';
      out += (*group)[i];
    }
  }
  return out;
}

uint32_t FacetTable::Intern(Group group, std::string_view name) {
  Ids& ids = ids_[group];
  auto it = ids.find(name);
  if (it != ids.end()) return it->second;
  const auto id = static_cast<uint32_t>(names_.size());
  ids.emplace(std::string(name), id);
  names_.emplace_back(name);
  groups_.push_back(group);
  return id;
}

template <typename F>
void FacetTable::Parse(const std::string& value, F&& each) {
  int group = kSeverity;
  size_t begin = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] != '\x1e' && value[i] != '\x1f') continue;
    if (i > begin)
      each(Intern(static_cast<Group>(group), std::string_view(value).substr(begin, i - begin)));
    if (i < value.size() && value[i] == '\x1e' && group < kServices) ++group;
    begin = i + 1;
  }
}

void FacetTable::CountValue(const std::string& value, std::vector<int64_t>* counts) {
  Parse(value, [&](uint32_t id) {
    if (id >= counts->size()) counts->resize(id + 1, 0);
    ++(*counts)[id];
  });
}

void FacetTable::Load(const Xapian::Database& db) {
  start_.assign(static_cast<size_t>(db.get_lastdocid()) + 2, 0);
  items_.clear();
  uint32_t next_docid = 0;  // start_ is filled below this
  for (auto it = db.valuestream_begin(schema::kSlotFacets);
       it != db.valuestream_end(schema::kSlotFacets); ++it) {
    uint32_t docid = it.get_docid();
    while (next_docid <= docid) start_[next_docid++] = static_cast<uint32_t>(items_.size());
    Parse(*it, [&](uint32_t id) { items_.push_back(id); });
  }
  while (next_docid < start_.size()) start_[next_docid++] = static_cast<uint32_t>(items_.size());
}

}  // namespace casebook::search
