// Searcher over the fixture archive: ranking, every prefix, operators,
// ranges, spelling, synonyms, snippets, facets, and bad queries.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "search/index_builder.h"
#include "search/query_parsing.h"
#include "search/searcher.h"
#include "search/synonyms.h"
#include "search_fixture.h"
#include "test_support.h"

namespace cb = casebook;
using cb::search::SearchRequest;
using cb::search::SearchResult;

namespace {

/// One index shared by every test in this file (built once).
struct Index {
  cb::test::TempDir dir;
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();
  cb::model::SiteModel site;
  std::unique_ptr<cb::search::Searcher> searcher;

  Index() {
    site = cb::test::MakeSite(cb::test::FixtureSpecs(), &cfg);
    cb::util::Diagnostics diags;
    cb::search::IndexStats stats;
    if (!cb::search::UpdateIndex(site, dir.path() + "/index", &stats, &diags))
      throw std::runtime_error("index failed");
    std::string error;
    searcher = cb::search::Searcher::Open(dir.path() + "/index", cfg, &error);
    if (!searcher) throw std::runtime_error(error);
  }
};

Index& Shared() {
  static Index index;
  return index;
}

SearchResult Run(const std::string& q, int limit = 10,
                 cb::search::SortOrder sort = cb::search::SortOrder::kRelevance) {
  SearchRequest r;
  r.query = q;
  r.limit = limit;
  r.sort = sort;
  return Shared().searcher->Search(r);
}

std::set<std::string> Ids(const SearchResult& r) {
  std::set<std::string> ids;
  for (const auto& h : r.hits) ids.insert(h.id);
  return ids;
}

using Set = std::set<std::string>;

}  // namespace

TEST_CASE("search: a known query puts the right postmortem first", "[search]") {
  auto r = Run("replication lag failover");
  REQUIRE(r.ok);
  REQUIRE(!r.hits.empty());
  CHECK(r.hits[0].id == "db-failover");
  CHECK(r.hits[0].title == "Primary database failover stalled checkout");
  CHECK(r.hits[0].url == "postmortems/db-failover/");
  CHECK(r.hits[0].date == "2023-03-14");
  CHECK(r.hits[0].severity == "SEV1");
  CHECK(r.hits[0].severity_label == "Critical");
  CHECK(r.hits[0].source_path == "2023/2023-03-14-db-failover.md");
  CHECK(Run("thundering herd").hits.at(0).id == "cache-stampede");
  CHECK(Run("certificate renewal").hits.at(0).id == "cert-expiry");
  // The title counts for more than the body.
  CHECK(Run("replica").hits.at(0).id == "disk-full");
}

TEST_CASE("search: stemming and stop words", "[search]") {
  CHECK(Ids(Run("certificates")).count("cert-expiry"));
  CHECK(Ids(Run("what was the thundering herd")) == Set{"cache-stampede"});
}

TEST_CASE("search: taxonomy prefixes", "[search]") {
  CHECK(Ids(Run("tag:kubernetes")) == Set{"kube-dns"});
  CHECK(Ids(Run("tag:Kubernetes")) == Set{"kube-dns"});
  CHECK(Ids(Run("tags:dns")) == Set{"kube-dns"});
  CHECK(Ids(Run("service:\"Payments API\"")) == Set{"db-failover", "payment-timeouts"});
  CHECK(Ids(Run("service:payments-api")) == Set{"db-failover", "payment-timeouts"});
  CHECK(Ids(Run("severity:SEV1")) == Set{"db-failover", "payment-timeouts"});
  CHECK(Ids(Run("severity:sev4")) == Set{"config-typo"});
  CHECK(Ids(Run("categories:security")) == Set{"cert-expiry"});
  CHECK(Ids(Run("category:platform")) == Set{"kube-dns"});
  CHECK(Ids(Run("tag:data*")) == Set{"db-failover", "disk-full", "db-migration-lock"});
  // Two values of one prefix: either; two prefixes: both.
  CHECK(Ids(Run("tag:dns tag:tls")) == Set{"kube-dns", "cert-expiry"});
  CHECK(Ids(Run("tag:database service:checkout")) == Set{"db-failover", "disk-full"});
  CHECK(Ids(Run("tag:nosuchtag")).empty());
}

