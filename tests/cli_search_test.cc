// `casebook search` and `casebook brief` as a user runs them, on the fixture
// archive after a real build: output, exit codes, a missing index.
#include <catch2/catch.hpp>

#include <filesystem>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void BuildFixture(const TempDir& dir) {
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  auto r = RunCasebook("build --today 2024-06-01", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("cli search: hits exit 0, no hits exit 1, no index exit 2") {
  TempDir dir;
  BuildFixture(dir);

  auto r = RunCasebook("search 'connection pool'", dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "Checkout <API> returned 503s & timeouts"));  // plain text, not HTML
  CHECK(Contains(r.out, "2024/2024-03-12-checkout-pool.md"));
  CHECK_FALSE(Contains(r.out, "\x1b["));  // no colour when stdout is not a terminal

  r = RunCasebook("search --json 'service:postgres'", dir.path());
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "\"hits\""));
  CHECK(Contains(r.out, "2023-11-02-primary-failover"));
  CHECK_FALSE(Contains(r.out, "2023-06-14-dns-outage"));

  r = RunCasebook("search zzzqqqxxnothing", dir.path());
  CHECK(r.exit_code == 1);

  r = RunCasebook("search --limit nope x", dir.path());
  CHECK(r.exit_code == 2);

  TempDir empty;
  empty.Write("site.toml", "title = \"Empty\"\n");
  r = RunCasebook("search anything", empty.path());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "casebook build"));
}

TEST_CASE("cli search: too few with every word: most words first, and which are missing") {
  TempDir dir;
  BuildFixture(dir);
  // No postmortem says "breach"; the pool exhaustion one has the other two.
  auto r = RunCasebook("search connection pool breach", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "No postmortem has all 3 words; showing those with most of them."));
  CHECK(Contains(r.out, "matching 2 of 3 words \xE2\x80\x94 missing: breach"));
  CHECK(r.out.find("Checkout <API> returned 503s") < r.out.find("matching 2 of 3"));
  r = RunCasebook("search --json connection pool breach", dir.path());
  CHECK(Contains(r.out, "\"relaxed\": true"));
  CHECK(Contains(r.out, "\"missing_words\": ["));
  // One postmortem has every word: the note says so (not "no postmortem"),
  // and it comes first.
  r = RunCasebook("search connection pool failover", dir.path());
  CHECK(Contains(r.out, "Only 1 postmortem has all 3 words; showing it first, then those with most of the words."));
  CHECK(r.out.find("Checkout <API> returned 503s") < r.out.find("matching 1 of 3"));
  r = RunCasebook("search --json connection pool failover", dir.path());
  CHECK(Contains(r.out, "\"all_words_total\": 1"));
  // Explicit AND stays strict: nothing, exit 1.
  r = RunCasebook("search connection AND pool AND breach", dir.path());
  CHECK(r.exit_code == 1);
}

TEST_CASE("cli brief: past incidents for a service, and a clear word when there are none") {
  TempDir dir;
  BuildFixture(dir);
  auto r = RunCasebook("brief postgres", dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "Primary database failover took 12 minutes"));
  CHECK(Contains(r.out, "Checkout <API> returned 503s & timeouts"));

  r = RunCasebook("brief --markdown checkout-api", dir.path());
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "#"));

  r = RunCasebook("brief no-such-service", dir.path());
  CHECK(r.exit_code == 0);
  CHECK_FALSE(r.out.empty());
}
