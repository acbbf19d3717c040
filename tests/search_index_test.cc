// UpdateIndex: layout, incremental updates, atomicity, and ComputeSimilar.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "search/index_builder.h"
#include "search/searcher.h"
#include "search/similar.h"
#include "search_fixture.h"
#include "test_support.h"
#include "util/hash.h"

namespace cb = casebook;
namespace fs = std::filesystem;

namespace {

struct Archive {
  cb::test::TempDir dir;
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();
  std::vector<cb::test::PmSpec> specs = cb::test::FixtureSpecs();
  std::string index() const { return dir.path() + "/index"; }

  cb::search::IndexStats Update(bool expect_ok = true) {
    cb::model::SiteModel site = cb::test::MakeSite(specs, &cfg);
    cb::util::Diagnostics diags;
    cb::search::IndexStats stats;
    bool ok = cb::search::UpdateIndex(site, index(), &stats, &diags);
    CHECK(ok == expect_ok);
    CHECK(diags.HasErrors() == !expect_ok);
    return stats;
  }
  std::unique_ptr<cb::search::Searcher> Open() const {
    std::string error;
    auto s = cb::search::Searcher::Open(index(), cfg, &error);
    INFO(error);
    REQUIRE(s);
    return s;
  }
  int64_t Count(const std::string& q) const {
    cb::search::SearchRequest r;
    r.query = q;
    return Open()->Search(r).total;
  }
};

/// Every file under `root`: relative path -> modification time and bytes.
std::map<std::string, std::pair<fs::file_time_type, std::string>> Snapshot(
    const std::string& root) {
  std::map<std::string, std::pair<fs::file_time_type, std::string>> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[fs::relative(e.path(), root).string()] = {e.last_write_time(), ss.str()};
  }
  return out;
}

/// The key similar.cache holds: that of its last "#end <key> <sum>" line.
std::string CacheKey(const std::string& cache) {
  const size_t end = cache.rfind("#end ");
  if (end == std::string::npos) return "";
  const size_t space = cache.find(' ', end + 5);
  return cache.substr(end + 5, space - end - 5);
}

/// `block` (a similar.cache base or delta block up to its end line) ended
/// for `key` with the right sum.
std::string Block(const std::string& block, const std::string& key) {
  const std::string summed = block + "#end " + key + " ";
  return summed + cb::util::Fingerprint(summed) + "\n";
}

/// The sum a similar.cache file's last block ends with.
std::string LastSum(const std::string& cache) {
  const size_t end = cache.rfind(' ', cache.size() - 2);
  return cache.substr(end + 1, cache.size() - end - 2);
}

