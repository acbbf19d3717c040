// The similar-incident engine (similar_engine.h): candidate lists keep the
// exact ranking's results where they are complete and most of them where
// they are capped; after random edits, results computed with the previous
// ranking state are exactly those of a computation from scratch; one edit
// re-ranks few postmortems; and the state is really used.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "model/site_model.h"
#include "search/similar_engine.h"
#include "search_fixture.h"

namespace cb = casebook;
namespace sim = casebook::search::similar;

namespace {

/// A generated archive: per document its id, version (its "content hash"),
/// length beyond its expansion terms, term -> wdf, and related ids.
struct GenDoc {
  std::string id;
  int version = 0;
  uint64_t extra_len = 0;
  std::map<std::string, uint32_t> terms;
  std::vector<std::string> related;
};

struct Built {
  sim::Corpus corpus;
  cb::model::SiteModel site;
  std::vector<int> doc_of_model;
  std::vector<size_t> all;
  std::vector<std::string> hashes;
};

void Build(const std::vector<GenDoc>& docs, Built* b) {
  b->site.postmortems.resize(docs.size());
  std::map<std::string, int> index;
  for (size_t i = 0; i < docs.size(); ++i) index[docs[i].id] = static_cast<int>(i);
  for (size_t i = 0; i < docs.size(); ++i) {
    auto& pm = b->site.postmortems[i];
    pm.doc.id = docs[i].id;
    for (const auto& r : docs[i].related)
      if (index.count(r)) pm.related.push_back(index[r]);
    sim::DocTerms dt;
    dt.doclen = docs[i].extra_len;
    for (const auto& [term, wdf] : docs[i].terms) {
      dt.terms.push_back({b->corpus.terms.Intern(term), wdf, sim::kNoWord});
      dt.doclen += wdf;
    }
    std::sort(dt.terms.begin(), dt.terms.end(),
              [](const auto& x, const auto& y) { return x.term < y.term; });
    b->corpus.ids.push_back(docs[i].id);
    b->corpus.docs.push_back(std::move(dt));
    b->hashes.push_back(docs[i].id + "#" + std::to_string(docs[i].version));
    b->doc_of_model.push_back(static_cast<int>(i));
    b->all.push_back(i);
  }
}

using cb::test::SimilarOf;

std::string Term(int k) { return "Zterm" + std::string(1, 'a' + k % 26) + std::string(1, 'a' + k / 26); }

std::vector<GenDoc> Generate(std::mt19937& rng, int n, int vocab) {
  std::vector<GenDoc> docs;
  for (int i = 0; i < n; ++i) {
    GenDoc d;
    d.id = "doc-" + std::to_string(i);
    d.extra_len = 20 + rng() % 40;
    int count = 8 + static_cast<int>(rng() % 20);
    for (int k = 0; k < count; ++k) {
      // Skewed: low term numbers are common.
      int t = static_cast<int>(std::min<double>(vocab - 1, vocab * std::pow((rng() % 1000) / 1000.0, 2)));
      d.terms[Term(t)] += 1 + rng() % 3;
    }
    if (i % 17 == 3 && i > 0) d.related.push_back("doc-" + std::to_string(i - 1));
    docs.push_back(std::move(d));
  }
  return docs;
}

void Edit(std::mt19937& rng, int vocab, std::vector<GenDoc>* docs, int* next_id) {
  auto& list = *docs;
  GenDoc& d = list[rng() % list.size()];
  switch (rng() % 9) {
    case 0:
    case 1: {  // one more occurrence of a term it holds
      if (d.terms.empty()) break;
      auto it = d.terms.begin();
      std::advance(it, rng() % d.terms.size());
      ++it->second;
      break;
    }
    case 2: {  // one fewer
      if (d.terms.empty()) break;
      auto it = d.terms.begin();
      std::advance(it, rng() % d.terms.size());
      if (--it->second == 0) d.terms.erase(it);
      break;
    }
    case 3:  // a new term (maybe a brand new one)
      d.terms[Term(static_cast<int>(rng() % (vocab + 5)))] += 1;
      break;
    case 4:  // a word that is no expansion term
      d.extra_len += 1;
      break;
    case 5: {  // a new postmortem, a copy of another with a twist
      GenDoc copy = list[rng() % list.size()];
      copy.id = "new-" + std::to_string((*next_id)++);
      copy.terms[Term(static_cast<int>(rng() % vocab))] += 2;
      copy.related.clear();
      list.push_back(std::move(copy));
      return;
    }
    case 6:  // a deleted one
      if (list.size() > 10) list.erase(list.begin() + rng() % list.size());
      return;
    case 7:  // a `related` list changes (not the content)
      d.related = {list[rng() % list.size()].id};
      return;
    default:  // an identical copy of another's content
      d.terms = list[rng() % list.size()].terms;
      break;
  }
  ++d.version;
}

}  // namespace

