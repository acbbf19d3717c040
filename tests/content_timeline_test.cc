#include <catch2/catch.hpp>

#include "content/loader.h"
#include "content/plain_markdown.h"

using namespace casebook;
using content::internal::ExtractFigures;
using content::internal::ExtractTimeline;
using content::internal::ZoneInText;

namespace {

int64_t Utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return util::DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

}  // namespace

TEST_CASE("zone named in a sentence or header cell", "[timeline]") {
  CHECK(ZoneInText("All times in CET.") == 60);
  CHECK(ZoneInText("All times are UTC") == 0);
  CHECK(ZoneInText("Times in CEST") == 120);
  CHECK(ZoneInText("Date and Time in CET") == 60);
  CHECK(ZoneInText("Time (UTC)") == 0);
  CHECK(ZoneInText("## Timeline (all times PDT)") == -420);
  CHECK(ZoneInText("UTC time") == 0);
  CHECK(ZoneInText("All times are UTC+2.") == 120);
  CHECK_FALSE(ZoneInText("Time"));
  CHECK_FALSE(ZoneInText("At the time, we did not know."));
  CHECK_FALSE(ZoneInText("All times are local"));
}

TEST_CASE("a table timeline with the zone on the line above", "[timeline]") {
  const std::string body =
      "# CoreDNS upgrade issue\n"          // 1
      "\n"                                 // 2
      "## Timeline\n"                      // 3
      "\n"                                 // 4
      "All times in CET.\n"                // 5
      "\n"                                 // 6
      "| Time             | Event |\n"     // 7
      "| :--------------- | ----- |\n"     // 8
      "| 2020-02-03 11:21 | EKS upgrade \\| crash loop |\n"  // 9
      "| 2020-02-03 11:52 | Downgraded | manually |\n"        // 10
      "| 2020-02-?? ??:?? | TBA |\n"                          // 11
      "| 2020-02-03 13:30 | Fixed\n"                          // 12
      "\n"
      "## Contributing factors\n"
      "| 2020-02-04 10:00 | not in the section |\n";
  auto tl = ExtractTimeline(body, 1, 0);
  REQUIRE(tl.size() == 3);
  CHECK(tl[0].at.utc_seconds == Utc(2020, 2, 3, 10, 21));
  CHECK(tl[0].at.offset_minutes == 60);
  CHECK(tl[0].text == "EKS upgrade | crash loop");
  CHECK(tl[0].line == 9);
  CHECK(tl[1].text == "Downgraded \xE2\x80\x94 manually");
  CHECK(tl[2].line == 12);
  CHECK(tl[2].text == "Fixed");
}

TEST_CASE("the zone from the table header wins over the site zone", "[timeline]") {
  const std::string body =
      "## Timeline\n"
      "| Date and Time in CET | Event |\n"
      "|:---------------------|-------|\n"
      "|   2019-12-04 00:30   | Nodes deleted |\n"
      "| 2019-12-03 --:--     | Surge |\n"
      "| 2019-12-04 01:30 UTC | Explicit zone |\n";
  auto tl = ExtractTimeline(body, 10, -300);
  REQUIRE(tl.size() == 3);
  CHECK(tl[0].at.utc_seconds == Utc(2019, 12, 3, 23, 30));
  CHECK(tl[0].line == 13);
  CHECK(tl[1].at.time_unknown);
  CHECK(util::FormatDate(tl[1].at, 0) == "2019-12-03");
  CHECK(tl[2].at.utc_seconds == Utc(2019, 12, 4, 1, 30));
}

TEST_CASE("without any zone the site timezone applies", "[timeline]") {
  auto tl = ExtractTimeline("### Timeline\n| When | What |\n|---|---|\n| 2021-06-22 08:21 | x |\n",
                            1, 120);
  REQUIRE(tl.size() == 1);
  CHECK(tl[0].at.utc_seconds == Utc(2021, 6, 22, 6, 21));
}

TEST_CASE("loose rows from real postmortems", "[timeline]") {
  const std::string body =
      "## Timeline\n\nAll times in UTC.\n\n"
      "| Time | Event |\n| --- | --- |\n"
      "| 2020-11-17 10:45~ | Upgrade |\n"
      "| 2020-10-06 09:00 - 11:00 | Investigation |\n"
      "| 2022-08-03 12:26-12:?? | Fix deployed |\n"
      "| 2021-12-10 | Published |\n"
      "| 2021-12-10   15:40 | Aware |\n"
      "| 2024-04-09 8:40 | Noticed\n"
      "| 2024-03-13 HH:mm | Placeholder time |\n"
      "| 20202-01-16 12:00 | typo year |\n"
      "| 2021/22-?" "?-?" "? HH:mm | unknown |\n"
      "| Later | no date |\n";
  auto tl = ExtractTimeline(body, 1, 60);
  REQUIRE(tl.size() == 7);
  CHECK(tl[0].at.approximate);
  CHECK(tl[0].at.utc_seconds == Utc(2020, 11, 17, 10, 45));
  CHECK(tl[1].text == "(until 11:00) Investigation");
  CHECK(tl[2].text == "(until 12:?" "?) Fix deployed");
  CHECK_FALSE(tl[3].at.has_time);
  CHECK(tl[4].at.utc_seconds == Utc(2021, 12, 10, 15, 40));
  CHECK(tl[5].at.utc_seconds == Utc(2024, 4, 9, 8, 40));
  CHECK(tl[6].at.time_unknown);
}

