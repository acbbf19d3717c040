// Similar incidents from compact term vectors: see similar_engine.h.
//
// Compute is a pipeline of named steps (class Ranking):
//   1. Signatures: every target's 20 expansion terms (similar_stats.cc).
//   2. CandidateLists: per signature term, the documents where it weighs
//      most (at most list_cap), each with a cheap weight, and a fingerprint
//      of the list (for the next step).
//   3. ReuseFromState (incremental builds only): a postmortem whose
//      signature, `related` list and candidate lists are those of the last
//      build keeps its results when a bound proves they cannot change.
//   4. RankCandidates: every other target sums its candidates' cheap
//      weights over its lists, scores the best `rerank` of them exactly and
//      keeps the best 5.
//   5. Reasons (similar_reasons.cc), then SaveState for the next build.
//
// Why candidate lists: all-pairs ranking visits every posting of every
// signature term once per target, and in an archive whose signatures share
// frequent terms that grows with the square of the archive (10,000
// synthetic postmortems: 268 million visits). A document that ranks high
// for a postmortem shares many of its terms with a high term-frequency
// weight, so it is on the top of at least one of their posting lists; the
// rest only need an exact score, which keeps thresholds and reasons as they
// were. Cost per target: 20 * list_cap visits plus `rerank` exact scores.
//
// Why the cheap weights use quantised statistics: the candidate lists, the
// cheap weights and so which candidates get scored exactly must depend only
// on the documents on them, or one edited postmortem (which moves the
// average length and the idf of its terms a little) would change every
// list and re-rank the archive. So lists are ordered by BM25's
// term-frequency part with the average length rounded to 1/16 of a power of
// two, and cheap weights use idf rounded to 1/64: one edit changes them only
// when a rounding boundary is crossed (rare; then more is re-ranked, never
// anything wrong, as the fingerprints include them). The exact scores use
// the statistics as they are.
#include "search/similar_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <optional>
#include <thread>
#include <unordered_map>

#include "search/ids_by_place.h"
#include "search/schema.h"
#include "search/similar_stats.h"

namespace casebook::search::similar {

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

// Incremental recomputation (ReuseFromState).
//
// Let U be the documents whose id and content hash are those of the previous
// computation (their term vectors are the same). Take a postmortem P in U
// whose signature and `related` list are unchanged and each of whose
// signature terms has the candidate list it had (same fingerprint: the same
// documents of U, with the same cheap weights). Then it has the same
// candidates, and the same ones were scored exactly (the choice uses only
// the cheap weights). Where some of its lists changed, the same ones were
// still scored exactly when every document that moved on them (added,
// dropped, re-weighted, or not in U) has a cheap sum below P's cut (the
// worst candidate it scored, which did not move), then and now: every
// other candidate kept its sum (MovedOnLists; the state keeps the lists). Every exact posting weight of a document of U changes
// by a factor of at most
//   R = max over P's signature terms t of (idf'(t) / idf(t)) * Kmax,
//   Kmax = max(1, max over documents of K(len, avlen) / K(len, avlen')),
// with K = k1 * (1 - b + b * len / avlen) (BM25: w = idf * wdf * (k1 + 1) /
// (wdf + K), and (wdf + K) / (wdf + K') <= max(1, K / K')). Weights are
// positive, so a document's score (a sum of weights) changes by at most R
// too; 1e-6 of slack covers the float weights and the summation. The
// previous computation left an upper bound B on the score of every other
// eligible document it scored exactly, so now all of them score at most
// UB = B * R * (1 + 1e-6). The previous results are scored exactly again (in
// signature order, as ranking does, so the scores are bitwise those of a
// ranking); if five of them pass the floor and the fifth scores more than
// UB, or fewer pass and UB is below the floor, nothing else can enter: they
// are P's results. Otherwise P is ranked. The bound left for the next
// computation is UB or the best known score not kept (bounds chain soundly
// from one build to the next; a ranking resets them to the exact best score
// not kept).

namespace {

/// FNV-1a over bytes.
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void Add(std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // terminator
  }
  void Add(uint64_t v) {
    for (int k = 0; k < 8; ++k) h = (h ^ ((v >> (8 * k)) & 0xff)) * 1099511628211ull;
  }
};

uint64_t Bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, 8);
  return b;
}

/// One document on a term's candidate list.
struct Listed {
  uint32_t doc;
  float weight;  // cheap: quantised idf * term-frequency part
};

/// A document and its score, for sorting.
using Scored = std::pair<double, uint32_t>;

/// Optional timings on stderr (CASEBOOK_SEARCH_PROFILE).
class Laps {
 public:
  Laps() : on_(std::getenv("CASEBOOK_SEARCH_PROFILE") != nullptr) {}
  void operator()(const char* what) {
    if (!on_) return;
    auto t = std::chrono::steady_clock::now();
    std::clock_t c = std::clock();
    std::fprintf(stderr, "  [search]   compute: %-12s %.3f s wall %.3f s cpu\n", what,
                 std::chrono::duration<double>(t - t0_).count(),
                 static_cast<double>(c - c0_) / CLOCKS_PER_SEC);
    t0_ = t;
    c0_ = c;
  }
  bool on() const { return on_; }

 private:
  bool on_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  std::clock_t c0_ = std::clock();  // the process's CPU time
};

