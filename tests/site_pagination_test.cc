// Pagination end to end: an archive built by the real `casebook` with a
// small [pagination] page size; the term, archive-year and action pages
// split into /page/N/ with the right items, rel=prev/next and counts; a
// list that shrinks loses its extra pages, and the incremental build stays
// byte-identical to a clean one.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::Snapshot;
using casebook::test::TempDir;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const char* kBuild = "build --today 2024-06-01";

// Bulk incident n (1..count), on 2022-01-<n>: newest first, 7 is on top.
// Each has one open action item of owner "ops", due 2024-05-<n> (overdue).
void WriteBulk(const TempDir& dir, int n) {
  std::string s = std::to_string(n);
  std::string day = n < 10 ? "0" + s : s;
  dir.Write("content/2022/2022-01-" + day + "-bulk-" + s + ".md",
            "+++\ntitle = \"Bulk incident " + s + "\"\ndate = 2022-01-" + day +
                "\nseverity = \"SEV3\"\ntags = [\"bulk\"]\nservices = [\"queue\"]\n"
                "[incident]\nstarted = 2022-01-" + day + "T10:00:00Z\n"
                "[[actions]]\ntext = \"Bulk fix " + s + "\"\nowner = \"ops\"\ndue = 2024-05-" + day +
                "\nstatus = \"open\"\n+++\n\n## Summary\n\nBulk incident number " + s + ".\n");
}

// These tests read links as written (absolute); relative links, the
// default, are checked in site_relative_links_test.cc.
void CopySite(const TempDir& dir) {
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  std::string toml = dir.Read("site.toml");
  dir.Write("site.toml", "relative_urls = false\n" + toml);
}

void MakeArchive(const TempDir& dir, int count) {
  CopySite(dir);
  std::ofstream(dir.path() + "/site.toml", std::ios::app)
      << "\n[pagination]\npage_size = 3\nactions_page_size = 2\n";
  for (int n = 1; n <= count; ++n) WriteBulk(dir, n);
}

}  // namespace

TEST_CASE("term, archive-year and action lists are split into pages with prev/next links") {
  TempDir dir;
  MakeArchive(dir, 7);
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  // Term page: 7 items at 3 a page = 3 pages; page 1 at the term's own URL.
  const std::string p1 = dir.Read("public/tags/bulk/index.html");
  const std::string p2 = dir.Read("public/tags/bulk/page/2/index.html");
  const std::string p3 = dir.Read("public/tags/bulk/page/3/index.html");
  CHECK_FALSE(dir.Exists("public/tags/bulk/page/1/index.html"));
  CHECK_FALSE(dir.Exists("public/tags/bulk/page/4/index.html"));
  for (const char* t : {"Bulk incident 7<", "Bulk incident 6<", "Bulk incident 5<"}) CHECK(Contains(p1, t));
  CHECK_FALSE(Contains(p1, "Bulk incident 4<"));
  for (const char* t : {"Bulk incident 4<", "Bulk incident 3<", "Bulk incident 2<"}) CHECK(Contains(p2, t));
  CHECK_FALSE(Contains(p2, "Bulk incident 5<"));
  CHECK_FALSE(Contains(p2, "Bulk incident 1<"));
  CHECK(Contains(p3, "Bulk incident 1<"));
  CHECK(Contains(p2, "Showing 4\u20136 of 7"));
  CHECK(Contains(p2, "<link rel=\"prev\" href=\"/archive/tags/bulk/\">"));
  CHECK(Contains(p2, "<link rel=\"next\" href=\"/archive/tags/bulk/page/3/\">"));
  CHECK(Contains(p2, "<title>Tags: bulk (page 2 of 3)"));
  CHECK(Contains(p2, "aria-current=\"page\">2<"));
  CHECK_FALSE(Contains(p1, "rel=\"prev\""));
  CHECK(Contains(p1, "<link rel=\"next\" href=\"/archive/tags/bulk/page/2/\">"));
  CHECK_FALSE(Contains(p3, "rel=\"next\""));
  CHECK(Contains(p3, "Showing 7 of 7"));
  // Year jump links go to the page where each year starts.
  CHECK(Contains(p2, "Jump to:</li><li><a href=\"/archive/tags/bulk/\">2022</a>"));
  // A short list has no pager.
  CHECK_FALSE(Contains(dir.Read("public/tags/database/index.html"), "class=\"pagination\""));
  // The feed stays one file of the newest entries.
  CHECK(Contains(dir.Read("public/tags/bulk/feed.xml"), "Bulk incident 1"));
  CHECK(Contains(dir.Read("public/sitemap.xml"), "/archive/tags/bulk/page/3/"));

  // Archive year: January 2022 runs over pages; the month link goes to page 1.
  const std::string y2 = dir.Read("public/archive/2022/page/2/index.html");
  CHECK(Contains(y2, "January 2022 (continued)"));
  CHECK(Contains(y2, "Bulk incident 4<"));
  CHECK(Contains(y2, "href=\"/archive/archive/2022/#january\""));
  CHECK(dir.Exists("public/archive/2022/page/3/index.html"));

  // Actions: the default view is what needs attention, overdue first, two a
  // page; the owner view is paginated too, and there is a service view.
  const std::string a1 = dir.Read("public/actions/index.html");
  CHECK(Contains(a1, "Overdue ("));
  CHECK_FALSE(Contains(a1, "Load-test pool settings"));  // done: on its own pages
  CHECK(Contains(dir.Read("public/actions/status/done/index.html"), "Load-test pool settings"));
  CHECK(dir.Exists("public/actions/page/2/index.html"));
  const std::string ops2 = dir.Read("public/actions/owner/ops/page/2/index.html");
  CHECK(Contains(ops2, "Showing 3\u20134 of 7"));
  CHECK(Contains(ops2, "Bulk fix 3<"));  // due May 1..7, oldest due first
  CHECK(Contains(ops2, "Bulk fix 4<"));
  CHECK_FALSE(Contains(ops2, "Bulk fix 5<"));
  CHECK(dir.Exists("public/actions/owner/ops/page/4/index.html"));
  CHECK_FALSE(dir.Exists("public/actions/owner/ops/page/5/index.html"));
  CHECK(Contains(dir.Read("public/actions/service/queue/index.html"), "Bulk fix 1<"));
  CHECK(Contains(a1, "href=\"/archive/actions/service/queue/\""));
}

