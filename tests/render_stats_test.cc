// Archive statistics and charts: medians (odd / even counts, unknown values
// skipped), counts per month / quarter / year in the display zone, durations
// across time zones and day boundaries, missing times, top terms, "this
// week" / "on this day", SVG that is well-formed XML with the expected
// number of bars, and the stats and term pages carrying their numbers.
#include <catch2/catch.hpp>

#include "model/site_model.h"
#include "render/stats.h"
#include "render/svg_chart.h"
#include "render_output_helpers.h"

using namespace casebook;
namespace stats = casebook::render::stats;
using test::Dt;

namespace {

std::optional<int64_t> S(int64_t v) { return v; }
const std::optional<int64_t> kUnknown;

int64_t Day(const std::string& date) { return stats::DayOf(Dt(date), 0); }

}  // namespace

TEST_CASE("Median: odd and even counts, unknown values skipped", "[stats]") {
  CHECK_FALSE(stats::Median({}).has_value());
  CHECK_FALSE(stats::Median({kUnknown, kUnknown}).has_value());
  CHECK(*stats::Median({S(7)}) == 7);
  CHECK(*stats::Median({S(9), S(1), S(5)}) == 5);          // odd: the middle one, after sorting
  CHECK(*stats::Median({S(10), S(2), S(4), S(100)}) == 7);  // even: mean of 4 and 10
  CHECK(*stats::Median({S(1), S(2)}) == 1.5);
  CHECK(*stats::Median({S(3), kUnknown, S(1), kUnknown, S(2)}) == 2);  // 3 known values
  CHECK(*stats::Median({kUnknown, S(60), S(120)}) == 90);
}

TEST_CASE("Durations are UTC differences across zones and day boundaries, missing ends stay unknown",
          "[stats]") {
  content::IncidentTimes t;
  t.started = Dt("2024-03-31T23:50:00+02:00");    // 21:50Z on the 31st
  t.detected = Dt("2024-03-31T22:05:00Z");        // 15 min later, written in UTC
  t.mitigated = Dt("2024-03-31T19:35:00-03:00");  // 22:35Z
  t.resolved = Dt("2024-04-01T01:10:00+01:00");   // 00:10Z, the next day
  model::Durations d = model::ComputeDurations(t);
  CHECK(d.detect == S(15 * 60));
  CHECK(d.mitigate == S(45 * 60));
  CHECK(d.resolve == S(2 * 3600 + 20 * 60));

  content::IncidentTimes no_start = t;
  no_start.started.reset();
  d = model::ComputeDurations(no_start);
  CHECK_FALSE(d.detect.has_value());
  CHECK_FALSE(d.resolve.has_value());

  content::IncidentTimes partial;
  partial.started = Dt("2024-05-01T10:00:00Z");
  partial.detected = Dt("2024-05-01T10:09:00Z");
  partial.resolved = Dt("2024-05-02");  // a date only: the time is unknown, so no guess
  d = model::ComputeDurations(partial);
  CHECK(d.detect == S(9 * 60));
  CHECK_FALSE(d.mitigate.has_value());
  CHECK_FALSE(d.resolve.has_value());
}

TEST_CASE("Periods and their labels", "[stats]") {
  int64_t day = Day("2024-03-12");
  CHECK(stats::PeriodLabel(stats::PeriodKind::kYear, stats::PeriodOf(stats::PeriodKind::kYear, day)) == "2024");
  CHECK(stats::PeriodLabel(stats::PeriodKind::kQuarter, stats::PeriodOf(stats::PeriodKind::kQuarter, day)) ==
        "2024 Q1");
  CHECK(stats::PeriodLabel(stats::PeriodKind::kMonth, stats::PeriodOf(stats::PeriodKind::kMonth, day)) ==
        "2024-03");
  CHECK(stats::PeriodOf(stats::PeriodKind::kQuarter, Day("2024-04-01")) ==
        stats::PeriodOf(stats::PeriodKind::kQuarter, day) + 1);
  CHECK(stats::PeriodOf(stats::PeriodKind::kMonth, Day("2025-01-31")) ==
        stats::PeriodOf(stats::PeriodKind::kMonth, Day("2024-12-01")) + 1);
}

