// A failed build leaves nothing behind that breaks the next one: killed at
// every step of publishing, or stopped by a full disk, the published site
// stays old or new (byte for byte), and the next build equals a clean one.
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::CopySiteFixture;
using casebook::test::RunCasebook;
using casebook::test::Snapshot;
using casebook::test::TempDir;
using casebook::test::WriteFileAt;

namespace {

const std::string kBuild = "build --today 2024-06-01";


// The site `content` gives, built clean (--no-cache, nothing before it).
std::map<std::string, std::string> CleanBuild(const std::string& content,
                                              const std::string& extra_args = "") {
  TempDir clean;
  CopySiteFixture(clean.path());
  fs::remove_all(clean.path() + "/content");
  fs::copy(content, clean.path() + "/content", fs::copy_options::recursive);
  auto r = RunCasebook(kBuild + " --no-cache" + extra_args, clean.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return Snapshot(clean.path() + "/public");
}

// A tmpfs of `kb` KB mounted on a fresh folder (root only), unmounted when
// the object goes away.
class SmallDisk {
 public:
  explicit SmallDisk(int kb) {
    const std::string options = "size=" + std::to_string(kb) + "k";
    if (geteuid() != 0) {
      why_not_ = "not running as root";
    } else if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) != 0) {
      why_not_ = std::string("mount -t tmpfs failed: ") + std::strerror(errno);
    }
  }
  ~SmallDisk() {
    if (why_not_.empty()) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return why_not_.empty(); }
  /// Makes the file system read-only (every write then fails), or writable again.
  bool ReadOnly(bool read_only) {
    return ::mount("tmpfs", dir_.path().c_str(), "tmpfs",
                   MS_REMOUNT | (read_only ? MS_RDONLY : 0), nullptr) == 0;
  }
  const std::string& why_not() const { return why_not_; }
  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::string why_not_;
};

std::string Postmortem(int i, size_t body_bytes) {
  std::string body;
  while (body.size() < body_bytes) body += "The queue filled up again and again. ";
  return "+++\ntitle = \"Incident " + std::to_string(i) + "\"\ndate = 2024-02-" +
         std::to_string(10 + i % 18) + "\nseverity = \"SEV3\"\ntags = [\"t" + std::to_string(i) +
         "\"]\n+++\n\n## Summary\n\n" + body + "\n";
}

}  // namespace

