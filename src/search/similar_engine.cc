// Similar incidents from compact term vectors: see similar_engine.h.
#include "search/similar_engine.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>
#include <cstdio>
#include <cstdlib>

#include "search/schema.h"

namespace casebook::search::similar {
namespace {

constexpr size_t kExpandTerms = 20;
constexpr size_t kMaxSimilar = 5;
constexpr size_t kMinShared = 2;
constexpr double kMinFraction = 0.15;  // of the document's score against itself
constexpr size_t kMaxReasonTerms = 3;

/// BM25 (k1 = 1.2, b = 0.75) weight of a term in a document.
double Bm25(double idf, double wdf, double doclen, double avglen) {
  constexpr double k1 = 1.2, b = 0.75;
  return idf * wdf * (k1 + 1) / (wdf + k1 * (1 - b + b * doclen / std::max(avglen, 1.0)));
}

}  // namespace

void RunJobs(size_t jobs, const std::function<void(size_t job)>& work) {
  if (jobs == 0) jobs = 1;
  std::vector<std::exception_ptr> errors(jobs);
  auto run = [&](size_t job) {
    try {
      work(job);
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

namespace {

/// Collection statistics and the per-term parts of the weights.
struct Stats {
  double n_docs = 0, avlen = 0;
  std::vector<uint32_t> tf;       // documents holding each term
  std::vector<double> expand;     // log(num / denom) of TradEWeight; valid where candidate
  std::vector<char> candidate;    // an expansion term: >= 2 documents, positive weight
  std::vector<uint32_t> order;    // rank of each term's string (for ties)

  explicit Stats(const Corpus& c) {
    size_t v = c.terms.size();
    tf.assign(v, 0);
    uint64_t total = 0;
    for (const auto& d : c.docs) {
      total += d.doclen;
      for (const auto& e : d.terms) ++tf[e.term];
    }
    n_docs = static_cast<double>(c.docs.size());
    avlen = c.docs.empty() ? 0.0 : static_cast<double>(total) / n_docs;
    expand.assign(v, 0.0);
    candidate.assign(v, 0);
    for (size_t t = 0; t < v; ++t) {
      if (tf[t] < 2) continue;
      double n = tf[t];
      double num = 1.5 * (n_docs - n + 0.5), denom = (n - 0.5) * 0.5;
      if (num <= denom) continue;
      candidate[t] = 1;
      expand[t] = std::log(num / denom);
    }
    std::vector<uint32_t> by_string(v);
    for (size_t t = 0; t < v; ++t) by_string[t] = static_cast<uint32_t>(t);
    std::sort(by_string.begin(), by_string.end(),
              [&](uint32_t a, uint32_t b) { return c.terms[a] < c.terms[b]; });
    order.assign(v, 0);
    for (size_t k = 0; k < v; ++k) order[by_string[k]] = static_cast<uint32_t>(k);
  }

  /// The best kExpandTerms expansion terms of `d`, best first; equal
  /// weights in descending term order, as get_eset has them.
  std::vector<uint32_t> Expand(const DocTerms& d,
                               std::vector<std::pair<double, uint32_t>>* scratch) const {
    auto& weighted = *scratch;
    weighted.clear();
    double doclen = static_cast<double>(d.doclen), norm = doclen / std::max(avlen, 1.0);
    for (const auto& e : d.terms) {
      if (!candidate[e.term]) continue;
      double wdf = std::max<uint32_t>(e.wdf, 1);
      double multiplier = 2 * wdf / (norm + wdf);
      weighted.emplace_back(multiplier * expand[e.term], e.term);
    }
    size_t keep = std::min(weighted.size(), kExpandTerms);
    std::partial_sort(weighted.begin(), weighted.begin() + keep, weighted.end(),
                      [&](const auto& a, const auto& b) {
                        if (a.first != b.first) return a.first > b.first;
                        return order[a.second] > order[b.second];
                      });
    std::vector<uint32_t> out(keep);
    for (size_t k = 0; k < keep; ++k) out[k] = weighted[k].second;
    return out;
  }
};

struct Posting {
  uint32_t doc;
  float weight;  // BM25
};

}  // namespace

uint32_t Dict::Intern(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  auto [pos, added] = ids_.emplace(std::string(s), static_cast<uint32_t>(strings_.size()));
  strings_.push_back(&pos->first);
  return pos->second;
}

uint32_t Dict::Find(std::string_view s) const {
  auto it = ids_.find(s);
  return it == ids_.end() ? kNoWord : it->second;
}

bool IsExpansionTerm(std::string_view t) {
  if (t.size() < 4 || t.size() > 31 || t[0] != 'Z' || !(t[1] >= 'a' && t[1] <= 'z')) return false;
  for (char c : t)
    if ((c >= '0' && c <= '9') || c == '_') return false;
  return !schema::IsStopword(t.substr(1));
}

std::vector<std::string> ExpandDoc(const Corpus& corpus, size_t doc) {
  if (doc >= corpus.docs.size()) return {};
  Stats stats(corpus);
  std::vector<std::pair<double, uint32_t>> scratch;
  std::vector<std::string> out;
  for (uint32_t t : stats.Expand(corpus.docs[doc], &scratch)) out.push_back(corpus.terms[t]);
  return out;
}

void Compute(const Corpus& corpus, const std::vector<int>& doc_of_model,
             const std::vector<size_t>& targets, int jobs, model::SiteModel* site) {
  auto& pms = site->postmortems;
  for (size_t i : targets) pms[i].similar.clear();
  if (corpus.docs.empty() || targets.empty()) return;
  const Stats stats(corpus);
  const size_t n_docs = corpus.docs.size();
  const size_t n_jobs =
      targets.size() < 64 ? 1 : static_cast<size_t>(std::clamp(jobs, 1, 16));

  // Signatures, in parallel (each job writes its own entries).
  std::vector<std::vector<uint32_t>> sigs(pms.size());
  RunJobs(n_jobs, [&](size_t job) {
    std::vector<std::pair<double, uint32_t>> scratch;
    for (size_t k = job; k < targets.size(); k += n_jobs) {
      int d = doc_of_model[targets[k]];
      if (d >= 0) sigs[targets[k]] = stats.Expand(corpus.docs[d], &scratch);
    }
  });

  // Postings of the signature terms: BM25 weights, in document order.
  std::vector<int32_t> slot(corpus.terms.size(), -1);
  std::vector<uint32_t> slot_term;
  for (size_t i : targets)
    for (uint32_t t : sigs[i])
      if (slot[t] < 0) {
        slot[t] = static_cast<int32_t>(slot_term.size());
        slot_term.push_back(t);
      }
  std::vector<std::vector<Posting>> postings(slot_term.size());
  {
    std::vector<double> idf(slot_term.size());
    for (size_t s = 0; s < slot_term.size(); ++s) {
      double tf = stats.tf[slot_term[s]];
      idf[s] = std::log(1 + (stats.n_docs - tf + 0.5) / (tf + 0.5));
      postings[s].reserve(stats.tf[slot_term[s]]);
    }
    for (size_t d = 0; d < n_docs; ++d) {
      const DocTerms& dt = corpus.docs[d];
      for (const auto& e : dt.terms) {
        int32_t s = slot[e.term];
        if (s < 0) continue;
        postings[s].push_back(
            {static_cast<uint32_t>(d),
             static_cast<float>(Bm25(idf[s], e.wdf, static_cast<double>(dt.doclen), stats.avlen))});
      }
    }
  }
  if (std::getenv("CASEBOOK_SEARCH_PROFILE")) {
    size_t visits = 0, sig_terms = slot_term.size(), plen = 0;
    for (size_t i : targets)
      for (uint32_t t : sigs[i]) visits += postings[slot[t]].size();
    for (auto& p : postings) plen += p.size();
    std::fprintf(stderr, "  [search] similar: %zu terms, %zu in signatures, %zu postings, %zu visited\n",
                 corpus.terms.size(), sig_terms, plen, visits);
  }
  std::vector<int> model_of_doc(n_docs, -1);
  for (size_t i = doc_of_model.size(); i-- > 0;)
    if (doc_of_model[i] >= 0) model_of_doc[doc_of_model[i]] = static_cast<int>(i);

  auto holds = [&](uint32_t term, int doc) {
    if (doc < 0) return false;
    const auto& p = postings[slot[term]];
    auto it = std::lower_bound(p.begin(), p.end(), static_cast<uint32_t>(doc),
                               [](const Posting& a, uint32_t d) { return a.doc < d; });
    return it != p.end() && it->doc == static_cast<uint32_t>(doc);
  };
  auto word_of = [&](const DocTerms& dt, uint32_t term) -> std::string {
    auto it = std::lower_bound(dt.terms.begin(), dt.terms.end(), term,
                               [](const TermEntry& e, uint32_t t) { return e.term < t; });
    if (it != dt.terms.end() && it->term == term && it->word != kNoWord)
      return corpus.words[it->word];
    return corpus.terms[term].substr(1);
  };

  RunJobs(n_jobs, [&](size_t job) {
    std::vector<double> score(n_docs, 0.0);
    std::vector<uint8_t> shared(n_docs, 0);
    std::vector<std::pair<double, int>> candidates;
    for (size_t k = job; k < targets.size(); k += n_jobs) {
      size_t i = targets[k];
      int self = doc_of_model[i];
      const auto& sig = sigs[i];
      if (self < 0 || sig.size() < kMinShared) continue;
      for (uint32_t t : sig) {
        const Posting* p = postings[slot[t]].data();
        const Posting* end = p + postings[slot[t]].size();
        for (; p != end; ++p) {
          score[p->doc] += p->weight;
          ++shared[p->doc];
        }
      }
      model::Postmortem& pm = pms[i];  // only this job writes it
      double floor = kMinFraction * score[self];
      candidates.clear();
      for (size_t d = 0; d < n_docs; ++d) {
        if (shared[d] < kMinShared || score[d] < floor) continue;
        int idx = model_of_doc[d];
        if (idx >= 0 && idx != static_cast<int>(i) &&
            std::find(pm.related.begin(), pm.related.end(), idx) == pm.related.end())
          candidates.emplace_back(score[d], idx);
      }
      std::fill(score.begin(), score.end(), 0.0);
      std::fill(shared.begin(), shared.end(), 0);
      auto better = [&](const std::pair<double, int>& a, const std::pair<double, int>& b) {
        if (a.first != b.first) return a.first > b.first;
        return pms[a.second].doc.id < pms[b.second].doc.id;
      };
      size_t keep = std::min(candidates.size(), kMaxSimilar);
      std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(), better);
      const DocTerms& own = corpus.docs[self];
      for (size_t c = 0; c < keep; ++c) {
        model::SimilarIncident s;
        s.index = candidates[c].second;
        int other = doc_of_model[s.index];
        for (uint32_t t : sig)
          if (s.shared_terms.size() < kMaxReasonTerms && holds(t, other))
            s.shared_terms.push_back(word_of(own, t));
        pm.similar.push_back(std::move(s));
      }
    }
  });
}

}  // namespace casebook::search::similar
