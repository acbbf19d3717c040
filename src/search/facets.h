// Internal to src/search: facet values (severity, tags, services) of the
// documents, interned as small ids, from value slot kSlotFacets.
//
// Two ways to fill it: Load() reads every document's value in one
// sequential pass over the value stream and keeps them by docid, so that
// counting facets over a whole match set is an array lookup per match
// (Searcher does this from its second search on: a server's searches);
// CountValue() parses one value as the matcher hands it over (a one-off
// search, such as the CLI's, which would not pay back a full load). Not
// thread-safe while filling; Count() on a loaded table only reads.
// Forward-declares Xapian::Database.
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

class FacetTable {
 public:
  enum Group { kSeverity = 0, kTags = 1, kServices = 2 };

  /// Reads every document's facet value. Throws Xapian::Error.
  void Load(const Xapian::Database& db);
  bool loaded() const { return !start_.empty(); }

  /// Number of distinct (group, name) pairs; facet ids are 0..size()-1.
  size_t size() const { return names_.size(); }
  const std::string& name(uint32_t id) const { return names_[id]; }
  Group group(uint32_t id) const { return groups_[id]; }

  /// Loaded table: adds 1 to counts[id] for each facet of `docid` (counts
  /// has size()).
  void Count(uint32_t docid, std::vector<int64_t>* counts) const {
    if (docid + 1 >= start_.size()) return;
    for (uint32_t k = start_[docid]; k < start_[docid + 1]; ++k) ++(*counts)[items_[k]];
  }

  /// Adds 1 to counts[id] for each facet in a kSlotFacets value, interning
  /// new names (counts grows to size()).
  void CountValue(const std::string& value, std::vector<int64_t>* counts);

 private:
  uint32_t Intern(Group group, std::string_view name);
  template <typename F>
  void Parse(const std::string& value, F&& each);

  /// Looked up by string_view: a one-off search interns the facets of
  /// about 2,000 matches, and a key string made for each was most of it.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Ids = std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>>;

  std::vector<std::string> names_;
  std::vector<Group> groups_;
  Ids ids_[3];  // by group: name -> id
  std::vector<uint32_t> start_;                    // docid -> first item; start_[docid + 1] ends it
  std::vector<uint32_t> items_;                    // facet ids
};

/// The kSlotFacets value: severity, then tags, then services, the groups
/// separated by '\x1e' and the names within a group by '\x1f'.
std::string EncodeFacets(const std::string& severity, const std::vector<std::string>& tags,
                         const std::vector<std::string>& services);

}  // namespace casebook::search
