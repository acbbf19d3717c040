// Page polish end to end (issue 17, point 8), through the real `casebook`
// build: counts with thousands separators; one merged list of linked
// incidents; "On this day" capped with a link to the rest; similar-incident
// reasons made of shared services, tags and distinctive words.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

const char* kBuild = "build --today 2024-06-01";

void WriteSiteToml(const TempDir& dir) {
  dir.Write("site.toml",
            "relative_urls = false\ntitle = \"Polish\"\nbase_url = \"https://pm.example.com/\"\n"
            "timezone = \"UTC\"\ntaxonomies = [\"tags\", \"services\", \"severity\"]\n");
}

}  // namespace

TEST_CASE("counts on pages have thousands separators") {
  TempDir dir;
  WriteSiteToml(dir);
  std::string pm =
      "+++\ntitle = \"Many actions\"\ndate = 2023-01-10\n[incident]\nstarted = 2023-01-10T10:00:00Z\n";
  for (int i = 1; i <= 1200; ++i)
    pm += "[[actions]]\ntext = \"Fix " + std::to_string(i) + "\"\nowner = \"ops\"\ndue = 2024-05-01\n"
          "status = \"open\"\n";
  pm += "+++\n\n## Summary\n\nMany things to fix.\n";
  dir.Write("content/2023/2023-01-10-many.md", pm);
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string page = dir.Read("public/postmortems/2023-01-10-many/index.html");
  CHECK(Contains(page, "1,200 action items, 1,200 open, 1,200 overdue"));
  CHECK_FALSE(Contains(page, "1200 "));
  const std::string home = dir.Read("public/index.html");
  CHECK(Contains(home, "1,200 open action items"));
  CHECK(Contains(home, "<span class=\"week-number\">1,200</span>"));
  const std::string actions = dir.Read("public/actions/index.html");
  CHECK(Contains(actions, "1,200"));
  CHECK_FALSE(Contains(actions, ">1200<"));
  CHECK_FALSE(Contains(actions, "1200 "));
}

TEST_CASE("On this day, on the home page, is capped, with a link to the rest") {
  TempDir dir;
  WriteSiteToml(dir);
  for (int y = 2012; y <= 2023; ++y) {
    std::string year = std::to_string(y);
    dir.Write("content/" + year + "/" + year + "-06-01-anniversary.md",
              "+++\ntitle = \"Anniversary " + year + "\"\ndate = " + year + "-06-01\n[incident]\nstarted = " +
                  year + "-06-01T10:00:00Z\n+++\n\n## Summary\n\nIt happened again.\n");
  }
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string home = dir.Read("public/index.html");
  size_t from = home.find("id=\"on-this-day-heading\"");
  REQUIRE(from != std::string::npos);
  const std::string section = home.substr(from, home.find("</section>", from) - from);
  CHECK(Count(section, "<li>") == 5);
  CHECK(Contains(section, "<a href=\"/archive/\">7 more on this date in earlier years</a>"));
}

TEST_CASE("On this day shows no link when nothing is left out") {
  TempDir dir;
  WriteSiteToml(dir);
  dir.Write("content/2020/2020-06-01-once.md",
            "+++\ntitle = \"Once\"\ndate = 2020-06-01\n+++\n\n## Summary\n\nOnce.\n");
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string home = dir.Read("public/index.html");
  CHECK(Contains(home, ">Once</a>"));
  CHECK_FALSE(Contains(home, "more on this date"));
}

