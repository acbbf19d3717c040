// Internal to src/search: "similar incidents" computed in memory from
// compact term vectors, whatever they come from (documents just made with a
// TermGenerator, the term cache of a previous build, or the termlists of a
// written index). Used by IndexUpdate (builds) and by ComputeSimilar /
// ComputeSimilarFor / ExpansionTerms (an existing index).
//
// The algorithm: for each postmortem, relevance feedback with an RSet of
// its own document gives its signature, its 20 best expansion terms
// (Xapian's TradEWeight, expand_k = 1, over body stems "Z<stem>" that the
// decider accepts and at least two documents hold; equal weights in
// descending term order). Its candidates are the documents on the
// candidate lists of those terms: per term, the kListCap documents where it
// weighs most (BM25's term-frequency part; all of them for rarer terms), so
// a frequent term costs kListCap, not the archive, and ranking is linear in
// the archive instead of quadratic. The kRerank candidates with the best
// sums over the lists they are on are then scored exactly, as the all-pairs
// ranking did: BM25 (k1 = 1.2, b = 0.75) over the signature terms they
// hold, summed in signature order; a result needs 2 shared terms and 15% of
// the postmortem's score against itself; itself and its explicit `related`
// ones are left out; the best 5 are kept (equal scores by id). Where no
// list is capped the results are those of the exact all-pairs ranking; how
// much of its top 5 they keep elsewhere depends on the archive (issue 18:
// all of it for the example and the DFDS archive, about half for the
// synthetic 10,000, whose 485-word vocabulary makes every term frequent);
// CASEBOOK_SIMILAR_OVERLAP=1 prints it for a build. The
// reason is up to 3 shared terms, best first, each shown as its display
// word: the shortest spelling word of the postmortem with that stem and the
// stem's first three letters (alphabetically first among equals), else the
// stem.
//
// Incremental: Compute can take the RankState a previous computation left
// (IndexUpdate keeps it in <index>/similar.state) and then re-ranks only the
// postmortems whose exactly scored candidates may have changed (a document
// that moved on one of their candidate lists, e.g. the edited one, sums
// above the worst candidate they scored, then or now) or whose results an
// upper bound on how much any score can move cannot prove
// (similar_engine.cc); the results are bitwise those of a computation from
// scratch.
//
// Collection statistics (document count, average length, term frequencies)
// are those of the corpus, so the results depend only on the corpus's
// content: the same for a clean and an incremental build, whatever the order
// documents were added in. Thread-safe: Compute only reads the corpus.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/site_model.h"

namespace casebook::search::similar {

inline constexpr uint32_t kNoWord = 0xffffffffu;

/// Interned strings (terms, display words), ids in order of interning.
class Dict {
 public:
  Dict() = default;
  Dict(Dict&&) = default;
  Dict& operator=(Dict&&) = default;
  Dict(const Dict&) = delete;  // strings_ points into ids_
  Dict& operator=(const Dict&) = delete;

