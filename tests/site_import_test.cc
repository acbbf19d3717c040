// Archives written for other templates, end to end: the import fixtures
// (tests/fixtures/import) and the public DFDS archive in ../shared built by
// the real binary; what was read from the bodies must reach the pages, the
// action tracker, /stats/, feeds, postmortems.json, the index and check.
#include <catch2/catch.hpp>

#include <filesystem>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

// The JSON objects of postmortems.json, split at their "action_items" key
// (each postmortem object starts with it).
std::vector<std::string> Postmortems(const std::string& pretty) {
  // Whitespace outside strings dropped, so the checks need not follow the layout.
  std::string json;
  bool in_string = false;
  for (size_t i = 0; i < pretty.size(); ++i) {
    char c = pretty[i];
    if (in_string) {
      json += c;
      if (c == '\\' && i + 1 < pretty.size()) json += pretty[++i];
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
      json += c;
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      json += c;
    }
  }
  std::vector<std::string> out;
  const std::string key = "{\"action_items\":";
  for (size_t p = json.find(key); p != std::string::npos;) {
    size_t next = json.find(key, p + 1);
    out.push_back(json.substr(p, next == std::string::npos ? std::string::npos : next - p));
    p = next;
  }
  return out;
}

}  // namespace

TEST_CASE("an archive in other templates builds into full pages, tracker, stats and index",
          "[import]") {
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "import", dir.path(), fs::copy_options::recursive);
  auto r = RunCasebook("build --verbose --today 2024-06-01", dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(Contains(r.out + r.err, "links/broken"));
  CHECK(Contains(r.out, "Wrote 8 postmortems"));
  // The template is not published, and --verbose says why.
  CHECK(Contains(r.out + r.err, "postmortem-template.md: skipped as a template"));
  CHECK_FALSE(dir.Exists("public/postmortems/postmortem-template/index.html"));

  // Pages: summary, key facts, incident times and durations, the original report link.
  std::string sre = dir.Read("public/postmortems/lighthouse-search-outage/index.html");
  CHECK(Contains(sre, "Lighthouse Search returned errors for 71 minutes"));
  CHECK(Contains(sre, "2016-03-09T17:06:00Z"));  // started, from OUTAGE BEGINS
  CHECK(Contains(sre, "1 h 11 min"));            // time to resolve
  std::string cdn = dir.Read("public/postmortems/cdn-cert-expiry/index.html");
  CHECK(Contains(cdn, "<dt>Original report</dt>"));
  CHECK(Contains(cdn, "href=\"https://status.example.com/incidents/cdn-cert-2022?a=1&amp;b=2\""));
  CHECK(Contains(cdn, "Example &lt;Corp&gt; &amp; Sons"));
  CHECK_FALSE(Contains(cdn, "Example <Corp>"));

  // Percent-encoded and <angle-bracket> links resolve.
  std::string queue = dir.Read("public/postmortems/queue-backlog/index.html");
  CHECK(Contains(queue, "href=\"../../postmortems/cdn-cert-expiry/index.html\""));
  CHECK(Contains(queue, "href=\"../../postmortems/storage-node-eviction/index.html\""));

  // The action tracker lists items read from tables and checklists.
  // Open items are on /actions/, done ones on their own page.
  std::string actions = dir.Read("public/actions/index.html");
  std::string done = dir.Read("public/actions/status/done/index.html");
  CHECK(Contains(done, "Cap retries in the query fan-out"));
  CHECK(Contains(done, "Add a check on pool size against peak concurrency"));
  CHECK(Contains(actions, "Write down why the pool size is 64"));
  CHECK(Contains(dir.Read("public/actions.csv"), "PAY-2210"));

  // Stats have durations and severities to chart.
  std::string stats = dir.Read("public/stats/index.html");
  CHECK(Count(stats, "No data yet") == 0);

  // postmortems.json: every dated one has an incident date; severities normalized.
  std::string json = dir.Read("public/postmortems.json");
  auto pms = Postmortems(json);
  REQUIRE(pms.size() == 8);
  int with_summary = 0, with_actions = 0, with_ttr = 0;
  for (const auto& pm : pms) {
    with_summary += Contains(pm, "\"summary\":\"\"") ? 0 : 1;
    with_actions += Contains(pm, "{\"action_items\":[]") ? 0 : 1;
    with_ttr += Contains(pm, "\"resolve_seconds\":null") ? 0 : 1;
  }
  CHECK(with_summary == 8);  // queue-backlog: its lead paragraph
  CHECK(with_actions == 6);
  CHECK(with_ttr == 7);
  CHECK(Contains(pms[0] + pms[1] + pms[2], "\"severity\":\"SEV2\""));

  // Feed entries carry the extracted summary.
  CHECK(Contains(dir.Read("public/feed.xml"), "Browsers rejected images and scripts"));

  // Undated postmortems are listed, and linked from the archive and home.
  REQUIRE(dir.Exists("public/archive/undated/index.html"));
  CHECK(Contains(dir.Read("public/archive/undated/index.html"), "Short DNS blip on the internal resolver"));
  CHECK(Contains(dir.Read("public/archive/index.html"), "href=\"../archive/undated/index.html\""));
  CHECK(Contains(dir.Read("public/index.html"), "href=\"archive/undated/index.html\""));
  CHECK(dir.Exists("public/archive/2016/index.html"));

  // The index: severity:, year:, ttr: and date ranges.
  auto search = [&](const std::string& q) {
    auto s = RunCasebook("search \"" + q + "\" --json --limit 50", dir.path());
    INFO(s.err);
    CHECK(s.exit_code == 0);
    return s.out;
  };
  std::string sev2 = search("severity:SEV2");
  CHECK(Contains(sev2, "2024-04-10-payments-latency"));
  CHECK(Contains(sev2, "storage-node-eviction"));
  CHECK_FALSE(Contains(sev2, "webhook-delivery-degradation"));
  CHECK(Contains(search("year:2016"), "lighthouse-search-outage"));
  std::string fast = search("ttr:..1h");
  CHECK(Contains(fast, "cdn-cert-expiry"));
  CHECK_FALSE(Contains(fast, "queue-backlog"));
  CHECK(Contains(search("2021-01-01..2021-12-31"), "queue-backlog"));
  // A key casebook has no field for is a filter too.
  std::string company = search("company:example-corp-sons");
  CHECK(Contains(company, "cdn-cert-expiry"));
  CHECK_FALSE(Contains(company, "queue-backlog"));

  // brief and check see the same facts.
  auto brief = RunCasebook("brief payments-api", dir.path());
  CHECK(Contains(brief.out, "Payments API latency"));
  auto check = RunCasebook("check --today 2024-06-01", dir.path());
  CHECK(Contains(check.out + check.err, "undated-dns-blip.md:1:1: warning: times/no-date"));
  CHECK(Contains(check.out + check.err, "action item has no owner: \"Write down why the pool size is 64\""));
}