/// 320 postmortems with varied vocabulary (the parallel paths run).
std::vector<cb::test::PmSpec> ManySpecs() {
  const char* extra[] = {"quorum", "latency", "throttle", "rollback", "heap",   "lease",  "shard",
                         "vacuum", "webhook", "canary",   "failback", "jitter", "backlog"};
  auto base = cb::test::FixtureSpecs();
  std::vector<cb::test::PmSpec> out;
  for (int i = 0; i < 320; ++i) {
    cb::test::PmSpec s = base[i % base.size()];
    s.id = s.id + "-" + std::to_string(i);
    s.body +=
        std::string(" ") + extra[i % 13] + " " + extra[(i / 13) % 13] + " " + extra[(i * 7) % 13];
    s.related.clear();
    if (i % 5 == 0 && i > 0) s.related = {base[(i - 1) % base.size()].id + "-" + std::to_string(i - 1)};
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST_CASE("index: a first build adds every postmortem behind a stub", "[search][index]") {
  Archive a;
  auto stats = a.Update();
  CHECK(stats.added == 8);
  CHECK(stats.updated + stats.deleted + stats.unchanged == 0);
  CHECK(a.dir.Read("index/current") == "auto v1\n");
  CHECK(fs::is_directory(a.index() + "/v1"));
  auto s = a.Open();
  CHECK(s->DocCount() == 8);
  CHECK(s->version() == 1);
  auto doc = s->Find("cert-expiry");
  REQUIRE(doc);
  CHECK(doc->content_hash.size() == 16);
  CHECK(doc->data.find("\"title\":\"TLS certificate expired on the API gateway\"") !=
        std::string::npos);
  CHECK_FALSE(s->Find("nope"));
}

TEST_CASE("index: an unchanged archive leaves the index untouched", "[search][index]") {
  Archive a;
  a.Update();
  auto before = Snapshot(a.index());
  auto stats = a.Update();
  CHECK(stats.unchanged == 8);
  CHECK(stats.added + stats.updated + stats.deleted == 0);
  auto after = Snapshot(a.index());
  after.erase("lock");
  before.erase("lock");
  CHECK(before == after);
  CHECK(a.Open()->version() == 1);
}

TEST_CASE("index: changing one postmortem replaces only its document", "[search][index]") {
  Archive a;
  a.Update();
  std::map<std::string, cb::search::StoredDocument> before;
  {
    auto s = a.Open();
    for (const auto& spec : a.specs) before[spec.id] = *s->Find(spec.id);
  }
  a.specs[3].body += " A brand new zeppelin paragraph.";
  auto stats = a.Update();
  CHECK(stats.updated == 1);
  CHECK(stats.unchanged == 7);
  CHECK(stats.added + stats.deleted == 0);

  auto s = a.Open();
  CHECK(s->version() == 1);  // updated in place, in one transaction
  for (const auto& spec : a.specs) {
    auto now = s->Find(spec.id);
    REQUIRE(now);
    CHECK(now->docid == before[spec.id].docid);  // replaced in place
    if (spec.id == "cache-stampede") {
      CHECK(now->content_hash != before[spec.id].content_hash);
      CHECK(now->data != before[spec.id].data);
    } else {
      CHECK(now->content_hash == before[spec.id].content_hash);
      CHECK(now->data == before[spec.id].data);
    }
  }
  CHECK(a.Count("zeppelin") == 1);
  CHECK(a.dir.Read("index/current") == "auto v1\n");

  // Metadata that only shows in results (severity label) counts as a change.
  a.cfg.severities[2].label = "Moderate";
  stats = a.Update();
  CHECK(stats.updated == 2);  // the two SEV3 postmortems
  CHECK(a.Open()->Find("disk-full")->data.find("\"severity_label\":\"Moderate\"") !=
        std::string::npos);
}

TEST_CASE("index: when everything changed, a new version replaces the old", "[search][index]") {
  Archive a;
  a.Update();
  auto reader = a.Open();
  for (auto& spec : a.specs) spec.summary += " Rewritten.";
  auto stats = a.Update();
  CHECK(stats.updated == 8);
  CHECK(stats.unchanged == 0);
  CHECK(a.dir.Read("index/current") == "auto v2\n");
  CHECK(a.Open()->version() == 2);
  CHECK(a.Count("rewritten") == 8);
  // The previous version stays for readers that still have it open...
  CHECK(fs::is_directory(a.index() + "/v1"));
  cb::search::SearchRequest r;
  r.query = "rewritten";
  CHECK(reader->Search(r).total == 0);
  CHECK(reader->ReopenIfChanged());
  CHECK(reader->version() == 2);
  CHECK(reader->Search(r).total == 8);
  // ...until the next update.
  a.specs[0].summary += " Again.";
  a.Update();
  CHECK_FALSE(fs::exists(a.index() + "/v1"));
  CHECK(fs::is_directory(a.index() + "/v2"));
}

TEST_CASE("index: deleted postmortems disappear, new ones appear", "[search][index]") {
  Archive a;
  a.Update();
  CHECK(a.Count("zeppelin") == 0);
  a.specs.erase(a.specs.begin() + 2);  // cert-expiry
  cb::test::PmSpec extra = a.specs[0];
  extra.id = "zeppelin";
  extra.title = "Zeppelin crash";
  a.specs.push_back(extra);
  auto stats = a.Update();
  CHECK(stats.deleted == 1);
  CHECK(stats.added == 1);
  CHECK(stats.unchanged == 7);
  auto s = a.Open();
  CHECK(s->DocCount() == 8);
  CHECK_FALSE(s->Find("cert-expiry"));
  CHECK(a.Count("letsencrypt") == 0);
  CHECK(a.Count("zeppelin") == 1);
  // Its words left the spelling data: no suggestion points at them.
  cb::search::SearchRequest r;
  r.query = "letsencrypr";
  CHECK(s->Search(r).corrected_query.empty());
}

TEST_CASE("index: a failed update leaves the published index usable", "[search][index]") {
  Archive a;
  a.Update();
  a.specs[0].title = "Changed title with zeppelin";
  a.specs.push_back(a.specs[1]);
  a.specs.back().id = "new-one";
  ::setenv("CASEBOOK_TEST_FAIL_INDEX_AFTER", "1", 1);
  auto stats = a.Update(/*expect_ok=*/false);
  ::unsetenv("CASEBOOK_TEST_FAIL_INDEX_AFTER");
  CHECK(stats.added + stats.updated == 0);
  CHECK(a.dir.Read("index/current") == "auto v1\n");
  CHECK_FALSE(fs::exists(a.index() + "/v2"));
  auto s = a.Open();
  CHECK(s->DocCount() == 8);
  CHECK(a.Count("zeppelin") == 0);

  // A crashed build may leave a half-written version behind: ignored, then
  // cleaned up by the next update, which succeeds.
  fs::create_directories(a.index() + "/v7");
  a.dir.Write("index/v7/postlist.glass", "garbage");
  CHECK(a.Open()->DocCount() == 8);
  stats = a.Update();
  CHECK(stats.updated == 1);
  CHECK(stats.added == 1);
  CHECK_FALSE(fs::exists(a.index() + "/v7"));
  CHECK(a.Count("zeppelin") == 1);
  // The old reader still works on its version.
  cb::search::SearchRequest r;
  r.query = "zeppelin";
  CHECK(s->Search(r).total == 0);
  CHECK(s->ReopenIfChanged());
  CHECK(s->Search(r).total == 1);
}

TEST_CASE("index: a broken stub or database is rebuilt from scratch", "[search][index]") {
  Archive a;
  a.Update();
  a.dir.Write("index/current", "auto v42\n");  // names nothing
  CHECK_FALSE(cb::search::Searcher::IndexExists(a.index()));
  auto stats = a.Update();
  CHECK(stats.added == 8);
  CHECK(a.Open()->DocCount() == 8);
}

TEST_CASE("index: changing synonyms updates the index without touching documents",
          "[search][index]") {
  Archive a;
  a.Update();
  CHECK(a.Count("elephantdb") == 0);
  a.cfg.search.synonyms["elephantdb"] = {"postgres"};
  auto stats = a.Update();
  CHECK(stats.unchanged == 8);
  CHECK(a.Count("elephantdb") == 3);
  CHECK(a.Count("postgres") == 3);
}

TEST_CASE("similar: relevant, deterministic, never self or related", "[search][similar]") {
  Archive a;
  a.Update();
  auto site = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &site);

  auto similar_ids = [&](const cb::model::SiteModel& m, const std::string& id) {
    std::vector<std::string> ids;
    for (const auto& s : m.postmortems[m.by_id.at(id)].similar)
      ids.push_back(m.postmortems[s.index].doc.id);
    return ids;
  };
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    const auto& pm = site.postmortems[i];
    CHECK(pm.similar.size() <= 5);
    for (const auto& s : pm.similar) {
      CHECK(s.index != static_cast<int>(i));
      CHECK(std::find(pm.related.begin(), pm.related.end(), s.index) == pm.related.end());
      CHECK(s.shared_terms.size() <= 3);  // only distinctive words: may be none
      for (const auto& w : s.shared_terms) CHECK(w.size() >= 5);
    }
  }
  auto disk = similar_ids(site, "disk-full");
  REQUIRE(!disk.empty());
  CHECK((disk[0] == "db-failover" || disk[0] == "db-migration-lock"));
  auto lock = similar_ids(site, "db-migration-lock");
  CHECK(std::find(lock.begin(), lock.end(), "db-failover") == lock.end());  // related
  CHECK(std::find(lock.begin(), lock.end(), "disk-full") != lock.end());

  // Same answer again, and from an index built in another order.
  auto again = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &again);
  Archive b;
  std::reverse(b.specs.begin(), b.specs.end());
  b.Update();
  for (const auto& spec : a.specs) {
    INFO(spec.id);
    CHECK(similar_ids(again, spec.id) == similar_ids(site, spec.id));
    auto reversed = cb::test::MakeSite(b.specs, &b.cfg);
    cb::search::ComputeSimilar(b.index(), &reversed);
    CHECK(similar_ids(reversed, spec.id) == similar_ids(site, spec.id));
  }

  // No index: nothing similar, no crash.
  auto none = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.dir.path() + "/missing", &none);
  for (const auto& pm : none.postmortems) CHECK(pm.similar.empty());
}

