// Which documents changed (index_plan.h).
#include "search/index_plan.h"

#include <xapian.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "search/ids_by_place.h"
#include "search/schema.h"

namespace casebook::search {

namespace sc = schema;

std::string ContentsKey(const std::vector<IndexFields>& fields, const std::string& synonyms_hash) {
  sc::Hasher h;
  h.Add(int64_t{sc::kVersion});
  h.Add(synonyms_hash);
  h.Add(static_cast<int64_t>(fields.size()));
  for (const auto& f : fields) {
    h.Add(f.pm->doc.id);
    h.Add(f.hash);
  }
  return h.Hex();
}

std::optional<Plan> PlanFromPrevious(const Xapian::Database& db,
                                     const std::vector<IndexFields>& fields,
                                     const PreviousContents& previous,
                                     const std::string& synonyms_hash) {
  const size_t n = previous.ids.size();
  if (n == 0 || previous.hashes.size() != n || db.get_doccount() != n ||
      db.get_metadata(sc::kMetaSchema) != std::to_string(sc::kVersion))
    return std::nullopt;
  // The contents key of `previous`, made as ContentsKey makes it.
  sc::Hasher h;
  h.Add(int64_t{sc::kVersion});
  h.Add(synonyms_hash);
  h.Add(static_cast<int64_t>(n));
  for (size_t k = 0; k < n; ++k) {
    h.Add(previous.ids[k]);
    h.Add(previous.hashes[k]);
  }
  if (db.get_metadata(sc::kMetaContents) != h.Hex()) return std::nullopt;
  // The previous document of an id (see IdsByPlace). Ids are unique on
  // both sides: an id found twice among the previous ones (a damaged
  // state) fails the plan.
  IdsByPlace previous_by_place(n, [&](size_t p) -> std::string_view { return previous.ids[p]; });
  // The document of id `id`, which must hold `hash`; 0 when it cannot be
  // found exactly (then the whole comparison is left to MakePlan).
  auto docid = [&](const std::string& id, const std::string& hash) -> Xapian::docid {
    const std::string term = sc::ClampTerm(sc::kIdPrefix + id);
    auto it = db.postlist_begin(term);
    if (it == db.postlist_end(term)) return 0;
    const Xapian::docid did = *it;
    if (++it != db.postlist_end(term)) return 0;  // a clamped id shared by two
    const Xapian::Document doc = db.get_document(did);
    if (doc.get_value(sc::kSlotId) != id || doc.get_value(sc::kSlotHash) != hash) return 0;
    return did;
  };
  Plan plan;
  std::vector<char> seen(n, 0);
  for (size_t k = 0; k < fields.size(); ++k) {
    const std::optional<size_t> p = previous_by_place.Find(k, fields[k].pm->doc.id);
    if (!previous_by_place.unique()) return std::nullopt;
    if (!p) {
      plan.add.push_back(k);
      continue;
    }
    if (seen[*p]) return std::nullopt;  // two fields of one id
    seen[*p] = 1;
    if (previous.hashes[*p] == fields[k].hash) {
      ++plan.unchanged;
      continue;
    }
    const Xapian::docid did = docid(previous.ids[*p], previous.hashes[*p]);
    if (did == 0) return std::nullopt;
    plan.update.emplace_back(k, did);
  }
  for (size_t k = 0; k < n; ++k) {
    if (seen[k]) continue;
    const Xapian::docid did = docid(previous.ids[k], previous.hashes[k]);
    if (did == 0) return std::nullopt;
    plan.remove.push_back(did);
  }
  std::sort(plan.remove.begin(), plan.remove.end());
  plan.synonyms_changed = db.get_metadata(sc::kMetaSynonyms) != synonyms_hash;
  return plan;
}

std::optional<Plan> MakePlan(const Xapian::Database& db, const std::vector<IndexFields>& fields,
                             const std::string& synonyms_hash, const std::string& contents_key) {
  if (db.get_metadata(sc::kMetaSchema) != std::to_string(sc::kVersion)) return std::nullopt;
  if (db.get_metadata(sc::kMetaContents) == contents_key && db.get_doccount() == fields.size()) {
    Plan plan;
    plan.unchanged = static_cast<int>(fields.size());
    plan.synonyms_changed = false;
    return plan;
  }
  struct Old {
    Xapian::docid did;
    std::string hash;
    bool seen = false;
  };
  std::unordered_map<std::string, Old> old;
  old.reserve(db.get_doccount());
  {
    auto hash = db.valuestream_begin(sc::kSlotHash);
    for (auto id = db.valuestream_begin(sc::kSlotId); id != db.valuestream_end(sc::kSlotId);
         ++id) {
      Xapian::docid did = id.get_docid();
      std::string h;
      if (hash != db.valuestream_end(sc::kSlotHash) && hash.get_docid() < did) hash.skip_to(did);
      if (hash != db.valuestream_end(sc::kSlotHash) && hash.get_docid() == did) h = *hash;
      old.emplace(*id, Old{did, std::move(h)});
    }
  }
  Plan plan;
  for (size_t k = 0; k < fields.size(); ++k) {
    auto it = old.find(fields[k].pm->doc.id);
    if (it == old.end()) {
      plan.add.push_back(k);
      continue;
    }
    it->second.seen = true;
    if (it->second.hash != fields[k].hash)
      plan.update.emplace_back(k, it->second.did);
    else
      ++plan.unchanged;
  }
  for (const auto& [id, o] : old)
    if (!o.seen) plan.remove.push_back(o.did);
  std::sort(plan.remove.begin(), plan.remove.end());
  // Documents without an id value (not written by this schema) would be
  // invisible here: then rebuild.
  if (old.size() != db.get_doccount()) return std::nullopt;
  plan.synonyms_changed = db.get_metadata(sc::kMetaSynonyms) != synonyms_hash;
  return plan;
}

Plan AddEverything(size_t documents) {
  Plan plan;
  for (size_t k = 0; k < documents; ++k) plan.add.push_back(k);
  return plan;
}

}  // namespace casebook::search
