// DocumentMaker's own parts, beside the end-to-end search tests: its
// memoized stemmer gives Xapian's stems for every word, before and after
// its table grows; a pair repeated in a document is one term whose wdf is
// the number of times it occurs.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "search/index_document.h"
#include "search/schema.h"
#include "util/datetime.h"

namespace cb = casebook;

TEST_CASE("index document: the memoized stemmer gives Xapian's stems, old and new words",
          "[search][index]") {
  cb::search::DocumentMaker maker;
  Xapian::Stem xapian("en");
  const std::vector<std::string> endings = {"", "s", "ing", "ed", "ies", "ation", "ness", "ly"};
  std::vector<std::string> words;
  // More distinct words than the memo's first table holds, so it grows
  // while earlier words are still looked up.
  for (char a = 'a'; a <= 'z'; ++a)
    for (char b = 'a'; b <= 'z'; ++b)
      for (const auto& e : endings) words.push_back(std::string("re") + a + b + "ord" + e);
  REQUIRE(words.size() > 4096);
  for (int round = 0; round < 2; ++round) {
    size_t wrong = 0;
    for (const auto& w : words)
      if (maker.Stem(w) != xapian(w)) ++wrong;
    CHECK(wrong == 0);
  }
  CHECK(maker.Stem("failing") == "fail");
  CHECK(maker.Stem("") == xapian(""));
}

TEST_CASE("index document: a repeated pair is one term, its wdf the number of times",
          "[search][index]") {
  cb::model::Postmortem pm;
  pm.doc.id = "pairs";
  pm.doc.title = "Database";
  pm.body.plain_text =
      "The primary failed over. Then it failed over again, and the replica failed over too.";
  cb::search::IndexFields f = cb::search::DescribeForIndex(pm, nullptr, {});
  cb::search::DocumentMaker maker;
  Xapian::Document doc = maker.Make(f);
  std::vector<std::pair<std::string, Xapian::termcount>> pairs;
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
    if ((*t).rfind(cb::search::schema::kPairPrefix, 0) == 0) pairs.emplace_back(*t, t.get_wdf());
  const std::string fail_over = cb::search::schema::PairTerm("fail", "over");
  REQUIRE_FALSE(fail_over.empty());
  bool found = false;
  for (const auto& [term, wdf] : pairs) {
    if (term == fail_over) {
      found = true;
      CHECK(wdf == 3);
    } else {
      CHECK(wdf >= 1);
    }
  }
  CHECK(found);
}

// The content hash (IndexFields::hash) decides which documents are made
// again. It hashes the document's digest without body (kept by the load
// cache), not its texts: it must still change with every field the index
// reads, and be read from the kept digest.
TEST_CASE("index document: the content hash changes with every indexed field, from the kept digest",
          "[search][index]") {
  auto base = [] {
    cb::model::Postmortem pm;
    pm.doc.id = "2024-01-02-db";
    pm.doc.relative_path = "2024/db.md";
    pm.url = "postmortems/2024-01-02-db/";
    pm.doc.title = "Database failover";
    pm.doc.summary = "The primary failed over.";
    pm.doc.status = "final";
    pm.doc.severity = "SEV2";
    pm.doc.tags = {"database"};
    pm.doc.services = {"checkout"};
    pm.doc.timeline.push_back({*cb::util::ParseDateTime("2024-01-02T10:00:00Z"), "Paged", 7});
    pm.doc.actions.push_back({"Add a replica", "ann", std::nullopt, "", "open", 9});
    pm.doc.extra["team"] = cb::util::Value(std::string("storage"));
    pm.body_hash = "body-1";
    return pm;
  };
  const std::vector<std::string> keys = {"tags", "services", "severity", "team"};
  // As LoadAll keeps it: worked out once from the fields.
  auto hash = [&](cb::model::Postmortem pm, const std::vector<std::string>& k) {
    pm.doc.digest_without_body = cb::content::ComputeDigestWithoutBody(pm.doc);
    return cb::search::DescribeForIndex(pm, nullptr, k).hash;
  };
  const std::string h0 = hash(base(), keys);
  CHECK(h0 == hash(base(), keys));
  using Edit = std::function<void(cb::model::Postmortem&)>;
  const std::vector<std::pair<std::string, Edit>> edits = {
      {"title", [](auto& pm) { pm.doc.title += "!"; }},
      {"summary", [](auto& pm) { pm.doc.summary += "!"; }},
      {"status", [](auto& pm) { pm.doc.status = "draft"; }},
      {"severity", [](auto& pm) { pm.doc.severity = "SEV1"; }},
      {"tags", [](auto& pm) { pm.doc.tags.push_back("cache"); }},
      {"services", [](auto& pm) { pm.doc.services = {"payments"}; }},
      {"timeline", [](auto& pm) { pm.doc.timeline[0].text = "Paged twice"; }},
      {"timeline from body", [](auto& pm) { pm.doc.timeline_from_body = true; }},
      {"action text", [](auto& pm) { pm.doc.actions[0].text = "Add two replicas"; }},
      {"action owner", [](auto& pm) { pm.doc.actions[0].owner = "bob"; }},
      {"action status", [](auto& pm) { pm.doc.actions[0].status = "done"; }},
      {"custom taxonomy", [](auto& pm) { pm.doc.extra["team"] = cb::util::Value(std::string("db")); }},
      {"body", [](auto& pm) { pm.body_hash = "body-2"; }},
      {"url", [](auto& pm) { pm.url = "postmortems/other/"; }},
      {"path", [](auto& pm) { pm.doc.relative_path = "2024/db2.md"; }},
      {"date", [](auto& pm) { pm.incident_date = cb::util::ParseDateTime("2024-01-02T10:00:00Z"); }},
      {"severity rank", [](auto& pm) { pm.severity_rank = 1; }},
      {"time to resolve", [](auto& pm) { pm.durations.resolve = 3600; }},
  };
  for (const auto& [name, edit] : edits) {
    INFO(name);
    cb::model::Postmortem pm = base();
    edit(pm);
    CHECK(hash(pm, keys) != h0);
  }
  // Which taxonomies are indexed (site.toml's) is part of it too.
  CHECK(hash(base(), {"tags", "services", "severity"}) != h0);
  // The kept digest is what is read: the texts are not hashed again.
  cb::model::Postmortem a = base(), b = base();
  a.doc.digest_without_body = "digest-a";
  b.doc.digest_without_body = "digest-b";
  CHECK(cb::search::DescribeForIndex(a, nullptr, keys).hash !=
        cb::search::DescribeForIndex(b, nullptr, keys).hash);
}
