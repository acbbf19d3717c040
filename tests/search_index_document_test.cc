// DocumentMaker's own parts, beside the end-to-end search tests: its
// memoized stemmer gives Xapian's stems for every word, before and after
// its table grows; a pair repeated in a document is one term whose wdf is
// the number of times it occurs.
#include <xapian.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "search/index_document.h"
#include "search/schema.h"

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
