// similar.state (similar_cache.h): a whole state and the deltas an edit's
// build appends read back as the state written last; a delta cut short,
// damaged or written after another base makes the file unusable.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "search/similar_cache.h"
#include "search/similar_engine.h"
#include "test_support.h"

namespace cb = casebook;
using cb::search::similar::RankState;

namespace {

RankState::Target MakeTarget(const std::string& id, std::vector<uint32_t> sig,
                             std::vector<uint32_t> results, double score) {
  RankState::Target t;
  t.id = id;
  t.related = 7;
  t.sig = std::move(sig);
  t.results = std::move(results);
  t.bound = score / 2;
  t.cut = score / 3;
  t.cut_doc = t.results.empty() ? cb::search::similar::kNoWord : t.results.back();
  for (size_t k = 0; k < t.results.size(); ++k) {
    t.held.push_back(3u << k);
    t.lo.push_back(score - k);
    t.hi.push_back(score - k + 0.5);
  }
  t.floor_lo = 0.25;
  t.floor_hi = 0.5;
  t.sig_gap = 1.5;
  return t;
}

/// Four documents, three signature terms, a target per document.
RankState SmallState() {
  RankState st;
  st.n_docs = 4;
  st.total_len = 400;
  st.doc_ids = {"a", "b", "c", "d"};
  st.doc_hashes = {"h1", "h2", "h3", "h4"};
  st.terms = {"Zdisk", "Zquorum", "Zlease"};
  st.tf = {2, 3, 2};
  st.lists = {11, 12, 13};
  st.list_entries = {{{0, 1.5f}, {1, 0.5f}}, {{1, 2.0f}, {2, 1.0f}, {3, 0.25f}}, {{2, 1.0f}, {3, 1.0f}}};
  st.vocab = {"Zdisk", "Zlease", "Zquorum", "Zzeppelin"};
  st.vocab_tf = {2, 2, 3, 1};
  st.targets = {MakeTarget("a", {0, 1}, {1}, 9), MakeTarget("b", {1, 0}, {0, 2}, 8),
                MakeTarget("c", {2, 1}, {3, 1}, 7), MakeTarget("d", {2}, {}, 6)};
  return st;
}

/// The state as one whose terms are in `st`'s order would hold it: each
/// target's signature as terms.
std::vector<std::vector<std::string>> Signatures(const RankState& st) {
  std::vector<std::vector<std::string>> out;
  for (const auto& t : st.targets) {
    out.emplace_back();
    for (uint32_t k : t.sig) out.back().push_back(st.terms[k]);
  }
  return out;
}

void CheckSame(const RankState& got, const RankState& want) {
  CHECK(got.n_docs == want.n_docs);
  CHECK(got.total_len == want.total_len);
  CHECK(got.doc_ids == want.doc_ids);
  CHECK(got.doc_hashes == want.doc_hashes);
  CHECK(got.terms == want.terms);
  CHECK(got.tf == want.tf);
  CHECK(got.lists == want.lists);
  REQUIRE(got.list_entries.size() == want.list_entries.size());
  for (size_t k = 0; k < got.list_entries.size(); ++k) {
    REQUIRE(got.list_entries[k].size() == want.list_entries[k].size());
    for (size_t e = 0; e < got.list_entries[k].size(); ++e) {
      CHECK(got.list_entries[k][e].doc == want.list_entries[k][e].doc);
      CHECK(got.list_entries[k][e].weight == want.list_entries[k][e].weight);
    }
  }
  CHECK(got.vocab == want.vocab);
  CHECK(got.vocab_tf == want.vocab_tf);
  CHECK(Signatures(got) == Signatures(want));
  REQUIRE(got.targets.size() == want.targets.size());
  for (size_t k = 0; k < got.targets.size(); ++k) {
    const auto &g = got.targets[k], &w = want.targets[k];
    CHECK(g.id == w.id);
    CHECK(g.related == w.related);
    CHECK(g.results == w.results);
    CHECK(g.bound == w.bound);
    CHECK(g.cut == w.cut);
    CHECK(g.cut_doc == w.cut_doc);
    CHECK(g.held == w.held);
    CHECK(g.lo == w.lo);
    CHECK(g.hi == w.hi);
    CHECK(g.floor_lo == w.floor_lo);
    CHECK(g.floor_hi == w.floor_hi);
    CHECK(g.sig_gap == w.sig_gap);
  }
}

}  // namespace

