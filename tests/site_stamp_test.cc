// The build stamp (site/build_stamp.h): a rebuild whose inputs are all as
// the last build saw them ends without loading the archive, says what that
// build said, and never hides a change, a damaged output or a missing index.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::Snapshot;
using casebook::test::TempDir;

namespace {

const std::string kBuild = "build --verbose --today 2024-06-01";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Files changed in the last two seconds are never stamped (their mtime may
// not show the next edit): the tests age the archive by an hour instead of
// waiting.
void Age(const std::string& root) {
  const auto past = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const char* part : {"site.toml", "content", "layouts", "static"}) {
    fs::path p = fs::path(root) / part;
    if (!fs::exists(p)) continue;
    if (fs::is_directory(p))
      for (const auto& e : fs::recursive_directory_iterator(p)) fs::last_write_time(e.path(), past);
    fs::last_write_time(p, past);
  }
}

// The findings a build printed (without the step timings and counts).
std::string Findings(const std::string& err) {
  std::istringstream in(err);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("  ", 0) == 0 || line.rfind("rendered ", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

// What a build's summary says but for how many files changed.
std::string Counts(const std::string& out) {
  std::string s = out;
  size_t files = s.find(" files, ");
  size_t changed = s.find(" changed)");
  if (files != std::string::npos && changed != std::string::npos && changed > files)
    s.erase(files, changed - files);
  return s;
}

// A clean build (--no-cache, fresh folder) of the same inputs.
std::map<std::string, std::string> CleanBuild(const TempDir& work) {
  TempDir clean;
  for (const char* part : {"site.toml", "content", "layouts", "static"}) {
    fs::path from = fs::path(work.path()) / part;
    if (fs::exists(from)) fs::copy(from, fs::path(clean.path()) / part, fs::copy_options::recursive);
  }
  REQUIRE(RunCasebook(kBuild + " --no-cache", clean.path()).exit_code == 0);
  return Snapshot(clean.path() + "/public");
}

}  // namespace

TEST_CASE("a rebuild with nothing changed is answered by the build stamp, with the same findings") {
  TempDir work;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", work.path(), fs::copy_options::recursive);
  // A broken link gives a warning, which every build must repeat.
  work.Write("content/2024/2024-05-02-warned.md",
             "+++\ntitle = \"Warned\"\ndate = 2024-05-02\nseverity = \"SEV3\"\n+++\n\n"
             "## Summary\n\nSee [[no-such-postmortem]].\n");
  Age(work.path());
  auto first = RunCasebook(kBuild, work.path());
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  REQUIRE(Contains(first.err, "links/broken"));
  CHECK(Contains(first.err, "load content"));
  const auto published = Snapshot(work.path() + "/public");

  auto again = RunCasebook(kBuild, work.path());
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK_FALSE(Contains(again.err, "load content"));  // answered by the stamp
  CHECK(Findings(again.err) == Findings(first.err));
  CHECK(Contains(again.out, " 0 changed)"));
  CHECK(Counts(again.out) == Counts(first.out));  // postmortems, drafts, files
  CHECK(Snapshot(work.path() + "/public") == published);

  SECTION("an edited postmortem is built again, and exactly") {
    const std::string path = "content/2023/2023-06-14-dns-outage.md";
    work.Write(path, work.Read(path) + "\nA paragraph added later.\n");
    Age(work.path());
    auto r = RunCasebook(kBuild, work.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(Contains(r.err, "load content"));
    CHECK(Contains(r.out, " 1 changed"));
    CHECK(Snapshot(work.path() + "/public") == CleanBuild(work));
  }
  SECTION("a published file edited or deleted by hand is written again") {
    work.Write("public/404.html", "tampered");
    fs::remove(work.path() + "/public/feed.xml");
    auto r = RunCasebook(kBuild, work.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(Contains(r.err, "load content"));
    CHECK(Snapshot(work.path() + "/public") == published);
  }
  SECTION("a deleted search index is written again") {
    fs::remove_all(work.path() + "/.casebook/index");
    auto r = RunCasebook(kBuild, work.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(Contains(r.err, "load content"));
    auto found = RunCasebook("search --json failover", work.path());
    CHECK(found.exit_code == 0);
    CHECK(Contains(found.out, "2023-11-02-primary-failover"));
  }
  SECTION("another today, or a template of the site's own, is a change") {
    auto r = RunCasebook("build --verbose --today 2031-01-01", work.path());
    REQUIRE(r.exit_code == 0);
    CHECK(Contains(r.err, "load content"));
    work.Write("layouts/404.mustache", "<h1>Nothing here</h1>\n");
    Age(work.path());
    r = RunCasebook(kBuild, work.path());
    REQUIRE(r.exit_code == 0);
    CHECK(Contains(r.err, "load content"));
    CHECK(Snapshot(work.path() + "/public") == CleanBuild(work));
  }
  SECTION("a file changed just now is never trusted to the stamp") {
    const std::string path = "content/2023/2023-06-14-dns-outage.md";
    work.Write(path, work.Read(path) + "\nFresh.\n");  // not aged
    REQUIRE(RunCasebook(kBuild, work.path()).exit_code == 0);
    auto r = RunCasebook(kBuild, work.path());
    REQUIRE(r.exit_code == 0);
    CHECK(Contains(r.err, "load content"));  // no stamp was written for it
  }
}
