// Internal to src/search: facet values (severity, tags, services) of the
// documents as small ids.
//
// Index format 6: the names are kept once, in a FacetDictionary stored as
// the index's metadata (kMetaFacets); each document's value slot
// kSlotFacets holds only its facet ids (varints: severity, then tags, then
// services, in front matter order). A one-off search reads the values of
// about 2,000 sampled matches; as names (~75 bytes a postmortem, format 5)
// that read nearly every block of the value stream at 100,000 postmortems,
// as ids (~6 bytes) about a tenth as many.
//
// The dictionary only grows: an update in place appends the names it has
// not seen, so the ids of the documents it leaves alone stay valid; a new
// version starts from the published one's dictionary (or an empty one when
// that cannot be used) and adds the rest.
//
// FacetTable (the searcher's side) reads the dictionary and counts ids.
// Two ways to count: Load() reads every document's value in one sequential
// pass over the value stream and keeps them by docid, so that counting
// facets over a whole match set is an array lookup per match (Searcher does
// this from its second search on: a server's searches); CountValue()
// decodes one value as the matcher hands it over (a one-off search, such as
// the CLI's, which would not pay back a full load). Not thread-safe while
// filling; Count() on a loaded table only reads. Forward-declares
// Xapian::Database.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace Xapian {
class Database;
}  // namespace Xapian

namespace casebook::search {

enum class FacetGroup : uint8_t { kSeverity = 0, kTags = 1, kServices = 2 };

/// (group, name) <-> id, ids 0..size()-1 in the order names were added.
class FacetDictionary {
 public:
  /// Reads what Encode() wrote; false (and empty) when malformed.
  bool Decode(std::string_view encoded);
  std::string Encode() const;

  size_t size() const { return names_.size(); }
  const std::string& name(uint32_t id) const { return names_[id]; }
  FacetGroup group(uint32_t id) const { return groups_[id]; }

  /// The kSlotFacets value of a document: the ids of its severity, tags
  /// and services (adding names not seen yet). Empty names are left out,
  /// and a name holding '\x1e' or '\x1f' counts as its parts, as format 5
  /// counted them.
  std::string EncodeDocument(const std::string& severity, const std::vector<std::string>& tags,
                             const std::vector<std::string>& services);

 private:
  uint32_t Intern(FacetGroup group, std::string_view name);

  /// Looked up by string_view, without a key string per lookup.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Ids = std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>>;

  std::vector<std::string> names_;
  std::vector<FacetGroup> groups_;
  Ids ids_[3];  // by group: name -> id
};

/// Calls each(id) for each facet id in a kSlotFacets value (stops at a
/// malformed varint).
template <typename F>
void ForEachFacetId(std::string_view value, F&& each) {
  uint32_t v = 0;
  int shift = 0;
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (shift > 28) return;
    v |= static_cast<uint32_t>(c & 0x7f) << shift;
    if (c & 0x80) {
      shift += 7;
      continue;
    }
    each(v);
    v = 0;
    shift = 0;
  }
}

class FacetTable {
 public:
  using Group = FacetGroup;
  static constexpr Group kSeverity = Group::kSeverity;
  static constexpr Group kTags = Group::kTags;
  static constexpr Group kServices = Group::kServices;

  /// Reads the dictionary from the index's metadata. Throws Xapian::Error
  /// (DatabaseCorruptError when it is missing or malformed).
  explicit FacetTable(const Xapian::Database& db);

  /// Reads every document's facet ids. Throws Xapian::Error.
  void Load(const Xapian::Database& db);
  bool loaded() const { return !start_.empty(); }

  /// Facet ids are 0..size()-1.
  size_t size() const { return dict_.size(); }
  const std::string& name(uint32_t id) const { return dict_.name(id); }
  Group group(uint32_t id) const { return dict_.group(id); }

  /// Loaded table: adds 1 to counts[id] for each facet of `docid` (counts
  /// has size()).
  void Count(uint32_t docid, std::vector<int64_t>* counts) const {
    if (docid + 1 >= start_.size()) return;
    for (uint32_t k = start_[docid]; k < start_[docid + 1]; ++k) ++(*counts)[items_[k]];
  }

  /// Adds 1 to counts[id] for each facet id in a kSlotFacets value (counts
  /// has size(); ids outside the dictionary are ignored).
  void CountValue(std::string_view value, std::vector<int64_t>* counts) const {
    ForEachFacetId(value, [&](uint32_t id) {
      if (id < counts->size()) ++(*counts)[id];
    });
  }

 private:
  FacetDictionary dict_;
  std::vector<uint32_t> start_;  // docid -> first item; start_[docid + 1] ends it
  std::vector<uint32_t> items_;  // facet ids
};

}  // namespace casebook::search
