// The closeness boost (a plain query's words within a window of twice their
// number, loose_query.cc) goes to the postmortems whose words are that
// close, and to no other, whatever the page size: Searcher checks it only
// where it can change the page (searcher.cc, TopByCloseness), both over
// more than 2,000 matches (the best 2,000 by BM25 reranked) and over fewer
// (every match ranked).
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "search/index_builder.h"
#include "search/searcher.h"
#include "search_fixture.h"
#include "test_support.h"

namespace cb = casebook;

namespace {

/// `count` postmortems that all say "checkout" once and, far from it,
/// "errors" once; a quarter of them long (700-800 words), the others short
/// (120-240). One, "pm-close", of 600 words (so below every short one by
/// BM25, yet among the best 2,000 of 2,400), has "checkout errors" side by
/// side.
struct CloseIndex {
  cb::test::TempDir dir;
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();

  explicit CloseIndex(int count) {
    const char* filler[] = {"the",     "queue",   "worker", "retried", "while", "alerts",
                            "paged",   "team",    "budget", "replica", "cache", "latency",
                            "traffic", "gateway", "deploy", "quota",   "lag",   "timeout"};
    cb::test::Lcg next(20261208);
    std::vector<cb::test::PmSpec> specs;
    for (int i = 0; i < count; ++i) {
      const bool close = i == count / 2;
      const uint64_t length = close ? 600 : i % 4 == 0 ? 700 + next(100) : 120 + next(120);
      std::vector<std::string> words;
      for (uint64_t k = 0; k < length; ++k) words.push_back(filler[next(18)]);
      const uint64_t at = next(length / 4);
      words.insert(words.begin() + static_cast<long>(at), "checkout");
      const uint64_t gap = close ? 1 : 25 + next(length / 2);  // at + gap <= length
      words.insert(words.begin() + static_cast<long>(at + gap), "errors");
      specs.push_back(cb::test::SyntheticSpec(close ? "pm-close" : "pm-" + std::to_string(i),
                                              "Conversion fell " + std::to_string(i), words,
                                              cb::test::DayOf("2024-03", i)));
    }
    cb::test::IndexSpecs(specs, &cfg, dir.path() + "/index");
  }
};

cb::search::SearchResult Page(cb::search::Searcher& s, const std::string& q, int offset,
                              int limit) {
  auto result = cb::test::SearchPage(s, q, offset, limit);
  REQUIRE(result.ok);
  return result;
}

void CheckClosenessDecides(int count) {
  CloseIndex index(count);
  std::string error;
  auto s = cb::search::Searcher::Open(index.dir.path() + "/index", index.cfg, &error);
  REQUIRE(s);
  const auto all = Page(*s, "checkout errors", 0, 30);
  REQUIRE(all.total == count);
  REQUIRE(all.hits.size() == 30);
  // Long, so far down by BM25 alone, but the only one with the words close.
  CHECK(all.hits[0].id == "pm-close");
  // No other postmortem has the closeness boost (1 and both words' BM25
  // weights again: about twice a short postmortem's weight).
  CHECK(all.hits[1].percent * 3 < all.hits[0].percent * 2);
  for (int limit : {1, 2, 3, 5, 10}) {
    INFO("limit " << limit);
    const auto page = Page(*s, "checkout errors", 0, limit);
    REQUIRE(page.hits.size() == static_cast<size_t>(limit));
    for (int i = 0; i < limit; ++i) {
      CHECK(page.hits[i].id == all.hits[i].id);
      CHECK(page.hits[i].percent == all.hits[i].percent);
    }
  }
  for (int offset : {1, 4, 19}) {
    INFO("offset " << offset);
    const auto page = Page(*s, "checkout errors", offset, 7);
    REQUIRE(page.hits.size() == 7u);
    for (int i = 0; i < 7; ++i) {
      CHECK(page.hits[i].id == all.hits[offset + i].id);
      CHECK(page.hits[i].percent == all.hits[offset + i].percent);
    }
  }
}

}  // namespace

TEST_CASE("over 2,000 matches the closeness boost goes to the words side by side at every page size",
          "[search]") {
  CheckClosenessDecides(2400);
}

TEST_CASE("under 2,000 matches the closeness boost goes to the words side by side at every page size",
          "[search]") {
  CheckClosenessDecides(1200);
}