TEST_CASE("similar engine: incremental results equal a computation from scratch",
          "[search][similar]") {
  // Seed 4 caps the candidate lists hard (most postmortems' candidates
  // depend on what other documents hold).
  for (unsigned seed : {1u, 2u, 3u, 4u}) {
    INFO("seed " << seed);
    sim::Options tight;
    if (seed == 4) tight.list_cap = 12, tight.rerank = 10;
    std::mt19937 rng(seed);
    const int vocab = seed == 3 ? 30 : 90;  // few terms: many ties and near-ties
    auto docs = Generate(rng, 300, vocab);
    int next_id = 0;
    sim::RankState state;
    {
      Built b;
      Build(docs, &b);
      sim::Options first = tight;
      first.jobs = 2;
      first.hashes = &b.hashes;
      first.next = &state;
      sim::Compute(b.corpus, b.doc_of_model, b.all, &b.site, first);
      CHECK(state.targets.size() == docs.size());
    }
    for (int step = 0; step < 120; ++step) {
      INFO("step " << step);
      int edits = step % 10 == 9 ? 3 : 1;
      for (int e = 0; e < edits; ++e) Edit(rng, vocab, &docs, &next_id);
      Built inc, clean;
      Build(docs, &inc);
      Build(docs, &clean);
      sim::RankState next;
      sim::Options opt = tight;
      opt.jobs = 1 + step % 2;
      opt.hashes = &inc.hashes;
      opt.prev = &state;
      opt.next = &next;
      sim::Compute(inc.corpus, inc.doc_of_model, inc.all, &inc.site, opt);
      sim::Options from_scratch = tight;
      from_scratch.jobs = 2;
      sim::Compute(clean.corpus, clean.doc_of_model, clean.all, &clean.site, from_scratch);
      REQUIRE(SimilarOf(inc.site) == SimilarOf(clean.site));
      state = std::move(next);
    }
  }
}

TEST_CASE("similar engine: with capped lists, postmortems whose lists changed keep results only "
          "when provably the same",
          "[search][similar]") {
  // Caps that bite on every seed: most lists change with each edit, so the
  // rule "what moved on the lists stays below the cut" decides most reuse.
  for (unsigned seed : {21u, 22u, 23u}) {
    INFO("seed " << seed);
    sim::Options tight;
    tight.list_cap = 16 + seed % 3 * 8;
    tight.rerank = 8 + seed % 2 * 4;
    std::mt19937 rng(seed);
    const int vocab = seed == 22 ? 40 : 120;
    auto docs = Generate(rng, 400, vocab);
    int next_id = 0;
    sim::RankState state;
    {
      Built b;
      Build(docs, &b);
      sim::Options first = tight;
      first.hashes = &b.hashes;
      first.next = &state;
      sim::Compute(b.corpus, b.doc_of_model, b.all, &b.site, first);
    }
    size_t reused = 0;
    for (int step = 0; step < 80; ++step) {
      INFO("step " << step);
      Edit(rng, vocab, &docs, &next_id);
      Built inc, clean;
      Build(docs, &inc);
      Build(docs, &clean);
      sim::RankState next;
      sim::Counts counts;
      sim::Options opt = tight;
      opt.jobs = 1 + step % 2;
      opt.hashes = &inc.hashes;
      opt.prev = &state;
      opt.next = &next;
      opt.counts = &counts;
      sim::Compute(inc.corpus, inc.doc_of_model, inc.all, &inc.site, opt);
      sim::Compute(clean.corpus, clean.doc_of_model, clean.all, &clean.site, tight);
      REQUIRE(SimilarOf(inc.site) == SimilarOf(clean.site));
      reused += counts.reused;
      state = std::move(next);
    }
    CHECK(reused > 80 * 400 / 2);  // the state is really used
  }
}

