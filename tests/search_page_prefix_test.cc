// A page of results is a slice of one ranking: the first 3 results are the
// first 3 of the first 30, whatever the limit or offset asked for. Over
// more than 2,000 matches the title and closeness boosts are applied to
// the best candidates with a query holding OP_NEAR, which Xapian 1.4
// prunes wrongly by the weight a short page needs (a candidate lost its
// closeness boost when 3 were asked for, not when 5 were); Searcher asks
// for such a page without pruning.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "search/index_builder.h"
#include "search/searcher.h"
#include "search_fixture.h"
#include "test_support.h"

namespace cb = casebook;

namespace {

/// 2,400 postmortems that all say "checkout" and "errors", some close
/// together and some far apart, in bodies of many lengths; some with
/// "checkout" in the title. Deterministic (a fixed linear congruential
/// sequence).
struct VariedIndex {
  cb::test::TempDir dir;
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();

  VariedIndex() {
    const char* filler[] = {"the",     "queue",   "worker", "retried", "while", "alerts",
                            "paged",   "team",    "budget", "replica", "cache", "latency",
                            "traffic", "gateway", "deploy", "quota",   "lag",   "timeout"};
    cb::test::Lcg next(20261207);
    std::vector<cb::test::PmSpec> specs;
    for (int i = 0; i < 2400; ++i) {
      std::string title = next(5) == 0 ? "Checkout conversion fell " + std::to_string(i)
                                       : "Conversion fell " + std::to_string(i);
      std::vector<std::string> words;
      const uint64_t length = 40 + next(400);
      for (uint64_t k = 0; k < length; ++k) words.push_back(filler[next(18)]);
      const uint64_t at = next(length);
      words.insert(words.begin() + static_cast<long>(at), "checkout");
      const uint64_t gap = next(3) == 0 ? 1 : 20 + next(length);
      const uint64_t where = std::min<uint64_t>(at + gap, words.size());
      words.insert(words.begin() + static_cast<long>(where), "errors");
      for (uint64_t extra = next(3); extra > 0; --extra)
        words.insert(words.begin() + static_cast<long>(next(words.size())),
                     next(2) ? "errors" : "checkout");
      specs.push_back(cb::test::SyntheticSpec("pm-" + std::to_string(i), std::move(title), words,
                                              cb::test::DayOf("2024-02", i)));
    }
    cb::test::IndexSpecs(specs, &cfg, dir.path() + "/index");
  }
};

VariedIndex& Shared() {
  static VariedIndex index;
  return index;
}

std::vector<std::string> Ids(cb::search::Searcher& s, const std::string& q, int offset,
                             int limit) {
  auto result = cb::test::SearchPage(s, q, offset, limit);
  REQUIRE(result.ok);
  std::vector<std::string> ids;
  for (const auto& h : result.hits) ids.push_back(h.id);
  return ids;
}

}  // namespace

TEST_CASE("many matches: every page is a slice of the same ranking", "[search]") {
  std::string error;
  auto s = cb::search::Searcher::Open(Shared().dir.path() + "/index", Shared().cfg, &error);
  REQUIRE(s);
  for (const std::string q : {"checkout errors", "errors checkout", "checkout errors budget"}) {
    INFO(q);
    const auto all = Ids(*s, q, 0, 30);
    REQUIRE(all.size() == 30);
    for (int limit : {1, 3, 5, 10}) {
      INFO("limit " << limit);
      CHECK(Ids(*s, q, 0, limit) == std::vector<std::string>(all.begin(), all.begin() + limit));
    }
    for (int offset : {2, 5, 17}) {
      INFO("offset " << offset);
      CHECK(Ids(*s, q, offset, 5) ==
            std::vector<std::string>(all.begin() + offset, all.begin() + offset + 5));
    }
  }
}

