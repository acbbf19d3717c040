// Archives written for other templates: the fixture files in
// tests/fixtures/import (one per shape: SRE book example, Atlassian,
// PagerDuty, metadata table + checklist, wiki export, foreign YAML) parsed as
// the loader does, and the readers they rely on.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "content/loader.h"
#include "content/plain_facts.h"
#include "content/plain_markdown.h"

using namespace casebook;
using content::Document;

namespace {

const std::string kDir = std::string(CASEBOOK_FIXTURES) + "/import";

config::SiteConfig ImportConfig() {
  util::Diagnostics diags;
  config::SiteConfig cfg = config::Load(kDir + "/site.toml", &diags);
  REQUIRE(diags.ErrorCount() == 0);
  return cfg;
}

Document Load(const std::string& name, util::Diagnostics* diags_out = nullptr) {
  std::ifstream in(kDir + "/content/" + name);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  Document doc;
  util::Diagnostics diags;
  REQUIRE(content::ParseDocument(ss.str(), "content/" + name, name, ImportConfig(), &doc, &diags));
  if (diags_out) *diags_out = diags;
  return doc;
}

std::string Time(const std::optional<util::DateTime>& t) {
  return t ? util::FormatRfc3339(*t) : std::string("(none)");
}

std::string Day(const std::optional<util::DateTime>& t) {
  return t ? util::FormatDate(*t, 0) : std::string("(none)");
}

}  // namespace

TEST_CASE("SRE book shape: bold metadata lines, an action table with DONE/TODO, a timeline of times under a date line",
          "[import]") {
  Document d = Load("lighthouse-search-outage.md");
  CHECK(d.title == "Lighthouse Search Cascading Failure Postmortem (incident #812)");
  CHECK(Day(d.date) == "2016-03-09");
  CHECK(d.authors == std::vector<std::string>{"mira", "tobias", "quentin"});
  CHECK(d.status == "final");  // "Complete, action items in progress"
  CHECK(d.summary.find("Lighthouse Search returned errors for 71 minutes") == 0);
  CHECK(d.LineOf("summary") == 9);

  REQUIRE(d.actions.size() == 4);
  CHECK(d.actions[0].text == "Cap retries in the query fan-out");
  CHECK(d.actions[0].owner == "tobias");
  CHECK(d.actions[0].ticket == "7731205");
  CHECK(d.actions[0].status == "done");
  CHECK(d.actions[1].ticket.empty());  // "n/a **DONE**"
  CHECK(d.actions[1].status == "done");
  CHECK(d.actions[2].status == "open");
  CHECK(d.actions[3].owner.empty());
  CHECK(d.actions[3].line == 28);

  REQUIRE(d.timeline.size() == 6);
  CHECK(d.timeline_from_body);
  CHECK(util::FormatRfc3339(d.timeline[0].at) == "2016-03-09T17:02:00Z");
  CHECK(d.timeline[0].text == "A forum post links to Lighthouse Search");
  CHECK(Time(d.incident.started) == "2016-03-09T17:06:00Z");    // OUTAGE BEGINS
  CHECK(Time(d.incident.detected) == "2016-03-09T17:08:00Z");   // alert pages the on-call
  CHECK(Time(d.incident.mitigated) == "2016-03-09T17:31:00Z");  // OUTAGE MITIGATED
  CHECK(Time(d.incident.resolved) == "2016-03-09T18:17:00Z");   // INCIDENT ENDS
}

