// The similar-incident engine's incremental recomputation (similar_engine.h):
// after random edits, results computed with the previous ranking state are
// exactly those of a computation from scratch; and the state is really used.
#include <catch2/catch.hpp>
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
  for (unsigned seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    const int vocab = seed == 3 ? 30 : 90;  // few terms: many ties and near-ties
    auto docs = Generate(rng, 300, vocab);
    int next_id = 0;
    sim::RankState state;
    {
      Built b;
      Build(docs, &b);
      sim::Compute(b.corpus, b.doc_of_model, b.all, 2, &b.site, &b.hashes, nullptr, &state);
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
      sim::Compute(inc.corpus, inc.doc_of_model, inc.all, 1 + step % 2, &inc.site, &inc.hashes,
                   &state, &next);
      sim::Compute(clean.corpus, clean.doc_of_model, clean.all, 2, &clean.site);
      REQUIRE(SimilarOf(inc.site) == SimilarOf(clean.site));
      state = std::move(next);
    }
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