TEST_CASE("similar engine: the ranking state is used, and only for what it describes",
          "[search][similar]") {
  std::mt19937 rng(7);
  auto docs = Generate(rng, 200, 90);
  Built b;
  Build(docs, &b);
  sim::RankState state;
  sim::Compute(b.corpus, b.doc_of_model, b.all, 2, &b.site, &b.hashes, nullptr, &state);
  auto clean = SimilarOf(b.site);
  // Unchanged corpus, state reused: the same results.
  {
    Built again;
    Build(docs, &again);
    sim::Compute(again.corpus, again.doc_of_model, again.all, 2, &again.site, &again.hashes,
                 &state, nullptr);
    CHECK(SimilarOf(again.site) == clean);
  }
  // A tampered state (one postmortem's results claim to be a different
  // list, nothing else eligible) is believed: proof that it is read.
  size_t target = 0;
  while (target < state.targets.size() && state.targets[target].results.size() < 2) ++target;
  REQUIRE(target < state.targets.size());
  sim::RankState tampered = state;
  auto& t = tampered.targets[target];
  std::reverse(t.results.begin(), t.results.end());
  t.results.pop_back();  // drop the best one
  t.bound = -1;
  {
    Built again;
    Build(docs, &again);
    sim::Compute(again.corpus, again.doc_of_model, again.all, 2, &again.site, &again.hashes,
                 &tampered, nullptr);
    auto got = SimilarOf(again.site);
    CHECK(got != clean);
    size_t i = 0;
    while (i < docs.size() && docs[i].id != t.id) ++i;
    REQUIRE(i < docs.size());
    CHECK(again.site.postmortems[i].similar.size() == t.results.size());
  }
  // A state whose documents all changed (other hashes) is not used for them.
  {
    Built again;
    Build(docs, &again);
    for (auto& h : again.hashes) h += "x";
    sim::Compute(again.corpus, again.doc_of_model, again.all, 2, &again.site, &again.hashes,
                 &tampered, nullptr);
    CHECK(SimilarOf(again.site) == clean);
  }
}

namespace {

/// Mean share of `exact`'s similar incidents that `got` has too.
double Overlap(const cb::model::SiteModel& got, const cb::model::SiteModel& exact) {
  double sum = 0;
  size_t counted = 0;
  for (size_t i = 0; i < exact.postmortems.size(); ++i) {
    const auto& want = exact.postmortems[i].similar;
    if (want.empty()) continue;
    size_t both = 0;
    for (const auto& w : want)
      for (const auto& g : got.postmortems[i].similar) both += g.index == w.index;
    sum += static_cast<double>(both) / static_cast<double>(want.size());
    ++counted;
  }
  return counted ? sum / static_cast<double>(counted) : 0.0;
}

}  // namespace

TEST_CASE("similar engine: candidate lists keep the exact ranking's results",
          "[search][similar]") {
  std::mt19937 rng(11);
  auto docs = Generate(rng, 600, 120);
  Built exact, listed, capped;
  Build(docs, &exact);
  Build(docs, &listed);
  Build(docs, &capped);
  sim::Options all_pairs;
  all_pairs.list_cap = all_pairs.rerank = SIZE_MAX;
  sim::Compute(exact.corpus, exact.doc_of_model, exact.all, &exact.site, all_pairs);
  // Lists longer than the archive and every candidate scored: exactly the
  // all-pairs results, reasons included.
  sim::Options complete;
  complete.list_cap = 1000;
  complete.rerank = 1000;
  sim::Compute(listed.corpus, listed.doc_of_model, listed.all, &listed.site, complete);
  CHECK(SimilarOf(listed.site) == SimilarOf(exact.site));
  // The default options rank a corpus of at most kExactUpTo documents
  // exactly too: the caps are for large archives only.
  static_assert(sim::kExactUpTo >= 600);
  Built by_default;
  Build(docs, &by_default);
  sim::Compute(by_default.corpus, by_default.doc_of_model, by_default.all, &by_default.site,
               sim::Options());
  CHECK(SimilarOf(by_default.site) == SimilarOf(exact.site));
  // Capped lists (the commonest terms are held by ~half the archive): most
  // of the exact top 5 is still found, and nothing that fails the rules.
  sim::Options tight;
  tight.list_cap = 48;
  tight.rerank = 32;
  sim::Compute(capped.corpus, capped.doc_of_model, capped.all, &capped.site, tight);
  CHECK(SimilarOf(capped.site) != SimilarOf(exact.site));  // the caps do bite
  double overlap = Overlap(capped.site, exact.site);
  INFO("overlap " << overlap);
  CHECK(overlap >= 0.85);
  for (size_t i = 0; i < docs.size(); ++i) {
    const auto& pm = capped.site.postmortems[i];
    CHECK(pm.similar.size() <= 5);
    for (const auto& s : pm.similar) CHECK(s.index != static_cast<int>(i));
  }
}