TEST_CASE("search: status, year, owner, title, id prefixes", "[search]") {
  CHECK(Ids(Run("status:draft")) == Set{"config-typo"});
  CHECK(Ids(Run("status:review")) == Set{"cert-expiry"});
  CHECK(Ids(Run("year:2022")) == Set{"cert-expiry", "config-typo"});
  CHECK(Ids(Run("owner:jane")) == Set{"db-failover", "disk-full", "db-migration-lock"});
  CHECK(Ids(Run("owner:\"Jane Doe\"")) == Set{"db-failover", "disk-full", "db-migration-lock"});
  CHECK(Ids(Run("owner:priya")) == Set{"cert-expiry"});
  CHECK(Ids(Run("title:certificate")) == Set{"cert-expiry"});
  // "replica" is in disk-full's title but only in db-failover's body.
  CHECK(Ids(Run("title:replica")) == Set{"disk-full"});
  CHECK(Ids(Run("id:disk-full")) == Set{"disk-full"});
  CHECK(Ids(Run("postgres year:2023 -tag:storage")) == Set{"db-failover", "db-migration-lock"});
}

TEST_CASE("search: phrases and boolean operators", "[search]") {
  CHECK(Ids(Run("\"thundering herd\"")) == Set{"cache-stampede"});
  CHECK(Ids(Run("\"herd thundering\"")).empty());
  CHECK(Ids(Run("redis OR coredns")) == Set{"cache-stampede", "kube-dns"});
  CHECK(Ids(Run("redis AND coredns")).empty());  // explicit AND stays strict
  CHECK(Ids(Run("postgres AND migration")) == Set{"db-migration-lock"});
  CHECK(Ids(Run("postgres NOT migration")) == Set{"db-failover", "disk-full"});
  CHECK(Ids(Run("postgres -replica")).count("disk-full") == 0);
  CHECK(Ids(Run("(redis OR coredns) AND cluster")) == Set{"kube-dns"});
  CHECK(Ids(Run("NOT tag:deploy")).size() == 5);
  CHECK(Ids(Run("-tag:deploy")).size() == 5);
  CHECK(Ids(Run("-tag:deploy -tag:database")).size() == 3);
  CHECK(Ids(Run("tag:database -ttr:2h..")) == Set{"db-migration-lock"});
  CHECK(Ids(Run("postgres -2023-03-01..2023-10-01")) == Set{"db-migration-lock"});
}

TEST_CASE("search: wildcards", "[search]") {
  CHECK(Ids(Run("kube*")) == Set{"kube-dns"});
  CHECK(Ids(Run("certif*")) == Set{"cert-expiry"});
  CHECK(Ids(Run("zzzq*")).empty());
  CHECK(Ids(Run("Kube*")) == Set{"kube-dns"});
  CHECK(Ids(Run("replicas*")) == Set{"db-failover", "disk-full", "db-migration-lock"});
  CHECK(Ids(Run("title:certif*")) == Set{"cert-expiry"});
  CHECK(Ids(Run("tag:kube* OR thunder*")) == Set{"kube-dns", "cache-stampede"});
  CHECK(Ids(Run("\"kube*\"")).empty());  // not inside a phrase
  CHECK(cb::search::RewriteQuery("kube* \"a* b\" title:x* -y* tag:z* (w*) a-b* -\"p -q\" --x") ==
        "zwild:kube* \"a* b\" ztitle:x* NOT zwild:y* tag:z* (zwild:w*) a-b* NOT \"p -q\" --x");
}

TEST_CASE("search: date ranges on the incident date", "[search]") {
  CHECK(Ids(Run("2023-01-01..2023-06-30")) == Set{"db-failover", "kube-dns"});
  CHECK(Ids(Run("date:2024..")) == Set{"cache-stampede", "payment-timeouts"});
  CHECK(Ids(Run("date:..2022-12-31")) == Set{"cert-expiry", "config-typo"});
  CHECK(Ids(Run("date:2022")) == Set{"cert-expiry", "config-typo"});
  CHECK(Ids(Run("date:2023-11")) == Set{"db-migration-lock"});
  CHECK(Ids(Run("date:2023-03-14")) == Set{"db-failover"});
  CHECK(Ids(Run("postgres 2023-06-01..2023-12-31")) == Set{"disk-full", "db-migration-lock"});
}

TEST_CASE("search: time-to-resolve ranges", "[search]") {
  CHECK(Ids(Run("ttr:..30m")) == Set{"cache-stampede"});
  CHECK(Ids(Run("ttr:2h..")) == Set{"db-failover", "disk-full", "payment-timeouts"});
  CHECK(Ids(Run("ttr:1h..2h")) == Set{"cert-expiry", "db-migration-lock"});
  CHECK(Ids(Run("ttr:4h.. tag:third-party")) == Set{"payment-timeouts"});
}

