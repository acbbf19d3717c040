// End-to-end: the fixture archives built by the real `casebook` binary, with
// assertions on the pages, feeds, JSON and exit codes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "compare_with_clean.h"
#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::CompareWithClean;
using casebook::test::RunCasebook;
using casebook::test::Snapshot;
using casebook::test::TempDir;

namespace {

// Copies a fixture archive into a fresh temporary folder.
void CopyFixture(const std::string& name, const TempDir& dir) {
  fs::copy(fs::path(CASEBOOK_FIXTURES) / name, dir.path(), fs::copy_options::recursive);
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

const char* kToday = "--today 2024-06-01";

std::string ReplaceFirst(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("the fixture archive builds into a complete site") {
  TempDir dir;
  CopyFixture("site", dir);
  auto r = RunCasebook(std::string("build ") + kToday, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, "Wrote 3 postmortems"));
  CHECK(Contains(r.out, "1 draft(s) left out"));

  for (const char* path :
       {"index.html", "postmortems/2024-03-12-checkout-pool/index.html",
        "postmortems/2023-11-02-primary-failover/index.html",
        "postmortems/2023-06-14-dns-outage/index.html", "tags/index.html",
        "tags/database/index.html", "tags/database/feed.xml", "services/postgres/index.html",
        "severity/index.html", "severity/sev1/index.html", "categories/capacity/index.html",
        "archive/index.html", "archive/2024/index.html", "archive/2023/index.html",
        "feed.xml", "sitemap.xml", "404.html", "postmortems.json", "search/index.html"}) {
    INFO(path);
    CHECK(dir.Exists(std::string("public/") + path));
  }
  CHECK_FALSE(dir.Exists("public/postmortems/2024-07-01-draft-incident/index.html"));
  CHECK_FALSE(dir.Exists("public/postmortems/readme/index.html"));

  std::string page = dir.Read("public/postmortems/2024-03-12-checkout-pool/index.html");
  // User text is escaped; raw HTML and javascript: links never reach the page.
  CHECK(Contains(page, "Checkout &lt;API&gt; returned 503s &amp; timeouts"));
  CHECK_FALSE(Contains(page, "<API>"));
  CHECK_FALSE(Contains(page, "<script>alert"));
  CHECK_FALSE(Contains(page, "javascript:"));
  // Links between postmortems are relative (relative_urls, the default).
  CHECK(Contains(page, "../../postmortems/2023-11-02-primary-failover/index.html#timeline"));
  // Durations, tickets, taxonomy links.
  CHECK(Contains(page, "7 min"));     // time to detect
  CHECK(Contains(page, "34 min"));    // time to mitigate
  CHECK(Contains(page, "2 h 5 min")); // time to resolve
  CHECK(Contains(page, "https://jira.example.com/browse/PAY%201432"));
  CHECK(Contains(page, "../../services/checkout-api/index.html"));
  CHECK(Contains(page, "../../categories/capacity/index.html"));
  CHECK(Contains(page, "https://git.example.com/pm/blob/main/content/2024/2024-03-12-checkout-pool.md"));

  // The failover page lists the checkout postmortem as linking to it.
  std::string failover = dir.Read("public/postmortems/2023-11-02-primary-failover/index.html");
  CHECK(Contains(failover, "../../postmortems/2024-03-12-checkout-pool/index.html"));

  // The plain-Markdown postmortem: title from its heading, timeline from its table.
  std::string dns = dir.Read("public/postmortems/2023-06-14-dns-outage/index.html");
  CHECK(Contains(dns, "Internal DNS resolution failures"));
  CHECK(Contains(dns, "2023-06-14T09:02:00Z"));  // 10:02 CET
  CHECK(Contains(dns, "Resolver pods restart in a loop"));

  std::string tag = dir.Read("public/tags/database/index.html");
  CHECK(Contains(tag, "2024-03-12-checkout-pool"));
  CHECK(Contains(tag, "2023-11-02-primary-failover"));
  CHECK_FALSE(Contains(tag, "2023-06-14-dns-outage"));

  std::string feed = dir.Read("public/feed.xml");
  CHECK(Contains(feed, "<feed xmlns=\"http://www.w3.org/2005/Atom\""));
  CHECK(Count(feed, "<entry>") == 3);
  CHECK(Contains(feed, "https://pm.example.com/archive/postmortems/2024-03-12-checkout-pool/"));
  CHECK_FALSE(Contains(feed, "<API>"));

  std::string json = dir.Read("public/postmortems.json");
  CHECK(Contains(json, "\"id\": \"2024-03-12-checkout-pool\""));
  CHECK(Contains(json, "\"resolve_seconds\": 7500"));
  CHECK(Contains(json, "PAY 1432"));

  if (fs::exists("/usr/bin/xmllint")) {
    for (const char* xml : {"public/feed.xml", "public/sitemap.xml", "public/tags/database/feed.xml"}) {
      INFO(xml);
      std::string cmd = "xmllint --noout '" + dir.path() + "/" + xml + "' 2>/dev/null";
      CHECK(std::system(cmd.c_str()) == 0);
    }
  }
}

TEST_CASE("build --drafts includes drafts") {
  TempDir dir;
  CopyFixture("site", dir);
  auto r = RunCasebook(std::string("build --drafts --no-index ") + kToday, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(dir.Exists("public/postmortems/2024-07-01-draft-incident/index.html"));
}

TEST_CASE("two builds give byte-identical output") {
  TempDir a, b;
  CopyFixture("site", a);
  CopyFixture("site", b);
  REQUIRE(RunCasebook(std::string("build ") + kToday, a.path()).exit_code == 0);
  REQUIRE(RunCasebook(std::string("build ") + kToday, b.path()).exit_code == 0);
  auto sa = Snapshot(a.path() + "/public");
  auto sb = Snapshot(b.path() + "/public");
  REQUIRE(sa.size() == sb.size());
  for (const auto& [path, bytes] : sa) {
    INFO(path);
    REQUIRE(sb.count(path));
    CHECK(bytes == sb[path]);
  }
}

TEST_CASE("a first build of a larger archive writes the index on threads and finds every body") {
  // 120 postmortems: enough for Start to write the index shards itself (and
  // free the plain text the pages never read).
  TempDir dir;
  CopyFixture("site", dir);
  for (int i = 0; i < 120; ++i) {
    std::string n = std::to_string(i);
    dir.Write("content/2022/2022-01-01-bulk-" + n + ".md",
              "+++\ntitle = \"Bulk incident " + n + "\"\ndate = 2022-01-01\nseverity = \"SEV3\"\n"
              "tags = [\"bulk\"]\n+++\n\n## Summary\n\nThe marker word zorblax" + n +
              " appears only here.\n");
  }
  auto r = RunCasebook(std::string("build --verbose ") + kToday, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(dir.Read("public/postmortems/2022-01-01-bulk-7/index.html"), "zorblax7"));
  for (const char* word : {"zorblax0", "zorblax61", "zorblax119"}) {
    auto s = RunCasebook(std::string("search ") + word, dir.path());
    INFO(word << ": " << s.out << s.err);
    CHECK(s.exit_code == 0);
    CHECK(Contains(s.out, std::string("Bulk incident ") + (word + 7)));
  }
  // And the next build, with the index in place, changes nothing.
  r = RunCasebook(std::string("build --verbose ") + kToday, dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, " 0 changed"));
}

TEST_CASE("a failed build leaves the published site exactly as it was") {
  TempDir dir;
  CopyFixture("site", dir);
  REQUIRE(RunCasebook(std::string("build ") + kToday, dir.path()).exit_code == 0);
  auto before = Snapshot(dir.path() + "/public");
  auto mtime = fs::last_write_time(dir.path() + "/public/index.html");

  dir.Write("content/2024/broken.md", "+++\ntitle = \"Unclosed\nseverity = 3\n+++\n");
  auto r = RunCasebook(std::string("build ") + kToday, dir.path());
  CHECK(r.exit_code == 1);
  CHECK((Contains(r.err, "content/2024/broken.md") || Contains(r.err, "2024/broken.md:")));
  CHECK(Contains(r.err, "left as it was"));
  auto after = Snapshot(dir.path() + "/public");
  CHECK(before == after);
  CHECK(fs::last_write_time(dir.path() + "/public/index.html") == mtime);
  // The previous generation kept for the next build is beside the output,
  // never inside it.
  for (const auto& e : fs::recursive_directory_iterator(dir.path() + "/public"))
    CHECK(e.path().filename().string().find("staging") == std::string::npos);
}

TEST_CASE("a rebuild with nothing changed rewrites nothing, changed pages keep the rest intact") {
  TempDir dir;
  CopyFixture("site", dir);
  REQUIRE(RunCasebook(std::string("build ") + kToday, dir.path()).exit_code == 0);
  auto mtime = fs::last_write_time(dir.path() + "/public/postmortems/2023-06-14-dns-outage/index.html");
  auto r = RunCasebook(std::string("build ") + kToday, dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, " 0 changed"));
  CHECK(fs::last_write_time(dir.path() + "/public/postmortems/2023-06-14-dns-outage/index.html") == mtime);

  // A third build after one edit: the edited page changes, the untouched one
  // keeps its mtime, and a removed postmortem's page is gone.
  std::string dns = dir.Read("content/2023/2023-06-14-dns-outage.md");
  dir.Write("content/2023/2023-06-14-dns-outage.md", dns + "\nOne more line.\n");
  fs::remove(dir.path() + "/content/2023/2023-11-02-primary-failover.md");
  r = RunCasebook(std::string("build ") + kToday, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(dir.Read("public/postmortems/2023-06-14-dns-outage/index.html"), "One more line."));
  CHECK_FALSE(dir.Exists("public/postmortems/2023-11-02-primary-failover/index.html"));
  CHECK(dir.Exists("public/404.html"));
}

TEST_CASE("a broken archive reports every problem with file and line, and exits 1") {
  TempDir dir;
  CopyFixture("broken", dir);
  auto r = RunCasebook("build --no-index", dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(Contains(r.err, "bad-toml.md:2"));
  CHECK(Contains(r.err, "title-number.md:2"));
  CHECK(Contains(r.err, "unknown-severity.md:4"));
  CHECK(Contains(r.err, "bad-date.md:3"));
  CHECK(Contains(r.err, "dup-b.md"));
  CHECK(Contains(r.err, "dup-a.md"));
  CHECK(Contains(r.err, "escape-id.md:3"));
  CHECK(Contains(r.err, "unclosed.md:1"));
  CHECK(Contains(r.err, "yaml-bad.md:3"));  // where yaml-cpp notices the unclosed [
  CHECK(Contains(r.err, "latin1.md:5"));
  CHECK_FALSE(dir.Exists("public"));
  CHECK_FALSE(dir.Exists("etc"));
}

TEST_CASE("usage errors exit 2, a missing site.toml says how to create one") {
  TempDir dir;
  auto r = RunCasebook("build --no-such-option", dir.path());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "usage: casebook build"));
  r = RunCasebook("build", dir.path());
  CHECK(r.exit_code != 0);
  CHECK(Contains(r.err, "site.toml"));
  r = RunCasebook("--version", dir.path());
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "casebook "));
  r = RunCasebook("frobnicate", dir.path());
  CHECK(r.exit_code == 2);
}