TEST_CASE("Counts per month by severity, per year, medians per quarter, in the display zone", "[stats]") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  model::SiteModel& site = f->site;

  SECTION("monthly counts stack by severity; the window spans the months between") {
    stats::PeriodCounts m = stats::MonthlyBySeverity(site, 24);
    REQUIRE(m.periods.size() == 23);  // 2022-05 .. 2024-03: all months spanned, fewer than 24
    CHECK(stats::PeriodLabel(m.kind, m.periods.front()) == "2022-05");
    CHECK(stats::PeriodLabel(m.kind, m.periods.back()) == "2024-03");
    CHECK(m.series == std::vector<std::string>{"Critical", "Major", "Minor"});  // no "Unknown": all known
    CHECK(m.Total() == 3);
    CHECK(m.counts.back()[0] == 1);  // 2024-03: one Critical
    CHECK(m.counts[18][1] == 1);     // 2023-11: one Major
    CHECK(m.counts[0][2] == 1);      // 2022-05: one Minor
    CHECK(m.PeriodTotal(1) == 0);    // 2022-06: none, still listed
    site.postmortems[2].incident_date = Dt("2021-01-05T08:00:00Z");
    m = stats::MonthlyBySeverity(site, 24);
    REQUIRE(m.periods.size() == 24);  // 2022-04 .. 2024-03: the last 24 up to the newest
    CHECK(stats::PeriodLabel(m.kind, m.periods.front()) == "2022-04");
    CHECK(m.Total() == 2);  // 2021-01 is outside the window
    stats::PeriodCounts short_window = stats::MonthlyBySeverity(site, 5);
    CHECK(short_window.periods.size() == 5);
    CHECK(short_window.Total() == 2);  // 2023-11 .. 2024-03
  }
  SECTION("fewer months than the window: all months spanned; unknown severity gets a series") {
    site.postmortems.erase(site.postmortems.begin() + 2);  // drop 2022-05
    site.postmortems[1].severity_rank = -1;
    stats::PeriodCounts m = stats::MonthlyBySeverity(site, 24);
    CHECK(m.periods.size() == 5);  // 2023-11 .. 2024-03
    CHECK(m.series.back() == "Unknown");
    CHECK(m.counts.front().back() == 1);
  }
  SECTION("an incident just before midnight UTC moves to the next month and quarter at +03:00") {
    site.postmortems[0].incident_date = Dt("2024-03-31T22:30:00Z");
    f->cfg.timezone_offset_minutes = 0;
    auto newest_month = [&] {
      return stats::PeriodLabel(stats::PeriodKind::kMonth, stats::MonthlyBySeverity(site).periods.back());
    };
    CHECK(newest_month() == "2024-03");
    f->cfg.timezone_offset_minutes = 180;
    CHECK(newest_month() == "2024-04");
    auto quarters = stats::MediansByQuarter(site);
    CHECK(stats::PeriodLabel(stats::PeriodKind::kQuarter, quarters.back().quarter) == "2024 Q2");
  }
  SECTION("counts by year over the site's span, zero years kept") {
    int first = 0, last = 0;
    REQUIRE(stats::YearSpan(site, &first, &last));
    CHECK(first == 2022);
    CHECK(last == 2024);
    stats::PeriodCounts y = stats::CountsByYear(site, {0, 1}, first, last);
    REQUIRE(y.counts.size() == 3);
    CHECK(y.counts[0][0] == 0);
    CHECK(y.counts[1][0] == 1);
    CHECK(y.counts[2][0] == 1);
  }
  SECTION("medians per quarter skip postmortems without both times") {
    site.postmortems[1].durations.detect = 600;  // 2023 Q4
    site.postmortems[2].durations = {};          // 2022 Q2: nothing known
    auto quarters = stats::MediansByQuarter(site);
    REQUIRE(quarters.size() == 8);  // 2022 Q2 .. 2024 Q1, consecutive
    CHECK_FALSE(quarters.front().medians.Any());
    CHECK(quarters.front().medians.postmortems == 1);
    CHECK(*quarters[6].medians.detect == 600);
    CHECK(quarters[6].medians.detect_n == 1);
    CHECK_FALSE(quarters[6].medians.resolve.has_value());
    CHECK(*quarters[7].medians.resolve == 7500);
    stats::DurationMedians all = stats::MediansOf(site, {0, 1, 2});
    CHECK(*all.detect == 510);  // (420 + 600) / 2
    CHECK(all.detect_n == 2);
    CHECK(all.resolve_n == 1);
    CHECK(all.postmortems == 3);
  }
}

