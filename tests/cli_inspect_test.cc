// End to end: `casebook inspect` and `casebook convert` on the import
// fixtures (the built binary in a copy of tests/fixtures/import).
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

void CopyImport(const TempDir& dir) {
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "import", dir.path(), fs::copy_options::recursive);
}

}  // namespace

TEST_CASE("inspect: each field with its line, and what was not found", "[cli][import]") {
  TempDir dir;
  CopyImport(dir);
  auto r = RunCasebook("inspect content/2024-04-10-payments-latency.md", dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, "severity"));
  CHECK(Contains(r.out, "SEV2  (line 6, body)"));
  CHECK(Contains(r.out, "incident.started         2024-04-10 09:12 UTC  (line 10, body)"));
  CHECK(Contains(r.out, "Add a check on pool size against peak concurrency  [done, owner rosa, due 2024-04-24, ticket PAY-2210]  (line 24)"));
  CHECK(Contains(r.out, "not found: facilitator, contact, tags"));

  auto j = RunCasebook("inspect --json content/cdn-cert-expiry.md", dir.path());
  REQUIRE(j.exit_code == 0);
  CHECK(Contains(j.out, "\"incident.started\": {"));
  CHECK(Contains(j.out, "\"line\": 3"));
  CHECK(Contains(j.out, "\"from\": \"front matter\""));
  CHECK(Contains(j.out, "\"not_found\": ["));

  auto missing = RunCasebook("inspect content/nope.md", dir.path());
  CHECK(missing.exit_code == 1);
  CHECK(RunCasebook("inspect", dir.path()).exit_code == 2);
}

TEST_CASE("convert: a diff by default, --write keeps the body byte for byte", "[cli][import]") {
  TempDir dir;
  CopyImport(dir);
  const std::string before = dir.Read("content/storage-node-eviction.md");
  auto diff = RunCasebook("convert content/storage-node-eviction.md", dir.path());
  INFO(diff.out << diff.err);
  REQUIRE(diff.exit_code == 0);
  CHECK(Contains(diff.out, "+++ b/content/storage-node-eviction.md"));
  CHECK(Contains(diff.out, "+severity = \"SEV2\""));
  CHECK(Contains(diff.out, "+started = 2025-01-12T03:14:00+01:00"));
  CHECK(Contains(diff.err, "nothing written"));
  CHECK(dir.Read("content/storage-node-eviction.md") == before);  // nothing written

  auto w = RunCasebook("convert --write content/storage-node-eviction.md content/cdn-cert-expiry.md",
                       dir.path());
  INFO(w.out << w.err);
  REQUIRE(w.exit_code == 0);
  const std::string after = dir.Read("content/storage-node-eviction.md");
  REQUIRE(after.rfind("+++\n", 0) == 0);
  // The old body is all there, unchanged, after the new front matter.
  CHECK(after.size() > before.size());
  CHECK(after.compare(after.size() - before.size(), before.size(), before) == 0);
  // The foreign keys are all carried over.
  const std::string cdn = dir.Read("content/cdn-cert-expiry.md");
  CHECK(Contains(cdn, "company = \"Example <Corp> & Sons\""));
  CHECK(Contains(cdn, "original_report = \"https://status.example.com/incidents/cdn-cert-2022?a=1&b=2\""));
  CHECK(Contains(cdn, "tags = [\"tls\", \"cdn\"]"));
  CHECK(Contains(cdn, "\nThe renewal job had silently failed for two weeks.\n"));
  // A second convert leaves TOML files alone; the site builds the same facts.
  auto again = RunCasebook("convert --write content/storage-node-eviction.md", dir.path());
  CHECK(Contains(again.out, "already has TOML front matter"));
  auto b = RunCasebook("build", dir.path());
  CHECK(b.exit_code == 0);
  CHECK(Contains(dir.Read("public/postmortems/storage-node-eviction/index.html"), "2025-01-12T02:14:00Z"));
}
