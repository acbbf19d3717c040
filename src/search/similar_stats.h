// Internal to the similar engine (similar_engine.cc, similar_reasons.cc):
// collection statistics, signatures (expansion terms) and the BM25 weights
// the ranking uses. See similar_engine.h for the algorithm.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "search/similar_engine.h"

namespace casebook::search::similar {

inline constexpr size_t kExpandTerms = 20;  // terms of a signature
inline constexpr size_t kMaxSimilar = 5;
inline constexpr size_t kMinShared = 2;

/// BM25 (k1 = 1.2, b = 0.75) weight of a term in a document.
double Bm25(double idf, double wdf, double doclen, double avglen);

/// Collection statistics and the per-term parts of the weights.
struct Stats {
  double n_docs = 0, avlen = 0;
  std::vector<uint32_t> tf;     // documents holding each term
  std::vector<double> idf;      // BM25's
  std::vector<double> expand;   // log(num / denom) of TradEWeight; valid where candidate
  std::vector<char> candidate;  // an expansion term: >= 2 documents, positive weight
  std::vector<uint32_t> order;  // rank of each term's string (for ties)

  explicit Stats(const Corpus& c);

  /// The best kExpandTerms expansion terms of `d`, best first; equal
  /// weights in descending term order, as get_eset has them.
  /// With `gap`: the smallest ratio between the weights of two terms next
  /// to each other in that order, the first 20 and the best term left out
  /// (HUGE_VAL when there are no two; 1 for a tie), leaving out pairs with
  /// the same wdf and document frequency (their weights stay equal and in
  /// order); where such a run crosses the 20th place, the ratio between its
  /// last term and the next. While every weight moves by a factor within
  /// [1/f, f] and f * f < gap, the signature stays the same.
  std::vector<uint32_t> Expand(const DocTerms& d, std::vector<std::pair<double, uint32_t>>* scratch,
                               double* gap = nullptr) const;

  /// The BM25 weight of entry `e` of document `dt`, as every score sums it.
  float Weight(const TermEntry& e, const DocTerms& dt) const {
    return static_cast<float>(Bm25(idf[e.term], e.wdf, static_cast<double>(dt.doclen), avlen));
  }
};

/// Fills the reasons: pms[i].similar for every target with results, from
/// its signature, the documents of its results (best first) and the
/// signature positions each holds (held[i][k], bit p: sig[p]; worked out
/// from the result's terms where held[i] is not one per result).
void FillReasons(const Corpus& corpus, const Stats& stats, const std::vector<size_t>& targets,
                 const std::vector<int>& doc_of_model, const std::vector<int>& model_of_doc,
                 const std::vector<std::vector<uint32_t>>& sigs,
                 const std::vector<std::vector<uint32_t>>& results,
                 const std::vector<std::vector<uint32_t>>& held, size_t n_jobs,
                 model::SiteModel* site);

}  // namespace casebook::search::similar
