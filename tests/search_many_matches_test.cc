// Searcher over an archive where one query matches more than 2,000
// postmortems: the title and closeness boosts are applied to the best
// candidates only, the total stays exact and a one-off search's facet
// counts are estimates that say so (SearchResult::facets_estimated).
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "search/index_builder.h"
#include "search/searcher.h"
#include "search_fixture.h"
#include "test_support.h"

namespace cb = casebook;
using cb::search::SearchRequest;
using cb::search::SearchResult;

namespace {

constexpr int kFiller = 2400;  // above the 2,000 the boosts reach
constexpr int kPager = kFiller * 9 / 10;

/// kFiller postmortems with "database" and "failover" far apart (every
/// third one also "rare"), and one, "the-one", with "database failover" in
/// its title and body.
struct ManyIndex {
  cb::test::TempDir dir;
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();
  cb::model::SiteModel site;

  ManyIndex() {
    std::vector<cb::test::PmSpec> specs;
    const char* severities[] = {"SEV1", "SEV2", "SEV3"};
    for (int i = 0; i < kFiller; ++i) {
      cb::test::PmSpec s;
      s.id = "filler-" + std::to_string(i);
      s.title = "Queue backlog number " + std::to_string(i);
      s.summary = "The database was slow.";
      s.body = "The database answered slowly while the queue grew. Workers retried, the backlog "
               "kept growing for an hour and alerts paged the team twice before anyone looked. "
               "In the end a planned failover moved the traffic.";
      if (i % 10 != 0) s.body += " The pager stayed silent.";  // kPager of them
      s.date = "2023-01-" + std::string(i % 28 < 9 ? "0" : "") + std::to_string(i % 28 + 1);
      s.severity = severities[i % 3];
      s.tags = {"database"};
      if (i % 3 == 0) s.tags.push_back("rare");
      s.services = {"queue"};
      specs.push_back(std::move(s));
    }
    cb::test::PmSpec one;
    one.id = "the-one";
    one.title = "Database failover stalled checkout";
    one.summary = "The database failover took forty minutes.";
    one.body = "The database failover stalled because the replica lagged.";
    one.date = "2022-06-01";
    one.severity = "SEV1";
    one.tags = {"database", "failover"};
    one.services = {"checkout"};
    specs.push_back(std::move(one));
    site = cb::test::MakeSite(specs, &cfg);
    cb::util::Diagnostics diags;
    cb::search::IndexStats stats;
    if (!cb::search::UpdateIndex(site, dir.path() + "/index", &stats, &diags))
      throw std::runtime_error("index failed");
  }

  std::unique_ptr<cb::search::Searcher> Open() {
    std::string error;
    auto s = cb::search::Searcher::Open(dir.path() + "/index", cfg, &error);
    if (!s) throw std::runtime_error(error);
    return s;
  }
};

ManyIndex& Shared() {
  static ManyIndex index;
  return index;
}

SearchResult Run(cb::search::Searcher& s, const std::string& q,
                 cb::search::SortOrder sort = cb::search::SortOrder::kRelevance) {
  SearchRequest r;
  r.query = q;
  r.sort = sort;
  return s.Search(r);
}

int64_t Count(const SearchResult& r, const std::string& key, const std::string& slug) {
  for (const auto& f : r.facets)
    if (f.key == key)
      for (const auto& v : f.values)
        if (v.slug == slug) return v.count;
  return -1;
}

}  // namespace

TEST_CASE("many matches: the phrase and title match still ranks first, exact total",
          "[search]") {
  auto s = Shared().Open();
  SearchResult r = Run(*s, "database failover");
  REQUIRE(r.ok);
  CHECK(r.total == kFiller + 1);  // exact, not an estimate
  // The two-word form is one pair term (schema::PairTerm): the same total.
  CHECK(Run(*s, "database fail over").total == kFiller + 1);
  REQUIRE(!r.hits.empty());
  CHECK(r.hits[0].id == "the-one");
  CHECK(r.hits.size() == 10);
}