TEST_CASE("a two-column metadata table and a checklist of follow-ups", "[import]") {
  Document d = Load("2024-04-10-payments-latency.md");
  CHECK(d.severity == "SEV2");  // "Sev 2" as the site's level name
  CHECK(d.status == "final");
  CHECK(d.authors == std::vector<std::string>{"Rosa Delgado"});
  CHECK(d.services == std::vector<std::string>{"payments-api", "checkout"});
  // Time-only values fall on the incident date, in the site's zone (UTC).
  CHECK(Time(d.incident.started) == "2024-04-10T09:12:00Z");
  CHECK(Time(d.incident.detected) == "2024-04-10T09:20:00Z");
  CHECK(Time(d.incident.resolved) == "2024-04-10T10:05:00Z");
  CHECK(d.summary.find("A smaller connection pool") == 0);  // ## TL;DR

  REQUIRE(d.actions.size() == 4);
  CHECK(d.actions[0].text == "Add a check on pool size against peak concurrency");
  CHECK(d.actions[0].owner == "rosa");
  CHECK(Day(d.actions[0].due) == "2024-04-24");
  CHECK(d.actions[0].ticket == "PAY-2210");
  CHECK(d.actions[0].status == "done");
  CHECK(d.actions[1].owner == "li.wei");
  CHECK(d.actions[1].status == "open");
  CHECK(d.actions[2].status == "done");  // "(done)"
  CHECK(d.actions[2].text == "Review memory tuning changes with the payments team");
  // Text only: still an action item, open, with no owner.
  CHECK(d.actions[3].text == "Write down why the pool size is 64");
  CHECK(d.actions[3].owner.empty());
  CHECK(d.actions[3].status == "open");
}

TEST_CASE("Atlassian shape: a Field/Value table, Incident summary, a Corrective actions table",
          "[import]") {
  Document d = Load("2024-02-27-billing-export-delay.md");
  CHECK(d.severity == "SEV2");  // Priority: P2
  CHECK(d.services == std::vector<std::string>{"billing-export", "ledger"});
  CHECK(Time(d.incident.started) == "2024-02-27T06:40:00Z");
  CHECK(Time(d.incident.detected) == "2024-02-27T07:55:00Z");
  CHECK(Time(d.incident.resolved) == "2024-02-27T09:10:00Z");
  CHECK(d.summary.find("Between 06:40 and 09:10 UTC") == 0);
  REQUIRE(d.actions.size() == 3);
  CHECK(d.actions[0].owner == "Priya Nandakumar");
  CHECK(Day(d.actions[0].due) == "2024-03-08");
  CHECK(d.actions[0].status == "done");
  CHECK(d.actions[0].ticket == "BILL-4415");
  CHECK(d.actions[1].status == "open");  // "In progress"
  CHECK(d.actions[2].text == "Add a consumer contract test to CI");
  CHECK(d.actions[2].owner.empty());
  REQUIRE(d.timeline.size() == 4);
}

TEST_CASE("PagerDuty shape: plain Key: value lines, Overview, a human date line in the timeline",
          "[import]") {
  Document d = Load("webhook-delivery-degradation.md");
  CHECK(d.authors == std::vector<std::string>{"Dana Whitfield"});  // Postmortem Owner
  CHECK(d.severity == "SEV1");                                     // SEV-1
  CHECK(d.summary.find("On the morning of 14 September 2023") == 0);
  REQUIRE(d.timeline.size() == 5);
  CHECK(util::FormatRfc3339(d.timeline[0].at) == "2023-09-14T09:41:00Z");
  CHECK(Time(d.incident.started) == "2023-09-14T09:42:00Z");   // "Impact begins"
  CHECK(Time(d.incident.detected) == "2023-09-14T09:47:00Z");  // "alert fires and pages"
  CHECK(Time(d.incident.resolved) == "2023-09-14T10:01:00Z");  // "back to normal"
  CHECK(Day(d.date) == "2023-09-14");
  REQUIRE(d.actions.size() == 3);
  CHECK(d.actions[0].status == "done");
  CHECK(d.actions[0].owner == "eli.park");
  CHECK(d.actions[0].ticket == "WEB-301");
  CHECK(d.actions[0].text == "Refresh the database address on write errors");
  CHECK(d.actions[1].owner == "Dana Whitfield");
  CHECK(Day(d.actions[1].due) == "2023-10-31");
  CHECK(d.actions[1].text == "Add a failover drill to the quarterly game day");
}

