// The publisher on its own (site/publish.h): generation after generation,
// staging holds exactly the previous site; a publisher left to the
// process's end (Publisher::LeaveToExit) unlocks the output at once and
// cleans up after a failed publish as its destructor does; AllIntact sees
// a file edited by hand.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "site/manifest.h"
#include "site/publish.h"
#include "test_support.h"

namespace fs = std::filesystem;
using casebook::site::kOutputMarker;
using casebook::site::Publisher;
using casebook::site::PublishStats;
using casebook::test::Snapshot;
using casebook::test::TempDir;
using casebook::test::WriteFileAt;

namespace {

using Files = std::map<std::string, std::string>;

// Publishes `files` (path -> bytes) into `output` as one generation.
void Publish(const std::string& output, const std::string& cache, const Files& files) {
  std::string error;
  auto pub = Publisher::Open(output, cache, &error);
  REQUIRE(pub);
  for (const auto& [path, bytes] : files) REQUIRE(pub->Put(path, "", bytes, &error));
  PublishStats stats;
  REQUIRE(pub->Commit({}, "", &stats, &error));
}

// A folder's files but its marker.
Files Site(const std::string& folder) {
  Files files = Snapshot(folder);
  files.erase(kOutputMarker);
  return files;
}

// True when another open of the output's lock file can take the lock now.
bool Unlocked(const std::string& cache) {
  for (const auto& e : fs::directory_iterator(cache)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("publish-", 0) != 0) continue;
    const int fd = open(e.path().c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    const bool free = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return free;
  }
  FAIL("no lock file in " << cache);
  return false;
}

}  // namespace

TEST_CASE("publisher: staging holds exactly the previous generation, file for file") {
  TempDir dir, cache;
  const std::string output = dir.path() + "/public", staging = dir.path() + "/.public.staging";
  // Each generation drops some paths, keeps some, changes some and adds
  // some, on both sides of the paths staging and the output share (the
  // two are compared side by side in path order).
  const std::vector<Files> generations = {
      {{"a/index.html", "a1"}, {"b/index.html", "b1"}, {"c.txt", "c1"}, {"m/x", "x1"}},
      {{"a/index.html", "a1"}, {"c.txt", "c2"}, {"d/index.html", "d1"}, {"m/x", "x1"}},
      {{"a/index.html", "a1"}, {"aa", "aa1"}, {"d/index.html", "d2"}, {"z/z", "z1"}},
      {{"0", "zero"}, {"d/index.html", "d2"}, {"z/z", "z1"}},
      {{"0", "zero"}, {"b/index.html", "b5"}, {"d/index.html", "d2"}, {"z/z", "z5"}},
  };
  for (size_t g = 0; g < generations.size(); ++g) {
    INFO("generation " << g);
    Publish(output, cache.path(), generations[g]);
    CHECK(Site(output) == generations[g]);
    if (g > 0) CHECK(Site(staging) == generations[g - 1]);
  }
  // And nothing the site no longer has is left in staging's folders.
  CHECK_FALSE(fs::exists(staging + "/m"));
  CHECK_FALSE(fs::exists(staging + "/a"));
}

TEST_CASE("publisher: left to the process's end, it unlocks the output at once") {
  TempDir dir, cache;
  const std::string output = dir.path() + "/public";
  Publish(output, cache.path(), {{"index.html", "one"}});
  std::string error;

  SECTION("after a publish") {
    auto pub = Publisher::Open(output, cache.path(), &error);
    REQUIRE(pub);
    CHECK_FALSE(Unlocked(cache.path()));
    REQUIRE(pub->Put("index.html", "", "two", &error));
    PublishStats stats;
    REQUIRE(pub->Commit({}, "", &stats, &error));
    Publisher::LeaveToExit(std::move(pub));
    CHECK(Unlocked(cache.path()));
    CHECK(Site(output) == Files{{"index.html", "two"}});
    // The next build in the same process is not kept waiting.
    Publish(output, cache.path(), {{"index.html", "three"}});
    CHECK(Site(output) == Files{{"index.html", "three"}});
  }
  SECTION("after a failed publish: staging keeps nothing half-written") {
    auto pub = Publisher::Open(output, cache.path(), &error);
    REQUIRE(pub);
    REQUIRE(pub->Put("new.html", "", "written into staging", &error));
    Publisher::LeaveToExit(std::move(pub));  // no Commit: the build failed
    CHECK(Unlocked(cache.path()));
    CHECK(Site(output) == Files{{"index.html", "one"}});
    CHECK(Site(dir.path() + "/.public.staging").empty());
  }
}

TEST_CASE("publisher: AllIntact sees a published file edited or deleted by hand") {
  TempDir dir, cache;
  const std::string output = dir.path() + "/public";
  Publish(output, cache.path(), {{"a.html", "a"}, {"b/index.html", "b"}});
  std::string error;
  {
    auto pub = Publisher::Open(output, cache.path(), &error);
    REQUIRE(pub);
    CHECK(pub->AllIntact(/*as_opened=*/true));
    CHECK(pub->AllIntact());
  }
  SECTION("edited") {
    WriteFileAt(output + "/b/index.html", "by hand");
    auto pub = Publisher::Open(output, cache.path(), &error);
    REQUIRE(pub);
    CHECK_FALSE(pub->AllIntact(/*as_opened=*/true));
    CHECK_FALSE(pub->AllIntact());
  }
  SECTION("deleted after the publisher looked") {
    auto pub = Publisher::Open(output, cache.path(), &error);
    REQUIRE(pub);
    fs::remove(output + "/a.html");
    CHECK_FALSE(pub->AllIntact());  // looks again
  }
}