namespace {

/// The options of the incremental tests: short candidate lists (40) and a
/// re-rank depth (24) small enough that an edit's bounds are tested.
sim::Options IncrementalOptions() {
  sim::Options opt;
  opt.jobs = 2;
  opt.list_cap = 40;
  opt.rerank = 24;
  return opt;
}

/// Computes `docs` with `*state` (none while it is empty) and from scratch,
/// requires the same similar incidents, and replaces `*state` with the new
/// one. The computation from scratch goes to `*clean_site` when given.
sim::Counts WithStateEqualsScratch(const std::vector<GenDoc>& docs, const sim::Options& opt,
                                   sim::RankState* state,
                                   cb::model::SiteModel* clean_site = nullptr) {
  Built inc, clean;
  Build(docs, &inc);
  Build(docs, &clean);
  sim::RankState next;
  sim::Counts counts;
  sim::Options o = opt;
  o.hashes = &inc.hashes;
  o.prev = state->targets.empty() ? nullptr : state;
  o.next = &next;
  o.counts = &counts;
  sim::Compute(inc.corpus, inc.doc_of_model, inc.all, &inc.site, o);
  sim::Compute(clean.corpus, clean.doc_of_model, clean.all, &clean.site, opt);
  REQUIRE(SimilarOf(inc.site) == SimilarOf(clean.site));
  *state = std::move(next);
  if (clean_site) *clean_site = std::move(clean.site);
  return counts;
}

}  // namespace

TEST_CASE("similar engine: one edited postmortem re-ranks only those whose candidates changed",
          "[search][similar]") {
  std::mt19937 rng(5);
  auto docs = Generate(rng, 2000, 400);
  const sim::Options opt = IncrementalOptions();
  sim::RankState state;
  sim::Counts first;
  {
    Built b;
    Build(docs, &b);
    sim::Options o = opt;
    o.hashes = &b.hashes;
    o.next = &state;
    o.counts = &first;
    sim::Compute(b.corpus, b.doc_of_model, b.all, &b.site, o);
  }
  CHECK(first.reused == 0);
  CHECK(first.ranked > 1900);
  // Edits like a line appended to one postmortem: a longer document, one
  // more occurrence of a term it holds.
  for (int edit : {0, 1, 2}) {
    INFO("edit " << edit);
    GenDoc& d = docs[(edit + 1) * 577 % docs.size()];
    d.extra_len += 7;
    if (edit == 1) ++d.terms.begin()->second;
    if (edit == 2) d.terms[Term(7)] += 2;
    ++d.version;
    sim::Counts counts = WithStateEqualsScratch(docs, opt, &state);
    INFO("ranked " << counts.ranked << ", reused " << counts.reused);
    // Only postmortems for which the edited one (or what it pushed off a
    // list) is, or comes near to be, among the candidates scored exactly:
    // here 23 to 74 of 2,000 (when a changed list alone was reason to
    // re-rank, a few hundred).
    CHECK(counts.ranked >= 1);  // the edited one, at least
    CHECK(counts.ranked <= docs.size() / 10);
    CHECK(counts.ranked + counts.reused > 1900);
    // Most keep their results without being scored again: the score
    // intervals of the last computation, widened by what one edit can move
    // a score, still prove their order and that nothing else enters.
    CHECK(counts.unscored > counts.reused * 3 / 4);
    // And their signatures from the state (no term changed its document
    // frequency in edits 0 and 1).
    if (edit < 2) CHECK(counts.kept_signatures > docs.size() * 3 / 4);
  }
}

TEST_CASE("similar engine: postmortems moved in the model's order still take their results "
          "from the state",
          "[search][similar]") {
  // Each postmortem's previous target is looked for after the last one
  // found, then by id: a postmortem moved to the front moves every other
  // one a place along, and each must still be found (reused with its
  // signature), not re-ranked. Same contents: no statistic moves.
  std::mt19937 rng(11);
  auto docs = Generate(rng, 600, 200);
  const sim::Options opt = IncrementalOptions();
  sim::RankState state;
  WithStateEqualsScratch(docs, opt, &state);
  for (int change : {0, 1, 2}) {
    INFO("change " << change);
    if (change == 0) std::rotate(docs.begin(), docs.end() - 1, docs.end());  // last to the front
    if (change == 1) std::rotate(docs.begin(), docs.begin() + 1, docs.begin() + 300);  // first to the middle
    if (change == 2) std::swap(docs[100], docs[400]);
    sim::Counts counts = WithStateEqualsScratch(docs, opt, &state);
    INFO("ranked " << counts.ranked << ", reused " << counts.reused);
    CHECK(counts.ranked == 0);
    CHECK(counts.kept_signatures == docs.size());
  }
  // And with a postmortem added at the front (every statistic moves a
  // little): the results of a computation from scratch.
  GenDoc first = docs[10];
  first.id = "aaa-first";
  first.related.clear();
  docs.insert(docs.begin(), first);
  WithStateEqualsScratch(docs, opt, &state);
}