TEST_CASE("wiki export: setext headings, a zone in the date line, a numbered remediation list",
          "[import]") {
  Document d = Load("storage-node-eviction.md");
  CHECK(d.title == "Storage node eviction storm");
  CHECK(Day(d.date) == "2025-01-12");  // "12 January 2025"
  CHECK(d.severity == "SEV2");         // "Major", the label of SEV2
  CHECK(d.services == std::vector<std::string>{"object-store", "block-store"});
  CHECK(d.tags == std::vector<std::string>{"storage", "kubernetes"});
  CHECK(d.summary.find("A kernel update rolled") == 0);
  REQUIRE(d.timeline.size() == 5);
  // "(times in CET)": 03:14 CET is 02:14 UTC.
  CHECK(Time(d.incident.started) == "2025-01-12T02:14:00Z");
  CHECK(Time(d.incident.detected) == "2025-01-12T02:19:00Z");
  CHECK(Time(d.incident.mitigated) == "2025-01-12T02:52:00Z");
  CHECK(Time(d.incident.resolved) == "2025-01-12T02:56:00Z");
  REQUIRE(d.actions.size() == 3);
  CHECK(d.actions[0].owner == "Marta Kowalski");
  CHECK(Day(d.actions[0].due) == "2025-02-07");
  CHECK(d.actions[0].status == "done");
  CHECK(d.actions[0].text == "Roll kernel updates one availability zone at a time.");
  CHECK(d.actions[1].owner == "Sven Aalto");
  CHECK(d.actions[2].owner.empty());
}

TEST_CASE("foreign YAML keys: built-in aliases and [fields]", "[import]") {
  Document cdn = Load("cdn-cert-expiry.md");
  CHECK(Time(cdn.incident.started) == "2022-08-03T11:20:00Z");   // start_time
  CHECK(Time(cdn.incident.resolved) == "2022-08-03T12:05:00Z");  // end_time
  CHECK(Time(cdn.incident.detected) == "2022-08-03T11:31:00Z");  // detected_at
  CHECK(Day(cdn.date) == "2022-08-03");                          // from start_time
  CHECK(cdn.services == std::vector<std::string>{"static-assets"});  // product
  CHECK(cdn.tags == std::vector<std::string>{"tls", "cdn"});         // keywords
  REQUIRE(cdn.extra.Find("original_report"));                        // url
  CHECK(cdn.extra.Find("original_report")->as_string() ==
        "https://status.example.com/incidents/cdn-cert-2022?a=1&b=2");
  REQUIRE(cdn.extra.Find("company"));  // kept as written
  CHECK(cdn.LineOf("incident.started") == 3);

  // site.toml: [fields] started = "begin", services = ["product", "component"].
  Document q = Load("queue-backlog.md");
  CHECK(Time(q.incident.started) == "2021-05-06T14:00:00Z");
  CHECK(Time(q.incident.resolved) == "2021-05-06T15:30:00Z");  // resolved_at
  CHECK(q.services == std::vector<std::string>{"queue", "worker"});
  CHECK(q.contact == "platform");  // team
}

TEST_CASE("templates are recognised by name or title, not by a word in passing", "[import]") {
  using content::internal::LooksLikeTemplate;
  CHECK(LooksLikeTemplate("PMyyyy-nnn - Postmortem template.md", "Incident Title"));
  CHECK(LooksLikeTemplate("postmortem-template.md", ""));
  CHECK(LooksLikeTemplate("notes.md", "Incident Title"));
  CHECK(LooksLikeTemplate("x.md", "Template: incident report"));
  CHECK_FALSE(LooksLikeTemplate("2024-01-02-helm.md", "Helm template rendering broke deploys"));
  CHECK_FALSE(LooksLikeTemplate("2024-01-02-db.md", "Database failover"));
}

