// ComputeSimilar: "similar incidents" by relevance feedback (declared in
// index_builder.h).
//
// For each postmortem: relevance feedback with an RSet of its own document
// gives its 20 best expansion terms (body stems "Z<stem>" only: no title,
// boolean, short, numeric or stop words, and none that no other document
// has). The weights are Xapian's (get_eset's TradEWeight, expand_k = 1),
// computed straight from the document's termlist with term frequencies
// read once for the whole archive: the same terms as Enquire::get_eset
// (ExpansionTerms lets a test compare), ~5x faster at 10,000 postmortems.
// Every other document holding any of them is scored with BM25 over those
// terms (like an OR query of them, but computed in memory from the terms'
// postings, loaded once: ~10x faster than 10,000 Xapian queries). A
// candidate needs at least kMinShared of the terms and kMinFraction of the
// postmortem's score against itself; itself and its explicit `related`
// ones are left out; the best 5 are kept. The reason is up to 3 shared terms, best first, each
// shown as the shortest word of the postmortem with that stem ("replica",
// not "replic").
//
// Both phases run on up to 4 threads for 256 postmortems or more. Results
// are cached in <index_dir>/similar.cache (similar_cache.h): a build whose
// index and postmortems did not change reads them back.
//
// Deterministic: the scores depend only on collection statistics and are
// summed in signature order, so they are the same however the index was
// built (whatever the docids); equal scores are ordered by id. On any index
// error the postmortems are left with no similar incidents.
#include "search/similar.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "search/index_builder.h"
#include "search/schema.h"
#include "search/similar_cache.h"

namespace casebook::search {
namespace {

namespace sc = schema;

constexpr size_t kExpandTerms = 20;
constexpr size_t kMaxSimilar = 5;
constexpr size_t kMinShared = 2;
constexpr double kMinFraction = 0.15;  // of the document's score against itself
constexpr size_t kMaxReasonTerms = 3;

class WordDecider : public Xapian::ExpandDecider {
 public:
  bool operator()(const std::string& t) const override {
    // Body stems only: "Z" + a stem starting with a lower-case letter.
    if (t.size() < 4 || t.size() > 31 || t[0] != 'Z' || !(t[1] >= 'a' && t[1] <= 'z')) return false;
    for (char c : t)
      if ((c >= '0' && c <= '9') || c == '_') return false;
    return !sc::IsStopword(std::string_view(t).substr(1));
  }
};

/// The candidate expansion terms of the archive and their term frequencies:
/// body stems the WordDecider accepts that at least two documents hold.
std::unordered_map<std::string, Xapian::doccount> CandidateTerms(const Xapian::Database& db) {
  std::unordered_map<std::string, Xapian::doccount> out;
  WordDecider decider;
  for (auto it = db.allterms_begin("Z"); it != db.allterms_end("Z"); ++it) {
    const std::string& term = *it;
    if (it.get_termfreq() >= 2 && decider(term)) out.emplace(term, it.get_termfreq());
  }
  return out;
}

/// The best kExpandTerms expansion terms for an RSet of document `did`:
/// Xapian's TradEWeight (expand_k = 1, R = r = 1) over its candidate terms,
/// best first; equal weights in descending term order, as get_eset has them.
std::vector<std::string> Expand(const Xapian::Database& db, Xapian::docid did,
                                const std::unordered_map<std::string, Xapian::doccount>& tf) {
  double n_docs = db.get_doccount(), avlen = db.get_avlength(), doclen = db.get_doclength(did);
  std::vector<std::pair<double, std::string>> weighted;
  for (auto t = db.termlist_begin(did); t != db.termlist_end(did); ++t) {
    auto f = tf.find(*t);
    if (f == tf.end()) continue;
    double n = f->second, wdf = std::max<Xapian::termcount>(t.get_wdf(), 1);
    double num = 1.5 * (n_docs - n + 0.5), denom = (n - 0.5) * 0.5;
    if (num <= denom) continue;
    double multiplier = 2 * wdf / (doclen / std::max(avlen, 1.0) + wdf);
    weighted.emplace_back(multiplier * std::log(num / denom), f->first);
  }
  size_t keep = std::min(weighted.size(), kExpandTerms);
  std::partial_sort(weighted.begin(), weighted.begin() + keep, weighted.end(),
                    [](const auto& a, const auto& b) {
                      if (a.first != b.first) return a.first > b.first;
                      return a.second > b.second;
                    });
  std::vector<std::string> terms;
  for (size_t k = 0; k < keep; ++k) terms.push_back(std::move(weighted[k].second));
  return terms;
}

/// BM25 (k1 = 1.2, b = 0.75) weight of a term in a document.
double Bm25(double idf, double wdf, double doclen, double avglen) {
  constexpr double k1 = 1.2, b = 0.75;
  return idf * wdf * (k1 + 1) / (wdf + k1 * (1 - b + b * doclen / std::max(avglen, 1.0)));
}

struct Signature {
  Xapian::docid did = 0;
  std::vector<int> terms;  // indices into Similar::terms, best first
};

/// All the work of ComputeSimilar, over one database.
class Similar {
 public:
  Similar(const std::string& path, model::SiteModel* site) : path_(path), db_(path), site_(site) {}

