// Which documents changed (index_plan.h).
#include "search/index_plan.h"

#include <xapian.h>

#include <algorithm>
#include <unordered_map>

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