TEST_CASE("loose dates and times of day", "[import]") {
  using content::internal::ParseLeadingTime;
  using content::internal::ParseLooseDate;
  auto day = [](std::string_view s) {
    auto d = ParseLooseDate(s);
    return d ? util::FormatDate(*d, 0) : std::string("-");
  };
  CHECK(day("2015-10-21") == "2015-10-21");
  CHECK(day("October 21, 2015") == "2015-10-21");
  CHECK(day("Oct 21 2015") == "2015-10-21");
  CHECK(day("21 October 2015") == "2015-10-21");
  CHECK(day("Wednesday 31st March 2021") == "2021-03-31");
  CHECK(day("**Sunday, 12 January 2025**") == "2025-01-12");
  CHECK(day("10/21/2015") == "2015-10-21");      // US: month first
  CHECK(day("21/10/2015") == "2015-10-21");      // day first
  CHECK(day("21.10.2015") == "2015-10-21");
  CHECK(day("3.9.2016") == "2016-09-03");        // dots: day first
  CHECK(day("4/4/2020") == "2020-04-04");
  CHECK(day("03/04/2020") == "-");               // either way: not read
  CHECK(day("13/13/2020") == "-");
  CHECK(day("10/21/15") == "-");                 // two-digit year
  CHECK(day("1/2/20155") == "-");
  CHECK(day("2/30/2016") == "-");
  CHECK(day("2015-02-30") == "-");
  CHECK(day("March on") == "-");
  auto t = ParseLeadingTime("14:51 UTC traffic");
  REQUIRE(t);
  CHECK(t->seconds == 14 * 3600 + 51 * 60);
  CHECK(t->offset == 0);
  CHECK(ParseLeadingTime("2:05 pm x")->seconds == 14 * 3600 + 5 * 60);
  CHECK(ParseLeadingTime("~09:12")->approximate);
  CHECK_FALSE(ParseLeadingTime("25:00"));
  CHECK_FALSE(ParseLeadingTime("1234"));
}

TEST_CASE("a timeline of time-only entries rolls past midnight", "[import]") {
  auto entries = content::internal::ExtractTimeline(
      "## Timeline\n\n2024-05-01\n\n- 23:50 Deploy starts\n- 00:10 Errors\n", 1, 0);
  REQUIRE(entries.size() == 2);
  CHECK(util::FormatRfc3339(entries[0].at) == "2024-05-01T23:50:00Z");
  CHECK(util::FormatRfc3339(entries[1].at) == "2024-05-02T00:10:00Z");
  // No day known: time-only lines stay text.
  CHECK(content::internal::ExtractTimeline("## Timeline\n\n- 23:50 Deploy\n", 1, 0).empty());
}

TEST_CASE("action item text: markers, owners, dues and tickets come out of the text", "[import]") {
  using content::internal::ParseActionText;
  auto a = ParseActionText("TODO: rotate the keys, owner: Sam Lee, due by 2024-07-01 (SEC-88)");
  REQUIRE(a);
  CHECK(a->text == "rotate the keys");
  CHECK(a->owner == "Sam Lee");
  CHECK(util::FormatDate(*a->due, 0) == "2024-07-01");
  CHECK(a->ticket == "SEC-88");
  CHECK(a->status == "open");
  auto b = ParseActionText("**DONE** Patch CVE-2021-44228 in the log shipper [Bug 4412](https://bugs/4412)");
  REQUIRE(b);
  CHECK(b->status == "done");
  CHECK(b->text.find("CVE-2021-44228") != std::string::npos);  // not a ticket
  CHECK_FALSE(ParseActionText(""));
  CHECK_FALSE(ParseActionText("TBD"));
  CHECK(content::internal::TimelineMarker("**OUTAGE BEGINS** x") == "started");
  CHECK(content::internal::TimelineMarker("Deploy starts").empty());
}

TEST_CASE("front matter and metadata lines: front matter wins", "[import]") {
  Document doc;
  util::Diagnostics diags;
  REQUIRE(content::ParseDocument("+++\ntitle = \"T\"\nseverity = \"SEV1\"\nsummary = \"FM\"\n+++\n"
                                 "**Severity:** SEV3\n\n## Summary\n\nBody summary.\n",
                                 "x.md", "x.md", config::SiteConfig(), &doc, &diags));
  CHECK(doc.severity == "SEV1");
  CHECK(doc.summary == "FM");
}