TEST_CASE("Top terms: most postmortems first, ties by the taxonomy's order, at most n", "[stats]") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  const model::Taxonomy& tags = f->site.taxonomies[0];
  auto top = stats::TopTerms(tags, 10);
  REQUIRE(top.size() == 3);
  CHECK(top[0].term->name == "database");
  CHECK(top[0].count == 2);
  CHECK(top[1].term->name == "deploy");
  CHECK(top[2].term->name == "dns");
  CHECK(stats::TopTerms(tags, 2).size() == 2);
}

TEST_CASE("This week and on this day, by calendar day", "[stats]") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  model::SiteModel& site = f->site;
  site.today = Dt("2024-03-12");
  CHECK(stats::NewThisWeek(site) == std::vector<int>{0});  // the same day counts
  site.today = Dt("2024-03-18");
  CHECK(stats::NewThisWeek(site) == std::vector<int>{0});  // 6 days later still
  site.today = Dt("2024-03-19");
  CHECK(stats::NewThisWeek(site).empty());  // 7 days later: not this week
  site.today = Dt("2024-03-10");
  CHECK(stats::NewThisWeek(site).empty());  // not yet

  site.today = Dt("2026-03-12");
  CHECK(stats::OnThisDay(site) == std::vector<int>{0});
  CHECK(stats::NewThisWeek(site).empty());
  site.today = Dt("2024-03-12");
  CHECK(stats::OnThisDay(site).empty());  // the same year is not "earlier"
  site.today = Dt("2025-11-02");
  CHECK(stats::OnThisDay(site) == std::vector<int>{1});
  // 29 February shows on 28 February of years without one.
  site.postmortems[2].incident_date = Dt("2020-02-29T10:00:00Z");
  site.today = Dt("2023-02-28");
  CHECK(stats::OnThisDay(site) == std::vector<int>{2});
  site.today = Dt("2024-02-28");
  CHECK(stats::OnThisDay(site).empty());
}

TEST_CASE("SVG charts are well-formed XML with one bar per non-zero value", "[stats][svg]") {
  render::Chart c;
  c.id = "t";
  c.title = "Incidents <by> \"month\" & severity";
  c.description = "A & B";
  c.x_label = "Month";
  c.y_label = "Postmortems";
  c.categories = {"2024-01", "2024-02", "2024-03"};
  c.series = {{"Critical", "#b91c1c"}, {"Minor <x>", "url(javascript:alert(1))"}};
  c.values = {{1.0, 0.0, 2.0}, {3.0, std::nullopt, 1.0}};

  SECTION("stacked bars") {
    std::string svg = render::RenderSvg(c);
    CHECK(test::IsWellFormedXml(svg));
    CHECK(test::CountOf(svg, "<rect class=\"bar\"") == 4);
    CHECK(render::BarCount(c) == 4);
    CHECK(svg.find("role=\"img\" aria-labelledby=\"t-title\" aria-describedby=\"t-desc\"") != std::string::npos);
    CHECK(svg.find("<title id=\"t-title\">Incidents &lt;by&gt; &quot;month&quot; &amp; severity</title>") !=
          std::string::npos);
    CHECK(svg.find("<desc id=\"t-desc\">A &amp; B</desc>") != std::string::npos);
    CHECK(svg.find("fill=\"#b91c1c\"") != std::string::npos);
    CHECK(svg.find("javascript") == std::string::npos);  // colours are sanitized
    CHECK(svg.find(">Month</text>") != std::string::npos);
    CHECK(svg.find(">Postmortems</text>") != std::string::npos);
    CHECK(svg.find("Minor &lt;x&gt;") != std::string::npos);  // legend
  }
  SECTION("horizontal bars: only the first series") {
    c.kind = render::ChartKind::kHorizontalBars;
    std::string svg = render::RenderSvg(c);
    CHECK(test::IsWellFormedXml(svg));
    CHECK(test::CountOf(svg, "<rect class=\"bar\"") == 2);
    CHECK(render::BarCount(c) == 2);
  }
  SECTION("lines: gaps where a value is unknown, no bars") {
    c.kind = render::ChartKind::kLines;
    c.format = render::ValueFormat::kDuration;
    c.log_scale = true;
    c.values = {{60.0, std::nullopt, 7200.0}, {0.0, 600.0, 86400.0}};
    std::string svg = render::RenderSvg(c);
    CHECK(test::IsWellFormedXml(svg));
    CHECK(test::CountOf(svg, "<rect class=\"bar\"") == 0);
    CHECK(test::CountOf(svg, "class=\"point\"") == 5);
    CHECK(test::CountOf(svg, "<path class=\"line\"") == 2);
    CHECK(svg.find("2024-02 · Critical") == std::string::npos);  // the gap has no point
    CHECK(svg.find(">1 d</text>") != std::string::npos);          // round duration ticks
    CHECK(svg.find("2024-03 · Minor &lt;x&gt;: 1 d") != std::string::npos);
  }
  SECTION("an empty chart is still well-formed") {
    c.categories.clear();
    c.values = {{}, {}};
    std::string svg = render::RenderSvg(c);
    CHECK(test::IsWellFormedXml(svg));
    CHECK(svg.find("No data yet") != std::string::npos);
  }
  CHECK(render::FormatValue(render::ValueFormat::kDuration, 7500.0) == "2 h 5 min");
  CHECK(render::FormatValue(render::ValueFormat::kCount, 3.0) == "3");
  CHECK(render::FormatValue(render::ValueFormat::kCount, std::nullopt) == "–");
}

