// Internal to src/search, step 2 of an index update (index_writer.h): which
// documents of the published version to add, replace or delete, found by
// comparing each postmortem's content hash (IndexFields::hash) with the one
// stored in the document (value slot 3, ids in slot 7).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "search/index_document.h"

namespace Xapian {
class Database;
}  // namespace Xapian

namespace casebook::search {

/// A Xapian document id (Xapian::docid).
using DocId = unsigned;

struct Plan {
  std::vector<size_t> add;                       // into the fields
  std::vector<std::pair<size_t, DocId>> update;  // into the fields, the old document
  std::vector<DocId> remove;                     // ascending
  int unchanged = 0;
  bool synonyms_changed = true;
  bool Empty() const {
    return add.empty() && update.empty() && remove.empty() && !synonyms_changed;
  }
  size_t Changes() const { return add.size() + update.size() + remove.size(); }
};

/// A key over the id and content hash of every document of `fields` (in
/// order) and the synonyms. Each update stamps it into the index, so a
/// build that changes nothing is recognised without reading every
/// document's hash.
std::string ContentsKey(const std::vector<IndexFields>& fields, const std::string& synonyms_hash);

/// Compares `db` (the published version) with `fields`: when its contents
/// key is `contents_key`, nothing changed; else each document's hash is
/// read. nullopt when it cannot be updated (another schema, or documents
/// without an id value). Throws Xapian::Error when it cannot be read.
std::optional<Plan> MakePlan(const Xapian::Database& db, const std::vector<IndexFields>& fields,
                             const std::string& synonyms_hash, const std::string& contents_key);

/// The ids and content hashes (in order) of the documents the previous
/// build indexed, as it recorded them beside the index (similar.state).
struct PreviousContents {
  std::vector<std::string> ids, hashes;
};

/// The same plan as MakePlan, without reading every document's hash: when
/// the version's contents key is that of `previous` (so it holds exactly
/// those documents), the changes are found by comparing `previous` with
/// `fields` in memory, and only the changed documents are looked up by id.
/// nullopt when that cannot be shown (then use MakePlan). Throws
/// Xapian::Error when the index cannot be read.
std::optional<Plan> PlanFromPrevious(const Xapian::Database& db,
                                     const std::vector<IndexFields>& fields,
                                     const PreviousContents& previous,
                                     const std::string& synonyms_hash);

/// Every document added: the plan of a new version.
Plan AddEverything(size_t documents);

}  // namespace casebook::search
