// Similar incidents' reasons ("Shares replication, failover"): see
// similar_engine.h. Reasons are a function of the postmortem's signature,
// its own display words and which signature terms each result holds.
#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>

#include "search/similar_stats.h"

namespace casebook::search::similar {
namespace {

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

}  // namespace

void FillReasons(const Corpus& corpus, const Stats& stats, const std::vector<size_t>& targets,
                 const std::vector<int>& doc_of_model, const std::vector<int>& model_of_doc,
                 const std::vector<std::vector<uint32_t>>& sigs,
                 const std::vector<std::vector<uint32_t>>& results,
                 const std::vector<std::vector<uint32_t>>& held_of, size_t n_jobs,
                 model::SiteModel* site) {
  auto& pms = site->postmortems;
  const double max_reason_docs = std::max(3.0, kMaxReasonDocShare * stats.n_docs);
  RunJobs(n_jobs, [&](size_t job) {
    std::vector<uint8_t> pos(corpus.terms.size(), 0);  // term -> 1 + signature position
    // Answers worked out once per term and per display word (0: not yet).
    std::vector<uint8_t> term_ok(corpus.terms.size(), 0), word_ok(corpus.words.size(), 0);
    auto distinctive = [&](uint32_t term) {
      if (!term_ok[term]) {
        std::string_view stem = std::string_view(corpus.terms[term]).substr(1);
        term_ok[term] = stats.tf[term] <= max_reason_docs && !IsBoilerplateWord(stem) ? 1 : 2;
      }
      return term_ok[term] == 1;
    };
    auto shown = [](std::string_view word) {
      return word.size() >= kMinReasonWordBytes && !IsBoilerplateWord(word);
    };
    // Per signature position, the word shown as a reason (null: none); a
    // stem without a display word is copied into `stems`.
    std::vector<const std::string*> reason(kExpandTerms);
    std::vector<std::string> stems(kExpandTerms);
    for (size_t k = job; k < targets.size(); k += n_jobs) {
      size_t i = targets[k];
      int self = doc_of_model[i];
      if (self < 0 || results[i].empty()) continue;
      const auto& sig = sigs[i];
      const DocTerms& own = corpus.docs[self];
      for (size_t s = 0; s < sig.size(); ++s) {
        pos[sig[s]] = static_cast<uint8_t>(s + 1);
        reason[s] = nullptr;
        if (!distinctive(sig[s])) continue;
        // The display word of the term in this postmortem: its shortest
        // spelling word, else the stem.
        auto it = std::lower_bound(own.terms.begin(), own.terms.end(), sig[s],
                                   [](const TermEntry& e, uint32_t t) { return e.term < t; });
        if (it != own.terms.end() && it->term == sig[s] && it->word != kNoWord) {
          if (!word_ok[it->word]) word_ok[it->word] = shown(corpus.words[it->word]) ? 1 : 2;
          if (word_ok[it->word] == 1) reason[s] = &corpus.words[it->word];
        } else {
          stems[s] = corpus.terms[sig[s]].substr(1);
          if (shown(stems[s])) reason[s] = &stems[s];
        }
      }
      auto& similar = pms[i].similar;  // only this job writes it
      similar.reserve(results[i].size());
      const bool known = i < held_of.size() && held_of[i].size() == results[i].size();
      for (size_t k = 0; k < results[i].size(); ++k) {
        const uint32_t d = results[i][k];
        model::SimilarIncident s;
        s.index = model_of_doc[d];
        uint32_t held = 0;  // signature positions d holds
        if (known)
          held = held_of[i][k];
        else
          for (const auto& e : corpus.docs[d].terms)
            if (uint8_t p = pos[e.term]) held |= 1u << (p - 1);
        s.shared_terms.reserve(kMaxReasonTerms);
        for (size_t p = 0; p < sig.size() && s.shared_terms.size() < kMaxReasonTerms; ++p)
          if ((held & (1u << p)) && reason[p]) s.shared_terms.push_back(*reason[p]);
        similar.push_back(std::move(s));
      }
      for (uint32_t t : sig) pos[t] = 0;
    }
  });
}

}  // namespace casebook::search::similar