class Ranking {
 public:
  Ranking(const Corpus& corpus, const std::vector<int>& doc_of_model,
          const std::vector<size_t>& targets, model::SiteModel* site, const Options& options)
      : corpus_(corpus),
        doc_of_model_(doc_of_model),
        targets_(targets),
        pms_(site->postmortems),
        site_(site),
        opt_(options),
        stats_(corpus),
        n_docs_(corpus.docs.size()),
        n_jobs_(targets.size() < 64 ? 1 : static_cast<size_t>(std::clamp(options.jobs, 1, 16))),
        model_of_doc_(n_docs_, -1),
        sigs_(pms_.size()),
        sig_gaps_(pms_.size(), 1.0),
        results_(pms_.size()),
        bounds_(pms_.size(), -1.0),
        cuts_(pms_.size(), Scored(0.0, kNoWord)),
        held_(pms_.size()),
        scores_(pms_.size()),
        floors_(pms_.size(), Interval{0.0, 0.0}) {
    for (size_t i = doc_of_model.size(); i-- > 0;)
      if (doc_of_model[i] >= 0) model_of_doc_[doc_of_model[i]] = static_cast<int>(i);
    every_doc_a_postmortem_ =
        std::find(model_of_doc_.begin(), model_of_doc_.end(), -1) == model_of_doc_.end();
  }

  void Run() {
    laps_("stats");
    if (opt_.prev) MapState();
    Signatures();
    laps_("signatures");
    CandidateLists();
    laps_("lists");
    if (opt_.prev) ReuseFromState();
    laps_("reuse");
    RankCandidates();
    laps_("rank");
    if (laps_.on())
      std::fprintf(stderr,
                   "  [search] similar: %zu terms, %zu lists, %zu signatures kept, %zu reused "
                   "(%zu unscored), %zu ranked\n",
                   corpus_.terms.size(), list_term_.size(), counts_.kept_signatures,
                   counts_.reused, counts_.unscored, counts_.ranked);
    if (opt_.counts) *opt_.counts = counts_;
    FillReasons(corpus_, stats_, targets_, doc_of_model_, model_of_doc_, sigs_, results_, held_,
                n_jobs_, site_);
    laps_("reasons");
    if (opt_.next && every_doc_a_postmortem_) SaveState(opt_.next);
    laps_("state");
  }

  /// The results (documents, best first) of postmortem i.
  const std::vector<uint32_t>& results(size_t i) const { return results_[i]; }

 private:
  // Step 1, in parallel (each job writes its own entries). A document of U
  // keeps its previous signature when no term it holds changed its tf (in
  // a corpus of as many documents) and the average length moved every
  // weight by less than its gap allows (Stats::Expand).
  void Signatures() {
    const RankState* prev = opt_.prev;
    std::vector<char> changed_tf;
    double f = 0;  // every expansion weight moved by a factor within [1/f, f]
    if (prev && from_.usable && prev->n_docs == n_docs_ && prev->vocab.size() == prev->vocab_tf.size()) {
      changed_tf.assign(corpus_.terms.size(), 1);
      std::unordered_map<std::string_view, uint32_t> old_tf;
      old_tf.reserve(prev->vocab.size());
      for (size_t k = 0; k < prev->vocab.size(); ++k) old_tf.emplace(prev->vocab[k], prev->vocab_tf[k]);
      for (uint32_t t = 0; t < corpus_.terms.size(); ++t) {
        auto it = old_tf.find(corpus_.terms[t]);
        changed_tf[t] = it == old_tf.end() || it->second != stats_.tf[t];
      }
      const double a_old = std::max(static_cast<double>(prev->total_len) / static_cast<double>(prev->n_docs), 1.0);
      const double a_new = std::max(stats_.avlen, 1.0);
      f = a_old == a_new ? 1.0 : std::max(a_old / a_new, a_new / a_old) * (1 + 1e-9);
    }
    const bool any_changed_tf =
        std::find(changed_tf.begin(), changed_tf.end(), 1) != changed_tf.end();
    std::vector<size_t> kept(n_jobs_, 0);
    RunJobs(n_jobs_, [&](size_t job) {
      std::vector<Scored> scratch;
      for (size_t k = job; k < targets_.size(); k += n_jobs_) {
        const size_t i = targets_[k];
        int d = doc_of_model_[i];
        if (d < 0) continue;
        if (f > 0 && KeepSignature(i, d, changed_tf, any_changed_tf, f)) {
          ++kept[job];
          continue;
        }
        sigs_[i] = stats_.Expand(corpus_.docs[d], &scratch, &sig_gaps_[i]);
      }
    });
    for (size_t n : kept) counts_.kept_signatures += n;
  }

  /// Postmortem i (document d) takes its signature from the state when its
  /// document is in U, none of its terms changed its tf and the weights
  /// moved by a factor within [1/f, f] with f * f below its gap (f == 1:
  /// the same weights, bitwise).
  bool KeepSignature(size_t i, int d, const std::vector<char>& changed_tf, bool any_changed_tf,
                     double f) {
    const RankState& prev = *opt_.prev;
    if (!from_.in_u[d] || model_of_doc_[d] != static_cast<int>(i)) return false;
    const int64_t k = from_.target_of_model[i];
    if (k < 0) return false;
    const RankState::Target& pt = prev.targets[k];
    if (f != 1.0 && !(pt.sig_gap > f * f)) return false;
    if (any_changed_tf)
      for (const auto& e : corpus_.docs[d].terms)
        if (changed_tf[e.term]) return false;
    std::vector<uint32_t> sig(pt.sig.size());
    for (size_t s = 0; s < sig.size(); ++s) {
      if (pt.sig[s] >= from_.new_term.size() || from_.new_term[pt.sig[s]] == kNoWord) return false;
      sig[s] = from_.new_term[pt.sig[s]];
    }
    sigs_[i] = std::move(sig);
    // The gap now, at least (its weights moved by at most f each).
    sig_gaps_[i] = f == 1.0 ? pt.sig_gap : pt.sig_gap / (f * f);
    return true;
  }