TEST_CASE("search: spelling correction retries automatically", "[search]") {
  auto r = Run("databse");
  CHECK(r.corrected_query == "database");
  CHECK(r.auto_retried);
  CHECK(r.total == 3);
  // Only free-text words are corrected; known words, values and wildcards stay.
  CHECK(Run("title:certficate").corrected_query == "title:certificate");
  CHECK(Run("tag:databse").corrected_query.empty());
  CHECK(Run("service:\"Paymnts API\"").corrected_query.empty());
  CHECK(Run("databse*").corrected_query.empty());
  CHECK(Run("db failover").corrected_query.empty());  // a synonym key
  CHECK(Run("\"thundring herd\" -redis").corrected_query == "\"thundering herd\" -redis");
  // A query with matches keeps them and only suggests.
  auto found = Run("database");
  CHECK(found.corrected_query.empty());
  CHECK_FALSE(found.auto_retried);
}

TEST_CASE("search: a misspelled query with too few matches is corrected and relaxed", "[search]") {
  // The correction has no postmortem with every word, the query relaxed has
  // one with some: the query stays, relaxed, and the correction is offered.
  auto kept = Run("databse kubernetes");
  CHECK(kept.corrected_query == "database kubernetes");
  CHECK_FALSE(kept.auto_retried);
  CHECK(kept.relaxed);
  CHECK(Ids(kept) == Set{"kube-dns"});
  REQUIRE(kept.hits.size() == 1);
  CHECK(kept.hits[0].missing_words == std::vector<std::string>{"databse"});
  // The correction has one postmortem with every word: it is run, relaxed.
  auto retried = Run("databse patroni");
  CHECK(retried.auto_retried);
  CHECK(retried.relaxed);
  CHECK(retried.all_words_total == 1);
  REQUIRE(!retried.hits.empty());
  CHECK(retried.hits[0].id == "db-failover");
  CHECK(Ids(retried) == Set{"db-failover", "disk-full", "db-migration-lock"});
  // Neither has every word and the query finds nothing even relaxed: the
  // correction, relaxed.
  auto relaxed = Run("databse qqqzzzx");
  CHECK(relaxed.corrected_query == "database qqqzzzx");
  CHECK(relaxed.auto_retried);
  CHECK(relaxed.relaxed);
  CHECK(relaxed.all_words_total == 0);
  CHECK(Ids(relaxed) == Set{"db-failover", "disk-full", "db-migration-lock"});
}

TEST_CASE("search: spelling picks what fits the other words", "[search]") {
  // "pol" is one edit from "pod" (kube-dns) and "pool" (db-failover); only
  // "pool" sits next to "connection".
  auto r = Run("conection pol");
  REQUIRE(!r.suggestions.empty());
  CHECK(r.suggestions.size() <= 3);
  CHECK(r.suggestions[0] == "connection pool");
  CHECK(r.corrected_query == "connection pool");
  CHECK(r.auto_retried);
  CHECK(Ids(r).count("db-failover"));
  std::string json = cb::search::ToValue(r).ToJson();
  CHECK(json.find("\"suggestions\":[\"connection pool\"") != std::string::npos);
  // A word typed twice is corrected alike.
  CHECK(Run("conection pol conection").suggestions.at(0) == "connection pool connection");
  // Known words are never corrected, joined forms included.
  CHECK(Run("failover").suggestions.empty());
  CHECK(Run("fail over").suggestions.empty());
  CHECK(Run("thirdparty").suggestions.empty());
}

TEST_CASE("search: synonyms from site.toml", "[search]") {
  // No document says "db" or "k8s".
  CHECK(Ids(Run("db")) == Set{"db-failover", "disk-full", "db-migration-lock"});
  CHECK(Ids(Run("k8s")) == Set{"kube-dns"});
  auto loose = Run("k8s redis");  // no postmortem has both: relaxed, see below
  CHECK(loose.relaxed);
  CHECK(Ids(loose) == Set{"kube-dns", "cache-stampede"});
}

