// The signature gap (Stats::Expand): while every expansion weight moves by
// a factor within [1/f, f] with f * f below a document's gap, its signature
// stays the same. An edit that only changes the average length (same
// documents, same document frequencies) keeps the signatures of every
// other document whose gap allows it (similar_engine.cc, KeepSignature).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "search/similar_engine.h"
#include "search/similar_stats.h"

namespace sim = casebook::search::similar;

namespace {

/// Documents over a small vocabulary in which many terms share their
/// document frequency (three values) and wdfs are 1 or 2: most signatures
/// hold several pairs of terms whose weights are equal whatever the
/// average length, some of them at the 20th and 21st places.
sim::Corpus TiedCorpus(std::mt19937& rng, size_t n_docs, size_t vocab) {
  sim::Corpus c;
  c.docs.resize(n_docs);
  for (size_t d = 0; d < n_docs; ++d) {
    c.ids.push_back("doc-" + std::to_string(d));
    c.docs[d].doclen = 40 + rng() % 200;
  }
  const size_t tfs[] = {n_docs / 4, n_docs * 3 / 8, n_docs / 2};
  for (size_t t = 0; t < vocab; ++t) {
    uint32_t id = c.terms.Intern("Zterm" + std::string(1, 'a' + t % 26) + std::string(1, 'a' + t / 26));
    std::vector<size_t> holders(n_docs);
    for (size_t d = 0; d < n_docs; ++d) holders[d] = d;
    std::shuffle(holders.begin(), holders.end(), rng);
    holders.resize(tfs[t % 3]);
    for (size_t d : holders) {
      uint32_t wdf = 1 + rng() % 2;
      c.docs[d].terms.push_back({id, wdf, sim::kNoWord});
      c.docs[d].doclen += wdf;
    }
  }
  for (auto& dt : c.docs)
    std::sort(dt.terms.begin(), dt.terms.end(),
              [](const auto& a, const auto& b) { return a.term < b.term; });
  return c;
}

}  // namespace

TEST_CASE("similar engine: a signature whose gap allows the average length's move stays the "
          "same, and equal-weight pairs do not close the gap",
          "[search][similar]") {
  std::mt19937 rng(11);
  sim::Corpus corpus = TiedCorpus(rng, 400, 80);
  const sim::Stats before(corpus);
  std::vector<std::vector<uint32_t>> sigs(corpus.docs.size());
  std::vector<double> gaps(corpus.docs.size());
  std::vector<std::pair<double, uint32_t>> scratch;
  size_t with_tied_pair = 0, open_with_tied_pair = 0, full = 0;
  for (size_t d = 0; d < corpus.docs.size(); ++d) {
    sigs[d] = before.Expand(corpus.docs[d], &scratch, &gaps[d]);
    full += sigs[d].size() == sim::kExpandTerms;
    // The same signature without asking for the gap.
    REQUIRE(before.Expand(corpus.docs[d], &scratch) == sigs[d]);
    std::vector<uint32_t> classes;
    for (uint32_t t : sigs[d]) {
      auto it = std::find_if(corpus.docs[d].terms.begin(), corpus.docs[d].terms.end(),
                             [&](const sim::TermEntry& e) { return e.term == t; });
      classes.push_back(before.tf[t] * 4 + it->wdf);
    }
    std::sort(classes.begin(), classes.end());
    const bool tied = std::adjacent_find(classes.begin(), classes.end()) != classes.end();
    with_tied_pair += tied;
    open_with_tied_pair += tied && gaps[d] > 1;
  }
  REQUIRE(full > corpus.docs.size() * 9 / 10);  // most have a 21st term left out
  // Nearly every signature holds a pair of always-equal weights.
  REQUIRE(with_tied_pair > corpus.docs.size() * 9 / 10);
  // Most of them still have a gap (with each such pair counted as a gap of
  // 1, none would, and no signature of theirs would be kept).
  CHECK(open_with_tied_pair > with_tied_pair / 2);
  // One document grows or shrinks (words that are no expansion terms): the
  // average length moves, nothing else. Every other document whose gap
  // allows the move has the same signature.
  size_t kept_total = 0, checked = 0;
  const uint64_t len0 = corpus.docs[0].doclen;
  for (int step = 1; step <= 60; ++step) {
    corpus.docs[0].doclen = step % 2 ? len0 + 13 * static_cast<uint64_t>(step * step)
                                     : std::max<uint64_t>(len0 / (1 + step / 8), 1);
    const sim::Stats after(corpus);
    const double f = std::max(before.avlen / after.avlen, after.avlen / before.avlen) * (1 + 1e-9);
    if (f == 1.0) continue;
    size_t kept = 0;
    for (size_t d = 1; d < corpus.docs.size(); ++d) {
      if (!(gaps[d] > f * f)) continue;
      ++kept;
      INFO("step " << step << ", document " << d << ", gap " << gaps[d] << ", f " << f);
      REQUIRE(after.Expand(corpus.docs[d], &scratch) == sigs[d]);
    }
    kept_total += kept;
    checked += corpus.docs.size() - 1;
  }
  // Some moves are small enough to keep many signatures.
  CHECK(kept_total > checked / 20);
}

