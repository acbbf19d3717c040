// ComputeSimilar: "similar incidents" by relevance feedback (declared in
// index_builder.h).
//
// For each postmortem: an RSet of its own document gives its 20 best
// expansion terms (Xapian's get_eset; body stems "Z<stem>" only: no title,
// boolean, short, numeric or stop words; none that only it has). Every other document holding any
// of them is scored with BM25 over those terms (like an OR query of them,
// but computed in memory from the terms' postings, loaded once for the whole
// archive: ~10x faster than 10,000 Xapian queries). A candidate needs at
// least kMinShared of the terms and kMinFraction of the postmortem's score
// against itself; itself and its explicit `related` ones are left out; the
// best 5 are kept. The reason is up to 3 shared terms, best first, each
// shown as the shortest word of the postmortem with that stem ("replica",
// not "replic").
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

#include "search/index_builder.h"
#include "search/schema.h"

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
    score_.assign(db_.get_lastdocid() + 1, 0.0);
    shared_.assign(db_.get_lastdocid() + 1, 0);
    for (size_t i : targets)
      if (sigs_[i].did && sigs_[i].terms.size() >= kMinShared) Rank(sigs_[i], i);
  }

 private:
  /// Every postmortem's signature. The expansions are independent, so they
  /// run on up to 4 threads (each with its own Database); term ids are then
  /// given out in postmortem order, so the result does not depend on timing.
  void ExpandAll(const std::vector<size_t>& targets) {
    size_t n = site_->postmortems.size();
    std::vector<std::vector<std::string>> expanded(n);
    std::vector<Xapian::docid> dids(n, 0);
    for (size_t i = 0; i < n; ++i) dids[i] = DocId(i);  // every one may be a candidate
    size_t count = targets.size();
    size_t jobs = count < 256 ? 1 : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
    std::vector<std::exception_ptr> errors(jobs);
    auto work = [&](size_t job, const Xapian::Database& db) {
      try {
        Xapian::Enquire enquire(db);
        WordDecider decider;
        for (size_t k = job; k < count; k += jobs) {
          size_t i = targets[k];
          if (dids[i]) expanded[i] = Expand(db, enquire, decider, dids[i]);
        }
      } catch (...) {
        errors[job] = std::current_exception();
      }
    };
    std::vector<std::thread> threads;
    for (size_t job = 1; job < jobs; ++job)
      threads.emplace_back([&, job] {
        try {
          Xapian::Database own(path_);
          work(job, own);
        } catch (...) {
          errors[job] = std::current_exception();
        }
      });
    work(0, db_);
    for (auto& t : threads) t.join();
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
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

  /// The RSet of the postmortem's own document -> its best expansion terms.
  /// Terms no other document has (the best-weighted ones in a small archive)
  /// cannot be shared, so they are skipped.
  static std::vector<std::string> Expand(const Xapian::Database& db, Xapian::Enquire& enquire,
                                         const WordDecider& decider, Xapian::docid did) {
    Xapian::RSet rset;
    rset.add_document(did);
    Xapian::ESet eset = enquire.get_eset(2 * kExpandTerms, rset, 0, &decider);
    std::vector<std::string> terms;
    for (auto it = eset.begin(); it != eset.end() && terms.size() < kExpandTerms; ++it)
      if (db.get_termfreq(*it) >= 2) terms.push_back(*it);
    return terms;
  }

  /// BM25 weights of every expansion term in every document holding it.
  void LoadPostings() {
    double n = db_.get_doccount(), avglen = db_.get_avlength();
    postings_.resize(terms_.size());
    for (size_t k = 0; k < terms_.size(); ++k) {
      double tf = db_.get_termfreq(terms_[k]);
      double idf = std::log(1 + (n - tf + 0.5) / (tf + 0.5));
      for (auto pl = db_.postlist_begin(terms_[k]); pl != db_.postlist_end(terms_[k]); ++pl)
        postings_[k].emplace_back(*pl, Bm25(idf, pl.get_wdf(), pl.get_doclength(), avglen));
    }
  }

  bool Holds(int term, Xapian::docid did) const {
    const auto& p = postings_[term];
    auto it = std::lower_bound(p.begin(), p.end(), std::make_pair(did, 0.0),
                               [](const auto& a, const auto& b) { return a.first < b.first; });
    return it != p.end() && it->first == did;
  }

  /// Scores every document sharing a term with `sig` (the sum, in signature
  /// order, of BM25 weights: the same whatever the docids) and keeps the best.
  void Rank(const Signature& sig, size_t i) {
    std::vector<Xapian::docid> touched;
    for (int t : sig.terms) {
      for (const auto& [did, w] : postings_[t]) {
        if (shared_[did]++ == 0) touched.push_back(did);
        score_[did] += w;
      }
    }
    model::Postmortem& pm = site_->postmortems[i];
    double floor = kMinFraction * score_[sig.did];   // vs. the document itself
    std::vector<std::pair<double, int>> candidates;  // (score, model index)
    for (Xapian::docid did : touched) {
      int idx = index_of_[did];
      if (idx >= 0 && idx != static_cast<int>(i) && shared_[did] >= kMinShared &&
          score_[did] >= floor &&
          std::find(pm.related.begin(), pm.related.end(), idx) == pm.related.end())
        candidates.emplace_back(score_[did], idx);
    }
    for (Xapian::docid did : touched) score_[did] = 0, shared_[did] = 0;
    auto better = [&](const std::pair<double, int>& a, const std::pair<double, int>& b) {
      if (a.first != b.first) return a.first > b.first;
      return site_->postmortems[a.second].doc.id < site_->postmortems[b.second].doc.id;
    };
    size_t keep = std::min(candidates.size(), kMaxSimilar);
    std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(), better);
    candidates.resize(keep);
    if (candidates.empty()) return;

    std::map<int, std::string> words = Words(sig);
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
  std::map<int, std::string> Words(const Signature& sig) {
    std::map<int, std::string> word_of;
    std::set<std::string> heads;  // a stem starts like its words
    for (int t : sig.terms) {
      word_of[t] = terms_[t].substr(1);
      heads.insert(terms_[t].substr(1, 3));
    }
    std::set<int> found;
    std::string words = db_.get_document(sig.did).get_value(sc::kSlotWords);
    for (size_t start = 0; start < words.size();) {
      size_t end = words.find(' ', start);
      if (end == std::string::npos) end = words.size();
      std::string w = words.substr(start, end - start);
      start = end + 1;
      if (!heads.count(w.substr(0, 3))) continue;
      auto it = term_index_.find("Z" + stem_(w));
      if (it == term_index_.end() || !word_of.count(it->second)) continue;
      std::string& best = word_of[it->second];
      if (found.insert(it->second).second || w.size() < best.size()) best = w;
    }
    return word_of;
  }

  std::string path_;
  Xapian::Database db_;
  model::SiteModel* site_;
  Xapian::Stem stem_{"en"};
  std::map<std::string, int> term_index_;
  std::vector<std::string> terms_;
  std::vector<Signature> sigs_;  // per model index
  std::vector<std::vector<std::pair<Xapian::docid, double>>> postings_;
  std::vector<int> index_of_;  // docid -> model index
  std::vector<double> score_;
  std::vector<uint32_t> shared_;
};

}  // namespace

void ComputeSimilar(const std::string& index_dir, model::SiteModel* site) {
  std::vector<int> all(site->postmortems.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  ComputeSimilarFor(index_dir, site, all);
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
    Similar(sc::StubPath(index_dir), site).Run(targets);
  } catch (const Xapian::Error&) {
    for (size_t i : targets) site->postmortems[i].similar.clear();
  }
}

}  // namespace casebook::search