TEST_CASE("similar: results are cached while the index and the model stay the same",
          "[search][similar]") {
  Archive a;
  a.Update();
  auto site = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &site);
  REQUIRE(a.dir.Exists("index/similar.cache"));
  std::string cache = a.dir.Read("index/similar.cache");
  // Prove it is read: hand-edit it (config-typo "similar to" cert-expiry),
  // with the checksum that ends the file made to match.
  const std::string key = CacheKey(cache);
  const std::string edited = "casebook-similar 6\nconfig-typo\tcert-expiry made,up\n";
  // Without the checksum (or with the old one), the edit is not used.
  a.dir.Write("index/similar.cache", edited + cache.substr(cache.rfind("#end ")));
  auto unsummed = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &unsummed);
  for (const auto& s : unsummed.postmortems[unsummed.by_id.at("config-typo")].similar)
    CHECK(s.shared_terms != std::vector<std::string>{"made", "up"});
  a.dir.Write("index/similar.cache", Block(edited, key));
  auto again = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &again);
  const auto& typo = again.postmortems[again.by_id.at("config-typo")];
  REQUIRE(typo.similar.size() == 1);
  CHECK(again.postmortems[typo.similar[0].index].doc.id == "cert-expiry");
  CHECK(typo.similar[0].shared_terms == std::vector<std::string>{"made", "up"});
  CHECK(again.postmortems[again.by_id.at("disk-full")].similar.empty());
  // Another `related` list, or a changed index: computed afresh.
  a.specs[0].related = {"kube-dns"};
  auto related = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &related);
  const auto& fresh = related.postmortems[related.by_id.at("config-typo")].similar;
  bool fake = fresh.size() == 1 && fresh[0].shared_terms == std::vector<std::string>{"made", "up"};
  CHECK_FALSE(fake);
  a.dir.Write("index/similar.cache", Block(edited, key));
  a.specs[0].related.clear();
  a.specs[3].body += " more words";
  a.Update();
  auto changed = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &changed);
  CHECK(!changed.postmortems[changed.by_id.at("disk-full")].similar.empty());
  // A garbled cache is ignored.
  a.dir.Write("index/similar.cache", "nonsense");
  auto garbled = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &garbled);
  CHECK(!garbled.postmortems[garbled.by_id.at("disk-full")].similar.empty());
}

