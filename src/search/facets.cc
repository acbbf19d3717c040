// Facet dictionary and facet ids by docid: see facets.h.
#include "search/facets.h"

#include <xapian.h>

#include "search/schema.h"
#include "search/varint_codec.h"

namespace casebook::search {

namespace {

/// Dictionary encoding: "casebook-facets 1\n", then per id its group (one
/// byte, 0..2) and its name (varint length, bytes).
constexpr std::string_view kDictionaryMagic = "casebook-facets 1\n";

}  // namespace

bool FacetDictionary::Decode(std::string_view encoded) {
  *this = FacetDictionary();
  if (encoded.substr(0, kDictionaryMagic.size()) != kDictionaryMagic) return false;
  codec::Reader r(encoded.substr(kDictionaryMagic.size()));
  while (!r.AtEnd()) {
    uint64_t group = 0;
    std::string_view name;
    if (!r.Varint(&group) || group > 2 || !r.String(&name)) {
      *this = FacetDictionary();
      return false;
    }
    Intern(static_cast<FacetGroup>(group), name);
  }
  return true;
}

std::string FacetDictionary::Encode() const {
  std::string out(kDictionaryMagic);
  for (size_t id = 0; id < names_.size(); ++id) {
    codec::PutVarint(&out, static_cast<uint64_t>(groups_[id]));
    codec::PutString(&out, names_[id]);
  }
  return out;
}

uint32_t FacetDictionary::Intern(FacetGroup group, std::string_view name) {
  Ids& ids = ids_[static_cast<int>(group)];
  auto it = ids.find(name);
  if (it != ids.end()) return it->second;
  const auto id = static_cast<uint32_t>(names_.size());
  ids.emplace(std::string(name), id);
  names_.emplace_back(name);
  groups_.push_back(group);
  return id;
}

std::string FacetDictionary::EncodeDocument(const std::string& severity,
                                            const std::vector<std::string>& tags,
                                            const std::vector<std::string>& services) {
  // Format 5 stored the names joined, the groups separated by '\x1e' and
  // the names within one by '\x1f', and split them again when counting: a
  // name holding either counted as its non-empty parts (and '\x1e' moved
  // on to the next group). Joined and split the same way here, so that
  // every count stays the same.
  std::string joined = severity;
  for (const auto* group : {&tags, &services}) {
    joined += '\x1e';
    for (size_t i = 0; i < group->size(); ++i) {
      if (i) joined += '\x1f';
      joined += (*group)[i];
    }
  }
  std::string out;
  int group = static_cast<int>(FacetGroup::kSeverity);
  size_t begin = 0;
  const std::string_view all(joined);
  for (size_t i = 0; i <= all.size(); ++i) {
    if (i < all.size() && all[i] != '\x1e' && all[i] != '\x1f') continue;
    if (i > begin)
      codec::PutVarint(&out, Intern(static_cast<FacetGroup>(group), all.substr(begin, i - begin)));
    if (i < all.size() && all[i] == '\x1e' && group < static_cast<int>(FacetGroup::kServices))
      ++group;
    begin = i + 1;
  }
  return out;
}

FacetTable::FacetTable(const Xapian::Database& db) {
  if (!dict_.Decode(db.get_metadata(schema::kMetaFacets)))
    throw Xapian::DatabaseCorruptError("the facet dictionary (" +
                                       std::string(schema::kMetaFacets) +
                                       ") is missing or malformed");
}

void FacetTable::Load(const Xapian::Database& db) {
  start_.assign(static_cast<size_t>(db.get_lastdocid()) + 2, 0);
  items_.clear();
  uint32_t next_docid = 0;  // start_ is filled below this
  const uint32_t n = static_cast<uint32_t>(dict_.size());
  for (auto it = db.valuestream_begin(schema::kSlotFacets);
       it != db.valuestream_end(schema::kSlotFacets); ++it) {
    uint32_t docid = it.get_docid();
    while (next_docid <= docid) start_[next_docid++] = static_cast<uint32_t>(items_.size());
    ForEachFacetId(*it, [&](uint32_t id) {
      if (id < n) items_.push_back(id);
    });
  }
  while (next_docid < start_.size()) start_[next_docid++] = static_cast<uint32_t>(items_.size());
}

}  // namespace casebook::search