namespace {

/// Each hit's id and percentage.
std::vector<std::string> Ranked(cb::search::Searcher& s, const std::string& q, int offset,
                                int limit, cb::search::SearchResult* out = nullptr) {
  auto result = cb::test::SearchPage(s, q, offset, limit);
  REQUIRE(result.ok);
  std::vector<std::string> ranked;
  for (const auto& h : result.hits) ranked.push_back(h.id + " " + std::to_string(h.percent));
  if (out) *out = std::move(result);
  return ranked;
}

}  // namespace

namespace {

/// 10,000 postmortems (a phrase over more than 2,000 matches: Xapian
/// guesses a quarter of those with both words) that all say "checkout" and "errors", 1 to 4 times
/// each, in bodies of many lengths; a third have them side by side, so many
/// of those with the most of both (the best without positions) do not.
struct PhraseIndex {
  cb::test::TempDir dir;
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();

  PhraseIndex() {
    const char* filler[] = {"the",   "queue",  "worker",  "retried", "while",   "alerts",
                            "paged", "team",   "budget",  "replica", "cache",   "latency",
                            "deploy", "quota", "traffic", "gateway", "timeout", "lag"};
    cb::test::Lcg next(20261208);
    std::vector<cb::test::PmSpec> specs;
    for (int i = 0; i < 10000; ++i) {
      std::vector<std::string> words;
      const uint64_t length = 20 + next(200);
      for (uint64_t k = 0; k < length; ++k) words.push_back(filler[next(18)]);
      for (uint64_t k = 1 + next(4); k > 0; --k) {
        words.insert(words.begin() + static_cast<long>(next(words.size())), "checkout");
        words.insert(words.begin() + static_cast<long>(next(words.size())), "errors");
      }
      if (next(3) == 0) {
        const uint64_t at = next(words.size());
        words.insert(words.begin() + static_cast<long>(at), {"checkout", "errors"});
      }
      specs.push_back(cb::test::SyntheticSpec("pm-" + std::to_string(i),
                                              "Conversion fell " + std::to_string(i), words,
                                              cb::test::DayOf("2024-03", i), "SEV2"));
    }
    cb::test::IndexSpecs(specs, &cfg, dir.path() + "/index");
  }
};

}  // namespace

TEST_CASE("a phrase over many matches: pages are slices of the ranking that checks every match",
          "[search]") {
  static PhraseIndex index;
  // A server's Searcher (from its second search on) checks the phrase in
  // every match; a one-off search checks it only where it can make the
  // page. Both must give the same postmortems, in the same order, with the
  // same percentages, at every page size and offset.
  const std::string dir = index.dir.path() + "/index";
  std::string error;
  auto server = cb::search::Searcher::Open(dir, index.cfg, &error);
  REQUIRE(server);
  Ranked(*server, "warm up", 0, 1);
  for (const std::string q :
       {"\"checkout errors\"", "\"errors checkout\"", "\"checkout errors\" budget",
        "\"checkout errors\" OR deploy", "\"checkout errors\" -\"errors checkout\"",
        "\"checkout errors\" -quota"}) {
    INFO(q);
    const auto all = Ranked(*server, q, 0, 30);
    REQUIRE(!all.empty());
    auto slice = [&](size_t from, size_t n) {
      from = std::min(from, all.size());
      return std::vector<std::string>(all.begin() + from,
                                      all.begin() + std::min(all.size(), from + n));
    };
    for (int limit : {1, 3, 5, 10, 30}) {
      INFO("limit " << limit);
      auto fresh = cb::search::Searcher::Open(dir, index.cfg, &error);
      REQUIRE(fresh);
      CHECK(Ranked(*fresh, q, 0, limit) == slice(0, limit));
    }
    for (int offset : {2, 5, 17}) {
      INFO("offset " << offset);
      auto fresh = cb::search::Searcher::Open(dir, index.cfg, &error);
      REQUIRE(fresh);
      CHECK(Ranked(*fresh, q, offset, 5) == slice(offset, 5));
    }
  }
}