TEST_CASE("similar: the fast expansion gives Xapian's get_eset terms", "[search][similar]") {
  Archive a;
  a.Update();
  for (const auto& spec : a.specs) {
    INFO(spec.id);
    auto fast = cb::search::ExpansionTerms(a.index(), spec.id, /*with_enquire=*/false);
    auto xapian = cb::search::ExpansionTerms(a.index(), spec.id, /*with_enquire=*/true);
    CHECK(!fast.empty());
    // Same terms; the order may differ only among equal weights.
    auto sorted_fast = fast, sorted_xapian = xapian;
    std::sort(sorted_fast.begin(), sorted_fast.end());
    std::sort(sorted_xapian.begin(), sorted_xapian.end());
    CHECK(sorted_fast == sorted_xapian);
  }
  CHECK(cb::search::ExpansionTerms(a.index(), "nope", false).empty());
}

TEST_CASE("index: large archives (threaded paths) stay deterministic", "[search][index][similar]") {
  // 320 postmortems: the fixture's eight, cloned with varied vocabulary, so
  // the document pipeline and the parallel expansion both run.
  Archive a;
  a.specs = ManySpecs();
  for (auto& s : a.specs) s.related.clear();
  auto stats = a.Update();
  CHECK(stats.added == 320);
  for (int i = 0; i < 320; i += 16) {  // the fast expansion = Xapian's get_eset
    auto fast = cb::search::ExpansionTerms(a.index(), a.specs[i].id, false);
    auto xapian = cb::search::ExpansionTerms(a.index(), a.specs[i].id, true);
    CHECK(fast.size() == 20);
    CHECK(fast == xapian);
  }
  CHECK(a.Open()->DocCount() == 320);
  CHECK(a.Count("quorum") > 0);

  auto ids_of = [](const cb::model::SiteModel& m) {
    std::vector<std::vector<std::string>> out;
    for (const auto& pm : m.postmortems) {
      std::vector<std::string> ids;
      for (const auto& s : pm.similar) ids.push_back(m.postmortems[s.index].doc.id);
      out.push_back(ids);
    }
    return out;
  };
  auto one = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &one);
  auto two = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &two);
  CHECK(ids_of(one) == ids_of(two));
  size_t with_similar = 0;
  for (const auto& pm : one.postmortems) with_similar += !pm.similar.empty();
  CHECK(with_similar > 300);

  // An index built in another order gives the same answers.
  Archive b;
  b.specs = a.specs;
  std::reverse(b.specs.begin(), b.specs.end());
  b.Update();
  auto three = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(b.index(), &three);
  CHECK(ids_of(three) == ids_of(one));

  // A failure while the pipeline runs stops it cleanly.
  for (auto& s : a.specs) s.summary += " changed";
  ::setenv("CASEBOOK_TEST_FAIL_INDEX_AFTER", "100", 1);
  stats = a.Update(/*expect_ok=*/false);
  ::unsetenv("CASEBOOK_TEST_FAIL_INDEX_AFTER");
  CHECK(a.Open()->version() == 1);
  CHECK(a.Count("changed") == 0);
  stats = a.Update();
  CHECK(stats.updated == 320);
  CHECK(a.Count("changed") == 320);
}

namespace {

using cb::test::SimilarOf;

/// Runs IndexUpdate on `a` and returns the model it filled.
cb::model::SiteModel StartFinish(Archive& a, cb::search::IndexStats* stats = nullptr,
                                 bool expect_ok = true, int jobs = 2) {
  cb::model::SiteModel site = cb::test::MakeSite(a.specs, &a.cfg);
  cb::util::Diagnostics diags;
  auto update = cb::search::IndexUpdate::Start(&site, a.index(), jobs, &diags);
  REQUIRE(update);
  cb::search::IndexStats local;
  CHECK(update->Finish(stats ? stats : &local, &diags) == expect_ok);
  CHECK(diags.HasErrors() == !expect_ok);
  return site;
}

/// The similar incidents a clean build (no index yet) of `a`'s postmortems
/// gives: what every incremental build must equal.
auto CleanSimilar(const Archive& a, int jobs = 2) {
  Archive clean;
  clean.specs = a.specs;
  return SimilarOf(StartFinish(clean, nullptr, true, jobs));
}

}  // namespace

TEST_CASE("index update: Start fills similar incidents, Finish writes the index",
          "[search][index][similar]") {
  for (bool many : {false, true}) {
    INFO("many: " << many);
    Archive a;
    if (many) a.specs = ManySpecs();
    cb::search::IndexStats stats;
    auto site = StartFinish(a, &stats);
    CHECK(stats.added == static_cast<int>(a.specs.size()));
    CHECK(a.Open()->DocCount() == a.specs.size());
    CHECK(a.dir.Exists("index/terms.cache"));
    CHECK(a.dir.Exists("index/similar.cache"));
    // The same as computing them from the written index (cache out of the way).
    fs::remove(a.index() + "/similar.cache");
    auto from_index = cb::test::MakeSite(a.specs, &a.cfg);
    cb::search::ComputeSimilar(a.index(), &from_index);
    CHECK(SimilarOf(site) == SimilarOf(from_index));
    size_t with_similar = 0;
    for (const auto& pm : site.postmortems) with_similar += !pm.similar.empty();
    CHECK(with_similar > a.specs.size() / 2);
    // Nothing changed: nothing written, the same results.
    auto before = Snapshot(a.index());
    auto again = StartFinish(a, &stats);
    CHECK(stats.unchanged == static_cast<int>(a.specs.size()));
    CHECK(stats.added + stats.updated + stats.deleted == 0);
    CHECK(SimilarOf(again) == SimilarOf(site));
    auto after = Snapshot(a.index());
    before.erase("lock");
    after.erase("lock");
    CHECK(before == after);
  }
}