TEST_CASE("search: built-in operations synonyms", "[search]") {
  // kube-dns says "outage", never "downtime" or "unavailable".
  CHECK(Ids(Run("downtime")) == Set{"kube-dns"});
  CHECK(Ids(Run("unavailable")) == Set{"kube-dns"});
  CHECK(Ids(Run("outages")).count("kube-dns"));
  // A built-in group leaves out a word configured with an empty list.
  auto merged = cb::search::MergeSynonyms({{"downtime", {}}, {"db", {"mysql"}}});
  CHECK(merged.count("downtime") == 0);
  for (const auto& v : merged["outage"]) CHECK(v != "downtime");
  CHECK(std::count(merged["db"].begin(), merged["db"].end(), "database") == 1);
  CHECK(std::count(merged["db"].begin(), merged["db"].end(), "mysql") == 1);
  // "503" finds the broader "5xx", not its siblings.
  CHECK(std::count(merged["5xx"].begin(), merged["5xx"].end(), "503") == 1);
  CHECK(merged.count("503") == 0);
}

TEST_CASE("search: too few with every word ranks those with most of them", "[search]") {
  // No postmortem has both words: each one with either, saying which it lacks.
  auto r = Run("redis coredns");
  REQUIRE(r.ok);
  CHECK(r.relaxed);
  CHECK(r.words == std::vector<std::string>{"redis", "coredns"});
  CHECK(Ids(r) == Set{"cache-stampede", "kube-dns"});
  for (const auto& h : r.hits) {
    REQUIRE(h.missing_words.size() == 1);
    CHECK(cb::search::MissingWordsNote(r, h) ==
          "matching 1 of 2 words \xE2\x80\x94 missing: " + h.missing_words[0]);
  }
  // Most words first: db-failover has replication, lag and failover, not "breach".
  auto most = Run("replication lag failover breach");
  CHECK(most.relaxed);
  REQUIRE(!most.hits.empty());
  CHECK(most.hits[0].id == "db-failover");
  CHECK(most.hits[0].missing_words == std::vector<std::string>{"breach"});
  for (size_t i = 1; i < most.hits.size(); ++i)
    CHECK(most.hits[i].missing_words.size() >= most.hits[i - 1].missing_words.size());
  // Enough with every word: strict, as before.
  auto strict = Run("postgres");
  CHECK_FALSE(strict.relaxed);
  for (const auto& h : strict.hits) CHECK(h.missing_words.empty());
  // Explicit syntax keeps its meaning: operators, phrases, +word, filters.
  CHECK(Ids(Run("\"thundering herd\" coredns")) == Set{"cache-stampede"});
  CHECK(Ids(Run("+redis +coredns")).empty());
  CHECK(Ids(Run("(redis coredns)")).empty());
  CHECK(Ids(Run("tag:kubernetes redis coredns")) == Set{"kube-dns"});
  CHECK(Ids(Run("redis coredns -tag:dns")) == Set{"cache-stampede"});
  // JSON says so too.
  std::string json = cb::search::ToValue(r).ToJson();
  CHECK(json.find("\"relaxed\":true") != std::string::npos);
  CHECK(json.find("\"missing_words\":[") != std::string::npos);
}

TEST_CASE("search: joined, split and hyphenated forms find each other", "[search]") {
  // db-failover says "failover", never "fail over".
  CHECK(Ids(Run("fail over")).count("db-failover"));
  CHECK_FALSE(Run("fail over").relaxed);
  // payment-timeouts is tagged "third-party": found as "thirdparty" too.
  CHECK(Ids(Run("thirdparty")) == Ids(Run("third-party")));
  CHECK(Ids(Run("thirdparty")).count("payment-timeouts"));
  // A known word is left alone when its halves never occur side by side.
  CHECK(Ids(Run("checkout")) == Ids(Run("+checkout")));
}

TEST_CASE("search: query cost is capped and the response says so", "[search]") {
  std::string many;
  for (int i = 0; i < 340; ++i) many += "a* ";
  auto wild = Run(many);
  CHECK(wild.ok);
  CHECK(wild.message.find("at least 2 letters") != std::string::npos);
  auto repeated = Run("data* repl* fail* thund* certif* kube*");
  CHECK(repeated.ok);
  CHECK(repeated.message.find("Only the first 4 wildcards") != std::string::npos);
  std::string deep = "redis";
  for (int i = 0; i < 50; ++i) deep = "(" + deep + ")";
  auto nested = Run(deep);
  CHECK(nested.message.find("nested deeper than 8") != std::string::npos);
  CHECK(Ids(nested) == Set{"cache-stampede"});
  std::string words;
  for (int i = 0; i < 200; ++i) words += "w" + std::to_string(i) + " ";
  auto longq = Run(words + "redis");
  CHECK(longq.message.find("more than 64 words") != std::string::npos);
  CHECK(Run("redis* redis* redis*").message.empty());  // one wildcard, said once
}

