// Facet counts from index format 6: each document keeps facet ids, the
// index keeps the names once (src/search/facets.h). Archives in, a real
// index out, counts checked against the documents; an update that brings
// new names keeps the old ids valid; a format-5 index is rebuilt.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "search/facets.h"
#include "search/index_builder.h"
#include "search/index_seal.h"
#include "search/schema.h"
#include "search/searcher.h"
#include "search_fixture.h"
#include "test_support.h"

namespace cb = casebook;
namespace sc = cb::search::schema;
using cb::search::SearchRequest;
using cb::search::SearchResult;

namespace {

/// `n` postmortems with facets that vary with i: one of 4 severities, one
/// to three tags of 9 (perhaps twice the same), a service of 7 ("Checkout API" spelled two ways, so one
/// slug has two names), every 5th one saying "zeppelin" in its body.
std::vector<cb::test::PmSpec> FacetSpecs(int n) {
  const char* severities[] = {"SEV1", "SEV2", "SEV3", "SEV4"};
  const char* tags[] = {"database", "network", "dns",     "kafka",  "tls",
                        "cache",    "queue",   "storage", "deploy"};
  const char* services[] = {"Checkout API", "checkout api", "billing", "search",
                            "Payments",     "ledger",       "auth"};
  std::vector<cb::test::PmSpec> out;
  for (int i = 0; i < n; ++i) {
    cb::test::PmSpec s;
    s.id = "pm-" + std::to_string(i);
    s.title = "Incident number " + std::to_string(i);
    s.summary = "Something went wrong with the queue.";
    s.body = "The workers stalled and the backlog grew.";
    if (i % 5 == 0) s.body += " A zeppelin flew over the data centre.";
    s.date = "2023-0" + std::to_string(i % 9 + 1) + "-1" + std::to_string(i % 10);
    // Scrambled, so that a sample of every n-th postmortem is not biased.
    const uint32_t r = static_cast<uint32_t>(i) * 2654435761u;
    s.severity = severities[(r >> 4) % 4];
    s.tags = {tags[(r >> 8) % 9]};
    if ((r >> 12) % 2 == 0) s.tags.push_back(tags[(r >> 16) % 9]);
    if ((r >> 20) % 7 == 0) s.tags.push_back(tags[(r >> 24) % 9]);
    s.services = {services[(r >> 13) % 7]};
    out.push_back(std::move(s));
  }
  return out;
}

/// Facet key -> "name=count" for the specs that `keep` accepts, as a
/// search shows them: by slug, the most common spelling.
using Counts = std::map<std::string, std::map<std::string, int64_t>>;

template <typename Keep>
Counts CountSpecs(const std::vector<cb::test::PmSpec>& specs, Keep keep) {
  std::map<std::string, std::map<std::string, std::map<std::string, int64_t>>> by_slug;
  for (const auto& s : specs) {
    if (!keep(s)) continue;
    ++by_slug["severity"][sc::TermValue(s.severity)][s.severity];
    for (const auto& t : s.tags) ++by_slug["tags"][sc::TermValue(t)][t];
    for (const auto& v : s.services) ++by_slug["services"][sc::TermValue(v)][v];
  }
  Counts out;
  for (const auto& [key, slugs] : by_slug) {
    for (const auto& [slug, names] : slugs) {
      int64_t total = 0, best = -1;
      std::string name;
      for (const auto& [n, c] : names) {
        total += c;
        if (c > best) best = c, name = n;
      }
      out[key][name] = total;
    }
  }
  return out;
}

Counts CountsOf(const SearchResult& r) {
  Counts out;
  for (const auto& f : r.facets)
    for (const auto& v : f.values) out[f.key][v.name] = v.count;
  return out;
}

struct FacetArchive {
  cb::test::TempDir dir;
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();
  std::vector<cb::test::PmSpec> specs;
  std::string index() const { return dir.path() + "/index"; }