TEST_CASE("index update: a first build's shards written by Start equal the writer's own",
          "[search][index][similar]") {
  // Without an index, Start makes each document once and writes the shards
  // (shards of 50 here, else one per thread); with one thread, one shard,
  // it leaves everything to the writer.
  Archive sharded, per_thread, single;
  sharded.specs = per_thread.specs = single.specs = ManySpecs();
  ::setenv("CASEBOOK_TEST_SHARD_DOCS", "50", 1);
  auto a = StartFinish(sharded);
  ::unsetenv("CASEBOOK_TEST_SHARD_DOCS");
  auto b = StartFinish(single, nullptr, true, /*jobs=*/1);
  CHECK(SimilarOf(StartFinish(per_thread)) == SimilarOf(b));
  CHECK(per_thread.Count("\"replication lag\"") == single.Count("\"replication lag\""));
  CHECK(SimilarOf(a) == SimilarOf(b));
  CHECK(sharded.Open()->DocCount() == single.Open()->DocCount());
  for (const char* q : {"replica", "\"replication lag\"", "quorum latency", "tag:database", "jitter OR canary"})
    CHECK(sharded.Count(q) == single.Count(q));
  CHECK_FALSE(fs::exists(sharded.index() + "/build.tmp"));
}

TEST_CASE("index update: a failure while shards are written on threads keeps the old version",
          "[search][index]") {
  Archive a;
  a.specs = ManySpecs();
  ::setenv("CASEBOOK_TEST_SHARD_DOCS", "50", 1);  // 7 shards, on 2 threads
  StartFinish(a);
  REQUIRE(a.Open()->DocCount() == a.specs.size());
  const std::string current = a.dir.Read("index/current");
  // Every document changes, so a new version is built; one shard fails.
  for (auto& s : a.specs) s.summary += " Rewritten with zeppelin.";
  ::setenv("CASEBOOK_TEST_FAIL_INDEX_AFTER", "120", 1);
  StartFinish(a, nullptr, /*expect_ok=*/false);
  ::unsetenv("CASEBOOK_TEST_FAIL_INDEX_AFTER");
  CHECK(a.dir.Read("index/current") == current);
  CHECK(a.Count("zeppelin") == 0);
  CHECK_FALSE(fs::exists(a.index() + "/build.tmp"));
  cb::search::IndexStats stats;
  StartFinish(a, &stats);
  ::unsetenv("CASEBOOK_TEST_SHARD_DOCS");
  CHECK(stats.updated == static_cast<int>(a.specs.size()));
  CHECK(a.Count("zeppelin") == static_cast<int>(a.specs.size()));
  CHECK(a.Count("\"rewritten with zeppelin\"") == static_cast<int>(a.specs.size()));
}

TEST_CASE("index update: incremental results equal a clean build's", "[search][index][similar]") {
  for (bool many : {false, true}) {
    INFO("many: " << many);
    Archive a;
    if (many) a.specs = ManySpecs();
    // New versions in shards of 50 documents, compacted.
    ::setenv("CASEBOOK_TEST_SHARD_DOCS", "50", 1);
    StartFinish(a);
    ::unsetenv("CASEBOOK_TEST_SHARD_DOCS");
    CHECK(a.Open()->DocCount() == a.specs.size());
    CHECK(a.Count("replica") > 0);
    CHECK(a.Count("\"replication lag\"") > 0);  // positions survive compaction
    CHECK_FALSE(fs::exists(a.index() + "/build.tmp"));
    // Edit one, delete one, add one, change a `related` list.
    a.specs[3].body += " A brand new zeppelin paragraph about quorum and latency.";
    a.specs.erase(a.specs.begin() + 1);
    cb::test::PmSpec extra = a.specs[0];
    extra.id = "zeppelin";
    extra.title = "Zeppelin replica crash";
    a.specs.push_back(extra);
    a.specs[2].related = {a.specs[4].id};
    const std::string term_cache = a.dir.Read("index/terms.cache");
    cb::search::IndexStats stats;
    auto incremental = StartFinish(a, &stats);
    CHECK(stats.updated == 1);
    CHECK(stats.added == 1);
    CHECK(stats.deleted == 1);
    CHECK(a.Count("zeppelin") == 2);
    // A few vectors missing from the term cache: it is left as it was.
    CHECK(a.dir.Read("index/terms.cache") == term_cache);

    CHECK(SimilarOf(incremental) == CleanSimilar(a));
    // Edited again on top of that (the vectors made again, the stale ones
    // not used): still a clean build's results.
    a.specs[3].body += " And the zeppelin's quorum again.";
    a.specs[5].body += " Latency budget for the replica.";
    auto again = StartFinish(a, &stats);
    CHECK(stats.updated == 2);
    CHECK(SimilarOf(again) == CleanSimilar(a));
    // Many changes at once (the term vectors are made in parallel).
    for (size_t i = 0; i < a.specs.size(); i += 2) a.specs[i].summary += " Rewritten with jitter.";
    auto many_changed = StartFinish(a, &stats);
    CHECK(SimilarOf(many_changed) == CleanSimilar(a));
    // One thread or several: the same.
    CHECK(CleanSimilar(a, /*jobs=*/1) == SimilarOf(many_changed));
    // A damaged term cache is not used; the results stay the same.
    const std::string good = a.dir.Read("index/terms.cache");
    for (const std::string& damaged :
         {std::string("casebook-terms 1\ngarbage"), std::string(), good.substr(0, good.size() / 2),
          good.substr(0, good.size() - 1)}) {
      a.dir.Write("index/terms.cache", damaged);
      fs::remove(a.index() + "/similar.cache");
      CHECK(SimilarOf(StartFinish(a)) == SimilarOf(many_changed));
    }
  }
}