  // Step 2: every posting of a signature term, then per term the best
  // list_cap by (BM25 term-frequency part with the quantised average
  // length, then id), in that order, with cheap weights and fingerprints.
  void CandidateLists() {
    list_of_.assign(corpus_.terms.size(), -1);
    for (size_t i : targets_)
      for (uint32_t t : sigs_[i])
        if (list_of_[t] < 0) {
          list_of_[t] = static_cast<int32_t>(list_term_.size());
          list_term_.push_back(t);
        }
    lists_.assign(list_term_.size(), {});
    for (size_t l = 0; l < lists_.size(); ++l) lists_[l].reserve(stats_.tf[list_term_[l]]);
    const double avlen_q = std::exp2(std::round(std::log2(std::max(stats_.avlen, 1.0)) * 16) / 16);
    for (size_t d = 0; d < n_docs_; ++d) {
      const DocTerms& dt = corpus_.docs[d];
      for (const auto& e : dt.terms)
        if (int32_t l = list_of_[e.term]; l >= 0)
          lists_[l].push_back({static_cast<uint32_t>(d),
                               static_cast<float>(Bm25(1.0, e.wdf, static_cast<double>(dt.doclen),
                                                       avlen_q))});
    }
    std::vector<uint64_t> doc_print;  // id and content hash, per document
    if (opt_.hashes) {
      doc_print.resize(n_docs_);
      for (size_t d = 0; d < n_docs_; ++d) {
        Fnv h;
        h.Add(corpus_.ids[d]);
        h.Add((*opt_.hashes)[d]);
        doc_print[d] = h.h;
      }
    }
    list_print_.assign(lists_.size(), 0);
    auto before = [&](const Listed& a, const Listed& b) {
      if (a.weight != b.weight) return a.weight > b.weight;
      int c = corpus_.ids[a.doc].compare(corpus_.ids[b.doc]);
      return c != 0 ? c < 0 : a.doc < b.doc;
    };
    RunJobs(lists_.size() < 64 ? 1 : n_jobs_, [&](size_t job) {
      size_t step = lists_.size() < 64 ? 1 : n_jobs_;
      for (size_t l = job; l < lists_.size(); l += step) {
        auto& list = lists_[l];
        if (list.size() > opt_.list_cap) {
          std::nth_element(list.begin(), list.begin() + opt_.list_cap, list.end(), before);
          list.resize(opt_.list_cap);
          list.shrink_to_fit();
        }
        double idf_q = std::round(stats_.idf[list_term_[l]] * 64) / 64;
        if (opt_.hashes) {
          std::sort(list.begin(), list.end(), before);
          Fnv h;
          h.Add(Bits(idf_q));
          for (const Listed& x : list) {
            h.Add(doc_print[x.doc]);
            h.Add(Bits(x.weight));
          }
          list_print_[l] = h.h;
        }
        for (Listed& x : list) x.weight = static_cast<float>(idf_q * x.weight);
      }
    });
  }

  // Step 0 (incremental builds only): the previous state's documents, terms
  // and targets in this corpus.
  void MapState();
  struct FromState {
    bool usable = false;  // false: nothing is taken from the state
    std::vector<char> in_u;         // per document: in U
    std::vector<int> new_of_prev;   // per previous document: this one, -1: gone
    std::vector<int64_t> target_of_model;  // per postmortem: its previous target, -1: none
    std::vector<uint32_t> new_term;  // per previous term: this one, kNoWord: gone
  } from_;

  // Step 3 (see "Incremental recomputation" above).
  void ReuseFromState();
  struct MovedOnLists;

  // Step 4: ranks `rank_` (every target not reused).
  void RankCandidates() {
    if (!opt_.prev) rank_ = targets_;
    counts_.ranked = rank_.size();
    const size_t jobs = rank_.size() < 64 ? 1 : n_jobs_;
    RunJobs(jobs, [&](size_t job) {
      Scratch s(corpus_.terms.size(), n_docs_);
      for (size_t k = job; k < rank_.size(); k += jobs) RankOne(rank_[k], &s);
    });
  }

  struct Scratch {
    Scratch(size_t n_terms, size_t n_docs) : pos(n_terms, 0), sum(n_docs, 0.0), seen(n_docs, 0) {}
    std::vector<uint8_t> pos;  // term -> 1 + signature position
    std::vector<double> sum;   // cheap weights summed, per document
    std::vector<char> seen;
    std::vector<uint32_t> touched;
    std::vector<Scored> pool, known;
  };

  void RankOne(size_t i, Scratch* s) {
    int self = doc_of_model_[i];
    const auto& sig = sigs_[i];
    if (self < 0 || sig.size() < kMinShared) return;  // no results
    // Candidates, with their cheap weights summed over i's lists.
    s->touched.clear();
    for (uint32_t t : sig)
      for (const Listed& x : lists_[list_of_[t]]) {
        if (!s->seen[x.doc]) {
          s->seen[x.doc] = 1;
          s->touched.push_back(x.doc);
        }
        s->sum[x.doc] += x.weight;
      }
    s->pool.clear();
    for (uint32_t d : s->touched) {
      if (!Excluded(i, d)) s->pool.emplace_back(s->sum[d], d);
      s->sum[d] = 0.0;
      s->seen[d] = 0;
    }
    // The best `rerank` of them, scored exactly.
    if (s->pool.size() > opt_.rerank)
      std::nth_element(s->pool.begin(), s->pool.begin() + opt_.rerank, s->pool.end(),
                       [&](const Scored& a, const Scored& b) { return Better(a, b); });
    const size_t scored = std::min(s->pool.size(), opt_.rerank);
    if (scored < s->pool.size()) {  // the worst one scored: the others are below it
      cuts_[i] = s->pool[0];
      for (size_t c = 1; c < scored; ++c)
        if (Better(cuts_[i], s->pool[c])) cuts_[i] = s->pool[c];
    }
    MarkSignature(sig, &s->pos);
    size_t shared;
    const double floor = kMinFraction * ExactScore(sig.size(), self, s->pos, &shared);
    s->known.clear();
    for (size_t c = 0; c < scored; ++c) {
      uint32_t d = s->pool[c].second;
      double score = ExactScore(sig.size(), d, s->pos, &shared);
      if (shared >= kMinShared) s->known.emplace_back(score, d);
    }
    std::sort(s->known.begin(), s->known.end(),
              [&](const Scored& a, const Scored& b) { return Better(a, b); });
    size_t pass = 0;
    while (pass < s->known.size() && pass < kMaxSimilar && s->known[pass].first >= floor) ++pass;
    Keep(i, s->known, pass, floor, s->pos);
    ClearSignature(sig, &s->pos);
    // The best one not kept bounds all the others (the floor ignored).
    bounds_[i] = pass < s->known.size() ? s->known[pass].first : -1.0;
  }