  /// For the postmortems in `targets` (model indices, ascending).
  void Run(const std::vector<size_t>& targets) {
    ExpandAll(targets);
    LoadPostings();
    index_of_.assign(db_.get_lastdocid() + 1, -1);
    for (size_t i = 0; i < sigs_.size(); ++i)
      if (sigs_[i].did) index_of_[sigs_[i].did] = static_cast<int>(i);
    // Each postmortem's ranking only writes its own `similar`.
    ParallelFor(targets.size(), [&](size_t job, size_t jobs, const Xapian::Database& db) {
      RankContext ctx{db, Xapian::Stem("en"), std::vector<double>(db.get_lastdocid() + 1, 0.0),
                      std::vector<uint32_t>(db.get_lastdocid() + 1, 0)};
      for (size_t k = job; k < targets.size(); k += jobs) {
        size_t i = targets[k];
        if (sigs_[i].did && sigs_[i].terms.size() >= kMinShared) Rank(&ctx, sigs_[i], i);
      }
    });
  }

 private:
  /// Runs work(job, jobs, db) for job = 0..jobs-1 on as many threads (up to
  /// 4 when there are 256 items or more), each with its own Database (job 0
  /// uses db_), and rethrows the first error after all have finished.
  template <typename F>
  void ParallelFor(size_t count, F work) {
    size_t jobs = count < 256 ? 1 : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
    std::vector<std::exception_ptr> errors(jobs);
    auto run = [&](size_t job) {
      try {
        if (job == 0) {
          work(job, jobs, db_);
        } else {
          Xapian::Database own(path_);
          work(job, jobs, own);
        }
      } catch (...) {
        errors[job] = std::current_exception();
      }
    };
    std::vector<std::thread> threads;
    for (size_t job = 1; job < jobs; ++job) threads.emplace_back(run, job);
    run(0);
    for (auto& t : threads) t.join();
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
  }

  /// Every postmortem's signature. The expansions are independent, so they
  /// run in parallel (`tf` is only read); term ids are then given out in
  /// postmortem order, so the result does not depend on timing.
  void ExpandAll(const std::vector<size_t>& targets) {
    size_t n = site_->postmortems.size();
    std::vector<std::vector<std::string>> expanded(n);
    std::vector<Xapian::docid> dids(n, 0);
    for (size_t i = 0; i < n; ++i) dids[i] = DocId(i);  // every one may be a candidate
    const auto tf = CandidateTerms(db_);
    ParallelFor(targets.size(), [&](size_t job, size_t jobs, const Xapian::Database& db) {
      for (size_t k = job; k < targets.size(); k += jobs) {
        size_t i = targets[k];
        if (dids[i]) expanded[i] = Expand(db, dids[i], tf);
      }
    });
    sigs_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      sigs_[i].did = dids[i];
      for (const auto& term : expanded[i]) {
        auto [pos, added] = term_index_.emplace(term, static_cast<int>(terms_.size()));
        if (added) terms_.push_back(term);
        sigs_[i].terms.push_back(pos->second);
      }
    }
  }

  Xapian::docid DocId(size_t i) const {
    std::string self = sc::ClampTerm(sc::kIdPrefix + site_->postmortems[i].doc.id);
    auto pl = db_.postlist_begin(self);
    return pl == db_.postlist_end(self) ? 0 : *pl;
  }

  /// BM25 weights of every expansion term in every document holding it.
  void LoadPostings() {
    double n = db_.get_doccount(), avglen = db_.get_avlength();
    postings_.resize(terms_.size());
    for (size_t k = 0; k < terms_.size(); ++k) {
      double tf = db_.get_termfreq(terms_[k]);
      double idf = std::log(1 + (n - tf + 0.5) / (tf + 0.5));
      for (auto pl = db_.postlist_begin(terms_[k]); pl != db_.postlist_end(terms_[k]); ++pl)
        postings_[k].push_back(
            {*pl, static_cast<float>(Bm25(idf, pl.get_wdf(), pl.get_doclength(), avglen))});
    }
  }

  bool Holds(int term, Xapian::docid did) const {
    const auto& p = postings_[term];
    auto it = std::lower_bound(p.begin(), p.end(), did,
                               [](const Posting& a, Xapian::docid d) { return a.did < d; });
    return it != p.end() && it->did == did;
  }

  /// What one thread needs to rank: its database and stemmer (neither is
  /// thread-safe) and its score board (by docid, zero between uses).
  struct RankContext {
    const Xapian::Database& db;
    Xapian::Stem stem;
    std::vector<double> score;
    std::vector<uint32_t> shared;
  };