TEST_CASE("the real public archive in ../shared builds into a useful site") {
  std::string corpus = casebook::test::SharedCorpus();
  if (corpus.empty()) {
    WARN("skipped: ../shared/corpora/dfds-postmortems is absent (it is not part of the project)");
    return;
  }
  TempDir dir;
  dir.Write("site.toml", "title = \"DFDS postmortems\"\nsource = \"" + corpus +
                             "\"\nignore = [\"README.md\", \"*template*\"]\n");
  auto r = RunCasebook("build --no-index", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, "Wrote 38 postmortems"));
  std::string page = dir.Read("public/postmortems/pm2020-004-coredns-upgrade-issue/index.html");
  CHECK(Contains(page, "CoreDNS upgrade issue"));
  CHECK(Contains(page, "2020-02-03T10:21:00Z"));  // 11:21 CET
  std::string archive = dir.Read("public/archive/index.html");
  for (const char* year : {"2019", "2020", "2021", "2022", "2023", "2024", "2025"}) {
    INFO(year);
    CHECK(Contains(archive, year));
  }
  CHECK(dir.Exists("public/archive/2021/index.html"));
}

TEST_CASE("incremental builds give the same bytes as clean builds after every kind of change") {
  TempDir work;
  CopyFixture("site", work);
  const std::string build = std::string("build ") + kToday;
  REQUIRE(RunCasebook(build, work.path()).exit_code == 0);

  // Each step changes the archive, rebuilds it incrementally (cache, index
  // and previous output kept), and compares with a clean build of a copy.
  auto compare_with_clean = [&](const std::string& step) {
    CompareWithClean(work, build, step, /*same_warnings=*/false);
  };

  std::string pool = work.Read("content/2024/2024-03-12-checkout-pool.md");
  work.Write("content/2024/2024-03-12-checkout-pool.md",
             ReplaceFirst(pool, "Connection pool exhaustion", "Pool exhaustion"));
  compare_with_clean("edit a summary (shown on lists, feeds and related pages)");

  // Pages show other postmortems (related, referenced by, previous / next,
  // similar): they are keyed by what they show of them.
  std::string failover = work.Read("content/2023/2023-11-02-primary-failover.md");
  work.Write("content/2023/2023-11-02-primary-failover.md",
             ReplaceFirst(failover, "took 12 minutes", "took twelve minutes"));
  compare_with_clean("retitle a postmortem that another one links to");
  failover = work.Read("content/2023/2023-11-02-primary-failover.md");
  work.Write("content/2023/2023-11-02-primary-failover.md",
             ReplaceFirst(ReplaceFirst(failover, "severity: SEV2", "severity: SEV1"),
                          "tags: [database, failover]", "tags: [database, failover, replication]"));
  compare_with_clean("change its severity and add a new tag");

  // Body edits: only the postmortem's own page reads the body, but a body
  // can also give the title, summary and timeline, and link elsewhere.
  const std::string dns = "content/2023/2023-06-14-dns-outage.md";
  work.Write(dns, work.Read(dns) + "\nA paragraph no list shows.\n");
  compare_with_clean("a body edit that no list shows");
  work.Write(dns, ReplaceFirst(work.Read(dns), "# Internal DNS resolution failures",
                               "# Internal DNS stopped resolving"));
  compare_with_clean("retitle through the body's heading");
  work.Write(dns, ReplaceFirst(work.Read(dns), "| 2023-06-14 10:02 |", "| 2023-06-13 23:58 |"));
  compare_with_clean("move the incident date through the body's timeline");
  work.Write(dns, work.Read(dns) + "\nSee also [[2024-03-12-checkout-pool]].\n");
  compare_with_clean("a body links to another postmortem (its referenced-by list grows)");

  work.Write("content/2024/2024-05-01-new-incident.md",
             "+++\ntitle = \"Queue backlog\"\ndate = 2024-05-01\nseverity = \"SEV3\"\n"
             "tags = [\"database\"]\nrelated = [\"2024-03-12-checkout-pool\"]\n+++\n\n"
             "## Summary\n\nA queue backed up; see [[2023-11-02-primary-failover]].\n");
  compare_with_clean("add a postmortem");

  fs::rename(work.path() + "/content/2023/2023-06-14-dns-outage.md",
             work.path() + "/content/2023/2023-06-14-internal-dns.md");
  compare_with_clean("rename a file (its id changes)");

  fs::remove(work.path() + "/content/2024/2024-05-01-new-incident.md");
  compare_with_clean("delete a postmortem");

  work.Write("layouts/404.mustache", "<h1>Nothing here: {{site.title}}</h1>\n");
  compare_with_clean("override a template");

  std::string toml = work.Read("site.toml");
  work.Write("site.toml", ReplaceFirst(toml, "label = \"Critical\"", "label = \"Sev-1 critical\""));
  compare_with_clean("change site.toml");

  work.Write("static/extra.css", "body { color: #222; }\n");
  compare_with_clean("add a static file");
  work.Write("static/extra.css", "body { color: #333; }\n");
  compare_with_clean("edit a static file (nothing else changed)");

  // A published page edited or deleted by hand is noticed and restored,
  // though nothing the site is made from changed.
  work.Write("public/404.html", "tampered");
  fs::remove(work.path() + "/public/feed.xml");
  compare_with_clean("a published file edited and another deleted by hand");
}