  // Step 5b: what the next computation needs (bounds cover only documents
  // of a postmortem: a state is left only when every document is one).
  void SaveState(RankState* next);

  static constexpr double kMinFraction = 0.15;  // of the document's score against itself

  /// An interval holding an exact score (see "Incremental recomputation").
  struct Interval {
    double lo, hi;
  };

  /// Keeps the first `pass` of `known` (exact scores, best first) as
  /// postmortem i's results, with the signature positions each holds (its
  /// signature is marked in `pos`) and the floor. Only i's job calls it.
  void Keep(size_t i, const std::vector<Scored>& known, size_t pass, double floor,
            const std::vector<uint8_t>& pos) {
    auto& res = results_[i];
    auto& held = held_[i];
    auto& scores = scores_[i];
    for (size_t c = 0; c < pass; ++c) {
      res.push_back(known[c].second);
      held.push_back(Held(known[c].second, pos));
      scores.push_back({known[c].first, known[c].first});
    }
    floors_[i] = {floor, floor};
  }

  /// Postmortem i keeps `docs` (its previous results, documents of U, in
  /// their order) without scoring them, when the intervals the previous
  /// computation left, widened by the factors r_lo..r every score moved by
  /// at most (and 1e-6 of slack), prove that each still passes the floor,
  /// that their order holds (every interval above the next one's) and that
  /// nothing else can enter (the fifth above `ub`, else `ub` below the
  /// floor): then they are the results a ranking would give. Sets i's
  /// entries and its bound; false (nothing set) otherwise.
  bool KeepByIntervals(size_t i, const RankState::Target& pt, const std::vector<uint32_t>& docs,
                       double r, double r_lo, double ub) {
    const size_t n = docs.size();
    const size_t sig_size = sigs_[i].size();
    if (n > kMaxSimilar || pt.held.size() != n || pt.lo.size() != n || pt.hi.size() != n ||
        !(r_lo > 0) || !(pt.floor_lo > 0) || !(pt.floor_lo <= pt.floor_hi))
      return false;
    constexpr double kSlack = 1e-6;
    const double down = r_lo * (1 - kSlack), up = r * (1 + kSlack);
    const Interval floor{pt.floor_lo * down, pt.floor_hi * up};
    Interval scores[kMaxSimilar];
    for (size_t k = 0; k < n; ++k) {
      if (!(pt.lo[k] > 0) || !(pt.lo[k] <= pt.hi[k]) || (pt.held[k] >> sig_size) != 0) return false;
      scores[k] = {pt.lo[k] * down, pt.hi[k] * up};
      if (!(scores[k].lo >= floor.hi)) return false;
      if (k > 0 && !(scores[k - 1].lo > scores[k].hi)) return false;
    }
    if (n == kMaxSimilar ? !(scores[n - 1].lo > ub) : !(ub < floor.lo)) return false;
    results_[i] = docs;
    held_[i] = pt.held;
    scores_[i].assign(scores, scores + n);
    floors_[i] = floor;
    bounds_[i] = ub;
    return true;
  }

  /// The signature positions (bit p: position p) document d holds, for the
  /// signature marked in `pos`.
  uint32_t Held(size_t d, const std::vector<uint8_t>& pos) const {
    uint32_t held = 0;
    for (const auto& e : corpus_.docs[d].terms)
      if (uint8_t p = pos[e.term]) held |= 1u << (p - 1);
    return held;
  }

  void MarkSignature(const std::vector<uint32_t>& sig, std::vector<uint8_t>* pos) const {
    for (size_t k = 0; k < sig.size(); ++k) (*pos)[sig[k]] = static_cast<uint8_t>(k + 1);
  }
  void ClearSignature(const std::vector<uint32_t>& sig, std::vector<uint8_t>* pos) const {
    for (uint32_t t : sig) (*pos)[t] = 0;
  }

  /// The score of document d for the signature marked in `pos` (term -> 1 +
  /// its position): its weights summed in signature order, so the same
  /// every time; and the number of terms it shares.
  double ExactScore(size_t sig_size, size_t d, const std::vector<uint8_t>& pos,
                    size_t* shared) const {
    const DocTerms& dt = corpus_.docs[d];
    float w[kExpandTerms];
    uint32_t held = 0;
    for (const auto& e : dt.terms)
      if (uint8_t p = pos[e.term]) {
        w[p - 1] = stats_.Weight(e, dt);
        held |= 1u << (p - 1);
      }
    double score = 0.0;
    *shared = 0;
    for (size_t s = 0; s < sig_size; ++s)
      if (held & (1u << s)) {
        score += w[s];
        ++*shared;
      }
    return score;
  }

  /// Never suggested for postmortem i: a document of no postmortem, i
  /// itself, or one of i's `related`.
  bool Excluded(size_t i, size_t d) const {
    int idx = model_of_doc_[d];
    const auto& related = pms_[i].related;
    return idx < 0 || idx == static_cast<int>(i) ||
           std::find(related.begin(), related.end(), idx) != related.end();
  }

  /// Higher score first, equal scores by id.
  bool Better(const Scored& a, const Scored& b) const {
    if (a.first != b.first) return a.first > b.first;
    return pms_[model_of_doc_[a.second]].doc.id < pms_[model_of_doc_[b.second]].doc.id;
  }