TEST_CASE("index update: a damaged or stale similar.state is not used",
          "[search][index][similar]") {
  Archive a;
  a.specs = ManySpecs();
  StartFinish(a);
  REQUIRE(a.dir.Exists("index/similar.state"));
  const std::string good = a.dir.Read("index/similar.state");
  // Another archive's state: the same ids, other content.
  Archive other;
  other.specs = ManySpecs();
  for (auto& s : other.specs) s.body += " Something else about the zeppelin quorum.";
  StartFinish(other);
  const std::string foreign = other.dir.Read("index/similar.state");
  REQUIRE(foreign != good);
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x20;
  std::string bad_sum = good;
  bad_sum.back() ^= 0x01;
  const std::vector<std::pair<const char*, std::string>> states = {
      {"a flipped byte", flipped},
      {"a wrong checksum", bad_sum},
      {"truncated", good.substr(0, good.size() * 2 / 3)},
      {"empty", ""},
      {"the previous format", "casebook-similar-state 3\n" + good.substr(good.find('\n') + 1)},
      {"another archive's", foreign}};
  for (const auto& [what, state] : states) {
    INFO(what);
    a.specs[3].body += " A zeppelin paragraph about quorum.";
    const auto want = CleanSimilar(a);
    a.dir.Write("index/similar.state", state);
    CHECK(SimilarOf(StartFinish(a)) == want);
    // The build left a usable state again: the next edit gives a clean
    // build's results too.
    CHECK(a.dir.Read("index/similar.state") != state);
  }
}