TEST_CASE("severities as other tools write them become the site's levels", "[import]") {
  using content::internal::NormalizeSeverity;
  const std::vector<std::string> names{"SEV1", "SEV2", "SEV3", "SEV4"};
  const std::vector<std::string> labels{"Critical", "Major", "Minor", "Low"};
  CHECK(NormalizeSeverity("SEV-2", names, labels) == "SEV2");
  CHECK(NormalizeSeverity("sev 3", names, labels) == "SEV3");
  CHECK(NormalizeSeverity("P1", names, labels) == "SEV1");
  CHECK(NormalizeSeverity("Major", names, labels) == "SEV2");
  CHECK(NormalizeSeverity("High", names, labels) == "SEV2");
  CHECK(NormalizeSeverity("2 - High", names, labels) == "SEV2");
  CHECK(NormalizeSeverity("Catastrophic", names, labels) == "Catastrophic");  // kept; check reports it
}

TEST_CASE("section names with numbers, bold or emoji are still recognised", "[import]") {
  Document doc;
  util::Diagnostics diags;
  REQUIRE(content::ParseDocument("# T\n\n## 1. **Summary** \xF0\x9F\x93\x9D\n\nShort.\n\n"
                                 "## Action Items \xF0\x9F\x9B\xA0\n\n* [ ] One\n* [x] Two\n",
                                 "x.md", "x.md", config::SiteConfig(), &doc, &diags));
  CHECK(doc.summary == "Short.");
  REQUIRE(doc.actions.size() == 2);
  CHECK(doc.actions[1].status == "done");
}

TEST_CASE("a Chronology under a day line with its zone, due dates that are not dates stay text",
          "[import]") {
  auto entries = content::internal::ExtractTimeline(
      "## Chronology\n\n### Oct 21, 2015 (PDT)\n\n- **10:03 AM** - Deploy starts\n", 1, 0);
  REQUIRE(entries.size() == 1);
  CHECK(util::FormatRfc3339(entries[0].at) == "2015-10-21T17:03:00Z");
  CHECK(entries[0].text == "Deploy starts");
  auto a = content::internal::ParseActionText("Rotate keys, due: Q3 next year, owner: TBD");
  REQUIRE(a);
  CHECK_FALSE(a->due);
  CHECK(a->text.find("due: Q3 next year") != std::string::npos);
  CHECK(a->owner.empty());
  Document doc;
  util::Diagnostics diags;
  REQUIRE(content::ParseDocument("# T\n\n## Action items\n\n| Task | Assignee | Link |\n|---|---|---|\n"
                                 "| Fix it | @sam | https://jira.example.com/browse/OPS-77 |\n",
                                 "x.md", "x.md", config::SiteConfig(), &doc, &diags));
  REQUIRE(doc.actions.size() == 1);
  CHECK(doc.actions[0].ticket == "OPS-77");
  CHECK(doc.actions[0].owner == "sam");
}

TEST_CASE("without a summary section: What happened, else a lead paragraph", "[import]") {
  auto summary = [](const std::string& text) {
    Document doc;
    util::Diagnostics diags;
    REQUIRE(content::ParseDocument(text, "x.md", "x.md", config::SiteConfig(), &doc, &diags));
    return doc.summary;
  };
  CHECK(summary("# T\n\n## What happened\n\nThe cache filled up.\n\n## Impact\n\nSlow.\n") ==
        "The cache filled up.");
  CHECK(summary("# T\n\nFor forty minutes on Tuesday the login service rejected every "
                "password reset request.\n\n## Impact\n\nx\n")
            .find("For forty minutes") == 0);
  CHECK(summary("# T\n\nCreated by Ana Lopes, last modified on Jan 22, 2025 by Ana Lopes again\n\n## Impact\n\nx\n")
            .empty());
  CHECK(summary("# T\n\nShort note.\n\n## Impact\n\nx\n").empty());
}