  /// Identifies postmortem i's `related` list.
  uint64_t RelatedKey(size_t i) const {
    Fnv h;
    for (int r : pms_[i].related) {
      int d = r >= 0 && r < static_cast<int>(doc_of_model_.size()) ? doc_of_model_[r] : -1;
      if (d >= 0 && model_of_doc_[d] == r)
        h.Add(corpus_.ids[d]);
      else
        h.Add(std::string_view("\0", 1));  // never a candidate
    }
    return h.h;
  }

  const Corpus& corpus_;
  const std::vector<int>& doc_of_model_;
  const std::vector<size_t>& targets_;
  std::vector<model::Postmortem>& pms_;
  model::SiteModel* site_;
  const Options& opt_;
  Laps laps_;  // from here: the first lap times the statistics
  const Stats stats_;
  const size_t n_docs_, n_jobs_;
  std::vector<int> model_of_doc_;
  bool every_doc_a_postmortem_ = false;
  std::vector<std::vector<uint32_t>> sigs_;      // per postmortem
  std::vector<double> sig_gaps_;                 // per postmortem: RankState::Target::sig_gap
  std::vector<int32_t> list_of_;                 // term -> candidate list, -1: none
  std::vector<uint32_t> list_term_;              // candidate list -> term
  std::vector<std::vector<Listed>> lists_;       // candidate lists
  std::vector<uint64_t> list_print_;             // their fingerprints (with hashes)
  std::vector<size_t> rank_;                     // targets to rank (step 4)
  std::vector<std::vector<uint32_t>> results_;   // per postmortem: documents, best first
  std::vector<double> bounds_;                   // per postmortem, see RankState
  std::vector<Scored> cuts_;                     // per postmortem: RankState::Target::cut
  std::vector<std::vector<uint32_t>> held_;      // per postmortem: per result, RankState's held
  std::vector<std::vector<Interval>> scores_;    // per postmortem: per result, its score's interval
  std::vector<Interval> floors_;                 // per postmortem: its floor's interval
  Counts counts_;
};

// What moved on the candidate lists whose fingerprints changed since the
// last computation: documents added, dropped, re-weighted or changed
// (not in U), with each one's cheap weights on every list, then and now.
// A postmortem whose lists changed still has the same documents scored
// exactly when every document that moved on its lists has a cheap sum
// below its cut, then and now: the others kept their sums, so its best
// `rerank` are the same set.
struct Ranking::MovedOnLists {
  struct Weight {
    int32_t list;
    float weight;
  };
  bool usable = false;
  size_t n_docs = 0;                        // keys >= n_docs: previous documents now gone
  std::vector<std::vector<uint32_t>> moved;  // per list: keys of what moved, sorted
  std::vector<int32_t> row_of;              // key -> row of then/now, -1: did not move
  std::vector<std::vector<Weight>> then, now;  // per row, by list

  static MovedOnLists Find(const Ranking& r, const RankState& prev,
                           const std::vector<uint32_t>& new_term,
                           const std::vector<int>& new_of_prev, const std::vector<char>& in_u) {
    // Few documents move on a few lists after an edit; many (an average
    // length or idf crossing a rounding boundary) are not worth it.
    constexpr size_t kMaxMoved = 1 << 14;
    MovedOnLists m;
    m.n_docs = r.n_docs_;
    if (prev.list_entries.size() != prev.terms.size()) return m;
    auto key = [&](uint32_t p) -> uint32_t {
      int d = p < new_of_prev.size() ? new_of_prev[p] : -1;
      return d >= 0 ? static_cast<uint32_t>(d) : static_cast<uint32_t>(m.n_docs + p);
    };
    m.moved.assign(r.lists_.size(), {});
    std::vector<int32_t> prev_of_list(r.lists_.size(), -1);
    size_t total = 0;
    std::vector<std::pair<uint32_t, float>> a, b;
    for (size_t k = 0; k < prev.terms.size(); ++k) {
      if (new_term[k] == kNoWord || r.list_of_[new_term[k]] < 0) continue;
      const int32_t l = r.list_of_[new_term[k]];
      prev_of_list[l] = static_cast<int32_t>(k);
      if (prev.lists[k] == r.list_print_[l]) continue;
      a.clear();
      b.clear();
      for (const auto& x : prev.list_entries[k]) a.emplace_back(key(x.doc), x.weight);
      for (const auto& x : r.lists_[l]) b.emplace_back(x.doc, x.weight);
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      auto& out = m.moved[l];
      size_t i = 0, j = 0;
      while (i < a.size() || j < b.size()) {
        if (j == b.size() || (i < a.size() && a[i].first < b[j].first)) {
          out.push_back(a[i++].first);
        } else if (i == a.size() || b[j].first < a[i].first) {
          out.push_back(b[j++].first);
        } else {
          if (a[i].second != b[j].second || !in_u[b[j].first]) out.push_back(b[j].first);
          ++i, ++j;
        }
      }
      total += out.size();
      if (total > kMaxMoved) return m;
    }
    m.row_of.assign(m.n_docs + prev.doc_ids.size(), -1);
    int32_t rows = 0;
    for (const auto& list : m.moved)
      for (uint32_t x : list)
        if (m.row_of[x] < 0) m.row_of[x] = rows++;
    m.then.assign(rows, {});
    m.now.assign(rows, {});
    for (size_t l = 0; l < r.lists_.size(); ++l)
      for (const Listed& x : r.lists_[l])
        if (int32_t row = m.row_of[x.doc]; row >= 0)
          m.now[row].push_back({static_cast<int32_t>(l), x.weight});
    for (size_t l = 0; l < r.lists_.size(); ++l) {
      if (prev_of_list[l] < 0) continue;
      for (const auto& x : prev.list_entries[prev_of_list[l]])
        if (int32_t row = m.row_of[key(x.doc)]; row >= 0)
          m.then[row].push_back({static_cast<int32_t>(l), x.weight});
    }
    m.usable = true;
    return m;
  }

