// The reuse path of an incremental build: page keys made of per-postmortem
// digests (what a page shows of other postmortems), the publisher opened
// once for the stamp check and the build, and the staging folder's links
// checked against the manifest. Each case compares the incremental output
// with a clean build of the same inputs.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "compare_with_clean.h"
#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::CompareWithClean;
using casebook::test::RunCasebook;
using casebook::test::Snapshot;
using casebook::test::TempDir;

namespace {

const char* kBuild = "build --verbose --today 2024-06-01";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string ReplaceFirst(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

// A postmortem: its title is its summary too.
std::string Postmortem(const std::string& title, const std::string& date,
                       const std::string& services, const std::string& tags,
                       const std::string& body) {
  return "+++\ntitle = \"" + title + "\"\ndate = " + date +
         "\nseverity = \"SEV2\"\nstatus = \"final\"\nsummary = \"" + title +
         "\"\nservices = [" + services + "]\ntags = [" + tags + "]\n+++\n\n## Summary\n\n" + body +
         "\n\n## Impact\n\nCustomers waited.\n";
}

// Three postmortems about one queue (similar to one another, for reasons
// their services and tags give) among three unrelated ones.
void WriteArchive(TempDir& work) {
  const std::string queue =
      "The checkout queue backed up behind a slow consumer; the broker throttled publishers "
      "and retries piled up.";
  work.Write("site.toml", "title = \"Queues\"\nbase_url = \"/\"\n");
  work.Write("content/2024/a.md", Postmortem("Queue backlog A", "2024-01-10",
                                             "\"broker\", \"checkout\"", "\"queue\"", queue));
  work.Write("content/2024/b.md", Postmortem("Queue backlog B", "2024-02-10", "\"broker\"",
                                             "\"queue\", \"retries\"", queue));
  work.Write("content/2024/c.md", Postmortem("Queue backlog C", "2024-03-10", "\"checkout\"",
                                             "\"retries\"", queue));
  work.Write("content/2024/d.md",
             Postmortem("DNS resolver outage", "2024-04-10", "\"dns\"", "\"network\"",
                        "Internal resolvers returned SERVFAIL after a zone transfer failed."));
  work.Write("content/2024/e.md",
             Postmortem("Certificate expiry", "2024-04-20", "\"edge\"", "\"tls\"",
                        "A wildcard certificate expired on the load balancers overnight."));
  work.Write("content/2024/f.md",
             Postmortem("Disk full on logging hosts", "2024-05-10", "\"logging\"", "\"storage\"",
                        "Log volumes filled after rotation stopped working."));
}

}  // namespace

TEST_CASE("the services, tags and title of a similar incident key the pages that list it") {
  TempDir work;
  WriteArchive(work);
  REQUIRE(RunCasebook(kBuild, work.path()).exit_code == 0);
  const std::string a_page = "public/postmortems/a/index.html";
  // The three queue postmortems are similar to one another, with reasons.
  REQUIRE(Contains(work.Read(a_page), "Same service broker; same tag queue"));

  // B's services change: A's page says another reason, though A did not change.
  work.Write("content/2024/b.md", ReplaceFirst(work.Read("content/2024/b.md"),
                                               "services = [\"broker\"]",
                                               "services = [\"broker\", \"checkout\"]"));
  CompareWithClean(work, kBuild, "a similar incident gains a service");
  CHECK(Contains(work.Read(a_page), "Same services broker, checkout"));

  work.Write("content/2024/c.md", ReplaceFirst(work.Read("content/2024/c.md"),
                                               "tags = [\"retries\"]", "tags = [\"queue\"]"));
  CompareWithClean(work, kBuild, "a similar incident's tags change");

  work.Write("content/2024/c.md", ReplaceFirst(work.Read("content/2024/c.md"),
                                               "Queue backlog C", "Queue backlog, third"));
  CompareWithClean(work, kBuild, "a similar incident is retitled");
  CHECK(Contains(work.Read(a_page), "Queue backlog, third"));

  work.Write("content/2024/c.md", ReplaceFirst(work.Read("content/2024/c.md"),
                                               "date = 2024-03-10", "date = 2024-03-11T09:30:00Z"));
  CompareWithClean(work, kBuild, "a similar incident's date gains a time");
}

TEST_CASE("a file deleted or replaced by hand in the staging folder is linked again") {
  TempDir work;
  WriteArchive(work);
  REQUIRE(RunCasebook(kBuild, work.path()).exit_code == 0);
  // A second build with a change leaves the previous site as staging.
  work.Write("content/2024/a.md", work.Read("content/2024/a.md") + "\nOne more line.\n");
  CompareWithClean(work, kBuild, "a body edit");
  const std::string staging = work.path() + "/.public.staging";
  REQUIRE(fs::exists(staging + "/postmortems/b/index.html"));

  fs::remove(staging + "/postmortems/b/index.html");
  fs::remove(staging + "/feed.xml");
  work.Write(".public.staging/postmortems/c/index.html", "not the published page");
  work.Write("content/2024/a.md", work.Read("content/2024/a.md") + "\nAnd another.\n");
  CompareWithClean(work, kBuild, "the staging folder tampered with, then a body edit");
  CHECK(Contains(work.Read("public/postmortems/b/index.html"), "Queue backlog B"));
}

TEST_CASE("a folder or a stray file in staging where a new page goes is replaced by the page") {
  TempDir work;
  WriteArchive(work);
  REQUIRE(RunCasebook(kBuild, work.path()).exit_code == 0);
  work.Write("content/2024/a.md", work.Read("content/2024/a.md") + "\nOne more line.\n");
  CompareWithClean(work, kBuild, "a body edit");
  // Staging is the previous generation now; two new postmortems' pages will
  // be written where a folder (with a file in it) and a stray file stand.
  work.Write(".public.staging/postmortems/g/index.html/inside.txt", "a folder in the way");
  work.Write(".public.staging/postmortems/h/index.html", "a stray file");
  work.Write("content/2024/g.md", Postmortem("Queue backlog G", "2024-06-10", "\"broker\"",
                                             "\"queue\"", "The consumer stalled again."));
  work.Write("content/2024/h.md", Postmortem("Queue backlog H", "2024-06-11", "\"broker\"",
                                             "\"queue\"", "The consumer stalled once more."));
  CompareWithClean(work, kBuild, "new pages over a folder and a stray file in staging");
  CHECK(fs::is_regular_file(work.path() + "/public/postmortems/g/index.html"));
  CHECK(Contains(work.Read("public/postmortems/g/index.html"), "Queue backlog G"));
  CHECK(Contains(work.Read("public/postmortems/h/index.html"), "Queue backlog H"));
}

TEST_CASE("a published page edited by hand is rewritten by a build that changes something else") {
  TempDir work;
  WriteArchive(work);
  REQUIRE(RunCasebook(kBuild, work.path()).exit_code == 0);
  const std::string b_page = "public/postmortems/b/index.html";
  const std::string published = work.Read(b_page);
  // The edit and the hand-edited page land in the same build: the page is
  // rewritten because its stat no longer matches the manifest.
  work.Write("content/2024/a.md", work.Read("content/2024/a.md") + "\nOne more line.\n");
  work.Write(b_page, "edited by hand");
  CompareWithClean(work, kBuild, "a body edit and a page edited by hand");
  CHECK(work.Read(b_page) == published);
  // Nothing changed: the stamp answers, every file as published.
  auto r = RunCasebook(kBuild, work.path());
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, " 0 changed"));
  CHECK_FALSE(Contains(r.out + r.err, "render + write"));
}