TEST_CASE("many matches: a one-off search estimates facets and says so, a server counts them",
          "[search]") {
  auto s = Shared().Open();
  SearchResult first = Run(*s, "database failover");
  CHECK(first.facets_estimated);
  CHECK(cb::search::ToValue(first)["facets_estimated"].as_bool());
  // Every match has tag database: the estimate is close (two figures).
  const int64_t db = Count(first, "tags", "database");
  CHECK(db >= (kFiller + 1) * 9 / 10);
  CHECK(db <= (kFiller + 1) * 11 / 10);
  const int64_t rare = Count(first, "tags", "rare");
  CHECK(rare >= kFiller / 3 * 8 / 10);
  CHECK(rare <= kFiller / 3 * 12 / 10);

  SearchResult second = Run(*s, "database failover");  // facet table loaded now
  CHECK_FALSE(second.facets_estimated);
  CHECK(Count(second, "tags", "database") == kFiller + 1);
  CHECK(Count(second, "tags", "rare") == kFiller / 3);
  CHECK(Count(second, "services", "checkout") == 1);
  REQUIRE(!second.hits.empty());
  CHECK(second.hits[0].id == first.hits[0].id);
}

TEST_CASE("many matches: one word's total is exact and its facets a sample", "[search]") {
  auto s = Shared().Open();
  // Every filler postmortem says "queue" (the-one does not): Xapian knows
  // the total from the word's frequency; the facets come from a sample.
  SearchResult r = Run(*s, "queue");
  CHECK(r.total == kFiller);
  CHECK(r.facets_estimated);
  const int64_t db = Count(r, "tags", "database");
  CHECK(db >= kFiller * 9 / 10);
  CHECK(db <= kFiller * 11 / 10);
  const int64_t rare = Count(r, "tags", "rare");
  CHECK(rare >= kFiller / 3 * 8 / 10);
  CHECK(rare <= kFiller / 3 * 12 / 10);
  CHECK(Count(r, "services", "checkout") == -1);
  // A server (facet table loaded) counts them exactly.
  SearchResult again = Run(*s, "queue");
  CHECK_FALSE(again.facets_estimated);
  CHECK(again.total == kFiller);
  CHECK(Count(again, "tags", "rare") == kFiller / 3);
}

TEST_CASE("many matches: a one-off search estimates a total Xapian does not know, and says so",
          "[search]") {
  auto s = Shared().Open();
  // No postmortem has all three words, so every one with some of them is
  // ranked: the kPager with "queue" and "pager" first. Xapian skips those
  // with one word once they cannot reach the best 2,000, so it does not
  // know the total: a sample of the archive gives it.
  SearchResult r = Run(*s, "queue pager stalled");
  CHECK(r.relaxed);
  CHECK(r.total_estimated);
  CHECK(r.facets_estimated);
  CHECK(r.total >= (kFiller + 1) * 9 / 10);
  CHECK(r.total <= (kFiller + 1) * 11 / 10);
  CHECK(r.total % 100 == 0);  // two significant figures
  CHECK(cb::search::ToValue(r)["total_estimated"].as_bool());
  CHECK(r.hits.size() == 10);
  // A server (facet table loaded) counts every match.
  SearchResult again = Run(*s, "queue pager stalled");
  CHECK_FALSE(again.total_estimated);
  CHECK(again.total == kFiller + 1);
  CHECK_FALSE(cb::search::ToValue(again)["total_estimated"].as_bool());
  // Few matches are always counted.
  CHECK_FALSE(Run(*s, "stalled checkout").total_estimated);
}

TEST_CASE("many matches: few matches in the same archive are counted exactly", "[search]") {
  auto s = Shared().Open();
  SearchResult r = Run(*s, "stalled checkout");
  CHECK_FALSE(r.facets_estimated);
  CHECK(r.total == 1);
  CHECK(Count(r, "tags", "failover") == 1);
  REQUIRE(r.hits.size() == 1);
  CHECK(r.hits[0].id == "the-one");
}

TEST_CASE("many matches: by date, newest first, exact total", "[search]") {
  auto s = Shared().Open();
  SearchResult r = Run(*s, "database failover", cb::search::SortOrder::kDate);
  CHECK(r.total == kFiller + 1);
  REQUIRE(r.hits.size() == 10);
  for (size_t i = 1; i < r.hits.size(); ++i) CHECK(r.hits[i - 1].date >= r.hits[i].date);
  CHECK(r.hits[0].date == "2023-01-28");
}