TEST_CASE("the DFDS archive as it is: summaries, action items, no broken links, no template",
          "[import][corpus]") {
  std::string corpus = casebook::test::SharedCorpus();
  if (corpus.empty()) {
    WARN("skipped: ../shared/corpora/dfds-postmortems is absent (it is not part of the project)");
    return;
  }
  TempDir dir;
  dir.Write("site.toml", "title = \"DFDS postmortems\"\nsource = \"" + corpus + "\"\n");
  auto r = RunCasebook("build --no-index --verbose", dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, "Wrote 38 postmortems"));
  CHECK_FALSE(Contains(r.out + r.err, "links/broken"));
  CHECK(Contains(r.out + r.err, "PMyyyy-nnn - Postmortem template.md: skipped as a template"));
  CHECK_FALSE(dir.Exists("public/postmortems/pmyyyy-nnn-postmortem-template/index.html"));
  auto pms = Postmortems(dir.Read("public/postmortems.json"));
  REQUIRE(pms.size() == 38);
  int with_summary = 0, with_actions = 0;
  for (const auto& pm : pms) {
    with_summary += Contains(pm, "\"summary\":\"\"") ? 0 : 1;
    with_actions += Contains(pm, "{\"action_items\":[]") ? 0 : 1;
  }
  CHECK(with_summary >= 34);
  CHECK(with_actions >= 30);
  // The "%20" link between two of them resolves.
  std::string page = dir.Read("public/postmortems/pm2019-010-hellman-kubernetes-cluster-node-deletion/index.html");
  CHECK(Contains(page, "href=\"../../postmortems/pm2019-009-kubernetes-network-infrastructure-ip-starvation/index.html\""));
  // "Time to detection / recovery" figures give the stats their durations.
  CHECK(Count(dir.Read("public/stats/index.html"), "No data yet") <= 1);
  // Undated ones are reachable.
  if (dir.Exists("public/archive/undated/index.html"))
    CHECK(Contains(dir.Read("public/archive/index.html"), "href=\"../archive/undated/index.html\""));
}

