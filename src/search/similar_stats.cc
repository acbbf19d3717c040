// Collection statistics and signatures of the similar engine: see
// similar_stats.h.
#include "search/similar_stats.h"

#include <algorithm>
#include <cmath>

namespace casebook::search::similar {

double Bm25(double idf, double wdf, double doclen, double avglen) {
  constexpr double k1 = 1.2, b = 0.75;
  return idf * wdf * (k1 + 1) / (wdf + k1 * (1 - b + b * doclen / std::max(avglen, 1.0)));
}

Stats::Stats(const Corpus& c) {
  size_t v = c.terms.size();
  tf.assign(v, 0);
  uint64_t total = 0;
  for (const auto& d : c.docs) {
    total += d.doclen;
    for (const auto& e : d.terms) ++tf[e.term];
  }
  n_docs = static_cast<double>(c.docs.size());
  avlen = c.docs.empty() ? 0.0 : static_cast<double>(total) / n_docs;
  idf.assign(v, 0.0);
  expand.assign(v, 0.0);
  candidate.assign(v, 0);
  for (size_t t = 0; t < v; ++t) {
    double n = tf[t];
    idf[t] = std::log(1 + (n_docs - n + 0.5) / (n + 0.5));
    if (tf[t] < 2) continue;
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

std::vector<uint32_t> Stats::Expand(const DocTerms& d,
                                    std::vector<std::pair<double, uint32_t>>* scratch,
                                    double* gap) const {
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
  // One more sorted for the gap: the first `keep` come out the same.
  const size_t sorted = std::min(weighted.size(), gap ? kExpandTerms + 1 : kExpandTerms);
  // Heaviest first; equal weights in descending term order (get_eset's).
  auto heavier = [&](const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) {
    if (a.first != b.first) return a.first > b.first;
    return order[a.second] > order[b.second];
  };
  std::partial_sort(weighted.begin(), weighted.begin() + sorted, weighted.end(), heavier);
  if (gap) {
    // Two terms with the same wdf and the same document frequency have
    // bitwise equal weights whatever the average length, and keep their
    // order (by term): such a pair cannot swap, so it leaves the gap alone.
    auto wdf_of = [&](uint32_t term) {
      auto it = std::lower_bound(d.terms.begin(), d.terms.end(), term,
                                 [](const TermEntry& e, uint32_t t) { return e.term < t; });
      return it != d.terms.end() && it->term == term ? std::max<uint32_t>(it->wdf, 1) : 0;
    };
    auto tied = [&](size_t k) {
      const uint32_t a = weighted[k].second, b = weighted[k + 1].second;
      if (tf[a] != tf[b] || weighted[k].first != weighted[k + 1].first) return false;
      const uint32_t wdf = wdf_of(a);
      return wdf != 0 && wdf == wdf_of(b);
    };
    *gap = HUGE_VAL;
    size_t k = 0;
    for (; k + 1 < sorted && k + 1 < kExpandTerms; ++k)
      if (!tied(k)) *gap = std::min(*gap, weighted[k].first / weighted[k + 1].first);
    // At the 20th and the best left out: a run of tied terms across that
    // line keeps its order, so the set stays while the first term after
    // the run stays below it (sorted here as far as needed).
    size_t have = sorted;
    for (; k + 1 < weighted.size(); ++k) {
      if (k + 1 == have) {
        const size_t more = std::min(weighted.size(), have + 8);
        std::partial_sort(weighted.begin() + have, weighted.begin() + more, weighted.end(),
                          heavier);
        have = more;
      }
      if (!tied(k)) {
        *gap = std::min(*gap, weighted[k].first / weighted[k + 1].first);
        break;
      }
    }
  }
  std::vector<uint32_t> out(keep);
  for (size_t k = 0; k < keep; ++k) out[k] = weighted[k].second;
  return out;
}

}  // namespace casebook::search::similar
