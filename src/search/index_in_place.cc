// Step 3 of an index update (index_writer.h): a small change set goes into
// the published version in one transaction. Glass commits atomically
// (copy-on-write blocks, synced), so readers see the old or the new revision
// and a failure or crash before the commit leaves the old one.
#include <xapian.h>

#include "search/index_writer.h"
#include "search/schema.h"

namespace casebook::search {

namespace sc = schema;

void UpdateInPlace(const std::string& version_dir, const Plan& plan, const WriteJob& job,
                   DocumentSource& docs, const IndexStamps& stamps,
                   SpellingDelta* spelling) {
  Xapian::WritableDatabase db(version_dir, Xapian::DB_OPEN);
  DocumentMaker maker;
  db.begin_transaction(/*flushed=*/true);
  try {
    auto take_back = [&](Xapian::docid did) {  // the spelling words of the old document
      CountSpelling(db.get_document(did).get_value(sc::kSlotWords), -1, spelling);
    };
    for (Xapian::docid did : plan.remove) {
      take_back(did);
      db.delete_document(did);
    }
    for (const auto& [k, did] : plan.update) {
      Xapian::Document doc = docs.Get(k, maker);
      CountSpelling(doc.get_value(sc::kSlotWords), +1, spelling);
      take_back(did);
      db.replace_document(did, doc);
    }
    for (size_t k : plan.add) {
      Xapian::Document doc = docs.Get(k, maker);
      CountSpelling(doc.get_value(sc::kSlotWords), +1, spelling);
      db.replace_document(sc::ClampTerm(sc::kIdPrefix + job.fields[k].pm->doc.id), doc);
    }
    WriteIndexMetadata(db, *spelling, plan.synonyms_changed, job.synonyms, stamps);
    db.commit_transaction();
  } catch (...) {
    try {
      db.cancel_transaction();
    } catch (const Xapian::Error&) {
    }
    throw;
  }
  db.close();
}

}  // namespace casebook::search
