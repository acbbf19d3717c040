// Similar incidents from compact term vectors: see similar_engine.h.
#include "search/similar_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "search/schema.h"

namespace casebook::search::similar {
namespace {

constexpr size_t kExpandTerms = 20;
constexpr size_t kMaxSimilar = 5;
constexpr size_t kMinShared = 2;
constexpr double kMinFraction = 0.15;  // of the document's score against itself
constexpr size_t kMaxReasonTerms = 3;
// A reason word must be distinctive: this long at least, held by at most
// this share of the documents (or by 3), and not common English or
// postmortem boilerplate ("Shares suite, hold, place" explains nothing).
constexpr size_t kMinReasonWordBytes = 5;
constexpr double kMaxReasonDocShare = 0.05;

bool IsBoilerplateWord(std::string_view w) {
  static const std::unordered_set<std::string_view> kWords = {
      "about",    "above",     "across",   "action",   "actions",   "actually", "after",
      "again",    "against",   "alert",    "alerts",   "almost",    "along",    "already",
      "although", "always",    "another",  "around",   "because",   "become",   "before",
      "began",    "behind",    "being",    "below",    "between",   "called",   "cause",
      "caused",   "causes",    "change",   "changed",  "changes",   "could",    "customer",
      "customers", "detect",   "detected", "detection", "different", "during",  "early",
      "engineer", "engineers", "enough",   "error",    "errors",    "event",    "every",
      "failed",   "first",     "follow",   "following", "found",    "further",  "given",
      "going",    "great",     "happen",   "happened", "having",    "impact",   "impacted",
      "incident", "incidents", "instead",  "issue",    "issues",    "item",     "items",
      "known",    "large",     "later",    "learned",  "least",     "lesson",   "lessons",
      "level",    "little",    "longer",   "looked",   "making",    "might",    "minute",
      "minutes",  "mitigate",  "mitigated", "mitigation", "months", "never",    "number",
      "often",    "order",     "other",    "others",   "outage",    "outages",  "owner",
      "people",   "perhaps",   "place",    "point",    "possible",  "postmortem", "postmortems",
      "problem",  "problems",  "rather",   "really",   "reason",    "recover",  "recovered",
      "recovery", "resolve",   "resolved", "resolution", "response", "result",  "review",
      "right",    "second",    "seconds",  "seemed",   "service",   "services", "several",
      "should",   "shows",     "since",    "small",    "something", "start",    "started",
      "still",    "summary",   "system",   "systems",  "taken",     "their",    "there",
      "these",    "thing",     "things",   "think",    "those",     "though",   "three",
      "through",  "timeline",  "today",    "together", "under",     "until",    "usual",
      "using",    "value",     "wasn't",   "where",    "whether",   "which",    "while",
      "within",   "without",   "worked",   "would",    "wrong",     "years",    "yesterday",
      "suite",    "hours",     "users",    "affected", "teams",     "working",  "works"};
  return kWords.count(w) > 0;
}

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

// Incremental recomputation (Compute with `prev`).
//
// Let U be the documents whose id and content hash are those of the previous
// computation (their term vectors are the same) and C the others. For a
// postmortem P in U whose signature and `related` list are unchanged, every
// posting weight of a document of U changes by a factor of at most
//   R = max over P's signature terms t of (idf'(t) / idf(t)) * Kmax,
//   Kmax = max(1, max over documents of K(len, avlen) / K(len, avlen')),
// with K = k1 * (1 - b + b * len / avlen) (BM25: w = idf * wdf * (k1 + 1) /
// (wdf + K), and (wdf + K) / (wdf + K') <= max(1, K / K')). Weights are
// positive, so a document's score (a sum of weights) changes by at most R
// too; 1e-6 of slack covers the float weights and the summation. The
// previous computation left an upper bound B on the score of every eligible
// document of U outside P's results, so now all of them score at most
// UB = B * R * (1 + 1e-6). The previous results and the documents of C are
// scored exactly (in signature order, as the full ranking does, so the
// scores are bitwise those of a full ranking); if five of them pass the
// floor and the fifth scores more than UB, or fewer pass and UB is below
// the floor, nothing else can enter: they are P's results. Otherwise P is
// ranked in full. The bound left for the next computation is UB or the best
// known score not kept (bounds chain soundly from one build to the next; a
// full ranking resets them to the exact best score not kept).

namespace {

constexpr size_t kKeepBound = kMaxSimilar + 1;

/// FNV-1a over bytes.
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void Add(std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // terminator
  }
};

}  // namespace

void Compute(const Corpus& corpus, const std::vector<int>& doc_of_model,
             const std::vector<size_t>& targets, int jobs, model::SiteModel* site,
             const std::vector<std::string>* hashes, const RankState* prev, RankState* next) {
  auto& pms = site->postmortems;
  for (size_t i : targets) pms[i].similar.clear();
  if (next) *next = RankState();
  if (corpus.docs.empty() || targets.empty()) return;
  if (hashes && hashes->size() != corpus.docs.size()) hashes = nullptr;
  if (!hashes) prev = nullptr, next = nullptr;
  static const bool profile = std::getenv("CASEBOOK_SEARCH_PROFILE") != nullptr;
  auto t0 = std::chrono::steady_clock::now();
  auto lap = [&](const char* what) {
    if (!profile) return;
    auto t = std::chrono::steady_clock::now();
    std::fprintf(stderr, "  [search]   compute: %-12s %.3f s\n", what,
                 std::chrono::duration<double>(t - t0).count());
    t0 = t;
  };
  const Stats stats(corpus);
  lap("stats");
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

  lap("signatures");
  std::vector<int> model_of_doc(n_docs, -1);
  for (size_t i = doc_of_model.size(); i-- > 0;)
    if (doc_of_model[i] >= 0) model_of_doc[doc_of_model[i]] = static_cast<int>(i);
  std::vector<double> idf(corpus.terms.size());
  for (size_t t = 0; t < idf.size(); ++t) {
    double tf = stats.tf[t];
    idf[t] = std::log(1 + (stats.n_docs - tf + 0.5) / (tf + 0.5));
  }
  auto find_entry = [&](const DocTerms& dt, uint32_t term) -> const TermEntry* {
    auto it = std::lower_bound(dt.terms.begin(), dt.terms.end(), term,
                               [](const TermEntry& e, uint32_t t) { return e.term < t; });
    return it != dt.terms.end() && it->term == term ? &*it : nullptr;
  };
  auto weight = [&](uint32_t term, const TermEntry& e, const DocTerms& dt) {
    return static_cast<float>(
        Bm25(idf[term], e.wdf, static_cast<double>(dt.doclen), stats.avlen));
  };
  auto excluded = [&](size_t i, size_t d) {
    int idx = model_of_doc[d];
    const auto& related = pms[i].related;
    return idx < 0 || idx == static_cast<int>(i) ||
           std::find(related.begin(), related.end(), idx) != related.end();
  };
  auto related_key = [&](size_t i) {
    Fnv h;
    for (int r : pms[i].related) {
      int d = r >= 0 && r < static_cast<int>(doc_of_model.size()) ? doc_of_model[r] : -1;
      if (d >= 0 && model_of_doc[d] == r)
        h.Add(corpus.ids[d]);
      else
        h.Add(std::string_view("\0", 1));  // never a candidate
    }
    return h.h;
  };
  auto better = [&](const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) {
    if (a.first != b.first) return a.first > b.first;
    return pms[model_of_doc[a.second]].doc.id < pms[model_of_doc[b.second]].doc.id;
  };

  // Per postmortem: its results (documents, best first) and the bound.
  std::vector<std::vector<uint32_t>> results(pms.size());
  std::vector<double> bounds(pms.size(), -1.0);
  std::vector<size_t> rank;  // postmortems to rank in full
  size_t reused = 0;

  if (prev) {
    // Documents of C; previous documents and terms in this corpus.
    std::unordered_map<std::string_view, uint32_t> prev_doc_of_id;
    prev_doc_of_id.reserve(prev->doc_ids.size());
    for (uint32_t p = 0; p < prev->doc_ids.size(); ++p) prev_doc_of_id.emplace(prev->doc_ids[p], p);
    std::vector<uint32_t> changed;
    std::vector<char> in_u(n_docs, 0);
    std::vector<int> new_of_prev(prev->doc_ids.size(), -1);
    for (uint32_t d = 0; d < n_docs; ++d) {
      auto it = prev_doc_of_id.find(corpus.ids[d]);
      if (it != prev_doc_of_id.end()) new_of_prev[it->second] = static_cast<int>(d);
      if (it != prev_doc_of_id.end() && prev->doc_hashes.size() == prev->doc_ids.size() &&
          prev->doc_hashes[it->second] == (*hashes)[d])
        in_u[d] = 1;
      else
        changed.push_back(d);
    }
    bool every_doc_a_postmortem =
        std::find(model_of_doc.begin(), model_of_doc.end(), -1) == model_of_doc.end();
    bool usable = every_doc_a_postmortem && prev->n_docs > 0 && prev->tf.size() == prev->terms.size() &&
                  changed.size() <= std::max<size_t>(32, n_docs / 128);  // else ranking all is cheaper
    std::unordered_map<std::string_view, size_t> prev_target_of_id;
    std::vector<uint32_t> new_term(prev->terms.size(), kNoWord);
    std::vector<double> ratio(prev->terms.size(), 0.0);
    if (usable) {
      for (size_t k = 0; k < prev->targets.size(); ++k)
        prev_target_of_id.emplace(prev->targets[k].id, k);
      double old_n = static_cast<double>(prev->n_docs);
      double old_avlen = static_cast<double>(prev->total_len) / old_n;
      double a_old = std::max(old_avlen, 1.0), a_new = std::max(stats.avlen, 1.0);
      double kmax = 1.0;
      for (const auto& dt : corpus.docs) {
        double len = static_cast<double>(dt.doclen);
        kmax = std::max(kmax, (0.25 + 0.75 * len / a_old) / (0.25 + 0.75 * len / a_new));
      }
      for (size_t k = 0; k < prev->terms.size(); ++k) {
        new_term[k] = corpus.terms.Find(prev->terms[k]);
        if (new_term[k] == kNoWord) continue;
        double tf = prev->tf[k];
        double old_idf = std::log(1 + (old_n - tf + 0.5) / (tf + 0.5));
        ratio[k] = old_idf > 0 ? idf[new_term[k]] / old_idf * kmax : 0.0;
      }
    }
    lap("prepare");
    std::vector<std::vector<size_t>> job_rank(n_jobs);
    std::vector<size_t> job_reused(n_jobs, 0);
    RunJobs(n_jobs, [&](size_t job) {
      std::vector<std::pair<double, uint32_t>> known;
      std::vector<uint32_t> docs;
      // The score of document d for the signature marked in `pos` (term ->
      // 1 + its position), summed in signature order as the full ranking
      // does (so bitwise the same), and the number of terms it shares.
      std::vector<uint8_t> pos(corpus.terms.size(), 0);
      float w[kExpandTerms];
      auto score_in = [&](size_t sig_size, size_t d, size_t* shared) {
        const DocTerms& dt = corpus.docs[d];
        uint32_t held = 0;
        for (const auto& e : dt.terms)
          if (uint8_t p = pos[e.term]) {
            w[p - 1] = weight(e.term, e, dt);
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
      };
      for (size_t k = job; k < targets.size(); k += n_jobs) {
        size_t i = targets[k];
        int self = doc_of_model[i];
        const auto& sig = sigs[i];
        if (self < 0 || sig.size() < kMinShared) continue;  // no results
        auto reuse = [&]() {
          if (!usable || !in_u[self] || model_of_doc[self] != static_cast<int>(i)) return false;
          auto it = prev_target_of_id.find(pms[i].doc.id);
          if (it == prev_target_of_id.end()) return false;
          const RankState::Target& pt = prev->targets[it->second];
          if (pt.sig.size() != sig.size() || pt.related != related_key(i)) return false;
          double r = 0;
          for (size_t s = 0; s < sig.size(); ++s) {
            if (pt.sig[s] >= new_term.size() || new_term[pt.sig[s]] != sig[s]) return false;
            r = std::max(r, ratio[pt.sig[s]]);
          }
          if (!(r > 0)) return false;
          double ub = pt.bound < 0 ? -1.0 : pt.bound * r * (1 + 1e-6);
          docs.assign(changed.begin(), changed.end());
          for (uint32_t p : pt.results)
            if (p < new_of_prev.size() && new_of_prev[p] >= 0 && in_u[new_of_prev[p]])
              docs.push_back(static_cast<uint32_t>(new_of_prev[p]));
          size_t shared;
          for (size_t s = 0; s < sig.size(); ++s) pos[sig[s]] = static_cast<uint8_t>(s + 1);
          double floor = kMinFraction * score_in(sig.size(), self, &shared);
          known.clear();
          for (uint32_t d : docs) {
            if (excluded(i, d)) continue;
            double sc = score_in(sig.size(), d, &shared);
            if (shared >= kMinShared) known.emplace_back(sc, d);
          }
          for (uint32_t t : sig) pos[t] = 0;
          std::sort(known.begin(), known.end(), better);
          size_t pass = 0;
          while (pass < known.size() && pass < kMaxSimilar && known[pass].first >= floor) ++pass;
          if (pass == kMaxSimilar ? !(known[pass - 1].first > ub) : !(ub < floor)) return false;
          auto& res = results[i];
          for (size_t c = 0; c < pass; ++c) res.push_back(known[c].second);
          bounds[i] = pass < known.size() ? std::max(ub, known[pass].first) : ub;
          return true;
        };
        if (reuse())
          ++job_reused[job];
        else
          job_rank[job].push_back(i);
      }
    });
    for (size_t j = 0; j < n_jobs; ++j) {
      rank.insert(rank.end(), job_rank[j].begin(), job_rank[j].end());
      reused += job_reused[j];
    }
    std::sort(rank.begin(), rank.end());
  } else {
    rank = targets;
  }

  lap("reuse");
  // Full ranking of `rank`: postings of their signature terms (BM25
  // weights, in document order), accumulated per postmortem.
  if (!rank.empty()) {
    std::vector<int32_t> slot(corpus.terms.size(), -1);
    std::vector<uint32_t> slot_term;
    for (size_t i : rank)
      for (uint32_t t : sigs[i])
        if (slot[t] < 0) {
          slot[t] = static_cast<int32_t>(slot_term.size());
          slot_term.push_back(t);
        }
    std::vector<std::vector<Posting>> postings(slot_term.size());
    for (size_t s = 0; s < slot_term.size(); ++s) postings[s].reserve(stats.tf[slot_term[s]]);
    for (size_t d = 0; d < n_docs; ++d) {
      const DocTerms& dt = corpus.docs[d];
      for (const auto& e : dt.terms) {
        int32_t s = slot[e.term];
        if (s >= 0) postings[s].push_back({static_cast<uint32_t>(d), weight(e.term, e, dt)});
      }
    }
    if (profile) {
      size_t visits = 0, plen = 0;
      for (size_t i : rank)
        for (uint32_t t : sigs[i]) visits += postings[slot[t]].size();
      for (auto& p : postings) plen += p.size();
      std::fprintf(stderr,
                   "  [search] similar: %zu terms, %zu in signatures, %zu postings, %zu visited\n",
                   corpus.terms.size(), slot_term.size(), plen, visits);
    }
    const size_t rank_jobs = rank.size() < 64 ? 1 : n_jobs;
    RunJobs(rank_jobs, [&](size_t job) {
      std::vector<double> score(n_docs, 0.0);
      std::vector<uint8_t> shared(n_docs, 0);
      std::vector<std::pair<double, uint32_t>> candidates;
      for (size_t k = job; k < rank.size(); k += rank_jobs) {
        size_t i = rank[k];
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
        double floor = kMinFraction * score[self];
        double below = -1.0;  // the best eligible score under the floor
        candidates.clear();
        for (size_t d = 0; d < n_docs; ++d) {
          if (shared[d] < kMinShared) continue;
          if (score[d] < floor) {
            if (score[d] > below && !excluded(i, d)) below = score[d];
            continue;
          }
          if (!excluded(i, d)) candidates.emplace_back(score[d], static_cast<uint32_t>(d));
        }
        std::fill(score.begin(), score.end(), 0.0);
        std::fill(shared.begin(), shared.end(), 0);
        // The best kMaxSimilar; the next one (or the best under the floor)
        // bounds all the others.
        size_t keep = std::min(candidates.size(), kKeepBound);
        std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                          better);
        size_t pass = std::min(keep, kMaxSimilar);
        auto& res = results[i];  // only this job writes it
        for (size_t c = 0; c < pass; ++c) res.push_back(candidates[c].second);
        bounds[i] = keep > kMaxSimilar ? candidates[kMaxSimilar].first : below;
      }
    });
  }
  if (profile && prev)
    std::fprintf(stderr, "  [search] similar: %zu reused, %zu ranked in full\n", reused,
                 rank.size());

  lap("rank");
  // The model's results, with their reasons.
  auto word_of = [&](const DocTerms& dt, uint32_t term) -> std::string {
    const TermEntry* e = find_entry(dt, term);
    if (e && e->word != kNoWord) return corpus.words[e->word];
    return corpus.terms[term].substr(1);
  };
  const double max_reason_docs = std::max(3.0, kMaxReasonDocShare * stats.n_docs);
  auto distinctive = [&](uint32_t term) {
    std::string_view stem = std::string_view(corpus.terms[term]).substr(1);
    return stats.tf[term] <= max_reason_docs && !IsBoilerplateWord(stem);
  };
  RunJobs(n_jobs, [&](size_t job) {
    std::vector<uint8_t> pos(corpus.terms.size(), 0);  // term -> 1 + signature position
    for (size_t k = job; k < targets.size(); k += n_jobs) {
      size_t i = targets[k];
      int self = doc_of_model[i];
      if (self < 0 || results[i].empty()) continue;
      const auto& sig = sigs[i];
      const DocTerms& own = corpus.docs[self];
      for (size_t s = 0; s < sig.size(); ++s) pos[sig[s]] = static_cast<uint8_t>(s + 1);
      auto& similar = pms[i].similar;  // only this job writes it
      similar.reserve(results[i].size());
      for (uint32_t d : results[i]) {
        model::SimilarIncident s;
        s.index = model_of_doc[d];
        uint32_t held = 0;  // signature positions d holds
        for (const auto& e : corpus.docs[d].terms)
          if (uint8_t p = pos[e.term]) held |= 1u << (p - 1);
        s.shared_terms.reserve(kMaxReasonTerms);
        for (size_t p = 0; p < sig.size() && s.shared_terms.size() < kMaxReasonTerms; ++p) {
          if (!(held & (1u << p)) || !distinctive(sig[p])) continue;
          std::string word = word_of(own, sig[p]);
          if (word.size() >= kMinReasonWordBytes && !IsBoilerplateWord(word))
            s.shared_terms.push_back(std::move(word));
        }
        similar.push_back(std::move(s));
      }
      for (uint32_t t : sig) pos[t] = 0;
    }
  });

  lap("reasons");
  // Bounds cover only documents of a postmortem: a state is left only when
  // every document is one.
  if (next && std::find(model_of_doc.begin(), model_of_doc.end(), -1) == model_of_doc.end()) {
    RankState& st = *next;
    st.n_docs = n_docs;
    for (const auto& dt : corpus.docs) st.total_len += dt.doclen;
    std::vector<uint32_t> state_term(corpus.terms.size(), kNoWord);
    auto recorded = [&](size_t i) {
      int self = doc_of_model[i];
      return self >= 0 && model_of_doc[self] == static_cast<int>(i);
    };
    for (size_t i : targets)
      if (recorded(i))
        for (uint32_t term : sigs[i])
          if (state_term[term] == kNoWord) {
            state_term[term] = static_cast<uint32_t>(st.terms.size());
            st.terms.push_back(corpus.terms[term]);
            st.tf.push_back(stats.tf[term]);
          }
    std::vector<RankState::Target> slots(targets.size());
    std::vector<char> used(targets.size(), 0);
    RunJobs(n_jobs, [&](size_t job) {
      if (job == 0) st.doc_ids = corpus.ids;
      if (job + 1 == n_jobs) st.doc_hashes = *hashes;
      for (size_t k = job; k < targets.size(); k += n_jobs) {
        size_t i = targets[k];
        if (!recorded(i)) continue;
        RankState::Target& t = slots[k];
        t.id = pms[i].doc.id;
        t.related = related_key(i);
        t.sig.reserve(sigs[i].size());
        for (uint32_t term : sigs[i]) t.sig.push_back(state_term[term]);
        t.results = std::move(results[i]);  // no longer needed here
        t.bound = bounds[i];
        used[k] = 1;
      }
    });
    st.targets.reserve(targets.size());
    for (size_t k = 0; k < slots.size(); ++k)
      if (used[k]) st.targets.push_back(std::move(slots[k]));
  }
  lap("state");
}

}  // namespace casebook::search::similar