TEST_CASE("list timelines", "[timeline]") {
  const std::string body =
      "## Timeline (all times CEST)\n"
      "- 2021-06-22 08:21 Deploy starts\n"
      "* **2021-06-22 08:25** Alert fires\n"
      "  and pages the on-call\n"
      "- 08:30 no date: skipped\n"
      "1. `2021-06-22T08:40Z`: mitigated\n"
      "- ~2021-06-22 09:00 - roughly resolved\n"
      "2021-06-22 09:10 a plain line with a time\n"
      "2021-06-22 was a Tuesday.\n"
      "```\n- 2021-06-22 09:30 in a code block\n```\n";
  auto tl = ExtractTimeline(body, 1, 0);
  REQUIRE(tl.size() == 5);
  CHECK(tl[0].at.utc_seconds == Utc(2021, 6, 22, 6, 21));
  CHECK(tl[0].text == "Deploy starts");
  CHECK(tl[1].text == "Alert fires and pages the on-call");
  CHECK(tl[1].line == 3);
  CHECK(tl[2].at.utc_seconds == Utc(2021, 6, 22, 8, 40));
  CHECK(tl[2].text == "mitigated");
  CHECK(tl[3].at.approximate);
  CHECK(tl[3].text == "roughly resolved");
  CHECK(tl[4].text == "a plain line with a time");
}

TEST_CASE("no timeline section, or an empty one", "[timeline]") {
  CHECK(ExtractTimeline("# T\n\n| 2021-06-22 08:21 | not a timeline |\n", 1, 0).empty());
  CHECK(ExtractTimeline("## Timeline\n\nTBD\n", 1, 0).empty());
  // The first section with entries is used.
  auto tl = ExtractTimeline("## Timeline\nTBD\n## Detailed timeline\n- 2021-01-01 10:00 x\n", 1, 0);
  REQUIRE(tl.size() == 1);
  CHECK(tl[0].line == 4);
}

TEST_CASE("figures: Time to detection / recovery", "[timeline]") {
  const std::string body =
      "# Stats\n\n"
      "- Category: Kubernetes\n"
      "- Time to detection: 8 minutes\n"
      "- **Time to recovery**: 279 minutes [^3]\n"
      "- Time to mitigation: ?\n"
      "- Time to resolve: N/A\n";
  auto figs = ExtractFigures(body, 20);
  REQUIRE(figs.size() == 2);
  CHECK(figs[0].label == "Time to detection");
  CHECK(figs[0].value == "8 minutes");
  CHECK(figs[0].line == 23);
  CHECK(figs[1].label == "Time to recovery");
  CHECK(figs[1].value == "279 minutes");
}

TEST_CASE("ParseDocument reads plain Markdown end to end", "[timeline]") {
  const std::string text =
      "# CoreDNS upgrade issue\n\n## Timeline\n\nAll times in CET.\n\n"
      "| Time | Event |\n| :--- | --- |\n"
      "| 2020-02-03 11:21 | EKS 1.14 upgrade cause CoreDNS pods to crash loop |\n"
      "| 2020-02-03 11:52 | Downgraded |\n\n"
      "# Stats\n\n- Time to detection: ?\n- Time to recovery: 31 minutes\n";
  content::Document doc;
  util::Diagnostics diags;
  REQUIRE(content::ParseDocument(text, "x/PM2020-004 - CoreDNS upgrade issue.md",
                                 "PM2020-004 - CoreDNS upgrade issue.md", config::SiteConfig(),
                                 &doc, &diags));
  CHECK(diags.items().empty());
  CHECK(doc.title == "CoreDNS upgrade issue");
  CHECK(doc.timeline_from_body);
  REQUIRE(doc.timeline.size() == 2);
  CHECK(doc.timeline[0].at.utc_seconds == Utc(2020, 2, 3, 10, 21));
  REQUIRE(doc.date);
  CHECK(util::FormatDate(*doc.date, 0) == "2020-02-03");
  REQUIRE(doc.figures.size() == 1);
  CHECK(doc.figures[0].value == "31 minutes");
  CHECK(doc.figures[0].line == 15);

  // Front matter with [[timeline]] is never overridden by the body.
  content::Document fm;
  REQUIRE(content::ParseDocument("+++\n[[timeline]]\nat = 2020-01-01\ntext = \"x\"\n+++\n" + text,
                                 "a.md", "a.md", config::SiteConfig(), &fm, &diags));
  CHECK(fm.timeline.size() == 1);
  CHECK_FALSE(fm.timeline_from_body);
  // Front matter without one still reads the body's section.
  content::Document partial;
  REQUIRE(content::ParseDocument("+++\nseverity = \"SEV2\"\n+++\n" + text, "b.md", "b.md",
                                 config::SiteConfig(), &partial, &diags));
  CHECK(partial.timeline.size() == 2);
  CHECK(partial.timeline[0].line == 12);
}