TEST_CASE("index update: an edit appends its changed lines to similar.cache, read back as written",
          "[search][index][similar]") {
  Archive a;
  a.specs = ManySpecs();
  StartFinish(a);
  const std::string base = a.dir.Read("index/similar.cache");
  REQUIRE(base.find("#delta ") == std::string::npos);
  // An edit: a delta block after the base, which stays as it was.
  a.specs[3].body += " A zeppelin paragraph about quorum.";
  const auto edited = StartFinish(a);
  CHECK(SimilarOf(edited) == CleanSimilar(a));
  const std::string appended = a.dir.Read("index/similar.cache");
  REQUIRE(appended.size() > base.size());
  CHECK(appended.compare(0, base.size(), base) == 0);
  CHECK(appended.find("#delta " + LastSum(base) + "\n", base.size()) == base.size());
  CHECK(appended.size() - base.size() < base.size() / 8);
  // Base and delta read back give the build's results (no index needed).
  const std::string key = CacheKey(appended);
  fs::rename(a.index(), a.dir.path() + "/moved");
  fs::create_directories(a.index());
  a.dir.Write("index/similar.cache", appended);
  auto read = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &read);
  CHECK(SimilarOf(read) == SimilarOf(edited));
  // A later delta's line replaces the earlier one, and an id alone clears it.
  const std::string first = a.specs[0].id, second = a.specs[1].id;
  const std::string forged = "#delta " + LastSum(appended) + "\n" + first + "\t" + second +
                             " made,up\n" + second + "\n";
  a.dir.Write("index/similar.cache", appended + Block(forged, key));
  auto used = cb::test::MakeSite(a.specs, &a.cfg);
  cb::search::ComputeSimilar(a.index(), &used);
  const auto& one = used.postmortems[used.by_id.at(first)].similar;
  REQUIRE(one.size() == 1);
  CHECK(used.postmortems[one[0].index].doc.id == second);
  CHECK(one[0].shared_terms == std::vector<std::string>{"made", "up"});
  CHECK(used.postmortems[used.by_id.at(second)].similar.empty());
  // Not used (nothing from the file, an empty result here with no index):
  // a delta cut short (a build killed while appending), with a wrong sum,
  // following another block, for another key, or after a damaged base.
  std::string flipped = appended;
  flipped[base.size() / 2] ^= 0x01;
  const std::string wrong_sum = appended + Block(forged, key);
  const std::vector<std::pair<const char*, std::string>> damaged = {
      {"cut short", appended + forged},
      {"cut in its end line", (appended + Block(forged, key)).substr(0, appended.size() + forged.size() + 20)},
      {"a wrong sum", wrong_sum.substr(0, wrong_sum.size() - 3) + "00\n"},
      {"after another block", appended + Block("#delta " + LastSum(base) + forged.substr(forged.find('\n')), key)},
      {"another key", appended + Block(forged, std::string(key.size(), '0'))},
      {"a damaged base", flipped},
      {"the previous format", "casebook-similar " + key + "\n" + first + "\t" + second + " made,up\n"}};
  for (const auto& [what, text] : damaged) {
    INFO(what);
    a.dir.Write("index/similar.cache", text);
    auto site = cb::test::MakeSite(a.specs, &a.cfg);
    cb::search::ComputeSimilar(a.index(), &site);
    CHECK(site.postmortems[site.by_id.at(first)].similar.empty());
  }
  // With the index back: a build over a damaged cache gives a clean build's
  // results and writes the cache whole again.
  fs::remove_all(a.index());
  fs::rename(a.dir.path() + "/moved", a.index());
  for (const auto& [what, text] : damaged) {
    INFO(what);
    a.specs[5].body += " Another quorum line.";
    Archive fresh;
    fresh.specs = a.specs;
    const auto want = SimilarOf(StartFinish(fresh));
    a.dir.Write("index/similar.cache", text);
    CHECK(SimilarOf(StartFinish(a)) == want);
    // Another key's file is whole and sound: its lines are brought up to
    // date by a delta; the others are not usable and written whole.
    const std::string now = a.dir.Read("index/similar.cache");
    if (std::string(what) == "another key")
      CHECK(now.compare(0, text.size(), text) == 0);
    else
      CHECK(now == fresh.dir.Read("index/similar.cache"));
  }
  // Edits whose deltas pass an eighth of the base: written whole again,
  // as a clean build writes it.
  for (int round = 0; round < 40; ++round) {
    for (size_t k = 0; k < a.specs.size(); k += 7) a.specs[(k + round) % a.specs.size()].body += " jitter";
    StartFinish(a);
    const std::string now = a.dir.Read("index/similar.cache");
    if (now.find("#delta ") != std::string::npos) continue;
    Archive fresh;
    fresh.specs = a.specs;
    StartFinish(fresh);
    CHECK(now == fresh.dir.Read("index/similar.cache"));
    break;
  }
  CHECK(a.dir.Read("index/similar.cache").find("#delta ") == std::string::npos);
}

TEST_CASE("index update: a failed write leaves the previous index, Finish reports it",
          "[search][index]") {
  Archive a;
  StartFinish(a);
  a.specs[0].title = "Changed title with zeppelin";
  a.specs.push_back(a.specs[1]);
  a.specs.back().id = "new-one";
  ::setenv("CASEBOOK_TEST_FAIL_INDEX_AFTER", "1", 1);
  cb::search::IndexStats stats;
  auto site = StartFinish(a, &stats, /*expect_ok=*/false);
  ::unsetenv("CASEBOOK_TEST_FAIL_INDEX_AFTER");
  CHECK(stats.added + stats.updated == 0);
  // Similar incidents were filled anyway (the pages can still be rendered).
  CHECK(!site.postmortems[site.by_id.at("disk-full")].similar.empty());
  CHECK(a.dir.Read("index/current") == "auto v1\n");
  CHECK(a.Count("zeppelin") == 0);
  auto ok = StartFinish(a, &stats);
  CHECK(stats.updated == 1);
  CHECK(stats.added == 1);
  CHECK(a.Count("zeppelin") == 1);
  CHECK(SimilarOf(ok) == SimilarOf(site));
}

#include <xapian.h>

#include "search/index_metadata.h"
#include "search/index_plan.h"
#include "search/schema.h"
#include "search/synonyms.h"

namespace {

// The index fields of `specs`, as a build describes them.
struct Described {
  cb::model::SiteModel site;
  std::vector<cb::search::IndexFields> fields;
};
std::unique_ptr<Described> Describe(const std::vector<cb::test::PmSpec>& specs,
                                    const cb::config::SiteConfig* cfg) {
  auto d = std::make_unique<Described>();
  d->site = cb::test::MakeSite(specs, cfg);
  const auto keys = cb::search::IndexedTaxonomies(cfg);
  for (const auto& pm : d->site.postmortems)
    d->fields.push_back(cb::search::DescribeForIndex(pm, cfg, keys));
  return d;
}

std::string PlanText(const cb::search::Plan& p) {
  std::ostringstream out;
  for (size_t k : p.add) out << "add " << k << "\n";
  for (const auto& [k, did] : p.update) out << "update " << k << " " << did << "\n";
  for (auto did : p.remove) out << "remove " << did << "\n";
  out << "unchanged " << p.unchanged << " synonyms " << p.synonyms_changed << "\n";
  return out.str();
}

}  // namespace

