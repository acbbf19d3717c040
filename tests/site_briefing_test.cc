// The service page as a briefing: the real binary builds the fixture
// archive, and page 1 of /services/<term>/ shows the service's open and
// overdue action items, its median durations and its lessons learned; a
// tag page does not; incremental builds match clean ones when an item's
// status or a lesson changes.
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

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string ReplaceFirst(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

const char* kPool = "content/2024/2024-03-12-checkout-pool.md";

// The fixture's checkout postmortem with one more open item (due after
// "today", so not overdue) and a lessons-learned section.
void AddBriefingContent(const TempDir& dir) {
  std::string pm = dir.Read(kPool);
  pm = ReplaceFirst(pm, "[[actions]]\ntext = \"Load-test pool settings",
                    "[[actions]]\ntext = \"Document the pool runbook & alerts\"\nowner = \"team-sre\"\n"
                    "due = 2024-09-01\nstatus = \"open\"\n\n"
                    "[[actions]]\ntext = \"Load-test pool settings");
  pm += "\n## Lessons learned\n\n- **Pool sizes** must follow the instance type & <size>.\n"
        "- Alerts on saturation, not only on errors.\n";
  dir.Write(kPool, pm);
}

}  // namespace

TEST_CASE("a service page briefs an engineer before a change") {
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  AddBriefingContent(dir);
  auto r = RunCasebook("build --no-index --today 2024-06-01", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  std::string page = dir.Read("public/services/checkout-api/index.html");
  CHECK(Contains(page, "Before you change this service"));
  // The overdue item (due 2024-04-01) first, then the open one.
  size_t overdue = page.find("Alert when the connection pool is above 80%");
  size_t open = page.find("Document the pool runbook &amp; alerts");
  REQUIRE(overdue != std::string::npos);
  REQUIRE(open != std::string::npos);
  CHECK(overdue < open);
  CHECK(Contains(page, "2 open action items"));
  CHECK(Contains(page, "1 overdue"));
  CHECK(Contains(page, "/actions/service/checkout-api/"));
  // Done items are not briefed.
  size_t briefing_end = page.find("id=\"list-heading\"");
  REQUIRE(briefing_end != std::string::npos);
  CHECK_FALSE(Contains(page.substr(0, briefing_end), "Load-test pool settings"));
  // The lesson, as escaped plain text, linking to its section.
  CHECK(Contains(page, "Pool sizes must follow the instance type &amp; &lt;size&gt;."));
  CHECK(Contains(page, "2024-03-12-checkout-pool/index.html#lessons-learned\""));
  // Median durations: detected 7 minutes after the start.
  CHECK(Contains(page, "Median time to detect"));
  CHECK(Contains(page, "7 min"));

  // postgres: the failover postmortem's item is done, the checkout one open.
  std::string postgres = dir.Read("public/services/postgres/index.html");
  CHECK(Contains(postgres, "Alert when the connection pool is above 80%"));
  CHECK_FALSE(Contains(postgres.substr(0, postgres.find("id=\"list-heading\"")), "Tune failover timeouts"));

  std::string tag = dir.Read("public/tags/database/index.html");
  CHECK_FALSE(Contains(tag, "Before you change this service"));
  CHECK_FALSE(Contains(tag, "Lessons learned"));
}

TEST_CASE("the service briefing stays exact in incremental builds") {
  TempDir work;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", work.path(), fs::copy_options::recursive);
  AddBriefingContent(work);
  const std::string build = "build --no-index --today 2024-06-01";
  REQUIRE(RunCasebook(build, work.path()).exit_code == 0);

  work.Write(kPool, ReplaceFirst(work.Read(kPool), "status = \"open\"", "status = \"done\""));
  CompareWithClean(work, build, "close the overdue action item");
  std::string page = work.Read("public/services/checkout-api/index.html");
  CHECK_FALSE(Contains(page, "Alert when the connection pool is above 80%"));
  CHECK(Contains(page, "1 open action item"));

  work.Write(kPool, ReplaceFirst(work.Read(kPool), "not only on errors", "and on queue depth"));
  CompareWithClean(work, build, "edit a lesson (body only)");
  CHECK(Contains(work.Read("public/services/checkout-api/index.html"), "and on queue depth"));
}

namespace {

const char* kEviction =
    "The redis cache evicted hot keys under memory pressure. Every web worker then "
    "missed the cache at once and the thundering herd of queries saturated the "
    "catalog database; latency rose until the cache warmed again.";
const char* kCertificate =
    "The TLS certificate of the partner gateway expired because the renewal job "
    "had lost its credentials; partners saw handshake failures until a new "
    "certificate was issued by hand.";

void WriteCacheIncident(const TempDir& dir, const std::string& slug, const std::string& date,
                        const std::string& title, const std::string& text) {
  dir.Write("content/2024/" + date + "-" + slug + ".md",
            "+++\ntitle = \"" + title + "\"\ndate = " + date +
                "\nseverity = \"SEV2\"\nservices = [\"catalog-cache\"]\n"
                "summary = \"One catalog incident.\"\n+++\n\n## What happened\n\n" + text +
                "\n");
}

std::string RecurringSection(const std::string& page) {
  size_t begin = page.find("Recurring incidents");
  if (begin == std::string::npos) return "";
  return page.substr(begin, page.find("</ul>", begin) - begin);
}

}  // namespace

TEST_CASE("a service page shows its most similar recurring incidents, exactly in incremental builds") {
  TempDir work;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", work.path(), fs::copy_options::recursive);
  WriteCacheIncident(work, "eviction-storm", "2024-01-10", "Cache eviction storm", kEviction);
  WriteCacheIncident(work, "eviction-again", "2024-02-20", "Cache eviction storm again", kEviction);
  WriteCacheIncident(work, "gateway-cert", "2024-04-02", "Partner gateway certificate expired", kCertificate);
  const std::string build = "build --today 2024-06-01";  // with the index: similar incidents
  auto r = RunCasebook(build, work.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  std::string page = work.Read("public/services/catalog-cache/index.html");
  std::string before = RecurringSection(page);
  INFO(before);
  // The two eviction storms, newer first, each a link to its page.
  size_t again = before.find("postmortems/2024-02-20-eviction-again/index.html\">Cache eviction storm again</a>");
  size_t first = before.find("postmortems/2024-01-10-eviction-storm/index.html\">Cache eviction storm</a>");
  REQUIRE(again != std::string::npos);
  REQUIRE(first != std::string::npos);
  CHECK(again < first);
  // Only service pages have them.
  CHECK(RecurringSection(work.Read("public/tags/database/index.html")).empty());

  // A body-only edit changes what search finds similar, not any list key:
  // the page must still follow.
  WriteCacheIncident(work, "gateway-cert", "2024-04-02", "Partner gateway certificate expired", kEviction);
  WriteCacheIncident(work, "eviction-storm", "2024-01-10", "Cache eviction storm", kCertificate);
  CompareWithClean(work, build, "similar incidents change with the bodies");
  std::string after = RecurringSection(work.Read("public/services/catalog-cache/index.html"));
  INFO(after);
  CHECK(after != before);
  CHECK(Contains(after, "2024-04-02-gateway-cert/index.html"));
}
