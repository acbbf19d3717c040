// End to end (issue 14, 5 and 8): the built binary on hostile archives.
// Output grows linearly with input (feed categories, list-card chips,
// charts, implausible dates), every name in the archive is a valid folder
// name (fallbacks, shortening, case and Unicode collisions), and control
// characters reach neither pages nor terminals.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.h"

using casebook::test::RunCasebook;
using casebook::test::TempDir;
namespace fs = std::filesystem;

namespace {

// `files` postmortems that all share `tags` tags and `services` services;
// the first two dated 0001-01-01 and 9999-12-31 when `wild_dates`.
void WriteSharedTags(const TempDir& dir, int files, int tags, int services, bool wild_dates) {
  dir.Write("site.toml", "title = \"Hostile\"\nrelative_urls = false\n");
  std::string tag_list, service_list;
  for (int t = 1; t <= tags; ++t) tag_list += (t > 1 ? ", " : "") + ("\"t" + std::to_string(t) + "\"");
  for (int s = 1; s <= services; ++s)
    service_list += (s > 1 ? ", " : "") + ("\"svc" + std::to_string(s) + "\"");
  for (int i = 1; i <= files; ++i) {
    std::string date = "2024-0" + std::to_string(i % 9 + 1) + "-1" + std::to_string(i % 10);
    if (wild_dates && i == 1) date = "0001-01-01";
    if (wild_dates && i == 2) date = "9999-12-31";
    dir.Write("content/pm-" + std::to_string(100 + i) + ".md",
              "+++\ntitle = \"Hostile " + std::to_string(i) + "\"\ndate = " + date +
                  "\nseverity = \"SEV2\"\nservices = [" + service_list + "]\ntags = [" + tag_list +
                  "]\n+++\n\n## Summary\n\nShared tags.\n");
  }
}

uintmax_t TreeBytes(const std::string& dir) {
  uintmax_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("hostile archive: feeds, cards and charts stay bounded", "[cli][output]") {
  TempDir dir;
  WriteSharedTags(dir, 21, 60, 30, true);
  auto r = RunCasebook("build --today 2026-01-01", dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  // Implausible dates: a build warning naming file:line.
  CHECK(r.err.find("content/pm-101.md:3: warning: times/implausible: date 0001-01-01") != std::string::npos);
  CHECK(r.err.find("content/pm-102.md:3: warning: times/implausible: date 9999-12-31") != std::string::npos);

  // A term feed: 21 entries, each with 20 of its 60 tags as categories.
  const std::string feed = dir.Read("public/tags/t1/feed.xml");
  REQUIRE(Count(feed, "<entry>") == 21);
  for (size_t at = feed.find("<entry>"); at != std::string::npos; at = feed.find("<entry>", at + 1)) {
    std::string entry = feed.substr(at, feed.find("</entry>", at) - at);
    CHECK(Count(entry, "<category term=\"t") == 20);
    CHECK(Count(entry, "<category term=\"t21\"") == 0);  // the first 20 as written
  }
  // A list card: 10 service chips, then "+20 more" to the postmortem.
  const std::string term_page = dir.Read("public/tags/t1/index.html");
  CHECK(Count(term_page, "class=\"chip chip-more\"") == 21);
  CHECK(term_page.find(">+20 more</a>") != std::string::npos);
  CHECK(term_page.find("href=\"/tags/svc11/") == std::string::npos);
  CHECK(term_page.find("href=\"/services/svc10/\"") != std::string::npos);
  // Charts: no year 0001 or 9999, and none of the 9,997 years between.
  const std::string stats = dir.Read("public/stats/index.html");
  CHECK(stats.find("9999") == std::string::npos);
  CHECK(stats.find(">0001<") == std::string::npos);
  CHECK(stats.find(">5000<") == std::string::npos);
  CHECK(stats.size() < 200 * 1024);
  CHECK(term_page.find(">9999<") == std::string::npos);  // the card still shows its date
  // The postmortems themselves are still published, in the date archive.
  CHECK(dir.Exists("public/postmortems/pm-101/index.html"));
  CHECK(dir.Exists("public/archive/9999/index.html"));
}

TEST_CASE("hostile archive: twice the shared tags, about twice the output", "[cli][output]") {
  // Before the bounds every entry repeated every term, so doubling the
  // shared tags quadrupled the term feeds and pages.
  TempDir small, large;
  WriteSharedTags(small, 21, 40, 1, false);
  WriteSharedTags(large, 21, 80, 1, false);
  auto a = RunCasebook("build --today 2026-01-01 --quiet", small.path());
  auto b = RunCasebook("build --today 2026-01-01 --quiet", large.path());
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  const double ratio = static_cast<double>(TreeBytes(large.path() + "/public")) /
                       static_cast<double>(TreeBytes(small.path() + "/public"));
  INFO("output ratio " << ratio);
  CHECK(ratio < 2.3);
  CHECK(ratio > 1.5);
}

TEST_CASE("names: fallbacks, shortening, NFC/NFD merged, control characters stripped", "[cli][names]") {
  TempDir dir;
  dir.Write("site.toml", "title = \"Names\"\n");
  const std::string long_tag(300, 'x');
  dir.Write("content/a.md",
            "+++\n"
            "title = \"Pool \\u001b]0;pwned\\u0007exhausted \\u001b[31mred\"\n"
            "date = 2024-03-14\n"
            "tags = [\"\xF0\x9F\x94\xA5\", \"!!!\", \"caf\xC3\xA9\", \"nul\\u0000tag\", \"" + long_tag + "\"]\n"
            "+++\n\n## Summary\n\nThe pool \x1b[2Jran out.\n");
  dir.Write("content/b.md",
            "+++\ntitle = \"Second\"\ndate = 2024-03-15\ntags = [\"cafe\xCC\x81\"]\n+++\n\nText.\n");
  dir.Write("content/\xF0\x9F\x94\xA5.md", "+++\ntitle = \"Fire\"\ndate = 2024-03-16\n+++\n\nText.\n");
  auto r = RunCasebook("build --today 2026-01-01", dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);

  // Terms with no letter or digit: a stable hash-based folder and a warning.
  CHECK(r.err.find("content/a.md:4: warning: names/fallback-slug: tags \"\xF0\x9F\x94\xA5\"") != std::string::npos);
  CHECK(r.err.find("names/fallback-slug: tags \"!!!\"") != std::string::npos);
  CHECK(r.err.find("content/a.md:4: warning: names/shortened-slug") != std::string::npos);
  CHECK(r.err.find("content/\xF0\x9F\x94\xA5.md:1: warning: names/fallback-slug") != std::string::npos);
  CHECK(r.err.find("content/a.md:2: warning: names/control-characters") != std::string::npos);
  std::vector<std::string> tag_dirs;
  for (const auto& e : fs::directory_iterator(dir.path() + "/public/tags"))
    if (e.is_directory()) tag_dirs.push_back(e.path().filename().string());
  std::sort(tag_dirs.begin(), tag_dirs.end());
  INFO(tag_dirs.size());
  // 🔥, !!!, café (NFC and NFD: one term), nultag, the long one.
  REQUIRE(tag_dirs.size() == 5);
  size_t fallbacks = 0;
  for (const auto& d : tag_dirs) {
    CHECK(d.size() <= 120);
    fallbacks += d.rfind("_term-", 0) == 0;
  }
  CHECK(fallbacks == 2);
  CHECK(dir.Exists("public/tags/caf\xC3\xA9/index.html"));
  CHECK(dir.Exists("public/tags/nultag/index.html"));
  CHECK(Count(dir.Read("public/tags/caf\xC3\xA9/index.html"), "class=\"pm-item\"") == 2);
  // The file named "🔥.md" has a fallback id.
  bool fire_page = false;
  for (const auto& e : fs::directory_iterator(dir.path() + "/public/postmortems"))
    fire_page |= e.path().filename().string().rfind("_id-", 0) == 0;
  CHECK(fire_page);

  // No published file holds a NUL, an ESC or a BEL.
  for (const auto& e : fs::recursive_directory_iterator(dir.path() + "/public")) {
    if (!e.is_regular_file()) continue;
    const std::string bytes = ReadAll(e.path());
    INFO(e.path().string());
    CHECK(bytes.find('\0') == std::string::npos);
    CHECK(bytes.find('\x1b') == std::string::npos);
    CHECK(bytes.find('\x07') == std::string::npos);
  }
  CHECK(dir.Read("public/postmortems/a/index.html").find("Pool ]0;pwnedexhausted [31mred") != std::string::npos);

  // Terminals: search and check show escapes, never send them.
  auto s = RunCasebook("search pool", dir.path());
  INFO(s.out << s.err);
  CHECK(s.exit_code == 0);
  CHECK(s.out.find('\x1b') == std::string::npos);  // not a tty: no colour of ours either
  auto c = RunCasebook("check --today 2026-01-01", dir.path());
  INFO(c.out << c.err);
  CHECK(c.out.find('\x1b') == std::string::npos);
  CHECK(c.out.find('\0') == std::string::npos);

  // A file name holding an escape sequence, named in findings: shown, not sent.
  dir.Write("content/esc\x1b[2J.md", "+++\ntitle = \"Esc\"\ndate = 9999-01-01\n+++\n\nText.\n");
  c = RunCasebook("check --today 2026-01-01", dir.path());
  INFO(c.out << c.err);
  CHECK(c.exit_code == 1);
  CHECK(c.out.find("content/esc\\x1b[2J.md:3:") != std::string::npos);
  CHECK(c.out.find('\x1b') == std::string::npos);
  auto b = RunCasebook("build --today 2026-01-01", dir.path());
  INFO(b.err);
  CHECK(b.err.find("content/esc\\x1b[2J.md:3: warning: times/implausible") != std::string::npos);
  CHECK(b.err.find('\x1b') == std::string::npos);
}

TEST_CASE("names: ids and terms that differ only in case or normalisation are an error", "[cli][names]") {
  TempDir dir;
  dir.Write("site.toml", "title = \"Collide\"\n");
  dir.Write("content/a.md", "+++\nid = \"CaseId\"\ntitle = \"A\"\ndate = 2024-03-14\n+++\n\nText.\n");
  dir.Write("content/b.md", "+++\nid = \"caseid\"\ntitle = \"B\"\ndate = 2024-03-15\n+++\n\nText.\n");
  auto build = RunCasebook("build --today 2026-01-01", dir.path());
  INFO(build.out << build.err);
  CHECK(build.exit_code == 1);
  CHECK(build.err.find("content/b.md:2: error: names/collision: id \"caseid\" differs from \"CaseId\" (") !=
        std::string::npos);
  CHECK(build.err.find("content/a.md)") != std::string::npos);
  CHECK_FALSE(dir.Exists("public/postmortems/caseid"));
  auto check = RunCasebook("check --today 2026-01-01", dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("names/collision") != std::string::npos);

  // Terms: "Straße" and "strasse" fold to one name on case-insensitive systems.
  dir.Write("content/b.md", "+++\ntitle = \"B\"\ndate = 2024-03-15\ntags = [\"strasse\"]\n+++\n\nText.\n");
  dir.Write("content/c.md", "+++\ntitle = \"C\"\ndate = 2024-03-16\ntags = [\"Stra\xC3\x9F" "e\"]\n+++\n\nText.\n");
  build = RunCasebook("build --today 2026-01-01", dir.path());
  INFO(build.out << build.err);
  CHECK(build.exit_code == 1);
  CHECK(build.err.find("names/collision: tags/\"stra\xC3\x9F" "e\" and tags/\"strasse\"") != std::string::npos);
  CHECK(build.err.find("content/b.md") != std::string::npos);
  CHECK(build.err.find("content/c.md") != std::string::npos);
  check = RunCasebook("check --today 2026-01-01", dir.path());
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("names/collision") != std::string::npos);
}