TEST_CASE("index plan: planned from the previous build's documents, the same as from every hash",
          "[search][index]") {
  Archive a;
  a.Update();
  auto before = Describe(a.specs, &a.cfg);
  cb::search::PreviousContents previous;
  for (const auto& f : before->fields) {
    previous.ids.push_back(f.pm->doc.id);
    previous.hashes.push_back(f.hash);
  }
  // One edited, one deleted, one added.
  a.specs[3].body += " A brand new zeppelin paragraph.";
  a.specs.erase(a.specs.begin() + 1);
  cb::test::PmSpec extra = a.specs[0];
  extra.id = "zeppelin";
  a.specs.push_back(extra);
  auto after = Describe(a.specs, &a.cfg);
  const std::string synonyms =
      cb::search::SynonymsHash(cb::search::MergeSynonyms(a.cfg.search.synonyms));
  Xapian::Database db(cb::search::schema::VersionDir(a.index(), 1));
  auto from_previous = cb::search::PlanFromPrevious(db, after->fields, previous, synonyms);
  auto from_hashes = cb::search::MakePlan(db, after->fields, synonyms,
                                          cb::search::ContentsKey(after->fields, synonyms));
  REQUIRE(from_previous);
  REQUIRE(from_hashes);
  CHECK(PlanText(*from_previous) == PlanText(*from_hashes));
  CHECK(from_previous->update.size() == 1);
  CHECK(from_previous->add.size() == 1);
  CHECK(from_previous->remove.size() == 1);

  // A record that is not what the index holds proves nothing: no plan.
  auto wrong = previous;
  wrong.hashes[5] = "0123456789abcdef";
  CHECK_FALSE(cb::search::PlanFromPrevious(db, after->fields, wrong, synonyms));
  auto fewer = previous;
  fewer.ids.pop_back();
  fewer.hashes.pop_back();
  CHECK_FALSE(cb::search::PlanFromPrevious(db, after->fields, fewer, synonyms));
  // Other synonyms: the index's key is not theirs.
  CHECK_FALSE(cb::search::PlanFromPrevious(db, after->fields, previous, synonyms + "x"));
}

TEST_CASE("index update: WaitForCaches returns once the similar caches are on disk",
          "[search][index][similar]") {
  // A build renders pages only after this: by then the writer has written
  // the caches and freed the term vectors they were made from.
  for (bool many : {false, true}) {
    INFO("many: " << many);
    Archive a;
    if (many) a.specs = ManySpecs();
    cb::model::SiteModel site = cb::test::MakeSite(a.specs, &a.cfg);
    cb::util::Diagnostics diags;
    auto update = cb::search::IndexUpdate::Start(&site, a.index(), 2, &diags);
    REQUIRE(update);
    update->WaitForCaches();
    CHECK(a.dir.Exists("index/terms.cache"));
    CHECK(a.dir.Exists("index/similar.cache"));
    update->WaitForCaches();  // again: still returns
    cb::search::IndexStats stats;
    CHECK(update->Finish(&stats, &diags));
    CHECK(stats.added == static_cast<int>(a.specs.size()));
    update->WaitForCaches();  // after Finish too
  }
  // No writer (the index folder cannot be made): returns at once, and
  // Finish reports why.
  Archive a;
  a.dir.Write("index", "a file where the index folder goes");
  cb::model::SiteModel site = cb::test::MakeSite(a.specs, &a.cfg);
  cb::util::Diagnostics diags;
  auto update = cb::search::IndexUpdate::Start(&site, a.index(), 2, &diags);
  REQUIRE(update);
  update->WaitForCaches();
  cb::search::IndexStats stats;
  CHECK_FALSE(update->Finish(&stats, &diags));
  CHECK(diags.HasErrors());
}

TEST_CASE("index: a word is never stored as a synonym of its own stem", "[search][index]") {
  // The built-in group deploy/deployment/release/rollout: "deployment" stems
  // to "deploy", so a query for "deploy" must not get Zdeploy a second time
  // through its synonyms (it would count the word twice in the weights).
  Archive a;
  a.cfg.search.synonyms["replicas"] = {"replica", "standby"};
  a.Update();
  Xapian::Database db(cb::search::schema::VersionDir(a.index(), 1));
  Xapian::Stem stem("en");
  size_t keys = 0;
  for (auto k = db.synonym_keys_begin(); k != db.synonym_keys_end(); ++k) {
    const std::string key = *k;
    const std::string own = key.rfind('Z', 0) == 0 ? key : "Z" + stem(key);
    for (auto v = db.synonyms_begin(key); v != db.synonyms_end(key); ++v) CHECK(*v != own);
    ++keys;
  }
  CHECK(keys > 10);
  std::vector<std::string> deploy(db.synonyms_begin("deploy"), db.synonyms_end("deploy"));
  CHECK(std::count(deploy.begin(), deploy.end(), "Z" + stem("release")) == 1);  // the others stay
  CHECK(std::count(deploy.begin(), deploy.end(), "Zdeploy") == 0);
  std::vector<std::string> standby(db.synonyms_begin("replicas"), db.synonyms_end("replicas"));
  CHECK(std::count(standby.begin(), standby.end(), "Z" + stem("standby")) == 1);
}