namespace {

// Every file under `root`, relative, with its inode.
std::map<std::string, uint64_t> Inodes(const std::string& root) {
  std::map<std::string, uint64_t> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    struct stat st;
    if (lstat(e.path().c_str(), &st) == 0 && S_ISREG(st.st_mode))
      out[e.path().string().substr(root.size() + 1)] = st.st_ino;
  }
  return out;
}

}  // namespace

TEST_CASE("a first build leaves the staging folder as hard links to the published files") {
  TempDir work;
  WriteArchive(work);
  REQUIRE(RunCasebook(kBuild, work.path()).exit_code == 0);
  const auto published = Inodes(work.path() + "/public");
  const auto staged = Inodes(work.path() + "/.public.staging");
  REQUIRE(published.size() == staged.size());
  for (const auto& [path, inode] : published) {
    INFO(path);
    REQUIRE(staged.count(path));
    // Each folder has a marker of its own; every other file is the same one.
    if (path == ".casebook-output") CHECK(staged.at(path) != inode);
    else CHECK(staged.at(path) == inode);
  }
  // The first edit updates staging in place and publishes what a clean build does.
  work.Write("content/2024/a.md", work.Read("content/2024/a.md") + "\nOne more line.\n");
  CompareWithClean(work, kBuild, "the first edit after a first build");
  CHECK(Inodes(work.path() + "/public").at("postmortems/b/index.html") ==
        published.at("postmortems/b/index.html"));
  work.Write("content/2024/b.md", work.Read("content/2024/b.md") + "\nOne more line.\n");
  CompareWithClean(work, kBuild, "the second edit");
}

namespace {

// Moves (rename) or copies every entry of `from` into `to`: the repository,
// its output and its cache, checked out somewhere else.
void Relocate(const TempDir& from, const TempDir& to, bool copy) {
  for (const auto& entry : fs::directory_iterator(from.path())) {
    const fs::path target = fs::path(to.path()) / entry.path().filename();
    if (copy) fs::copy(entry.path(), target, fs::copy_options::recursive);
    else fs::rename(entry.path(), target);
  }
}

}  // namespace