TEST_CASE("a list that shrinks loses its extra pages and the incremental build equals a clean one") {
  TempDir work;
  MakeArchive(work, 7);
  REQUIRE(RunCasebook(kBuild, work.path()).exit_code == 0);
  REQUIRE(work.Exists("public/tags/bulk/page/3/index.html"));
  for (int n = 4; n <= 7; ++n) {
    std::string s = std::to_string(n);
    fs::remove(work.path() + "/content/2022/2022-01-0" + s + "-bulk-" + s + ".md");
  }
  auto r = RunCasebook(kBuild, work.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(work.Exists("public/tags/bulk/index.html"));
  CHECK_FALSE(work.Exists("public/tags/bulk/page/2/index.html"));
  CHECK_FALSE(work.Exists("public/tags/bulk/page/3/index.html"));
  CHECK_FALSE(work.Exists("public/archive/2022/page/2/index.html"));
  CHECK_FALSE(work.Exists("public/actions/owner/ops/page/3/index.html"));
  CHECK_FALSE(Contains(work.Read("public/tags/bulk/index.html"), "rel=\"next\""));

  TempDir clean;
  for (const char* part : {"site.toml", "content"})
    fs::copy(fs::path(work.path()) / part, fs::path(clean.path()) / part, fs::copy_options::recursive);
  REQUIRE(RunCasebook(std::string(kBuild) + " --no-cache", clean.path()).exit_code == 0);
  auto incremental = Snapshot(work.path() + "/public");
  auto fresh = Snapshot(clean.path() + "/public");
  CHECK(incremental.size() == fresh.size());
  for (const auto& [path, bytes] : fresh) {
    INFO(path);
    REQUIRE(incremental.count(path));
    CHECK(incremental[path] == bytes);
  }

  // Growing again brings the pages back.
  for (int n = 4; n <= 7; ++n) WriteBulk(work, n);
  REQUIRE(RunCasebook(kBuild, work.path()).exit_code == 0);
  CHECK(Contains(work.Read("public/tags/bulk/page/3/index.html"), "Bulk incident 1<"));
}

TEST_CASE("a bad [pagination] value is an error naming the file and line") {
  TempDir dir;
  CopySite(dir);
  std::ofstream(dir.path() + "/site.toml", std::ios::app) << "\n[pagination]\npage_size = 0\n";
  auto r = RunCasebook(kBuild, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(Contains(r.err, "site.toml:"));
  CHECK(Contains(r.err, "pagination.page_size must be from 1 to 10000, not 0"));
}

TEST_CASE("a taxonomy with many terms lists the most used first, then A-Z with letter links") {
  TempDir dir;
  CopySite(dir);
  // 45 tags: "common" on every postmortem, "alpha-<n>", "beta-<n>" and
  // "9-lives" once each.
  for (int n = 0; n < 44; ++n) {
    std::string s = std::to_string(n);
    std::string tag = n == 43 ? "9-lives" : (n % 2 ? "beta-" : "alpha-") + s;
    dir.Write("content/2022/2022-02-01-t" + s + ".md",
              "+++\ntitle = \"Tagged " + s + "\"\ndate = 2022-02-01\nseverity = \"SEV3\"\n"
              "tags = [\"common\", \"" + tag + "\"]\n+++\n\n## Summary\n\nText.\n");
  }
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string tags = dir.Read("public/tags/index.html");
  const size_t most = tags.find("Most used"), az = tags.find("A&ndash;Z");
  REQUIRE(most != std::string::npos);
  REQUIRE(az != std::string::npos);
  const size_t common = tags.find("/archive/tags/common/");  // the most used comes first
  CHECK(common > most);
  CHECK(common < tags.find("/archive/tags/alpha-0/"));
  for (const char* letter : {"href=\"#letter-a\">A<", "href=\"#letter-b\">B<", "href=\"#letter-other\">#<",
                             "id=\"letter-a\"", "id=\"letter-other\""})
    CHECK(Contains(tags, letter));
  CHECK(tags.find("id=\"letter-a\"") < tags.find("id=\"letter-b\""));
  CHECK(Contains(tags, "data-filter=\"term-az\""));
  // A small taxonomy stays one list.
  CHECK_FALSE(Contains(dir.Read("public/services/index.html"), "Most used"));
}

TEST_CASE("undated postmortems are split into pages by title, each listed once") {
  TempDir dir;
  CopySite(dir);
  std::ofstream(dir.path() + "/site.toml", std::ios::app) << "\n[pagination]\npage_size = 3\n";
  // Plain Markdown with no date anywhere: all go to /archive/undated/.
  for (int n = 1; n <= 7; ++n) {
    const std::string s = std::to_string(n);
    dir.Write("content/undated-" + s + ".md",
              "# Undated blip " + s + "\n\nA resolver restarted and lookups failed.\n");
  }
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const std::string p1 = dir.Read("public/archive/undated/index.html");
  const std::string p3 = dir.Read("public/archive/undated/page/3/index.html");
  CHECK_FALSE(dir.Exists("public/archive/undated/page/4/index.html"));
  CHECK(Contains(p1, "7 postmortems with no known incident date"));
  // Headings in order: the items' h3 titles sit under an h2 (axe heading-order).
  CHECK(p1.find("<h2") < p1.find("<h3"));
  CHECK(Contains(p1, "<link rel=\"next\" href=\"/archive/archive/undated/page/2/\">"));
  CHECK(Contains(p3, "<link rel=\"prev\" href=\"/archive/archive/undated/page/2/\">"));
  // By title, A-Z, each exactly once across the pages.
  std::string all;
  for (const char* page : {"index.html", "page/2/index.html", "page/3/index.html"})
    all += dir.Read(std::string("public/archive/undated/") + page);
  for (int n = 1; n <= 7; ++n) {
    const std::string title = ">Undated blip " + std::to_string(n) + "<";
    INFO(title);
    CHECK(all.find(title) != std::string::npos);
    CHECK(all.find(title) == all.rfind(title));
  }
  CHECK(Contains(p1, ">Undated blip 1<"));
  CHECK(Contains(p3, ">Undated blip 7<"));
}

TEST_CASE("every page of a term lists the same year jump links, each marked on its own page") {
  TempDir dir;
  MakeArchive(dir, 0);
  // Newest first: 2024, 2024, 2023 | 2023, 2023, 2021 | 2021 (3 a page).
  const char* dates[] = {"2024-03-02", "2024-03-01", "2023-05-03", "2023-05-02",
                         "2023-05-01", "2021-07-02", "2021-07-01"};
  int n = 0;
  for (const char* date : dates) {
    const std::string s = std::to_string(++n);
    dir.Write(std::string("content/") + std::string(date).substr(0, 4) + "/" + date + "-span-" + s +
                  ".md",
              "+++\ntitle = \"Span incident " + s + "\"\ndate = " + date +
                  "\nseverity = \"SEV3\"\ntags = [\"span\"]\n+++\n\n## Summary\n\nSpan " + s + ".\n");
  }
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto links = [](bool y2024, bool y2023, bool y2021) {
    auto cur = [](bool c) { return std::string(c ? " class=\"year-current\"" : ""); };
    return "Jump to:</li><li><a href=\"/archive/tags/span/\"" + cur(y2024) +
           ">2024</a></li><li><a href=\"/archive/tags/span/\"" + cur(y2023) +
           ">2023</a></li><li><a href=\"/archive/tags/span/page/2/\"" + cur(y2021) +
           ">2021</a></li></ul>";
  };
  CHECK(Contains(dir.Read("public/tags/span/index.html"), links(true, true, false)));
  CHECK(Contains(dir.Read("public/tags/span/page/2/index.html"), links(false, false, true)));
  CHECK(Contains(dir.Read("public/tags/span/page/3/index.html"), links(false, false, false)));
}
