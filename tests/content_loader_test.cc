#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "content/git_history.h"
#include "content/loader.h"
#include "util/text.h"
#include "test_support.h"

using namespace casebook;
using content::Document;

namespace {

const Document* ById(const content::LoadResult& r, const std::string& id) {
  for (const auto& d : r.documents)
    if (d.id == id) return &d;
  return nullptr;
}

bool Contains(const std::vector<std::string>& v, const std::string& prefix) {
  return std::any_of(v.begin(), v.end(), [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
}

config::SiteConfig SiteAt(const std::string& root) {
  util::Diagnostics d;
  config::SiteConfig cfg = config::Parse("", root + "/site.toml", &d);
  return cfg;
}

bool HaveGit() { return std::system("git --version >/dev/null 2>&1") == 0; }

// Runs a shell command in `dir` with fixed identities and dates.
void Git(const std::string& dir, const std::string& args, const std::string& date) {
  std::string cmd = "cd '" + dir + "' && GIT_AUTHOR_DATE='" + date + "' GIT_COMMITTER_DATE='" +
                    date + "' git -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false " +
                    args + " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

}  // namespace

TEST_CASE("LoadAll walks the source folder", "[loader]") {
  test::TempDir site;
  site.Write("content/2024/2024-03-12-checkout.md",
             "+++\ntitle = \"Checkout\"\nseverity = \"SEV1\"\n+++\nBody\n");
  site.Write("content/plain.md", "# Plain one\n\n## Timeline\n- 2022-05-01 10:00 start\n");
  site.Write("content/wip.md", "+++\ntitle = \"WIP\"\nstatus = \"draft\"\n+++\n");
  site.Write("content/README.md", "# Readme\n");
  site.Write("content/sub/_index.md", "# Section\n");
  site.Write("content/PM-template.md", "# Template\n");
  site.Write("content/.hidden.md", "# Hidden\n");
  site.Write("content/notes.txt", "not markdown");
  site.Write("content/broken.md", "+++\ntitle = \n+++\n");
  site.Write("content/latin1.md", "# Caf\xe9\n");
  site.Write("content/badfield.md", "+++\ntitle = 3\n+++\n# Fallback\n");

  config::SiteConfig cfg = SiteAt(site.path());
  cfg.ignore.push_back("*template*");
  util::Diagnostics diags;
  content::LoadResult r = content::LoadAll(cfg, {}, &diags);

  std::vector<std::string> rel;
  for (const auto& d : r.documents) rel.push_back(d.relative_path);
  CHECK(rel == std::vector<std::string>{"2024/2024-03-12-checkout.md", "badfield.md", "plain.md"});

  const Document* checkout = ById(r, "2024-03-12-checkout");
  REQUIRE(checkout);
  CHECK(checkout->path == site.path() + "/content/2024/2024-03-12-checkout.md");
  REQUIRE(checkout->date);
  CHECK(util::FormatDate(*checkout->date, 0) == "2024-03-12");  // from the file name
  const Document* plain = ById(r, "plain");
  REQUIRE(plain);
  CHECK(plain->title == "Plain one");
  REQUIRE(plain->date);
  CHECK(util::FormatDate(*plain->date, 0) == "2022-05-01");  // from the timeline
  const Document* badfield = ById(r, "badfield");
  REQUIRE(badfield);
  CHECK(badfield->title == "Fallback");

  CHECK(r.drafts == std::vector<std::string>{"wip.md"});
  CHECK(Contains(r.skipped, "README.md: ignored"));
  CHECK(Contains(r.skipped, "sub/_index.md: ignored"));
  CHECK(Contains(r.skipped, "PM-template.md: ignored (matches \"*template*\")"));
  CHECK(Contains(r.skipped, ".hidden.md"));
  CHECK(Contains(r.skipped, "notes.txt"));

  // Errors name the file as opened (source folder joined), with lines.
  int broken = 0, encoding = 0, type = 0;
  for (const auto& d : diags.items()) {
    if (util::EndsWith(d.file, "/broken.md") && d.rule == "schema/front-matter" && d.line == 2) ++broken;
    if (util::EndsWith(d.file, "/latin1.md") && d.rule == "schema/encoding" && d.line == 1) ++encoding;
    if (util::EndsWith(d.file, "/badfield.md") && d.rule == "schema/type" && d.line == 2) ++type;
  }
  CHECK(broken == 1);
  CHECK(encoding == 1);
  CHECK(type == 1);
  CHECK(diags.ErrorCount() == 3);

  content::LoadOptions with_drafts;
  with_drafts.include_drafts = true;
  util::Diagnostics d2;
  content::LoadResult all = content::LoadAll(cfg, with_drafts, &d2);
  CHECK(all.documents.size() == 4);
  CHECK(all.drafts.empty());
  REQUIRE(ById(all, "wip"));
  CHECK(ById(all, "wip")->status == "draft");
}

TEST_CASE("LoadAll reports a missing source folder", "[loader]") {
  test::TempDir site;
  config::SiteConfig cfg = SiteAt(site.path());
  util::Diagnostics diags;
  content::LoadResult r = content::LoadAll(cfg, {}, &diags);
  CHECK(r.documents.empty());
  REQUIRE(diags.items().size() == 1);
  CHECK(diags.items()[0].rule == "content/source");
  CHECK(diags.items()[0].message.find(site.path() + "/content") != std::string::npos);
}

TEST_CASE("the git date is never the incident date", "[loader]") {
  test::TempDir site;
  site.Write("content/undated.md", "# No date anywhere\n");
  site.Write("content/2021-01-02-dated.md", "# Dated\n");
  content::GitHistory history;
  content::FileHistory h;
  h.last_changed = *util::ParseDateTime("2023-05-06T23:30:00-02:00");
  h.commits = 4;
  history.Set("undated.md", h);
  history.Set("2021-01-02-dated.md", h);
  util::Diagnostics diags;
  content::LoadResult r = content::LoadAll(SiteAt(site.path()), {}, &diags, &history);
  REQUIRE(r.documents.size() == 2);
  // The last commit is when it was written, not when the incident happened.
  CHECK_FALSE(ById(r, "undated")->date);
  CHECK(util::FormatDate(*ById(r, "2021-01-02-dated")->date, 0) == "2021-01-02");
}

TEST_CASE("GitHistory reads one git log", "[loader][git]") {
  if (!HaveGit()) {
    WARN("skipped: git is not installed");
    return;
  }
  test::TempDir repo;
  repo.Write("pm/a.md", "# A\n");
  repo.Write("pm/sub/Zürich b.md", "# B\n");
  repo.Write("other.md", "# outside the source folder\n");
  Git(repo.path(), "init -q", "2020-01-01T00:00:00Z");
  Git(repo.path(), "add -A", "2020-01-01T00:00:00Z");
  Git(repo.path(), "commit -q -m one", "2022-03-04T10:00:00+01:00");
  repo.Write("pm/a.md", "# A changed\n");
  Git(repo.path(), "commit -q -am two", "2023-07-08T12:00:00+00:00");

  content::GitHistory h = content::GitHistory::Read(repo.path() + "/pm");
  REQUIRE_FALSE(h.empty());
  const content::FileHistory* a = h.Find("a.md");
  REQUIRE(a);
  CHECK(a->commits == 2);
  CHECK(util::FormatRfc3339(a->last_changed) == "2023-07-08T12:00:00Z");
  const content::FileHistory* b = h.Find("sub/Zürich b.md");
  REQUIRE(b);
  CHECK(b->commits == 1);
  CHECK(util::FormatRfc3339(b->last_changed) == "2022-03-04T09:00:00Z");
  CHECK(b->last_changed.offset_minutes == 60);
  CHECK(h.Find("other.md") == nullptr);
  CHECK(h.Find("../other.md") == nullptr);

  // LoadAll never takes a date from git.
  util::Diagnostics diags;
  config::SiteConfig cfg = SiteAt(repo.path());
  cfg.source = "pm";
  content::LoadResult r = content::LoadAll(cfg, {}, &diags);
  REQUIRE(ById(r, "a"));
  CHECK_FALSE(ById(r, "a")->date);
}

TEST_CASE("GitHistory outside a repository is empty and silent", "[loader][git]") {
  test::TempDir plain;
  plain.Write("x.md", "# X\n");
  test::TempDir capture;
  std::string err_path = capture.path() + "/stderr";
  fflush(stderr);
  int saved = dup(2);
  int fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  dup2(fd, 2);
  content::GitHistory h = content::GitHistory::Read(plain.path());
  content::GitHistory missing = content::GitHistory::Read(plain.path() + "/does not exist");
  fflush(stderr);
  dup2(saved, 2);
  close(fd);
  close(saved);
  CHECK(h.empty());
  CHECK(missing.empty());
  CHECK(capture.Read("stderr").empty());
}

TEST_CASE("the DFDS corpus loads with titles, dates and timelines", "[loader][corpus]") {
  const std::string corpus = test::SharedCorpus();
  if (corpus.empty()) {
    WARN("skipped: ../shared/corpora/dfds-postmortems is absent");
    return;
  }
  config::SiteConfig cfg;
  cfg.source = corpus;
  cfg.ignore.push_back("*template*");
  util::Diagnostics diags;
  content::LoadResult r = content::LoadAll(cfg, {}, &diags);
  for (const auto& d : diags.items()) INFO(d.Format());
  CHECK(diags.ErrorCount() == 0);
  CHECK(r.documents.size() >= 35);
  CHECK(Contains(r.skipped, "PMyyyy-nnn - Postmortem template.md: ignored"));
  CHECK(Contains(r.skipped, "README.md: ignored"));

  const Document* coredns = ById(r, "pm2020-004-coredns-upgrade-issue");
  REQUIRE(coredns);
  CHECK(coredns->title == "CoreDNS upgrade issue");
  CHECK(coredns->title_source == Document::TitleSource::kHeading);
  CHECK(coredns->front_matter == content::FrontMatterKind::kNone);
  CHECK(coredns->timeline_from_body);
  REQUIRE(coredns->timeline.size() == 3);
  CHECK(util::FormatRfc3339(coredns->timeline[0].at) == "2020-02-03T10:21:00Z");
  CHECK(coredns->timeline[0].at.offset_minutes == 60);
  CHECK(util::FormatDateTime(coredns->timeline[0].at, 60) == "2020-02-03 11:21 +01:00");
  CHECK(coredns->timeline[0].text == "EKS 1.14 upgrade cause CoreDNS pods to crash loop");
  CHECK(coredns->timeline[2].text == "CoreDNS upgraded and issue permanently fixed");
  REQUIRE(coredns->date);
  CHECK(util::FormatDate(*coredns->date, 0) == "2020-02-03");
  REQUIRE(coredns->figures.size() == 1);
  CHECK(coredns->figures[0].value == "31 minutes");

  // "Date and Time in CET" header, a "--:--" row.
  const Document* ip = ById(r, "pm2019-009-kubernetes-network-infrastructure-ip-starvation");
  REQUIRE(ip);
  REQUIRE(ip->timeline.size() == 14);
  CHECK(util::FormatRfc3339(ip->timeline[0].at) == "2019-11-29T11:00:00Z");
  CHECK(ip->timeline[5].at.time_unknown);

  // "All times in UTC".
  const Document* cni = ById(r, "pm2021-005-all-services-returning-503-in-kubernetes");
  REQUIRE(cni);
  REQUIRE_FALSE(cni->timeline.empty());
  CHECK(util::FormatRfc3339(cni->timeline[0].at) == "2021-06-22T08:21:00Z");

  // Every postmortem but the one whose years are typos ("20202-01-16") has a
  // timeline and a date; titles come from headings.
  int with_timeline = 0, with_date = 0;
  for (const auto& d : r.documents) {
    INFO(d.relative_path);
    CHECK(d.title_source == Document::TitleSource::kHeading);
    if (!d.timeline.empty()) ++with_timeline;
    if (d.date) ++with_date;
  }
  CHECK(with_timeline >= static_cast<int>(r.documents.size()) - 1);
  CHECK(with_date >= static_cast<int>(r.documents.size()) - 1);
}