TEST_CASE("a repository moved or copied elsewhere with its cache renders no page again") {
  TempDir first, moved, copied;
  WriteArchive(first);
  REQUIRE(RunCasebook(kBuild, first.path()).exit_code == 0);
  const auto published = Inodes(first.path() + "/public");
  Relocate(first, moved, /*copy=*/false);
  auto r = RunCasebook(kBuild, moved.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  // Pages never show where the repository is, so none is rendered again,
  // and the published files stay the very same files.
  CHECK(Contains(r.out + r.err, "rendered 0 file(s)"));
  CHECK(Inodes(moved.path() + "/public") == published);
  moved.Write("content/2024/a.md", moved.Read("content/2024/a.md") + "\nOne more line.\n");
  CompareWithClean(moved, kBuild, "an edit after the move");

  // A copy (new inodes and times: a CI cache restored into a fresh
  // checkout) publishes what a clean build does.
  Relocate(moved, copied, /*copy=*/true);
  copied.Write("content/2024/d.md", copied.Read("content/2024/d.md") + "\nOne more line.\n");
  CompareWithClean(copied, kBuild, "an edit in a copy");
}

TEST_CASE("a first build killed at any step leaves no site or the whole one, the next edit is clean") {
  // Steps: every change to the file system in publishing (publish.cc),
  // the staging copy at the end included.
  bool finished = false;
  int killed_after_publishing = 0;
  for (int step = 1; step < 2000 && !finished; step += 8) {
    INFO("killed at step " << step);
    TempDir work;
    WriteArchive(work);
    setenv("CASEBOOK_TEST_KILL_AT_STEP", std::to_string(step).c_str(), 1);
    auto r = RunCasebook(kBuild, work.path());
    unsetenv("CASEBOOK_TEST_KILL_AT_STEP");
    finished = r.exit_code == 0;
    if (!finished) {
      REQUIRE(r.exit_code == 128 + 9);
      if (fs::exists(work.path() + "/public")) ++killed_after_publishing;
    }
    work.Write("content/2024/c.md", work.Read("content/2024/c.md") + "\nOne more line.\n");
    CompareWithClean(work, kBuild, "the next build, with an edit");
  }
  CHECK(finished);
  // Some kills fell in the staging copy, after the site was published.
  CHECK(killed_after_publishing >= 3);
}

namespace {

// The count a verbose build prints: "rendered N file(s); ...".
int RenderedFiles(const std::string& err) {
  const std::string marker = "rendered ";
  size_t at = err.find(marker);
  REQUIRE(at != std::string::npos);
  return std::atoi(err.c_str() + at + marker.size());
}

}  // namespace

TEST_CASE("body edits keep every list page as published and keyed, a title edit re-renders them") {
  TempDir work;
  WriteArchive(work);
  REQUIRE(RunCasebook(kBuild, work.path()).exit_code == 0);
  const std::string f_md = "content/2024/f.md";
  // A body edit leaves the lists key as it was: every file but the
  // postmortem pages (and the service pages' recurring pairs) is kept as
  // published, without its key being copied or looked up twice.
  work.Write(f_md, work.Read(f_md) + "\nThe rotation job was restarted.\n");
  const int first = RenderedFiles(CompareWithClean(work, kBuild, "a body edit").err);
  // The kept files keep their keys in the new manifest: the same kind of
  // edit again keeps them again (a kept file that lost its key would be
  // rendered anew, as every list page would).
  work.Write(f_md, work.Read(f_md) + "\nAnd the volumes were grown.\n");
  CHECK(RenderedFiles(CompareWithClean(work, kBuild, "a second body edit").err) == first);
  // A list page edited by hand is not kept by the lists key: it is rendered.
  const std::string tag_page = "public/tags/storage/index.html";
  const std::string published = work.Read(tag_page);
  work.Write(tag_page, "edited by hand");
  work.Write(f_md, work.Read(f_md) + "\nA third line.\n");
  CompareWithClean(work, kBuild, "a body edit and a list page edited by hand");
  CHECK(work.Read(tag_page) == published);
  // A title is on the list pages: they follow it, exactly as a clean build.
  work.Write(f_md, ReplaceFirst(work.Read(f_md), "title = \"Disk full on logging hosts\"",
                                "title = \"Log disks filled up\""));
  CHECK(RenderedFiles(CompareWithClean(work, kBuild, "a title edit").err) > first);
  CHECK(Contains(work.Read(tag_page), "Log disks filled up"));
  CHECK(Contains(work.Read("public/index.html"), "Log disks filled up"));
  work.Write(f_md, work.Read(f_md) + "\nA last line.\n");
  CHECK(RenderedFiles(CompareWithClean(work, kBuild, "a body edit after the title edit").err) ==
        first);
}