TEST_CASE("The stats page: every chart well-formed, bars as expected, tables with the numbers", "[stats][svg]") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  f->site.taxonomies[0].terms.push_back({"a<b & \"c\"", "a-b-c", "", "", {2}});
  test::RenderedSite r = test::RenderWithTheme(*f);
  INFO(test::DiagText(r.diags));
  CHECK_FALSE(r.diags.HasErrors());
  REQUIRE(r.Has("stats/index.html"));
  const std::string& page = r["stats/index.html"];
  auto svgs = test::SvgElements(page);
  REQUIRE(svgs.size() == 5);  // monthly, durations, top tags, top services, actions
  for (const auto& svg : svgs) CHECK(test::IsWellFormedXml(svg));

  std::string monthly = test::SvgTitled(page, "Postmortems per month, by severity");
  CHECK(test::CountOf(monthly, "<rect class=\"bar\"") == 3);
  std::string tags = test::SvgTitled(page, "Tags with the most incidents");
  CHECK(test::CountOf(tags, "<rect class=\"bar\"") == 4);
  CHECK(tags.find("a&lt;b &amp; &quot;c&quot;") != std::string::npos);
  CHECK(test::CountOf(test::SvgTitled(page, "Services with the most incidents"), "<rect class=\"bar\"") == 3);
  // One item each: done, open (due 2024-12-01), overdue (due 2024-04-01, today 2024-06-01).
  std::string actions = test::SvgTitled(page, "Action items by quarter of their incident: done, open, overdue");
  CHECK(test::CountOf(actions, "<rect class=\"bar\"") == 3);
  CHECK(actions.find("2024 Q1 · Overdue: 1") != std::string::npos);
  std::string lines = test::SvgTitled(page, "Median time to detect, mitigate and resolve, per quarter");
  CHECK(test::CountOf(lines, "class=\"point\"") == 3);  // only 2024 Q1 has durations

  // Tables beside the charts hold the same numbers.
  CHECK(page.find("<th scope=\"row\">2024-03</th><td>1</td><td>0</td><td>0</td><td>1</td></tr>") !=
        std::string::npos);
  CHECK(page.find("<th scope=\"row\">2024 Q1</th><td>7 min</td><td>34 min</td><td>2 h 5 min</td><td>1</td>") !=
        std::string::npos);
  CHECK(page.find("<th scope=\"row\">2023 Q4</th><td>–</td><td>–</td><td>–</td><td>1</td>") !=
        std::string::npos);
  CHECK(page.find("<a href=\"/pm/tags/database/\">database</a></th><td>2</td>") != std::string::npos);
  CHECK(page.find("<th scope=\"row\">2024 Q1</th><td>1</td><td>0</td><td>1</td><td>1</td><td>3</td>") !=
        std::string::npos);
  CHECK(page.find("Median time to detect") != std::string::npos);
  CHECK(page.find("href=\"/pm/stats/\" aria-current=\"page\"") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
}