TEST_CASE("an incident appears once among related incidents, saying which way it links") {
  TempDir dir;
  WriteSiteToml(dir);
  auto write = [&](const std::string& id, const std::string& date, const std::string& related,
                   const std::string& body) {
    dir.Write("content/" + date.substr(0, 4) + "/" + id + ".md",
              "+++\ntitle = \"Incident " + id + "\"\ndate = " + date + "\nrelated = [" + related +
                  "]\n+++\n\n## Summary\n\n" + body + "\n");
  };
  write("2023-01-01-hub", "2023-01-01", "\"2023-02-01-both\", \"2023-04-01-out\"", "The hub.");
  write("2023-02-01-both", "2023-02-01", "\"2023-01-01-hub\"", "Back to the hub.");
  write("2023-03-01-in", "2023-03-01", "\"2023-01-01-hub\"", "Links to the hub.");
  write("2023-04-01-out", "2023-04-01", "", "Nothing links from here.");
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string page = dir.Read("public/postmortems/2023-01-01-hub/index.html");
  size_t from = page.find("id=\"pm-related-heading\"");
  REQUIRE(from != std::string::npos);
  size_t to = page.find("<nav class=\"pager\"", from);
  size_t similar = page.find("<h3>Similar", from);
  const std::string linked = page.substr(from, std::min(similar, to) - from);
  INFO(linked);
  CHECK_FALSE(Contains(page, "Referenced by"));
  CHECK(Count(linked, "<h3>") == 0);
  CHECK(Count(linked, "href=\"/postmortems/2023-02-01-both/\"") == 1);
  size_t both = linked.find("2023-02-01-both/");
  CHECK(linked.find("linked both ways", both) < linked.find("2023-03-01-in/"));
  size_t in = linked.find("2023-03-01-in/");
  REQUIRE(in != std::string::npos);
  CHECK(linked.find("links here", in) != std::string::npos);
  size_t out = linked.find("2023-04-01-out/");
  REQUIRE(out != std::string::npos);
  CHECK(linked.find("linked from here", out) < in);  // related first, in their order
}

TEST_CASE("similar incidents say why with shared services, tags and distinctive words") {
  TempDir dir;
  WriteSiteToml(dir);
  // A and B share a service, a tag, two rare words (walrus, kestrel), two
  // common English words only they hold (place, suite), a short one (hold)
  // and a word most postmortems hold (gizmo). B has no date or severity.
  const std::string shared =
      "The walrus replica and the kestrel queue failed in place; the suite had to hold. "
      "Walrus and kestrel again: walrus, kestrel, place, suite, hold, gizmo.";
  dir.Write("content/2023/2023-05-01-alpha.md",
            "+++\ntitle = \"Alpha\"\ndate = 2023-05-01\nseverity = \"SEV2\"\nservices = [\"ledger\", \"billing\"]\n"
            "tags = [\"replication\"]\n+++\n\n## Summary\n\n" + shared + "\n");
  dir.Write("content/bravo.md",
            "+++\ntitle = \"Bravo\"\nservices = [\"ledger\"]\ntags = [\"replication\", \"network\"]\n+++\n\n"
            "## Summary\n\n" + shared + "\n");
  const char* fillers[] = {"disk", "cache", "dns", "certificate", "quota", "memory", "cron", "firewall"};
  int n = 0;
  for (const char* f : fillers) {
    std::string day = "0" + std::to_string(++n);
    dir.Write(std::string("content/2022/2022-01-") + day + "-" + f + ".md",
              std::string("+++\ntitle = \"Filler ") + f + "\"\ndate = 2022-01-" + day +
                  "\n+++\n\n## Summary\n\nThe " + f + " broke" + (n <= 6 ? ", gizmo" : "") + ".\n");
  }
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string page = dir.Read("public/postmortems/2023-05-01-alpha/index.html");
  size_t from = page.find("<h3>Similar incidents</h3>");
  REQUIRE(from != std::string::npos);
  const std::string similar = page.substr(from, page.find("</ul>", from) - from);
  INFO(similar);
  REQUIRE(Contains(similar, ">Bravo</a>"));
  // No date and no badge: the reason follows without a dangling separator.
  CHECK(Contains(similar, "<span class=\"similar-reason\">Same service ledger; same tag replication; both mention "));
  CHECK_FALSE(Contains(similar, "\u00b7"));
  CHECK(Contains(similar, "walrus"));
  CHECK(Contains(similar, "kestrel"));
  for (const char* noise : {"place", "suite", "hold", "gizmo"}) {
    INFO(noise);
    CHECK_FALSE(Contains(similar, noise));
  }
}
