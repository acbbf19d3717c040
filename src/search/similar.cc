// ComputeSimilar / ComputeSimilarFor / ExpansionTerms on an existing index
// (builds use IndexUpdate, index_builder.h, which computes the same from
// term vectors before the index is written).
//
// Why this algorithm: relevance feedback with an RSet of the postmortem's
// own document is what Xapian's Enquire::get_eset does; its weights
// (TradEWeight, expand_k = 1) are computed here straight from term vectors
// with the collection's term frequencies, which gives the same terms as
// get_eset (ExpansionTerms lets a test compare) far faster, and scoring the
// other documents with BM25 over those terms in memory is like an OR query
// of them without 10,000 Xapian queries. See similar_engine.h.
//
// Here the term vectors are read from the index: every document's termlist,
// length and spelling words (value slot 8). When the similar-incident cache
// (similar_cache.h) was written for exactly this model, it is used instead;
// results computed from an index that holds exactly the model's documents
// are written to it.
#include "search/similar.h"

#include <xapian.h>

#include <algorithm>
#include <unordered_map>

#include "search/index_builder.h"
#include "search/index_document.h"
#include "search/schema.h"
#include "search/similar_cache.h"
#include "search/similar_engine.h"

namespace casebook::search {
namespace {

namespace sc = schema;

/// The term vectors of every document of `db`, in docid order, with their
/// ids and content hashes.
struct IndexCorpus {
  similar::Corpus corpus;
  std::vector<std::string> hashes;  // per document
};

IndexCorpus ReadCorpus(const Xapian::Database& db) {
  IndexCorpus out;
  DocumentMaker maker;
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
    Xapian::Document doc = db.get_document(*it);
    out.corpus.ids.push_back(doc.get_value(sc::kSlotId));
    out.hashes.push_back(doc.get_value(sc::kSlotHash));
    out.corpus.docs.push_back(maker.TermsOfIndexed(doc, it.get_doclength(),
                                                   doc.get_value(sc::kSlotWords),
                                                   &out.corpus.terms, &out.corpus.words));
  }
  return out;
}

/// Postmortem -> indexed document (the first of each id), -1 for none.
std::vector<int> DocOfModel(const model::SiteModel& site, const std::vector<std::string>& ids) {
  std::unordered_map<std::string, int> doc_of_id;
  for (size_t d = 0; d < ids.size(); ++d) doc_of_id.emplace(ids[d], static_cast<int>(d));
  std::vector<int> out(site.postmortems.size(), -1);
  for (size_t i = 0; i < out.size(); ++i) {
    auto it = doc_of_id.find(site.postmortems[i].doc.id);
    if (it != doc_of_id.end()) out[i] = it->second;
  }
  return out;
}

}  // namespace

void ComputeSimilar(const std::string& index_dir, model::SiteModel* site) {
  std::vector<int> all(site->postmortems.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  ComputeSimilarFor(index_dir, site, all);
}

std::vector<std::string> ExpansionTerms(const std::string& index_dir, const std::string& id,
                                        bool with_enquire) {
  try {
    Xapian::Database db(sc::StubPath(index_dir));
    std::string q = sc::ClampTerm(sc::kIdPrefix + id);
    auto pl = db.postlist_begin(q);
    if (pl == db.postlist_end(q)) return {};
    if (!with_enquire) {
      IndexCorpus c = ReadCorpus(db);
      auto it = std::find(c.corpus.ids.begin(), c.corpus.ids.end(), id);
      if (it == c.corpus.ids.end()) return {};
      return similar::ExpandDoc(c.corpus, static_cast<size_t>(it - c.corpus.ids.begin()));
    }
    // The same through Enquire::get_eset, with a decider that also wants
    // two documents to hold the term.
    class Decider : public Xapian::ExpandDecider {
     public:
      explicit Decider(const Xapian::Database& db) : db_(db) {}
      bool operator()(const std::string& t) const override {
        return similar::IsExpansionTerm(t) && db_.get_termfreq(t) >= 2;
      }

     private:
      const Xapian::Database& db_;
    } decider(db);
    Xapian::Enquire enquire(db);
    Xapian::RSet rset;
    rset.add_document(*pl);
    Xapian::ESet eset = enquire.get_eset(20, rset, 0, &decider);
    return std::vector<std::string>(eset.begin(), eset.end());
  } catch (const Xapian::Error&) {
    return {};
  }
}

void ComputeSimilarFor(const std::string& index_dir, model::SiteModel* site,
                       const std::vector<int>& postmortems) {
  std::vector<size_t> targets;
  for (int i : postmortems)
    if (i >= 0 && i < static_cast<int>(site->postmortems.size())) targets.push_back(i);
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  for (size_t i : targets) site->postmortems[i].similar.clear();
  std::vector<std::string> hashes = IndexedHashes(*site);
  std::string key = SimilarCacheKey(*site, hashes);
  if (ReadSimilarCache(index_dir, key, targets, site)) return;
  try {
    Xapian::Database db(sc::StubPath(index_dir));
    IndexCorpus c = ReadCorpus(db);
    std::vector<int> doc_of_model = DocOfModel(*site, c.corpus.ids);
    similar::Compute(c.corpus, doc_of_model, targets, 2, site);
    // Cached only when the index holds exactly the model's documents.
    if (targets.size() != site->postmortems.size()) return;
    size_t indexed = 0;
    for (size_t i = 0; i < hashes.size(); ++i) {
      if (hashes[i].empty()) continue;
      ++indexed;
      if (doc_of_model[i] < 0 || c.hashes[doc_of_model[i]] != hashes[i]) return;
    }
    if (indexed == c.corpus.docs.size())
      WriteSimilarCacheText(index_dir, SimilarCacheText(key, *site));
  } catch (const Xapian::Error&) {
    for (size_t i : targets) site->postmortems[i].similar.clear();
  }
}

}  // namespace casebook::search