TEST_CASE("Term pages carry their incidents per year and median durations", "[stats]") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  test::RenderedSite r = test::RenderWithTheme(*f);

  const std::string& db = r["tags/database/index.html"];
  std::string chart = test::SvgTitled(db, "Incidents per year: database");
  REQUIRE_FALSE(chart.empty());
  CHECK(test::IsWellFormedXml(chart));
  CHECK(test::CountOf(chart, "<rect class=\"bar\"") == 2);  // 2023 and 2024; 2022 is zero
  CHECK(db.find("<th scope=\"row\">2022</th><td>0</td>") != std::string::npos);
  CHECK(db.find("<th scope=\"row\">2023</th><td>1</td>") != std::string::npos);
  CHECK(db.find("<th scope=\"row\">2024</th><td>1</td>") != std::string::npos);
  CHECK(db.find("Median time to detect") != std::string::npos);
  CHECK(db.find("7 min") != std::string::npos);
  CHECK(db.find("of 1 postmortem") != std::string::npos);  // the failover has no times

  const std::string& sev = r["severity/sev2/index.html"];
  std::string sev_chart = test::SvgTitled(sev, "Major incidents per year");
  REQUIRE_FALSE(sev_chart.empty());
  CHECK(sev_chart.find("fill=\"#c2410c\"") != std::string::npos);  // the level's colour
  CHECK(test::CountOf(sev_chart, "<rect class=\"bar\"") == 1);
  CHECK(sev.find("<th scope=\"row\">2023</th><td>1</td>") != std::string::npos);
  CHECK(sev.find("Median time to") == std::string::npos);  // nothing known: no medians

  const std::string& dns = r["services/dns/index.html"];
  CHECK(dns.find("<th scope=\"row\">2022</th><td>1</td>") != std::string::npos);
}

TEST_CASE("Charts: long empty runs collapse into one slot, implausible dates are left out", "[stats]") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  model::SiteModel& site = f->site;
  site.today = Dt("2024-06-01");
  // Incidents in 2024, 2023 and 1990: the 32 empty years between are one slot.
  site.postmortems[2].incident_date = Dt("1990-05-01");
  int first = 0, last = 0;
  REQUIRE(stats::YearSpan(site, &first, &last));
  CHECK(first == 1990);
  stats::PeriodCounts y = stats::CountsByYear(site, {0, 1, 2}, first, last);
  REQUIRE(y.periods.size() == 4);  // 1990, 1991–2022, 2023, 2024
  CHECK(y.periods[1] == 1991);
  CHECK(y.ends[1] == 2022);
  CHECK(y.counts[1][0] == 0);
  CHECK(stats::SlotLabel(y.kind, y.periods[1], y.ends[1]) == "1991\u20132022");
  CHECK(y.counts[0][0] + y.counts[2][0] + y.counts[3][0] == 3);
  // The archive's years made once (as the View does for every term's
  // chart) give the same span and counts.
  const std::set<int> years = stats::DatedYears(site);
  CHECK(years.size() == 3);
  CHECK(*years.begin() == 1990);
  int first2 = 0, last2 = 0;
  REQUIRE(stats::YearSpan(years, &first2, &last2));
  CHECK(first2 == first);
  CHECK(last2 == last);
  stats::PeriodCounts y2 = stats::CountsByYear(site, {0, 2}, first, last, years);
  CHECK(y2.periods == y.periods);
  CHECK(y2.counts[0][0] == 1);  // 1990: postmortem 2
  auto quarters = stats::MediansByQuarter(site);
  CHECK(quarters.size() < 20);  // not the 136 quarters from 1990 to 2024

  // A date in year 9999 (or 0001) is left out: the chart keeps its span.
  site.postmortems[2].incident_date = Dt("9999-12-31");
  site.postmortems[2].incident_date_plausible = false;
  REQUIRE(stats::YearSpan(site, &first, &last));
  CHECK(last == 2024);
  CHECK(first == 2023);
  CHECK(stats::OnThisDay(site).size() <= 2);
}