TEST_CASE("search: snippets highlight matches", "[search]") {
  auto r = Run("thundering herd");
  REQUIRE(r.hits.size() == 1);
  const auto& h = r.hits[0];
  CHECK(h.snippet_html.find("<mark>thundering</mark>") != std::string::npos);
  CHECK(h.snippet_text.find("<mark>") == std::string::npos);
  REQUIRE(!h.highlights.empty());
  CHECK(h.snippet_text.substr(h.highlights[0].offset, h.highlights[0].length) == "thundering");
  // Stemmed matches are highlighted too; text is HTML-escaped.
  auto cert = Run("certificates");
  CHECK(cert.hits.at(0).snippet_html.find("<mark>certificate</mark>") != std::string::npos);
  auto typo = Run("misspelled");
  REQUIRE(typo.hits.size() == 1);
  CHECK(typo.hits[0].snippet_html.find("(&lt;enabled&gt; &amp; co)") != std::string::npos);
  CHECK(typo.hits[0].snippet_text.find("(<enabled> & co)") != std::string::npos);
}

TEST_CASE("search: facets count the whole match set", "[search]") {
  auto r = Run("tag:database OR tag:deploy", 1);
  CHECK(r.total == 5);
  CHECK(r.hits.size() == 1);
  auto facet = [&](const std::string& key) {
    for (const auto& f : r.facets)
      if (f.key == key) return f;
    FAIL("no facet " << key);
    return cb::search::Facet{};
  };
  auto tags = facet("tags");
  REQUIRE(!tags.values.empty());
  CHECK(tags.prefix == "tag");
  CHECK(tags.values[0].name == "database");  // by count
  CHECK(tags.values[0].count == 3);
  CHECK(tags.values[1].name == "deploy");
  CHECK(tags.values[1].count == 3);
  auto sev = facet("severity");
  REQUIRE(sev.values.size() == 4);
  CHECK(sev.values[0].name == "SEV1");  // site.toml order
  CHECK(sev.values[0].count == 1);
  CHECK(sev.values[1].name == "SEV2");
  CHECK(sev.values[1].count == 1);
  CHECK(sev.values[2].count == 2);  // SEV3
  auto services = facet("services");
  for (const auto& v : services.values)
    if (v.name == "Payments API") CHECK(v.slug == "payments-api");
}

TEST_CASE("search: facets are the same whether read per match or loaded", "[search]") {
  std::string error;
  auto s = cb::search::Searcher::Open(Shared().dir.path() + "/index", Shared().cfg, &error);
  REQUIRE(s);
  auto flat = [](const SearchResult& r) {
    std::vector<std::string> out;
    for (const auto& f : r.facets)
      for (const auto& v : f.values)
        out.push_back(f.key + ":" + v.name + "=" + std::to_string(v.count));
    return out;
  };
  SearchRequest r;
  r.query = "postgres OR tag:deploy";
  auto first = flat(s->Search(r));   // reads the values of the matches
  auto second = flat(s->Search(r));  // loads the whole table
  auto third = flat(s->Search(r));
  CHECK(!first.empty());
  CHECK(first == second);
  CHECK(first == third);
  r.query = "";
  auto all = s->Search(r);
  int64_t severities = 0;
  for (const auto& v : all.facets[0].values) severities += v.count;
  CHECK(severities == 8);
}

TEST_CASE("search: sorting, paging and limits", "[search]") {
  auto r = Run("", 100, cb::search::SortOrder::kDate);  // empty query: everything
  REQUIRE(r.total == 8);
  REQUIRE(r.hits.size() == 8);
  CHECK(r.hits.front().id == "payment-timeouts");
  CHECK(r.hits.back().id == "config-typo");
  for (size_t i = 1; i < r.hits.size(); ++i) CHECK(r.hits[i - 1].date >= r.hits[i].date);

  SearchRequest page;
  page.query = "tag:database";
  page.offset = 1;
  page.limit = 1;
  auto p = Shared().searcher->Search(page);
  CHECK(p.total == 3);
  CHECK(p.hits.size() == 1);
  page.limit = 100000;
  CHECK(Shared().searcher->Search(page).limit == cb::search::kMaxLimit);
  page.offset = -5;
  page.limit = -1;
  auto q = Shared().searcher->Search(page);
  CHECK(q.ok);
  CHECK(q.hits.empty());
  CHECK(q.total == 3);
}