  /// A build's index update (Start and Finish, two threads).
  cb::search::IndexStats Update() {
    cb::model::SiteModel site = cb::test::MakeSite(specs, &cfg);
    cb::util::Diagnostics diags;
    auto update = cb::search::IndexUpdate::Start(&site, index(), 2, &diags);
    REQUIRE(update);
    cb::search::IndexStats stats;
    CHECK(update->Finish(&stats, &diags));
    CHECK_FALSE(diags.HasErrors());
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

SearchResult Run(cb::search::Searcher& s, const std::string& q, int limit = 10) {
  SearchRequest r;
  r.query = q;
  r.limit = limit;
  return s.Search(r);
}

bool HasTag(const cb::test::PmSpec& s, const std::string& tag) {
  for (const auto& t : s.tags)
    if (t == tag) return true;
  return false;
}

}  // namespace

TEST_CASE("facets: counts equal those computed from the documents", "[search][facets]") {
  FacetArchive a;
  a.specs = FacetSpecs(2600);
  CHECK(a.Update().added == 2600);

  // A one-off search over fewer than 2,000 matches counts every one.
  auto s = a.Open();
  SearchResult z = Run(*s, "zeppelin");
  REQUIRE(z.ok);
  CHECK(z.total == 520);
  CHECK_FALSE(z.facets_estimated);
  const auto zeppelin = [](const cb::test::PmSpec& p) {
    return p.body.find("zeppelin") != std::string::npos;
  };
  CHECK(CountsOf(z) == CountSpecs(a.specs, zeppelin));
  // "Checkout API" and "checkout api" are one value, under the commoner name.
  CHECK(CountsOf(z)["services"].count("checkout api") + CountsOf(z)["services"].count("Checkout API") ==
        1);
  SearchResult kafka = Run(*a.Open(), "tag:kafka");
  CHECK_FALSE(kafka.facets_estimated);
  CHECK(CountsOf(kafka) ==
        CountSpecs(a.specs, [](const cb::test::PmSpec& p) { return HasTag(p, "kafka"); }));

  // Every postmortem: a one-off search estimates from a sample, close to
  // the documents' counts; a server's next search counts them exactly.
  auto server = a.Open();
  SearchResult first = Run(*server, "");
  CHECK(first.total == 2600);
  CHECK(first.facets_estimated);
  const Counts all = CountSpecs(a.specs, [](const cb::test::PmSpec&) { return true; });
  for (const auto& [key, values] : all) {
    for (const auto& [name, count] : values) {
      INFO(key << " " << name);
      CHECK(CountsOf(first)[key][name] >= count * 8 / 10);
      CHECK(CountsOf(first)[key][name] <= count * 12 / 10);
    }
  }
  SearchResult second = Run(*server, "");
  CHECK_FALSE(second.facets_estimated);
  CHECK(CountsOf(second) == all);
  SearchResult loaded_zeppelin = Run(*server, "zeppelin");
  CHECK(CountsOf(loaded_zeppelin) == CountsOf(z));
}

TEST_CASE("facets: an update with new names keeps the ids of the documents it leaves",
          "[search][facets]") {
  FacetArchive a, clean;
  a.specs = FacetSpecs(300);
  a.Update();
  // One postmortem gets a new tag and a new service, one new postmortem
  // brings another, one is deleted: an update in place.
  a.specs[10].tags.push_back("zeppelin-tag");
  a.specs[10].services = {"Airship"};
  cb::test::PmSpec extra = a.specs[0];
  extra.id = "pm-new";
  extra.tags = {"brand-new", "database"};
  extra.severity = "SEV2";
  a.specs.push_back(extra);
  a.specs.erase(a.specs.begin() + 20);
  cb::search::IndexStats stats = a.Update();
  CHECK(stats.updated == 1);
  CHECK(stats.added == 1);
  CHECK(stats.deleted == 1);
  CHECK(a.Open()->version() == 1);  // in place

  clean.specs = a.specs;
  clean.Update();
  const auto everything = [](const cb::test::PmSpec&) { return true; };
  for (const char* q : {"", "zeppelin", "tag:zeppelin-tag", "tag:brand-new", "service:airship",
                        "tag:database", "workers"}) {
    INFO(q);
    auto s = a.Open();
    SearchResult one_off = Run(*s, q, 100);
    SearchResult loaded = Run(*s, q, 100);
    CHECK(cb::search::ToValue(one_off).ToJson() == cb::search::ToValue(Run(*clean.Open(), q, 100)).ToJson());
    CHECK(CountsOf(loaded) == CountsOf(one_off));
  }
  CHECK(CountsOf(Run(*a.Open(), "")) == CountSpecs(a.specs, everything));
  CHECK(CountsOf(Run(*a.Open(), "tag:brand-new"))["tags"] ==
        std::map<std::string, int64_t>{{"brand-new", 1}, {"database", 1}});
  CHECK(CountsOf(Run(*a.Open(), "service:airship"))["services"] ==
        std::map<std::string, int64_t>{{"Airship", 1}});
}

TEST_CASE("facets: a format-5 index (names in the value slot) is rebuilt by the next build",
          "[search][facets]") {
  FacetArchive a;
  a.specs = FacetSpecs(300);
  a.Update();
  const std::vector<std::string> queries = {"", "zeppelin", "tag:kafka", "service:billing",
                                            "workers backlog"};
  std::vector<std::string> before;
  for (const auto& q : queries) before.push_back(cb::search::ToValue(Run(*a.Open(), q)).ToJson());

  // What casebook 5 wrote: the names, joined, in the facet slot; no
  // dictionary; schema 5. Sealed again, so only the format is wrong.
  const std::string version = sc::VersionDir(a.index(), 1);
  {
    Xapian::WritableDatabase db(version, Xapian::DB_OPEN);
    for (Xapian::docid did = 1; did <= db.get_lastdocid(); ++did) {
      Xapian::Document doc = db.get_document(did);
      const auto& s = a.specs[did - 1];
      std::string names = s.severity + '\x1e';
      for (size_t i = 0; i < s.tags.size(); ++i) names += (i ? "\x1f" : "") + s.tags[i];
      names += '\x1e';
      for (size_t i = 0; i < s.services.size(); ++i) names += (i ? "\x1f" : "") + s.services[i];
      doc.add_value(sc::kSlotFacets, names);
      db.replace_document(did, doc);
    }
    db.set_metadata(sc::kMetaSchema, "5");
    db.set_metadata(sc::kMetaFacets, "");
    db.commit();
  }
  REQUIRE(cb::search::ResealVersion(version));

  // Not read as ids: the searcher asks for a build.
  std::string error;
  CHECK_FALSE(cb::search::Searcher::Open(a.index(), a.cfg, &error));
  CHECK(error.find("casebook build") != std::string::npos);

  cb::search::IndexStats stats = a.Update();
  CHECK(stats.added == 300);
  CHECK(a.Open()->version() == 2);
  for (size_t i = 0; i < queries.size(); ++i) {
    INFO(queries[i]);
    CHECK(cb::search::ToValue(Run(*a.Open(), queries[i])).ToJson() == before[i]);
  }
}

TEST_CASE("facets: a version whose dictionary is missing is rebuilt, not misread",
          "[search][facets]") {
  FacetArchive a;
  a.specs = FacetSpecs(200);
  a.Update();
  const std::string version = sc::VersionDir(a.index(), 1);
  {
    Xapian::WritableDatabase db(version, Xapian::DB_OPEN);
    db.set_metadata(sc::kMetaFacets, "");
    db.commit();
  }
  REQUIRE(cb::search::ResealVersion(version));
  SearchResult broken = Run(*a.Open(), "zeppelin");
  CHECK_FALSE(broken.ok);
  CHECK(broken.message.find("casebook build") != std::string::npos);

  a.specs[3].summary += " Edited.";  // a change that would go in place
  a.Update();
  CHECK(a.Open()->version() == 2);
  const auto zeppelin = [](const cb::test::PmSpec& p) {
    return p.body.find("zeppelin") != std::string::npos;
  };
  CHECK(CountsOf(Run(*a.Open(), "zeppelin")) == CountSpecs(a.specs, zeppelin));
}

TEST_CASE("facets: the dictionary reads back what it wrote, splits names as format 5 did",
          "[search][facets]") {
  cb::search::FacetDictionary d;
  const std::string value =
      d.EncodeDocument("SEV1", {"database", "", "a\x1f" "b"}, {"Checkout API", "database"});
  std::vector<std::string> names;
  cb::search::ForEachFacetId(value, [&](uint32_t id) {
    names.push_back(std::to_string(static_cast<int>(d.group(id))) + ":" + d.name(id));
  });
  // The empty tag is left out; "a\x1fb" counts as two tags; "database" as
  // a tag and as a service are two ids.
  CHECK(names == std::vector<std::string>{"0:SEV1", "1:database", "1:a", "1:b", "2:Checkout API",
                                          "2:database"});
  cb::search::FacetDictionary back;
  REQUIRE(back.Decode(d.Encode()));
  REQUIRE(back.size() == d.size());
  for (uint32_t id = 0; id < d.size(); ++id) {
    CHECK(back.name(id) == d.name(id));
    CHECK(back.group(id) == d.group(id));
  }
  // Ids are kept: the same document encodes the same way again.
  CHECK(back.EncodeDocument("SEV1", {"database", "", "a\x1f" "b"}, {"Checkout API", "database"}) ==
        value);
  CHECK_FALSE(back.Decode(""));
  CHECK_FALSE(back.Decode(d.Encode().substr(0, d.Encode().size() - 3)));
  CHECK(back.size() == 0);
}

TEST_CASE("search: equal weights are ordered by id on every page", "[search][facets]") {
  // The zeppelin postmortems have the same text but for the number in the
  // title: many weigh exactly the same, and their order is by id, on any
  // page, whether a tie crosses the page's edge or not.
  FacetArchive a;
  a.specs = FacetSpecs(300);
  a.Update();
  auto s = a.Open();
  SearchResult all = Run(*s, "zeppelin", 100);
  REQUIRE(all.hits.size() == 60);
  for (size_t i = 1; i < all.hits.size(); ++i) {
    INFO(i);
    const auto &x = all.hits[i - 1], &y = all.hits[i];
    CHECK((x.weight > y.weight || (x.weight == y.weight && x.id < y.id)));
  }
  for (int offset : {0, 1, 2, 5, 9, 17, 55, 59}) {
    for (int limit : {1, 3, 10}) {
      INFO(offset << " " << limit);
      SearchRequest r;
      r.query = "zeppelin";
      r.offset = offset;
      r.limit = limit;
      SearchResult page = a.Open()->Search(r);
      CHECK(page.total == 60);
      std::vector<std::string> got, want;
      for (const auto& h : page.hits) got.push_back(h.id);
      for (int i = offset; i < std::min(60, offset + limit); ++i) want.push_back(all.hits[i].id);
      CHECK(got == want);
    }
  }
}