  uint32_t Intern(std::string_view s);
  /// kNoWord when absent.
  uint32_t Find(std::string_view s) const;
  const std::string& operator[](uint32_t id) const { return *strings_[id]; }
  size_t size() const { return strings_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<const std::string*> strings_;  // the keys of ids_ (nodes do not move)
};

struct TermEntry {
  uint32_t term;  // id in Corpus::terms
  uint32_t wdf;
  uint32_t word;  // display word, id in Corpus::words; kNoWord: the stem itself
};

/// What one document contributes.
struct DocTerms {
  uint64_t doclen = 0;           // Xapian's document length: the sum of all wdfs
  std::vector<TermEntry> terms;  // expansion-term candidates (IsExpansionTerm), by term id
};

struct Corpus {
  Dict terms, words;
  std::vector<std::string> ids;  // per document
  std::vector<DocTerms> docs;    // per document
};

/// Body stems only: "Z" + a stem of 3 to 30 bytes starting with a lower-case
/// letter, no digits or '_', not a stop word.
bool IsExpansionTerm(std::string_view term);

/// What a computation leaves for the next one (incremental recomputation):
/// the corpus it ran on (ids and content hashes: equal hashes mean equal
/// term vectors), its collection statistics, and per postmortem its
/// signature, its results and an upper bound on the score of every other
/// eligible document among those it scored exactly (shared >= 2 terms, not
/// itself, not related; the floor is ignored). See "Incremental recomputation" in similar_engine.cc.
struct RankState {
  uint64_t n_docs = 0, total_len = 0;
  std::vector<std::string> doc_ids, doc_hashes;  // per corpus document
  std::vector<std::string> terms;                // every term of a signature
  std::vector<uint32_t> tf;                      // per entry of `terms`
  std::vector<uint64_t> lists;                   // per entry of `terms`: its candidate list's
                                                 // fingerprint
  /// One document on a candidate list and its cheap weight.
  struct Listed {
    uint32_t doc;  // into `doc_ids`
    float weight;
  };
  std::vector<std::vector<Listed>> list_entries;  // per entry of `terms`: its candidate list
  /// Every term of the corpus and the documents holding it (its tf): a
  /// term whose tf is the same, in a corpus of as many documents, has the
  /// same expansion weight.
  std::vector<std::string> vocab;
  std::vector<uint32_t> vocab_tf;
  struct Target {
    std::string id;
    uint64_t related = 0;           // identifies its `related` list
    std::vector<uint32_t> sig;      // into `terms`, best first
    std::vector<uint32_t> results;  // into `doc_ids`, best first
    double bound = -1;              // < 0: no other eligible document
    /// The worst candidate scored exactly (its cheap sum and document):
    /// one whose sum stays below it was not scored. cut_doc == kNoWord:
    /// every candidate was scored.
    double cut = 0;
    uint32_t cut_doc = kNoWord;
    /// Per result: the signature positions it holds (bit p: sig[p]; its
    /// reasons) and an interval holding its exact score; and one holding
    /// the floor (kMinFraction of its score against itself). Empty (or
    /// sized otherwise): results are scored again before they are kept.
    std::vector<uint32_t> held;
    std::vector<double> lo, hi;
    double floor_lo = 0, floor_hi = 0;
    /// A lower bound on Stats::Expand's gap for its signature (1: none).
    double sig_gap = 1;
  };
  std::vector<Target> targets;
};

/// Per term, the candidate list holds this many documents at most; the
/// candidates with the best sums over those lists are scored exactly.
inline constexpr size_t kListCap = 256;
inline constexpr size_t kRerank = 64;
/// Corpora up to this size are ranked exactly (all pairs, no caps): there
/// it costs well under a second, and capped lists lose part of the exact
/// top 5 on archives whose terms are all frequent (issue 18). Above it the
/// caps keep ranking linear in the archive.
inline constexpr size_t kExactUpTo = 5000;

/// How many postmortems a computation ranked and how many it took from the
/// previous state.
struct Counts {
  size_t ranked = 0, reused = 0;
  size_t unscored = 0;  // of the reused: kept by their intervals, without scoring them again
  size_t kept_signatures = 0;  // signatures taken from the state, not worked out again
};

struct Options {
  int jobs = 1;
  /// Content hash per corpus document: with `prev`, postmortems whose
  /// results provably stay the same are not re-ranked (the results are
  /// exactly those of a computation without `prev`); with `next`, *next
  /// receives the state for the next computation (when the targets are
  /// every postmortem).
  const std::vector<std::string>* hashes = nullptr;
  const RankState* prev = nullptr;
  RankState* next = nullptr;
  Counts* counts = nullptr;
  /// SIZE_MAX for both ranks exactly (all pairs); 0 (the default): exactly
  /// up to kExactUpTo documents, else kListCap / kRerank.
  size_t list_cap = 0, rerank = 0;
};

/// Fills `similar` of the postmortems `targets` (model indices) of `site`.
/// `doc_of_model[i]` is the corpus document of postmortem i (-1: none);
/// documents of no postmortem still count in the statistics but are never
/// suggested.
void Compute(const Corpus& corpus, const std::vector<int>& doc_of_model,
             const std::vector<size_t>& targets, model::SiteModel* site, const Options& options);

/// The same with `jobs`, `hashes`, `prev` and `next` as in Options.
void Compute(const Corpus& corpus, const std::vector<int>& doc_of_model,
             const std::vector<size_t>& targets, int jobs, model::SiteModel* site,
             const std::vector<std::string>* hashes = nullptr, const RankState* prev = nullptr,
             RankState* next = nullptr);

/// Runs work(job) for job = 0..jobs-1, each on a thread of its own (job 0
/// on the caller's), and rethrows the first exception once all are done.
void RunJobs(size_t jobs, const std::function<void(size_t job)>& work);

/// The expansion terms (strings, best first) of corpus document `doc`.
std::vector<std::string> ExpandDoc(const Corpus& corpus, size_t doc);

}  // namespace casebook::search::similar