TEST_CASE("search: bad queries never throw", "[search]") {
  auto quote = Run("\"thundering herd");
  CHECK(quote.ok);
  CHECK(Ids(quote).count("cache-stampede"));

  auto ops = Run("AND OR");
  CHECK(ops.ok);
  CHECK(!ops.message.empty());

  auto stray = Run("redis AND");
  CHECK(stray.ok);

  std::string huge;
  while (huge.size() < 100 * 1024) huge += "thundering herd ";
  auto big = Run(huge);
  CHECK(big.ok);
  CHECK(big.query.size() <= cb::search::kMaxQueryBytes);
  CHECK(big.message.find("4 KB") != std::string::npos);
  CHECK(Ids(big) == Set{"cache-stampede"});

  auto utf = Run("thundering \xff\xfe herd");
  CHECK(utf.ok);
  CHECK(utf.message.find("UTF-8") != std::string::npos);

  auto unknown = Run("foo:bar");
  CHECK(unknown.ok);
  CHECK(unknown.hits.empty());
  auto unknown_words = Run("nosuchprefix:thundering");
  CHECK(unknown_words.ok);

  auto date = Run("date:xyz");
  CHECK(date.ok);
  CHECK(date.total == 0);
  CHECK(date.message.find("date: takes YYYY") != std::string::npos);
  CHECK(Run("-date:xyz").ok);

  for (const char* q : {"(", ")", "\"", "*", "ttr:abc..", "date:xyz", "2023-13-01..2024-01-01",
                        "tag:", "id:", "NEAR", "a NEAR/x b", "~", "+-", "title:\"", "\x01\x02"}) {
    INFO(q);
    CHECK_NOTHROW(Run(q));
    CHECK(Run(q).ok);
  }
}

TEST_CASE("search: random query syntax never throws or hangs", "[search]") {
  const std::vector<std::string> pieces = {
      "\"",     "(",    ")",      "*",         "+",        "-",       ":",     "~",        "..",
      " ",      "AND",  "OR",     "NOT",       "XOR",      "NEAR",    "ADJ/2", "tag:",     "title:",
      "date:",  "ttr:", "2h",     "2023",      "database", "thunder", "k8s",   "\xc3\xa9", "\xff",
      "zwild:", "id:",  "owner:", "severity:", "/",        "\\",      "'"};
  uint32_t state = 12345;  // a fixed LCG: the same queries every run
  for (int n = 0; n < 1500; ++n) {
    std::string q;
    int len = 1 + static_cast<int>(state % 9);
    for (int k = 0; k < len; ++k) {
      state = state * 1664525u + 1013904223u;
      q += pieces[(state >> 8) % pieces.size()];
    }
    INFO(q);
    CHECK(Run(q, 3).ok);
  }
}

TEST_CASE("search: one Searcher per thread, many threads at once", "[search]") {
  const std::vector<std::string> queries = {
      "database", "tag:deploy", "kube*",   "databse", "\"thundering herd\"",
      "ttr:2h..", "k8s",        "-tag:dns"};
  std::vector<int64_t> expected;
  for (const auto& q : queries) expected.push_back(Run(q).total);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::string error;
      auto s = cb::search::Searcher::Open(Shared().dir.path() + "/index", Shared().cfg, &error);
      if (!s) {
        ++mismatches;
        return;
      }
      for (int round = 0; round < 20; ++round)
        for (size_t k = 0; k < queries.size(); ++k) {
          SearchRequest r;
          r.query = queries[k];
          if (s->Search(r).total != expected[k]) ++mismatches;
        }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}

TEST_CASE("search: JSON form of a result", "[search]") {
  auto v = cb::search::ToValue(Run("thundering herd"));
  std::string json = v.ToJson();
  CHECK(json.find("\"total\":1") != std::string::npos);
  CHECK(json.find("\"id\":\"cache-stampede\"") != std::string::npos);
  CHECK(json.find("snippet_html") != std::string::npos);
  CHECK(json.find("\"facets\"") != std::string::npos);
  CHECK(json.find("\"query\":\"tag:cache\"") != std::string::npos);
}

TEST_CASE("search: opening a missing index", "[search]") {
  cb::test::TempDir dir;
  std::string error;
  CHECK(cb::search::Searcher::Open(dir.path() + "/nope", cb::config::SiteConfig{}, &error) ==
        nullptr);
  CHECK(error.find("no search index at") != std::string::npos);
  CHECK_FALSE(cb::search::Searcher::IndexExists(dir.path()));
}