  /// The cheap sum of the document of `row` over `sig`'s lists, summed as
  /// RankOne sums it (signature order).
  static double Sum(const Ranking& r, const std::vector<Weight>& weights,
                    const std::vector<uint32_t>& sig) {
    double sum = 0.0;
    for (uint32_t t : sig) {
      const int32_t l = r.list_of_[t];
      auto it = std::lower_bound(weights.begin(), weights.end(), l,
                                 [](const Weight& w, int32_t x) { return w.list < x; });
      if (it != weights.end() && it->list == l) sum += it->weight;
    }
    return sum;
  }

  /// True when every document that moved on postmortem i's changed lists
  /// (signature `sig`, its previous target `pt`) sums below its cut
  /// (document `cut_doc`, unmoved), then and now.
  bool StaysBelowCut(const Ranking& r, size_t i, const RankState::Target& pt,
                     const std::vector<uint32_t>& sig, int cut_doc, const RankState& prev,
                     std::vector<uint32_t>* scratch) const {
    if (!usable) return false;
    auto& keys = *scratch;
    keys.clear();
    for (size_t s = 0; s < sig.size(); ++s) {
      const auto& list = moved[r.list_of_[sig[s]]];
      keys.insert(keys.end(), list.begin(), list.end());
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (std::binary_search(keys.begin(), keys.end(), static_cast<uint32_t>(cut_doc))) return false;
    const std::string& cut_id = r.corpus_.ids[cut_doc];
    auto below = [&](double sum, const std::string& id) {
      return pt.cut > sum || (pt.cut == sum && cut_id < id);  // Better(cut, it)
    };
    for (uint32_t key : keys) {
      const int32_t row = row_of[key];
      const std::string& id = key < n_docs ? r.corpus_.ids[key] : prev.doc_ids[key - n_docs];
      // Then: in the pool unless below the cut (exclusions unchanged:
      // same `related`, same self; counting an excluded one is only
      // cautious).
      if (!below(Sum(r, then[row], sig), id)) return false;
      if (key < n_docs && !r.Excluded(i, key) && !below(Sum(r, now[row], sig), id)) return false;
    }
    return true;
  }
};

void Ranking::MapState() {
  const RankState& prev = *opt_.prev;
  // Documents of U; previous documents in this corpus (see IdsByPlace;
  // ids are unique on both sides).
  IdsByPlace prev_by_place(prev.doc_ids.size(),
                           [&](size_t p) -> std::string_view { return prev.doc_ids[p]; });
  auto prev_doc = [&](uint32_t d) -> int64_t {
    const std::optional<size_t> p = prev_by_place.Find(d, corpus_.ids[d]);
    return p ? static_cast<int64_t>(*p) : -1;
  };
  size_t changed = 0;
  auto& in_u = from_.in_u;
  auto& new_of_prev = from_.new_of_prev;
  in_u.assign(n_docs_, 0);
  new_of_prev.assign(prev.doc_ids.size(), -1);
  for (uint32_t d = 0; d < n_docs_; ++d) {
    const int64_t p = prev_doc(d);
    if (p >= 0) new_of_prev[p] = static_cast<int>(d);
    if (p >= 0 && prev.doc_hashes.size() == prev.doc_ids.size() &&
        prev.doc_hashes[p] == (*opt_.hashes)[d])
      in_u[d] = 1;
    else
      ++changed;
  }
  from_.usable = every_doc_a_postmortem_ && prev.n_docs > 0 &&
                 prev.tf.size() == prev.terms.size() && prev.lists.size() == prev.terms.size() &&
                 changed <= std::max<size_t>(32, n_docs_ / 128);  // else ranking all is cheaper
  if (!from_.usable) return;
  // Each postmortem's previous target (ids are unique among them), looked
  // for first after the last one found (the targets are the postmortems
  // with a document of their own, in order; see IdsByPlace).
  IdsByPlace target_by_place(prev.targets.size(),
                             [&](size_t t) -> std::string_view { return prev.targets[t].id; });
  from_.target_of_model.assign(pms_.size(), -1);
  size_t at = 0;
  for (size_t i = 0; i < pms_.size(); ++i) {
    const int d = i < doc_of_model_.size() ? doc_of_model_[i] : -1;
    if (d < 0 || model_of_doc_[d] != static_cast<int>(i)) continue;
    const std::optional<size_t> t = target_by_place.Find(at, pms_[i].doc.id);
    if (!t) continue;  // new: the next one is still looked for at `at`
    from_.target_of_model[i] = static_cast<int64_t>(*t);
    at = *t + 1;  // an insertion or deletion moved the rest along
  }
  from_.new_term.assign(prev.terms.size(), kNoWord);
  for (size_t k = 0; k < prev.terms.size(); ++k)
    from_.new_term[k] = corpus_.terms.Find(prev.terms[k]);
}

void Ranking::ReuseFromState() {
  const RankState& prev = *opt_.prev;
  if (!from_.usable) {
    rank_ = targets_;
    return;
  }
  const auto& in_u = from_.in_u;
  const auto& new_of_prev = from_.new_of_prev;
  const auto& new_term = from_.new_term;
  // How much the weights of previous terms can move.
  const double old_n = static_cast<double>(prev.n_docs);
  const double old_avlen = static_cast<double>(prev.total_len) / old_n;
  const double a_old = std::max(old_avlen, 1.0), a_new = std::max(stats_.avlen, 1.0);
  double kmax = 1.0, kmin = 1.0;
  for (const auto& dt : corpus_.docs) {
    double len = static_cast<double>(dt.doclen);
    double k_ratio = (0.25 + 0.75 * len / a_old) / (0.25 + 0.75 * len / a_new);
    kmax = std::max(kmax, k_ratio);
    kmin = std::min(kmin, k_ratio);
  }
  std::vector<double> ratio(prev.terms.size(), 0.0), ratio_lo(prev.terms.size(), 0.0);
  for (size_t k = 0; k < prev.terms.size(); ++k) {
    if (new_term[k] == kNoWord) continue;
    double tf = prev.tf[k];
    double old_idf = std::log(1 + (old_n - tf + 0.5) / (tf + 0.5));
    ratio[k] = old_idf > 0 ? stats_.idf[new_term[k]] / old_idf * kmax : 0.0;
    ratio_lo[k] = old_idf > 0 ? stats_.idf[new_term[k]] / old_idf * kmin : 0.0;
  }
  const MovedOnLists moved_on = MovedOnLists::Find(*this, prev, new_term, new_of_prev, in_u);
  laps_("prepare");

  std::vector<std::vector<size_t>> job_rank(n_jobs_);
  std::vector<size_t> job_reused(n_jobs_, 0), job_unscored(n_jobs_, 0);
  RunJobs(n_jobs_, [&](size_t job) {
    std::vector<Scored> known;
    std::vector<uint8_t> pos(corpus_.terms.size(), 0);
    std::vector<uint32_t> moved, docs;
    auto reuse = [&](size_t i) {
      int self = doc_of_model_[i];
      const auto& sig = sigs_[i];
      if (!in_u[self] || model_of_doc_[self] != static_cast<int>(i)) return false;
      const int64_t pk = from_.target_of_model[i];
      if (pk < 0) return false;
      const RankState::Target& pt = prev.targets[pk];
      if (pt.sig.size() != sig.size() || pt.related != RelatedKey(i)) return false;
      double r = 0, r_lo = HUGE_VAL;
      bool same_lists = true;
      for (size_t s = 0; s < sig.size(); ++s) {
        uint32_t k = pt.sig[s];
        if (k >= new_term.size() || new_term[k] != sig[s]) return false;
        same_lists &= prev.lists[k] == list_print_[list_of_[sig[s]]];
        r = std::max(r, ratio[k]);
        r_lo = std::min(r_lo, ratio_lo[k]);
      }
      if (!(r > 0)) return false;
      // The same documents scored exactly: the lists are those of the last
      // computation, or what moved on them stays below the cut.
      int cut_doc = pt.cut_doc == kNoWord ? -1
                    : pt.cut_doc < new_of_prev.size() ? new_of_prev[pt.cut_doc] : -2;
      if (cut_doc == -2 || (cut_doc >= 0 && !in_u[cut_doc])) return false;
      if (!same_lists && (cut_doc < 0 || !moved_on.StaysBelowCut(*this, i, pt, sig, cut_doc,
                                                                  prev, &moved)))
        return false;
      const double ub = pt.bound < 0 ? -1.0 : pt.bound * r * (1 + 1e-6);
      docs.clear();
      for (uint32_t p : pt.results) {
        int d = p < new_of_prev.size() ? new_of_prev[p] : -1;
        if (d < 0 || !in_u[d] || Excluded(i, d))
          return false;  // cannot be, with the same lists; rank to be safe
        docs.push_back(static_cast<uint32_t>(d));
      }
      const Scored cut = cut_doc >= 0 ? Scored(pt.cut, static_cast<uint32_t>(cut_doc))
                                      : Scored(0.0, kNoWord);
      // Without scoring: the intervals prove the order, the floor and that
      // nothing else can enter.
      if (KeepByIntervals(i, pt, docs, r, r_lo, ub)) {
        cuts_[i] = cut;
        ++job_unscored[job];
        return true;
      }
      size_t shared;
      MarkSignature(sig, &pos);
      const double floor = kMinFraction * ExactScore(sig.size(), self, pos, &shared);
      known.clear();
      for (uint32_t d : docs) {
        double score = ExactScore(sig.size(), d, pos, &shared);
        if (shared >= kMinShared) known.emplace_back(score, d);
      }
      std::sort(known.begin(), known.end(),
                [&](const Scored& a, const Scored& b) { return Better(a, b); });
      size_t pass = 0;
      while (pass < known.size() && pass < kMaxSimilar && known[pass].first >= floor) ++pass;
      if (pass == kMaxSimilar ? !(known[pass - 1].first > ub) : !(ub < floor)) {
        ClearSignature(sig, &pos);
        return false;
      }
      Keep(i, known, pass, floor, pos);  // only this job writes i's entries
      ClearSignature(sig, &pos);
      bounds_[i] = pass < known.size() ? std::max(ub, known[pass].first) : ub;
      cuts_[i] = cut;
      return true;
    };
    for (size_t k = job; k < targets_.size(); k += n_jobs_) {
      size_t i = targets_[k];
      if (doc_of_model_[i] < 0 || sigs_[i].size() < kMinShared) continue;  // no results
      if (reuse(i))
        ++job_reused[job];
      else
        job_rank[job].push_back(i);
    }
  });
  for (size_t j = 0; j < n_jobs_; ++j) {
    rank_.insert(rank_.end(), job_rank[j].begin(), job_rank[j].end());
    counts_.reused += job_reused[j];
    counts_.unscored += job_unscored[j];
  }
  std::sort(rank_.begin(), rank_.end());
}

void Ranking::SaveState(RankState* next) {
  RankState& st = *next;
  st.n_docs = n_docs_;
  for (const auto& dt : corpus_.docs) st.total_len += dt.doclen;
  std::vector<uint32_t> state_term(corpus_.terms.size(), kNoWord);
  auto recorded = [&](size_t i) {
    int self = doc_of_model_[i];
    return self >= 0 && model_of_doc_[self] == static_cast<int>(i);
  };
  for (size_t i : targets_)
    if (recorded(i))
      for (uint32_t term : sigs_[i])
        if (state_term[term] == kNoWord) {
          state_term[term] = static_cast<uint32_t>(st.terms.size());
          st.terms.push_back(corpus_.terms[term]);
          st.tf.push_back(stats_.tf[term]);
          st.lists.push_back(list_print_[list_of_[term]]);
          std::vector<RankState::Listed> entries;
          entries.reserve(lists_[list_of_[term]].size());
          for (const Listed& x : lists_[list_of_[term]]) entries.push_back({x.doc, x.weight});
          st.list_entries.push_back(std::move(entries));
        }
  st.vocab.reserve(corpus_.terms.size());
  for (uint32_t t = 0; t < corpus_.terms.size(); ++t) st.vocab.push_back(corpus_.terms[t]);
  st.vocab_tf = stats_.tf;
  std::vector<RankState::Target> slots(targets_.size());
  std::vector<char> used(targets_.size(), 0);
  RunJobs(n_jobs_, [&](size_t job) {
    if (job == 0) st.doc_ids = corpus_.ids;
    if (job + 1 == n_jobs_) st.doc_hashes = *opt_.hashes;
    for (size_t k = job; k < targets_.size(); k += n_jobs_) {
      size_t i = targets_[k];
      if (!recorded(i)) continue;
      RankState::Target& t = slots[k];
      t.id = pms_[i].doc.id;
      t.related = RelatedKey(i);
      t.sig.reserve(sigs_[i].size());
      for (uint32_t term : sigs_[i]) t.sig.push_back(state_term[term]);
      t.results = results_[i];
      t.bound = bounds_[i];
      t.cut = cuts_[i].first;
      t.cut_doc = cuts_[i].second;
      t.held = held_[i];
      t.lo.reserve(scores_[i].size());
      t.hi.reserve(scores_[i].size());
      for (const Interval& x : scores_[i]) {
        t.lo.push_back(x.lo);
        t.hi.push_back(x.hi);
      }
      t.floor_lo = floors_[i].lo;
      t.floor_hi = floors_[i].hi;
      t.sig_gap = sig_gaps_[i];
      used[k] = 1;
    }
  });
  st.targets.reserve(targets_.size());
  for (size_t k = 0; k < slots.size(); ++k)
    if (used[k]) st.targets.push_back(std::move(slots[k]));
}

/// CASEBOOK_SIMILAR_OVERLAP=1: how much of the exact (all-pairs) top 5 the
/// candidate ranking keeps, on stderr (issue 18's measurement).
void ReportOverlap(const Corpus& corpus, const std::vector<int>& doc_of_model,
                   const std::vector<size_t>& targets, const model::SiteModel& site,
                   const Ranking& ranking, const Options& options) {
  model::SiteModel exact_site;
  exact_site.postmortems = site.postmortems;  // ids and related lists
  Options exact;
  exact.jobs = options.jobs;
  exact.list_cap = exact.rerank = SIZE_MAX;
  // Every 10th postmortem of a large archive (each one's results depend
  // only on the corpus): the exact ranking costs far more than the other.
  std::vector<size_t> sample;
  const size_t step = targets.size() > 2000 ? 10 : 1;
  for (size_t k = 0; k < targets.size(); k += step) sample.push_back(targets[k]);
  Ranking all_pairs(corpus, doc_of_model, sample, &exact_site, exact);
  all_pairs.Run();
  double sum = 0;
  size_t counted = 0, identical = 0;
  for (size_t i : sample) {
    const auto& want = all_pairs.results(i);
    const auto& got = ranking.results(i);
    identical += want == got;
    if (want.empty()) continue;
    size_t both = 0;
    for (uint32_t d : want) both += std::count(got.begin(), got.end(), d);
    sum += static_cast<double>(both) / static_cast<double>(want.size());
    ++counted;
  }
  std::fprintf(stderr,
               "casebook: similar: top-5 overlap with the exact ranking %.4f over %zu postmortems "
               "(%zu of %zu identical lists)\n",
               counted ? sum / static_cast<double>(counted) : 1.0, counted, identical,
               sample.size());
}

}  // namespace