namespace {

/// Documents holding `term`.
size_t DocFreq(const std::vector<GenDoc>& docs, const std::string& term) {
  size_t n = 0;
  for (const auto& d : docs) n += d.terms.count(term);
  return n;
}

/// How many reasons show `word`.
size_t ReasonsShowing(const cb::model::SiteModel& site, const std::string& word) {
  size_t n = 0;
  for (const auto& pm : site.postmortems)
    for (const auto& s : pm.similar)
      n += std::count(s.shared_terms.begin(), s.shared_terms.end(), word);
  return n;
}

}  // namespace

TEST_CASE("similar engine: a term crossing a document-frequency threshold and a rename or "
          "deletion or addition give the results of a computation from scratch",
          "[search][similar]") {
  std::mt19937 rng(9);
  auto docs = Generate(rng, 1000, 300);
  const sim::Options opt = IncrementalOptions();
  sim::RankState state;
  cb::model::SiteModel last;  // the last clean computation
  // Computes with the state and from scratch; they must agree.
  auto step = [&](const char* what) {
    INFO(what);
    return WithStateEqualsScratch(docs, opt, &state, &last);
  };
  step("first");
  // A reason word must be held by at most 5% of the documents (50 of
  // 1,000). Take the term shown most often as a reason and bring it to
  // exactly 50 documents...
  std::map<std::string, size_t> shown;
  for (const auto& pm : last.postmortems)
    for (const auto& s : pm.similar)
      for (const auto& t : s.shared_terms) ++shown[t];
  std::string word;
  for (const auto& [w, n] : shown)
    if (word.empty() || n > shown[word]) word = w;
  REQUIRE(!word.empty());
  const std::string term = "Z" + word;
  size_t k = 0;
  while (DocFreq(docs, term) < 50) {
    if (!docs[k].terms.count(term)) {
      docs[k].terms[term] = 1;
      ++docs[k].version;
    }
    ++k;
  }
  for (k = docs.size(); DocFreq(docs, term) > 50;) {
    if (docs[--k].terms.erase(term)) ++docs[k].version;
  }
  step("the term in 50 documents");
  const size_t before = ReasonsShowing(last, word);
  REQUIRE(before > 0);
  // ... then one edit puts it in a 51st: no longer a reason anywhere, while
  // most postmortems keep their results unscored.
  size_t lacking = 0;
  while (docs[lacking].terms.count(term)) ++lacking;
  docs[lacking].terms[term] = 1;
  ++docs[lacking].version;
  sim::Counts crossed = step("the term in 51 documents");
  CHECK(ReasonsShowing(last, word) == 0);
  CHECK(crossed.unscored > docs.size() / 2);
  // And back under the threshold.
  docs[lacking].terms.erase(term);
  ++docs[lacking].version;
  step("the term in 50 documents again");
  CHECK(ReasonsShowing(last, word) == before);
  // A term in one document is no expansion term; in two it is.
  docs[10].terms["Zzeppelin"] = 4;
  ++docs[10].version;
  step("a term in one document");
  docs[20].terms = docs[10].terms;  // the same content: each other's best match
  ++docs[20].version;
  step("the term in two documents");
  CHECK(ReasonsShowing(last, "zeppelin") > 0);
  // One document grows a lot (words that are no expansion terms): the
  // average length moves every signature weight, and the signatures whose
  // weights were close are worked out again.
  docs[60].extra_len += 40000;
  ++docs[60].version;
  sim::Counts grown = step("a much longer document");
  CHECK(grown.kept_signatures < docs.size() / 2);
  // A rename: the same content under another id.
  const size_t renamed = 30;
  REQUIRE(!last.postmortems[renamed].similar.empty());
  docs[renamed].id = "renamed-30";
  step("a rename");
  // A deletion of a document that is someone's result, and an addition.
  const int result = last.postmortems[40].similar.at(0).index;
  docs.erase(docs.begin() + result);
  step("a deletion");
  GenDoc copy = docs[50];
  copy.id = "added-1";
  copy.related.clear();
  docs.push_back(copy);
  step("an addition");
}
