// Compounds whose halves are indexed as one pair term (schema::PairTerm):
// "failover" finds "failed over" and back, with the same totals a phrase
// check gives; an explicit phrase still reads positions; an index of the
// previous schema (no pair terms) is rebuilt by the next update.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "search/index_builder.h"
#include "search/searcher.h"
#include "search_fixture.h"
#include "test_support.h"

namespace cb = casebook;

namespace {

using Set = std::set<std::string>;

cb::test::PmSpec Pm(std::string id, std::string title, std::string body) {
  cb::test::PmSpec s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.body = std::move(body);
  s.date = "2023-05-01";
  s.severity = "SEV2";
  return s;
}

struct PairArchive {
  cb::test::TempDir dir;
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();
  std::vector<cb::test::PmSpec> specs = {
      Pm("failed-over", "Primary moved to the standby",
         "The primary failed over to the standby in two minutes."),
      Pm("failover", "Automatic promotion", "Failover of the primary was automatic."),
      // Both halves, never side by side: a pair must not be found here.
      Pm("apart", "Fail rate grew", "Over the weekend the error rate grew slowly."),
      Pm("timed-out", "Slow gateway", "Requests timed out after the change."),
      Pm("timeout", "Client library", "A timeout in the client library."),
      Pm("back-up", "Nightly job", "Nobody could back up the ledger database."),
      Pm("backup", "Storage", "The nightly backup of the ledger failed."),
  };
  std::string index() const { return dir.path() + "/index"; }

  cb::search::IndexStats Update() {
    cb::model::SiteModel site = cb::test::MakeSite(specs, &cfg);
    cb::util::Diagnostics diags;
    cb::search::IndexStats stats;
    REQUIRE(cb::search::UpdateIndex(site, index(), &stats, &diags));
    return stats;
  }
  std::unique_ptr<cb::search::Searcher> Open() const {
    std::string error;
    auto s = cb::search::Searcher::Open(index(), cfg, &error);
    INFO(error);
    REQUIRE(s);
    return s;
  }
};

cb::search::SearchResult Run(cb::search::Searcher& s, const std::string& q) {
  cb::search::SearchRequest r;
  r.query = q;
  return s.Search(r);
}

Set Ids(const cb::search::SearchResult& r) {
  Set ids;
  for (const auto& h : r.hits) ids.insert(h.id);
  return ids;
}

}  // namespace

TEST_CASE("pair terms: a compound finds its two-word form and back, exact totals", "[search]") {
  PairArchive a;
  a.Update();
  auto s = a.Open();
  for (const char* q : {"failover", "fail over"}) {
    auto r = Run(*s, q);
    INFO(q);
    CHECK(Ids(r) == Set{"failed-over", "failover"});
    CHECK(r.total == 2);
    CHECK_FALSE(r.relaxed);
  }
  for (const char* q : {"timeout", "time out"}) {
    INFO(q);
    CHECK(Ids(Run(*s, q)) == Set{"timed-out", "timeout"});
  }
  CHECK(Ids(Run(*s, "backup")) == Set{"back-up", "backup"});
  CHECK(Ids(Run(*s, "back up")) == Set{"back-up", "backup"});
  // A quoted phrase still means the words side by side, read from positions.
  CHECK(Ids(Run(*s, "\"fail over\"")) == Set{"failed-over"});
  CHECK(Ids(Run(*s, "\"rate grew\"")) == Set{"apart"});
  // Other words of the query still count: the pair is one unit of them.
  auto both = Run(*s, "failover standby");
  CHECK(both.all_words_total == 1);
  REQUIRE(!both.hits.empty());
  CHECK(both.hits[0].id == "failed-over");
  CHECK(both.hits[0].missing_words.empty());
}

TEST_CASE("pair terms: an index of the previous schema is rebuilt with them", "[search][index]") {
  PairArchive a;
  a.Update();
  // Make v1 look like an index from before pair terms: no ZJ terms, and
  // the previous schema stamp.
  {
    Xapian::WritableDatabase db(a.index() + "/v1", Xapian::DB_OPEN);
    size_t removed = 0;
    for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
      Xapian::Document doc = db.get_document(*it);
      std::vector<std::string> pairs;
      for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        if ((*t).rfind("ZJ", 0) == 0) pairs.push_back(*t);
      removed += pairs.size();
      for (const auto& p : pairs) doc.remove_term(p);
      db.replace_document(*it, doc);
    }
    CHECK(removed > 0);  // the current schema has them
    db.set_metadata("casebook.schema", "4");
    db.commit();
  }
  std::string error;
  CHECK_FALSE(cb::search::Searcher::Open(a.index(), a.cfg, &error));
  CHECK(error.find("casebook build") != std::string::npos);

  auto stats = a.Update();  // same postmortems, new schema: everything again
  CHECK(stats.unchanged == 0);
  CHECK(a.dir.Read("index/current") == "auto v2\n");
  auto s = a.Open();
  CHECK(Ids(Run(*s, "failover")) == Set{"failed-over", "failover"});
  CHECK(Run(*s, "timeout").total == 2);
}