TEST_CASE("similar.state: an edit's delta is appended and read back as the state written last",
          "[search][similar]") {
  cb::test::TempDir dir;
  const std::string index = dir.path();
  const RankState first = SmallState();
  cb::search::WriteRankState(index, first);
  const std::string base = dir.Read("similar.state");
  RankState read;
  cb::search::StateFile file;
  REQUIRE(cb::search::ReadRankState(index, &read, &file));
  CheckSame(read, first);
  CHECK(file.size == base.size());

  // An edit of "c": its hash, the terms (another order, one added, one
  // gone from every signature), two targets, the vocabulary.
  RankState second = SmallState();
  second.total_len = 410;
  second.doc_hashes[2] = "h3-edited";
  second.terms = {"Zquorum", "Zdisk", "Zrollback"};
  second.tf = {3, 2, 1};
  second.lists = {12, 11, 14};
  second.list_entries = {{{1, 2.0f}, {2, 1.5f}}, {{0, 1.5f}, {1, 0.5f}}, {{2, 4.0f}}};
  second.vocab = {"Zdisk", "Zquorum", "Zrollback"};
  second.vocab_tf = {2, 3, 1};
  second.targets = {MakeTarget("a", {1, 0}, {1}, 9), MakeTarget("b", {0, 1}, {0, 2}, 8),
                    MakeTarget("c", {2, 0}, {1}, 5), MakeTarget("d", {2}, {2}, 6)};
  REQUIRE(cb::search::UpdateRankState(index, read, file, second));
  const std::string appended = dir.Read("similar.state");
  REQUIRE(appended.size() > base.size());
  CHECK(appended.compare(0, base.size(), base) == 0);
  RankState again;
  cb::search::StateFile again_file;
  REQUIRE(cb::search::ReadRankState(index, &again, &again_file));
  CheckSame(again, second);

  // A second delta on top of the first.
  RankState third = second;
  third.doc_hashes[0] = "h1-edited";
  third.targets[0] = MakeTarget("a", {2, 1}, {2, 3}, 4);
  REQUIRE(cb::search::UpdateRankState(index, again, again_file, third));
  const std::string twice = dir.Read("similar.state");
  CHECK(twice.compare(0, appended.size(), appended) == 0);
  RankState third_read;
  cb::search::StateFile third_file;
  REQUIRE(cb::search::ReadRankState(index, &third_read, &third_file));
  CheckSame(third_read, third);

  // Not usable: the last delta cut short (a build killed while appending),
  // a flipped byte in it or in the base, a delta after another base.
  std::string flipped_delta = twice, flipped_base = twice;
  flipped_delta[appended.size() + 12] ^= 0x04;
  flipped_base[base.size() / 2] ^= 0x04;
  RankState other = SmallState();
  other.doc_hashes[3] = "h4-other";
  cb::search::WriteRankState(index, other);
  const std::string other_base = dir.Read("similar.state");
  for (const std::string& damaged :
       {twice.substr(0, twice.size() - 1), twice.substr(0, appended.size() + 5), flipped_delta,
        flipped_base, other_base + twice.substr(base.size())}) {
    dir.Write("similar.state", damaged);
    RankState st;
    cb::search::StateFile f;
    CHECK_FALSE(cb::search::ReadRankState(index, &st, &f));
    CHECK(st.targets.empty());
    CHECK_FALSE(f.ok);
    // Then the next build writes it whole.
    CHECK_FALSE(cb::search::UpdateRankState(index, st, f, third));
    REQUIRE(cb::search::ReadRankState(index, &st, &f));
    CheckSame(st, third);
    CHECK(f.delta_bytes == 0);
  }

  // Other documents (an added one) or a delta past a quarter of the base:
  // written whole.
  cb::search::WriteRankState(index, first);
  REQUIRE(cb::search::ReadRankState(index, &read, &file));
  RankState added = first;
  added.doc_ids.push_back("e");
  added.doc_hashes.push_back("h5");
  CHECK_FALSE(cb::search::UpdateRankState(index, read, file, added));
  REQUIRE(cb::search::ReadRankState(index, &read, &file));
  CheckSame(read, added);
  CHECK(file.delta_bytes == 0);
  RankState big = SmallState();
  big.doc_ids.clear();
  big.doc_hashes.clear();
  big.targets.clear();
  for (uint32_t d = 0; d < 400; ++d) {
    big.doc_ids.push_back("doc-" + std::to_string(d));
    big.doc_hashes.push_back("hash-" + std::to_string(d));
    big.targets.push_back(MakeTarget(big.doc_ids.back(), {0, 1, 2}, {(d + 1) % 400}, 9));
  }
  big.n_docs = 400;
  cb::search::WriteRankState(index, big);
  REQUIRE(cb::search::ReadRankState(index, &read, &file));
  RankState all_changed = big;
  for (auto& t : all_changed.targets) t.bound += 1;
  CHECK_FALSE(cb::search::UpdateRankState(index, read, file, all_changed));
  REQUIRE(cb::search::ReadRankState(index, &read, &file));
  CheckSame(read, all_changed);
  CHECK(file.delta_bytes == 0);
}