TEST_CASE("a build killed at any step of publishing leaves the site old or new, the next one is clean") {
  TempDir dir;
  CopySiteFixture(dir.path());
  const std::string content = dir.path() + "/content";
  const std::string old_content = dir.path() + "/content.old";
  // The change: a page edited, one postmortem deleted, one added (files
  // written, linked and removed in staging).
  auto change = [&] {
    std::ofstream(content + "/2023/2023-06-14-dns-outage.md", std::ios::app) << "\nMore.\n";
    fs::remove(content + "/2023/2023-11-02-primary-failover.md");
    WriteFileAt(content + "/2024/2024-05-01-added.md",
          "+++\ntitle = \"Added\"\ndate = 2024-05-01\nseverity = \"SEV3\"\n+++\n\nBody.\n");
  };
  auto revert = [&] {
    fs::remove_all(content);
    fs::copy(old_content, content, fs::copy_options::recursive);
  };
  fs::copy(content, old_content, fs::copy_options::recursive);
  const auto old_site = CleanBuild(old_content);
  change();
  const auto new_site = CleanBuild(content);
  revert();
  REQUIRE(old_site != new_site);
  REQUIRE(RunCasebook(kBuild, dir.path()).exit_code == 0);
  REQUIRE(Snapshot(dir.path() + "/public") == old_site);

  // Kill the build at its 1st, 2nd, ... change to the file system in
  // publishing (every step at first, then every 5th: they repeat), until a
  // build gets through; the change goes one way, then back the other.
  int killed = 0;
  bool forward = true;
  for (int step = 1; step < 1000; step += step < 24 ? 1 : 5, forward = !forward) {
    INFO("killed at step " << step << (forward ? " of the change" : " of its undoing"));
    if (forward) change();
    else revert();
    const auto& before = forward ? old_site : new_site;
    const auto& after = forward ? new_site : old_site;
    setenv("CASEBOOK_TEST_KILL_AT_STEP", std::to_string(step).c_str(), 1);
    auto r = RunCasebook(kBuild, dir.path());
    unsetenv("CASEBOOK_TEST_KILL_AT_STEP");
    const bool finished = r.exit_code == 0;
    if (!finished) {
      REQUIRE(r.exit_code == 128 + 9);  // the shell's status for a SIGKILLed child
      ++killed;
    }
    const auto published = Snapshot(dir.path() + "/public");
    CHECK((published == before || published == after));
    // The next build completes the change, exactly as a clean build would.
    r = RunCasebook(kBuild, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(Snapshot(dir.path() + "/public") == after);
    if (finished) break;
  }
  CHECK(killed > 20);
}

TEST_CASE("a build stopped by a full disk keeps the site, a smaller archive then builds clean") {
  SmallDisk disk(3072);
  if (!disk.mounted()) {
    WARN("skipped: needs a small tmpfs (" << disk.why_not() << ")");
    return;
  }
  TempDir dir;
  CopySiteFixture(dir.path());
  const std::string content = dir.path() + "/content";
  const std::string output = disk.path() + "/public";
  const std::string build = kBuild + " --no-index --output '" + output + "'";
  for (int i = 0; i < 40; ++i) WriteFileAt(content + "/2024/gen-" + std::to_string(i) + ".md", Postmortem(i, 6000));
  auto r = RunCasebook(build, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto published = Snapshot(output);

  for (int round = 0; round < 2; ++round) {
    INFO("round " << round);
    // Far more than the disk holds.
    for (int i = 40; i < 200; ++i)
      WriteFileAt(content + "/2024/gen-" + std::to_string(i) + ".md", Postmortem(i, 6000));
    r = RunCasebook(build, dir.path());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("No space left on device") != std::string::npos);
    CHECK(Snapshot(output) == published);
    // Nothing half-written is left to fill the disk: staging holds its
    // marker at most.
    size_t left = 0;
    const std::string staging = disk.path() + "/.public.staging";
    if (fs::exists(staging))
      for (const auto& e : fs::recursive_directory_iterator(staging))
        if (e.is_regular_file()) ++left;
    CHECK(left <= 1);
    for (int i = 40; i < 200; ++i) fs::remove(content + "/2024/gen-" + std::to_string(i) + ".md");
  }
  // A smaller archive than the published one builds, equal to a clean build.
  for (int i = 30; i < 40; ++i) fs::remove(content + "/2024/gen-" + std::to_string(i) + ".md");
  r = RunCasebook(build, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Snapshot(output) == CleanBuild(content, " --no-index"));
}

TEST_CASE("a whole site on a small disk: full disk, then a write refused, each next build recovers") {
  SmallDisk disk(4096);
  if (!disk.mounted()) {
    WARN("skipped: needs a small tmpfs (" << disk.why_not() << ")");
    return;
  }
  // The site, its cache and its index all on the small disk.
  const std::string site = disk.path() + "/site";
  CopySiteFixture(site);
  const std::string content = site + "/content";
  for (int i = 0; i < 30; ++i)
    WriteFileAt(content + "/2024/gen-" + std::to_string(i) + ".md", Postmortem(i, 6000));
  auto r = RunCasebook(kBuild, site);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto published = Snapshot(site + "/public");

  for (int i = 30; i < 200; ++i)
    WriteFileAt(content + "/2024/gen-" + std::to_string(i) + ".md", Postmortem(i, 6000));
  r = RunCasebook(kBuild, site);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("No space left on device") != std::string::npos);
  CHECK(Snapshot(site + "/public") == published);
  for (int i = 20; i < 200; ++i) fs::remove(content + "/2024/gen-" + std::to_string(i) + ".md");
  r = RunCasebook(kBuild, site);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Snapshot(site + "/public") == CleanBuild(content));
  r = RunCasebook("search \"Incident 7\"", site);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("gen-7.md") != std::string::npos);

  // Every write refused (a read-only file system): the site stays, and the
  // next build, writable again, is clean.
  published = Snapshot(site + "/public");
  fs::remove(content + "/2024/gen-3.md");
  REQUIRE(disk.ReadOnly(true));
  r = RunCasebook(kBuild, site);
  CHECK(r.exit_code != 0);
  CHECK(Snapshot(site + "/public") == published);
  REQUIRE(disk.ReadOnly(false));
  r = RunCasebook(kBuild, site);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Snapshot(site + "/public") == CleanBuild(content));
}