  /// Scores every document sharing a term with `sig` (the sum, in signature
  /// order, of BM25 weights: the same whatever the docids) and keeps the best.
  void Rank(RankContext* ctx, const Signature& sig, size_t i) const {
    std::vector<double>& score = ctx->score;
    std::vector<uint32_t>& shared = ctx->shared;
    std::vector<Xapian::docid> touched;
    for (int t : sig.terms) {
      for (const Posting& p : postings_[t]) {
        if (shared[p.did]++ == 0) touched.push_back(p.did);
        score[p.did] += p.weight;
      }
    }
    model::Postmortem& pm = site_->postmortems[i];   // only this thread writes it
    double floor = kMinFraction * score[sig.did];    // vs. the document itself
    std::vector<std::pair<double, int>> candidates;  // (score, model index)
    for (Xapian::docid did : touched) {
      int idx = index_of_[did];
      if (idx >= 0 && idx != static_cast<int>(i) && shared[did] >= kMinShared &&
          score[did] >= floor &&
          std::find(pm.related.begin(), pm.related.end(), idx) == pm.related.end())
        candidates.emplace_back(score[did], idx);
    }
    for (Xapian::docid did : touched) score[did] = 0, shared[did] = 0;
    auto better = [&](const std::pair<double, int>& a, const std::pair<double, int>& b) {
      if (a.first != b.first) return a.first > b.first;
      return site_->postmortems[a.second].doc.id < site_->postmortems[b.second].doc.id;
    };
    size_t keep = std::min(candidates.size(), kMaxSimilar);
    std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(), better);
    candidates.resize(keep);
    if (candidates.empty()) return;

    std::map<int, std::string> words = Words(ctx, sig);
    for (const auto& [score, idx] : candidates) {
      model::SimilarIncident s;
      s.index = idx;
      Xapian::docid other = sigs_[idx].did;
      for (int t : sig.terms)
        if (s.shared_terms.size() < kMaxReasonTerms && Holds(t, other))
          s.shared_terms.push_back(words[t]);
      pm.similar.push_back(std::move(s));
    }
  }

  /// Term -> the shortest word of the document with that stem ("replica",
  /// not "replic"), from its spelling words (value slot 8).
  std::map<int, std::string> Words(RankContext* ctx, const Signature& sig) const {
    std::map<int, std::string> word_of;
    std::set<std::string> heads;  // a stem starts like its words
    for (int t : sig.terms) {
      word_of[t] = terms_[t].substr(1);
      heads.insert(terms_[t].substr(1, 3));
    }
    std::set<int> found;
    std::string words = ctx->db.get_document(sig.did).get_value(sc::kSlotWords);
    for (size_t start = 0; start < words.size();) {
      size_t end = words.find(' ', start);
      if (end == std::string::npos) end = words.size();
      std::string w = words.substr(start, end - start);
      start = end + 1;
      if (!heads.count(w.substr(0, 3))) continue;
      auto it = term_index_.find("Z" + ctx->stem(w));
      if (it == term_index_.end() || !word_of.count(it->second)) continue;
      std::string& best = word_of[it->second];
      if (found.insert(it->second).second || w.size() < best.size()) best = w;
    }
    return word_of;
  }

  std::string path_;
  Xapian::Database db_;
  model::SiteModel* site_;
  std::map<std::string, int> term_index_;
  std::vector<std::string> terms_;
  std::vector<Signature> sigs_;  // per model index
  struct Posting {
    Xapian::docid did;
    float weight;  // BM25
  };
  std::vector<std::vector<Posting>> postings_;  // by term id, docid order
  std::vector<int> index_of_;                   // docid -> model index
};

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
    if (!with_enquire) return Expand(db, *pl, CandidateTerms(db));
    // The same through Enquire::get_eset, with a decider that also wants
    // two documents to hold the term.
    class Decider : public Xapian::ExpandDecider {
     public:
      explicit Decider(const Xapian::Database& db) : db_(db) {}
      bool operator()(const std::string& t) const override {
        return WordDecider()(t) && db_.get_termfreq(t) >= 2;
      }

     private:
      const Xapian::Database& db_;
    } decider(db);
    Xapian::Enquire enquire(db);
    Xapian::RSet rset;
    rset.add_document(*pl);
    Xapian::ESet eset = enquire.get_eset(kExpandTerms, rset, 0, &decider);
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
  try {
    std::string key;
    {
      Xapian::Database db(sc::StubPath(index_dir));
      key = SimilarCacheKey(db.get_uuid() + "/" + std::to_string(db.get_revision()), *site);
    }
    if (ReadSimilarCache(index_dir, key, targets, site)) return;
    Similar(sc::StubPath(index_dir), site).Run(targets);
    if (targets.size() == site->postmortems.size()) WriteSimilarCache(index_dir, key, *site);
  } catch (const Xapian::Error&) {
    for (size_t i : targets) site->postmortems[i].similar.clear();
  }
}

}  // namespace casebook::search