namespace {

/// Four short postmortems of the same length and words, "checkout" and
/// "errors" side by side in two of them (pm-t-close, pm-p-close) and far
/// apart in the others; two have "Checkout" in the title (pm-t-*), two
/// "Rollout" instead (pm-p-*). Then `fillers` long ones with both words far
/// apart, below them by BM25, one in 50 with "Errors" in the title.
struct TitleIndex {
  cb::test::TempDir dir;
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();

  explicit TitleIndex(int fillers) {
    const char* filler[] = {"the",   "queue",   "worker",  "retried", "while", "alerts",
                            "paged", "team",    "budget",  "replica", "cache", "latency",
                            "quota", "gateway", "traffic", "deploy",  "lag",   "timeout"};
    cb::test::Lcg next(20261209);
    auto body = [&](uint64_t length, uint64_t at, uint64_t gap) {
      std::vector<std::string> words;
      for (uint64_t k = 0; k < length; ++k) words.push_back(filler[k % 18]);
      words.insert(words.begin() + static_cast<long>(at), "checkout");
      words.insert(words.begin() + static_cast<long>(at + gap), "errors");
      // More of each, far apart: several positions to look through.
      for (uint64_t k = 1; k <= 3; ++k) {
        words.insert(words.begin() + static_cast<long>(at + gap + 20 * k), "checkout");
        words.insert(words.begin() + static_cast<long>(at + gap + 20 * k + 9), "errors");
      }
      return words;
    };
    std::vector<cb::test::PmSpec> specs;
    auto add = [&](std::string id, std::string title, const std::vector<std::string>& words) {
      specs.push_back(cb::test::SyntheticSpec(std::move(id), std::move(title), words,
                                              "2024-04-0" + std::to_string(specs.size() % 9 + 1)));
    };
    add("pm-t-far", "Checkout conversion fell", body(120, 10, 12));
    add("pm-t-close", "Checkout conversion fell", body(120, 10, 1));
    add("pm-p-far", "Rollout conversion fell", body(120, 10, 12));
    add("pm-p-close", "Rollout conversion fell", body(120, 10, 1));
    for (int i = 0; i < fillers; ++i) {
      const uint64_t length = 500 + next(300);
      const std::string title = i % 50 == 0 ? "Errors rose " : "Latency rose ";
      add("pm-" + std::to_string(i), title + std::to_string(i),
          body(length, next(length / 4), 30 + next(length / 2)));
    }
    cb::test::IndexSpecs(specs, &cfg, dir.path() + "/index");
  }
};

/// Closeness adds the same weight with a title match as without. At
/// 100,000 postmortems Xapian 1.4.22 credited OP_NEAR (its words' weights
/// and the fixed one) to a postmortem that matched a title part of the
/// boost's OP_OR and had the words far apart; that did not happen with
/// this small index, so this guards the rule rather than that bug.
void CheckTitleDoesNotBringCloseness(int fillers) {
  TitleIndex index(fillers);
  std::string error;
  auto s = cb::search::Searcher::Open(index.dir.path() + "/index", index.cfg, &error);
  REQUIRE(s);
  const auto result = Page(*s, "checkout errors", 0, 100);
  REQUIRE(result.total == fillers + 4);
  std::map<std::string, double> weight;
  for (const auto& h : result.hits) weight[h.id] = h.weight;
  for (const char* id : {"pm-t-far", "pm-t-close", "pm-p-far", "pm-p-close"}) {
    INFO(id);
    REQUIRE(weight.count(id) == 1);
  }
  const double with_title = weight["pm-t-close"] - weight["pm-t-far"];
  const double without = weight["pm-p-close"] - weight["pm-p-far"];
  CHECK(without > 1.0);  // the fixed weight and the words' BM25 weights again
  // The same but for the words' BM25 weights (a title word makes the
  // postmortem a little longer): well under the fixed weight of 1.
  CHECK(with_title == Approx(without).margin(0.01));
}

}  // namespace

TEST_CASE("a title match does not bring the closeness boost, under 2,000 matches", "[search]") {
  CheckTitleDoesNotBringCloseness(300);
}

TEST_CASE("a title match does not bring the closeness boost, over 2,000 matches", "[search]") {
  CheckTitleDoesNotBringCloseness(2400);
}