void Compute(const Corpus& corpus, const std::vector<int>& doc_of_model,
             const std::vector<size_t>& targets, model::SiteModel* site, const Options& options) {
  for (size_t i : targets) site->postmortems[i].similar.clear();
  if (options.next) *options.next = RankState();
  if (options.counts) *options.counts = Counts();
  if (corpus.docs.empty() || targets.empty()) return;
  Options opt = options;
  if (opt.hashes && opt.hashes->size() != corpus.docs.size()) opt.hashes = nullptr;
  if (!opt.hashes) opt.prev = nullptr, opt.next = nullptr;
  const bool small = corpus.docs.size() <= kExactUpTo;
  if (opt.list_cap == 0 && opt.rerank == 0) {
    opt.list_cap = small ? SIZE_MAX : kListCap;
    opt.rerank = small ? SIZE_MAX : kRerank;
    // A state left on the other side of kExactUpTo was ranked another way.
    if (opt.prev && (opt.prev->n_docs <= kExactUpTo) != small) opt.prev = nullptr;
  }
  Ranking ranking(corpus, doc_of_model, targets, site, opt);
  ranking.Run();
  static const bool overlap = std::getenv("CASEBOOK_SIMILAR_OVERLAP") != nullptr;
  if (overlap && opt.list_cap != SIZE_MAX)
    ReportOverlap(corpus, doc_of_model, targets, *site, ranking, opt);
}

void Compute(const Corpus& corpus, const std::vector<int>& doc_of_model,
             const std::vector<size_t>& targets, int jobs, model::SiteModel* site,
             const std::vector<std::string>* hashes, const RankState* prev, RankState* next) {
  Options opt;
  opt.jobs = jobs;
  opt.hashes = hashes;
  opt.prev = prev;
  opt.next = next;
  Compute(corpus, doc_of_model, targets, site, opt);
}

}  // namespace casebook::search::similar