TEST_CASE("what a page reads from its own text is shown once, where it was written",
          "[import]") {
  TempDir dir;
  dir.Write("site.toml", "title = \"Once\"\nbase_url = \"/\"\n");
  // Plain Markdown: the summary and the action items come from the body.
  dir.Write("content/plain.md",
            "# Cache stampede\n\n## Summary\n\nThe cache expired at once and the database "
            "took every read for nine minutes.\n\n## Action items\n\n"
            "- [x] Jitter cache expiry times @rosa\n- [ ] Alert on database read rate\n");
  // Front matter: the summary and the actions are not in the body.
  dir.Write("content/structured.md",
            "+++\ntitle = \"Queue backlog\"\ndate = 2024-05-06\nsummary = \"A consumer deploy "
            "halved throughput for an hour.\"\n[[actions]]\ntext = \"Roll consumer deploys "
            "one pod at a time\"\nowner = \"li\"\n+++\n\n## What happened\n\nThe backlog grew.\n");
  auto r = RunCasebook("build --today 2024-06-01", dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);

  const std::string plain = dir.Read("public/postmortems/plain/index.html");
  const std::string body = plain.substr(plain.find("<main"));
  CHECK(Count(body, "took every read for nine minutes") == 1);
  CHECK_FALSE(Contains(body, "class=\"lede\""));
  CHECK(Count(body, "Jitter cache expiry times") == 1);
  CHECK(Count(body, "Alert on database read rate") == 1);
  CHECK_FALSE(Contains(body, "<table class=\"actions\">"));
  CHECK(Contains(body, "2 action items, 1 open, as listed in the text."));
  // Lists still show the summary read from the body, and the tracker its items.
  CHECK(Contains(dir.Read("public/index.html"), "took every read for nine minutes"));
  CHECK(Contains(dir.Read("public/actions/index.html"), "Alert on database read rate"));

  const std::string structured = dir.Read("public/postmortems/structured/index.html");
  const std::string main = structured.substr(structured.find("<main"));
  CHECK(Contains(main, "<p class=\"lede\">A consumer deploy halved throughput for an hour.</p>"));
  CHECK(Contains(main, "<table class=\"actions\">"));
  CHECK(Count(main, "Roll consumer deploys one pod at a time") == 1);
}

TEST_CASE("numeric dates in the text place a postmortem by the part above 12", "[import]") {
  TempDir dir;
  dir.Write("site.toml", "title = \"Dates\"\nbase_url = \"/\"\n");
  dir.Write("content/us.md", "# Checkout errors\n\n**Date:** 10/21/2015\n\n## Summary\n\nErrors.\n");
  dir.Write("content/eu.md", "# Login errors\n\nDate: 21.10.2016\n\n## Summary\n\nErrors.\n");
  dir.Write("content/either.md", "# Cache errors\n\nDate: 03/04/2017\n\n## Summary\n\nErrors.\n");
  auto r = RunCasebook("build --today 2024-06-01", dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(dir.Read("public/archive/2015/index.html"), ">Checkout errors<"));
  CHECK(Contains(dir.Read("public/archive/2016/index.html"), ">Login errors<"));
  // Read both ways, it is not read: undated rather than wrong.
  CHECK_FALSE(dir.Exists("public/archive/2017/index.html"));
  CHECK(Contains(dir.Read("public/archive/undated/index.html"), ">Cache errors<"));
}