TEST_CASE("a rebuild with no input changed skips rendering and leaves every file as it was") {
  TempDir dir;
  CopyFixture("site", dir);
  const std::string build = std::string("build --verbose ") + kToday;
  REQUIRE(RunCasebook(build, dir.path()).exit_code == 0);
  const std::string page = dir.path() + "/public/postmortems/2023-06-14-dns-outage/index.html";
  auto mtime = fs::last_write_time(page);
  auto before = Snapshot(dir.path() + "/public");
  auto r = RunCasebook(build, dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, " 0 changed"));
  CHECK_FALSE(Contains(r.out + r.err, "render + write"));  // the step did not run
  CHECK(fs::last_write_time(page) == mtime);
  CHECK(Snapshot(dir.path() + "/public") == before);

  // Another "today" changes what is overdue: the pages are rendered again.
  r = RunCasebook("build --verbose --today 2031-01-01", dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out + r.err, "render + write"));
  CHECK(Snapshot(dir.path() + "/public") != before);
}

TEST_CASE("an output restored from a copy (a CI cache) is trusted by its bytes, not re-rendered") {
  TempDir dir;
  CopyFixture("site", dir);
  const std::string build = std::string("build --verbose ") + kToday;
  REQUIRE(RunCasebook(build, dir.path()).exit_code == 0);
  auto before = Snapshot(dir.path() + "/public");
  // What actions/cache does: the folders come back as new files (new inodes
  // and mtimes), the staging folder beside the output does not.
  auto restore = [&] {
    for (const char* part : {"public", ".casebook"}) {
      fs::path p = fs::path(dir.path()) / part, saved = p.string() + ".saved";
      fs::rename(p, saved);
      fs::copy(saved, p, fs::copy_options::recursive);
      fs::remove_all(saved);
    }
    fs::remove_all(fs::path(dir.path()) / ".public.staging");
  };
  restore();
  const std::string page = "public/postmortems/2023-06-14-dns-outage/index.html";
  auto mtime = fs::last_write_time(dir.path() + "/" + page);
  auto r = RunCasebook(build, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, " 0 changed"));
  CHECK_FALSE(Contains(r.err, "render + write"));  // nothing was rendered
  CHECK(fs::last_write_time(dir.path() + "/" + page) == mtime);
  CHECK(Snapshot(dir.path() + "/public") == before);
  // The manifest now has the new mtimes and inodes: trusted by stat alone.
  r = RunCasebook(build, dir.path());
  CHECK(Contains(r.out, " 0 changed"));
  CHECK_FALSE(Contains(r.err, "render + write"));

  // A restored file whose bytes differ (same size) is rendered again; a
  // restore plus an edit renders just what the edit needs.
  restore();
  std::string html = dir.Read(page);
  size_t at = html.find("<title>");
  REQUIRE(at != std::string::npos);
  html[at + 7] = html[at + 7] == 'X' ? 'Y' : 'X';
  dir.Write(page, html);
  const std::string path = "content/2023/2023-11-02-primary-failover.md";
  dir.Write(path, dir.Read(path) + "\nA paragraph written after the restore.\n");
  r = RunCasebook(build, dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(dir.Read(page) == before.at("postmortems/2023-06-14-dns-outage/index.html"));
  CHECK(Contains(dir.Read("public/postmortems/2023-11-02-primary-failover/index.html"),
                 "A paragraph written after the restore."));
  CompareWithClean(dir, build, "after a restore and an edit", false);
}