TEST_CASE("similar engine: a run of equal-weight terms across the 20th place leaves in the gap "
          "the term after it",
          "[search][similar]") {
  // Document 0: 19 strong terms (each in 3 documents, wdf 3), two terms
  // with the same wdf (2) and document frequency (40) that tie at the 20th
  // and 21st places, and one more (wdf 1, in 20 documents) just below
  // them. Its weight grows against theirs as the average length grows: a
  // little more and it passes both, which changes the signature.
  const size_t n_docs = 200;
  const uint64_t filler_len = 1000;
  auto make = [&](uint64_t len0, uint64_t len1) {
    sim::Corpus c;
    c.docs.resize(n_docs);
    for (size_t d = 0; d < n_docs; ++d) {
      c.ids.push_back("doc-" + std::to_string(d));
      c.docs[d].doclen = filler_len;
    }
    c.docs[0].doclen = len0;
    c.docs[1].doclen = len1;
    auto add = [&](const std::string& term, uint32_t wdf0, size_t first, size_t holders) {
      uint32_t id = c.terms.Intern(term);
      c.docs[0].terms.push_back({id, wdf0, sim::kNoWord});
      for (size_t d = first; d < first + holders - 1; ++d) c.docs[d].terms.push_back({id, 1, sim::kNoWord});
    };
    for (int k = 0; k < 19; ++k) add("Zstrong" + std::string(1, 'a' + k), 3, 1, 3);
    add("Ztieda", 2, 10, 40);
    add("Ztiedb", 2, 10, 40);
    add("Zbelow", 1, 100, 20);
    for (auto& dt : c.docs)
      std::sort(dt.terms.begin(), dt.terms.end(),
                [](const auto& a, const auto& b) { return a.term < b.term; });
    return c;
  };
  std::vector<std::pair<double, uint32_t>> scratch;
  auto holds_below = [&](const sim::Corpus& c) {
    const sim::Stats stats(c);
    for (uint32_t t : stats.Expand(c.docs[0], &scratch))
      if (c.terms[t] == "Zbelow") return true;
    return false;
  };
  // The shortest document 0 whose signature leaves "Zbelow" out (a longer
  // one weighs its wdf-1 term less).
  uint64_t lo = 1, hi = 100 * filler_len;
  REQUIRE(holds_below(make(lo, filler_len)));
  REQUIRE(!holds_below(make(hi, filler_len)));
  while (hi - lo > 1) {
    uint64_t mid = (lo + hi) / 2;
    (holds_below(make(mid, filler_len)) ? lo : hi) = mid;
  }
  const sim::Corpus before_corpus = make(hi, filler_len);
  const sim::Stats before(before_corpus);
  double gap = 0;
  const std::vector<uint32_t> sig = before.Expand(before_corpus.docs[0], &scratch, &gap);
  REQUIRE(sig.size() == sim::kExpandTerms);
  // Another document grows: the average length moves by about 2%.
  const sim::Corpus after_corpus = make(hi, filler_len + n_docs * filler_len / 50);
  const sim::Stats after(after_corpus);
  REQUIRE(after_corpus.docs[0].terms.size() == before_corpus.docs[0].terms.size());
  const double f = std::max(before.avlen / after.avlen, after.avlen / before.avlen) * (1 + 1e-9);
  REQUIRE(f < 1.05);
  // The signature changes ("Zbelow" enters), so the gap must not allow it.
  CHECK(after.Expand(after_corpus.docs[0], &scratch) != sig);
  CHECK(gap <= f * f);
  CHECK(gap > 1);  // the tied pair itself is no gap
}