TEST_CASE("a body edit renders only the files that show the body or the file's own data") {
  TempDir dir;
  CopyFixture("site", dir);
  const std::string build = std::string("build --verbose ") + kToday;
  REQUIRE(RunCasebook(build, dir.path()).exit_code == 0);
  int feeds = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() + "/public"))
    if (e.path().filename() == "feed.xml") ++feeds;
  REQUIRE(feeds > 6);

  const std::string path = "content/2023/2023-06-14-dns-outage.md";
  dir.Write(path, dir.Read(path) + "\nOne more paragraph.\n");
  auto r = RunCasebook(build, dir.path());
  REQUIRE(r.exit_code == 0);
  // Its page, and what lists its file's data (the feeds it is in, the
  // sitemap, postmortems.json, actions.csv); not every feed, nor the pages
  // that only link to it.
  const std::string said = r.out + r.err;
  size_t at = said.find("rendered ");
  REQUIRE(at != std::string::npos);
  int rendered = std::stoi(said.substr(at + 9));
  CHECK(rendered >= 1);
  CHECK(rendered < feeds);
  CHECK(Contains(dir.Read("public/postmortems/2023-06-14-dns-outage/index.html"),
                 "One more paragraph."));
}

TEST_CASE("the build cache keeps incremental output exact as link targets come and go") {
  TempDir work;
  CopyFixture("site", work);
  const std::string build = std::string("build --no-index ") + kToday;
  auto compare_with_clean = [&](const std::string& step) {
    return CompareWithClean(work, build, step, /*same_warnings=*/true);
  };

  work.Write("content/2024/2024-05-01-linker.md",
             "+++\ntitle = \"Linker\"\ndate = 2024-05-01\nseverity = \"SEV3\"\n"
             "summary = \"See [[2024-05-02-target]].\"\n+++\n\n## Summary\n\n"
             "Links to [[2024-05-02-target]] and [the file](2024-05-02-target.md#impact).\n");
  auto r = compare_with_clean("a link to a postmortem that does not exist yet");
  CHECK(Contains(r.err, "2024-05-01-linker.md:10"));
  CHECK(Contains(r.err, "links/broken"));
  r = compare_with_clean("nothing changed: the warnings come again from the cache");
  CHECK(Contains(r.err, "links/broken"));
  REQUIRE(work.Exists(".casebook"));

  work.Write("content/2024/2024-05-02-target.md",
             "+++\ntitle = \"Target\"\ndate = 2024-05-02\nseverity = \"SEV3\"\n+++\n\n## Impact\n\nNone.\n");
  r = compare_with_clean("the target appears; the linking file is unchanged");
  CHECK_FALSE(Contains(r.err, "links/broken"));
  CHECK(Contains(work.Read("public/postmortems/2024-05-01-linker/index.html"),
                 "../../postmortems/2024-05-02-target/index.html#impact"));

  std::string target = work.Read("content/2024/2024-05-02-target.md");
  work.Write("content/2024/2024-05-02-target.md",
             ReplaceFirst(target, "+++\n\n", "id = \"moved-target\"\n+++\n\n"));
  compare_with_clean("the target's id (and URL) changes");

  fs::remove(work.path() + "/content/2024/2024-05-02-target.md");
  r = compare_with_clean("the target disappears again");
  CHECK(Contains(r.err, "links/broken"));

  // A same-size edit straight after a build (within one mtime tick).
  std::string linker = work.Read("content/2024/2024-05-01-linker.md");
  work.Write("content/2024/2024-05-01-linker.md", ReplaceFirst(linker, "Links to", "Lenks to"));
  compare_with_clean("a same-size edit");
  CHECK(Contains(work.Read("public/postmortems/2024-05-01-linker/index.html"), "Lenks to"));

  // Corrupt and truncated caches are ignored.
  for (const auto& e : fs::directory_iterator(work.path() + "/.casebook")) {
    std::string name = e.path().filename().string();
    if (name.rfind("content-", 0) == 0) fs::resize_file(e.path(), fs::file_size(e.path()) / 2);
    if (name.rfind("bodies-", 0) == 0) {
      std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "not a cache";
    }
  }
  work.Write("content/2024/2024-05-01-linker.md", linker);
  compare_with_clean("a corrupt cache");

  std::string toml = work.Read("site.toml");
  work.Write("site.toml", ReplaceFirst(toml, "base_url = \"https://pm.example.com/archive/\"",
                                       "base_url = \"https://pm.example.com/other/\""));
  compare_with_clean("the base URL changes (every body's links)");
}
