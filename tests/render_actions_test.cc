// The action tracker: overdue logic against a fixed today, counts, the
// /actions/ pages (by owner, by status), actions.csv parsed back with a
// small RFC 4180 reader, overdue_days in postmortems.json, and the home
// page's "this week" and "on this day".
#include <catch2/catch.hpp>

#include "model/steps.h"  // CollectActions: the tracker order BuildSiteModel uses
#include "render/outputs.h"
#include "render/stats.h"
#include "render/view.h"
#include "render_output_helpers.h"
#include "util/text.h"

using namespace casebook;
namespace stats = casebook::render::stats;
using test::Dt;

namespace {

using Rows = std::vector<std::vector<std::string>>;

/// RFC 4180: records end with CRLF; a field is quoted when it holds a
/// comma, quote, CR or LF, with quotes doubled inside. *ok is false on any
/// departure (a bare LF or CR outside quotes, text after a closing quote,
/// an unterminated quote, a missing final CRLF).
Rows ParseCsv(const std::string& text, bool* ok) {
  Rows rows;
  std::vector<std::string> record;
  std::string field;
  *ok = true;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) {
          *ok = false;
          return rows;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\r') *ok = false;
    }
    while (i < text.size() && text[i] != ',' && text[i] != '\r') {
      if (text[i] == '\n' || text[i] == '"') *ok = false;
      field += text[i++];
    }
    if (i >= text.size()) {
      *ok = false;  // the last record must end with CRLF
      break;
    }
    record.push_back(std::move(field));
    field.clear();
    if (text[i] == ',') {
      ++i;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '\n') *ok = false;
    i += 2;
    rows.push_back(std::move(record));
    record.clear();
  }
  return rows;
}

/// The fixture with a spread of action items around today (2024-06-01).
std::unique_ptr<test::RenderFixture> ActionFixture() {
  auto f = test::MakeRenderFixture(test::SourceDir());
  auto& a = f->site.postmortems[0];
  a.doc.actions = {
      {"Due yesterday", "Dana Li", Dt("2024-05-31"), "PAY 1", "open", 1},
      {"Due today", "team-payments", Dt("2024-06-01"), "PAY-2", "open", 2},
      {"Done long ago", "Dana Li", Dt("2024-01-01"), "PAY-3", "done", 3},
      {"Dropped", "dana li", Dt("2023-01-01"), "", "wontfix", 4},
      {"No due date", "", std::nullopt, "", "open", 5},
      {"Due in six days", "team-payments", Dt("2024-06-07"), "", "open", 6},
      {"Due in seven days", "<b>Ops</b>", Dt("2024-06-08"), "", "open", 7},
  };
  a.action_html.clear();
  for (const auto& item : a.doc.actions) a.action_html.push_back(util::HtmlEscape(item.text));
  f->site.postmortems[1].doc.actions = {
      {"Alert, on \"pool\" use\nand \r\nsaturation", "team, \"db\"", Dt("2024-02-01"), "DB-9", "open", 9}};
  f->site.postmortems[1].action_html = {"Alert, on &quot;pool&quot; use and saturation"};
  model::CollectActions(&f->site);
  return f;
}

const stats::ActionRow* Find(const std::vector<stats::ActionRow>& rows, const std::string& text) {
  for (const auto& r : rows)
    if (r.item->text == text) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("Overdue with a fixed today: calendar days, open items only", "[actions]") {
  auto f = ActionFixture();
  auto rows = stats::ActionRows(f->site);
  REQUIRE(rows.size() == 8);

  const auto* yesterday = Find(rows, "Due yesterday");
  CHECK(yesterday->overdue);
  CHECK(yesterday->overdue_days == 1);
  const auto* today = Find(rows, "Due today");
  CHECK_FALSE(today->overdue);
  CHECK(today->overdue_days == 0);
  CHECK(today->due_soon);
  CHECK(*today->days_until_due == 0);
  CHECK_FALSE(Find(rows, "Done long ago")->overdue);  // done is never overdue
  CHECK_FALSE(Find(rows, "Dropped")->overdue);        // nor won't fix
  CHECK_FALSE(Find(rows, "No due date")->overdue);
  CHECK_FALSE(Find(rows, "No due date")->due_soon);
  CHECK(Find(rows, "Due in six days")->due_soon);
  CHECK_FALSE(Find(rows, "Due in seven days")->due_soon);
  CHECK(Find(rows, "Alert, on \"pool\" use\nand \r\nsaturation")->overdue_days == 121);
  CHECK(yesterday->ticket_url() == "https://jira.example.com/browse/PAY%201");  // TicketUrl, encoded

  stats::ActionCounts n = stats::CountActions(rows);
  CHECK(n.total == 8);
  CHECK(n.open == 6);
  CHECK(n.overdue == 2);
  CHECK(n.due_soon == 2);
  CHECK(n.done == 1);
  CHECK(n.wontfix == 1);

  // The day after, "due today" is one day overdue.
  f->site.today = Dt("2024-06-02");
  rows = stats::ActionRows(f->site);
  CHECK(Find(rows, "Due today")->overdue_days == 1);
  CHECK(Find(rows, "Due yesterday")->overdue_days == 2);
}

TEST_CASE("actions.csv is RFC 4180 and parses back to the same rows", "[actions][csv]") {
  auto f = ActionFixture();
  test::RenderedSite r = test::RenderWithTheme(*f);
  REQUIRE(r.Has("actions.csv"));
  const std::string& csv = r["actions.csv"];
  bool ok = false;
  Rows rows = ParseCsv(csv, &ok);
  CHECK(ok);
  REQUIRE(rows.size() == 9);
  CHECK(rows[0] == std::vector<std::string>{"postmortem_id", "postmortem_title", "text", "owner", "due", "status",
                                            "ticket", "ticket_url", "overdue_days"});
  auto expected = stats::ActionRows(f->site);
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& e = expected[i];
    INFO(i);
    REQUIRE(rows[i + 1].size() == 9);
    CHECK(rows[i + 1][0] == e.pm->id());
    CHECK(rows[i + 1][1] == e.pm->doc.title);
    CHECK(rows[i + 1][2] == e.item->text);
    CHECK(rows[i + 1][3] == e.item->owner);
    CHECK(rows[i + 1][5] == e.status);
    CHECK(rows[i + 1][6] == e.item->ticket);
    CHECK(rows[i + 1][7] == e.ticket_url());
    CHECK(rows[i + 1][8] == std::to_string(e.overdue_days));
  }
  // Open first, the oldest due date first: the item due 2024-02-01 leads.
  CHECK(rows[1][2] == "Alert, on \"pool\" use\nand \r\nsaturation");
  CHECK(rows[1][3] == "team, \"db\"");
  CHECK(rows[1][4] == "2024-02-01");
  CHECK(rows[1][8] == "121");
  CHECK(csv.find("\"Alert, on \"\"pool\"\" use\nand \r\nsaturation\",\"team, \"\"db\"\"\"") != std::string::npos);
  CHECK(rows[2][2] == "Due yesterday");
  CHECK(rows[2][7] == "https://jira.example.com/browse/PAY%201");
  CHECK(rows.back()[5] != "open");  // closed items last
  CHECK(csv.substr(csv.size() - 2) == "\r\n");
}

TEST_CASE("The tracker page: counts, open first, overdue flagged, tickets linked, text escaped", "[actions]") {
  auto f = ActionFixture();
  test::RenderedSite r = test::RenderWithTheme(*f);
  INFO(test::DiagText(r.diags));
  CHECK_FALSE(r.diags.HasErrors());
  REQUIRE(r.Has("actions/index.html"));
  const std::string& page = r["actions/index.html"];
  CHECK(page.find("8 action items") != std::string::npos);
  CHECK(page.find("<span class=\"count-number\">6</span> <span class=\"count-label\">open</span>") !=
        std::string::npos);
  CHECK(page.find("<span class=\"count-number\">2</span> <span class=\"count-label\">overdue</span>") !=
        std::string::npos);
  CHECK(page.find("<span class=\"count-number\">2</span> "
                  "<span class=\"count-label\">due in the next 7 days</span>") != std::string::npos);
  CHECK(page.find("<span class=\"count-number\">1</span> <span class=\"count-label\">won&apos;t fix</span>") !=
        std::string::npos);
  CHECK(test::CountOf(page, "action-overdue") == 2);
  CHECK(page.find("1 day overdue") != std::string::npos);
  CHECK(page.find("121 days overdue") != std::string::npos);
  CHECK(page.find("due today") != std::string::npos);
  CHECK(page.find("due in 6 days") != std::string::npos);
  CHECK(page.find("href=\"https://jira.example.com/browse/PAY%201\">PAY 1</a>") != std::string::npos);
  CHECK(page.find("href=\"/pm/postmortems/2024-03-12-checkout-pool/\">Checkout &lt;script&gt;") !=
        std::string::npos);
  CHECK(page.find("&lt;b&gt;Ops&lt;/b&gt;") != std::string::npos);
  CHECK(page.find("<script>") == std::string::npos);  // the one script is js/filter.js
  CHECK(test::CountOf(page, "<script") == 1);
  CHECK(page.find("<script src=\"/pm/js/filter.js\" defer></script>") != std::string::npos);
  CHECK(page.find("<b>Ops") == std::string::npos);
  CHECK(page.find("Due yesterday") < page.find("Due today"));
  CHECK(page.find("Due in seven days") != std::string::npos);
  // /actions/ is what needs attention: closed items are on their own pages.
  CHECK(page.find("Done long ago") == std::string::npos);
  CHECK(r["actions/status/done/index.html"].find("Done long ago") != std::string::npos);
  CHECK(page.find("href=\"/pm/actions.csv\"") != std::string::npos);
  CHECK(page.find("href=\"/pm/actions/\" aria-current=\"page\"") != std::string::npos);
}

TEST_CASE("Views by owner and by status are separate pages, reachable from the tracker", "[actions]") {
  auto f = ActionFixture();
  test::RenderedSite r = test::RenderWithTheme(*f);
  const std::string& page = r["actions/index.html"];
  for (const char* p : {"actions/status/open/index.html", "actions/status/overdue/index.html",
                        "actions/status/due-soon/index.html", "actions/status/done/index.html",
                        "actions/status/wontfix/index.html", "actions/owner/dana-li/index.html",
                        "actions/owner/team-payments/index.html", "actions/owner/_none/index.html",
                        "actions/owner/b-ops-b/index.html", "actions/owner/team-db/index.html"}) {
    INFO(p);
    CHECK(r.Has(p));
    std::string dir = std::string(p).substr(0, std::string(p).size() - 10);
    CHECK(page.find("href=\"/pm/" + dir + "\"") != std::string::npos);
  }
  // "Dana Li" and "dana li" are one owner.
  const std::string& dana = r["actions/owner/dana-li/index.html"];
  CHECK(dana.find("Due yesterday") != std::string::npos);
  CHECK(dana.find("Dropped") != std::string::npos);
  CHECK(dana.find("Due today") == std::string::npos);
  CHECK(dana.find("3 action items") != std::string::npos);
  const std::string& overdue = r["actions/status/overdue/index.html"];
  CHECK(test::CountOf(overdue, "<tr class=\"action ") == 2);
  CHECK(overdue.find("Action items: Overdue") != std::string::npos);
  CHECK(r["actions/status/done/index.html"].find("Done long ago") != std::string::npos);
  CHECK(r["actions/owner/_none/index.html"].find("No due date") != std::string::npos);
  CHECK(r["sitemap.xml"].find("https://example.com/pm/actions/owner/dana-li/") != std::string::npos);
}

TEST_CASE("postmortems.json carries overdue and overdue_days", "[actions]") {
  auto f = ActionFixture();
  test::RenderedSite r = test::RenderWithTheme(*f);
  const std::string& json = r["postmortems.json"];
  CHECK(json.find("\"overdue_days\": 1,") != std::string::npos);
  CHECK(json.find("\"overdue_days\": 121,") != std::string::npos);
  CHECK(test::CountOf(json, "\"overdue\": true") == 2);
  CHECK(test::CountOf(json, "\"overdue_days\": 0") == 6);
}

TEST_CASE("Without a safe ticket_url, tickets are text in the tracker and the CSV", "[actions]") {
  auto f = ActionFixture();
  f->cfg.ticket_url = "javascript:alert('{ticket}')";
  test::RenderedSite r = test::RenderWithTheme(*f);
  CHECK(r["actions/index.html"].find("javascript:") == std::string::npos);
  CHECK(r["actions/index.html"].find(">PAY 1<") != std::string::npos);
  CHECK(r["actions.csv"].find("javascript:") == std::string::npos);
}

TEST_CASE("Home page: this week and on this day", "[actions][home]") {
  auto f = ActionFixture();
  SECTION("new postmortems, items due soon and the overdue count") {
    f->site.today = Dt("2024-03-15");
    test::RenderedSite r = test::RenderWithTheme(*f);
    const std::string& home = r["index.html"];
    size_t week = home.find("id=\"week-heading\"");
    REQUIRE(week != std::string::npos);
    std::string section = home.substr(week, home.find("</section>", week) - week);
    CHECK(section.find("<span class=\"week-number\">1</span> new postmortem") != std::string::npos);
    CHECK(section.find("href=\"/pm/postmortems/2024-03-12-checkout-pool/\"") != std::string::npos);
    CHECK(section.find("<span class=\"week-number\">1</span> action items overdue") == std::string::npos);
    CHECK(section.find("<span class=\"week-number\">1</span> action item overdue") != std::string::npos);
    CHECK(section.find("href=\"/pm/actions/status/overdue/\"") != std::string::npos);
    CHECK(section.find("href=\"/pm/actions/\"") != std::string::npos);
    CHECK(section.find("<span class=\"week-number\">0</span> action items due in the next 7 days") !=
          std::string::npos);
  }
  SECTION("due in the next 7 days") {
    test::RenderedSite r = test::RenderWithTheme(*f);  // today 2024-06-01
    const std::string& home = r["index.html"];
    CHECK(home.find("<span class=\"week-number\">2</span> action items due in the next 7 days") !=
          std::string::npos);
    CHECK(home.find("<span class=\"week-number\">0</span> new postmortems") != std::string::npos);
    CHECK(home.find("Due in six days") != std::string::npos);
    CHECK(home.find("Due in seven days") == std::string::npos);
  }
  SECTION("on this day in earlier years") {
    f->site.today = Dt("2026-03-12");
    test::RenderedSite r = test::RenderWithTheme(*f);
    const std::string& home = r["index.html"];
    size_t otd = home.find("id=\"on-this-day-heading\"");
    REQUIRE(otd != std::string::npos);
    std::string section = home.substr(otd, home.find("</section>", otd) - otd);
    CHECK(section.find("12 March") != std::string::npos);
    CHECK(section.find("href=\"/pm/postmortems/2024-03-12-checkout-pool/\"") != std::string::npos);
    CHECK(section.find("2 years ago") != std::string::npos);
  }
}

TEST_CASE("actions.csv: a cell starting with = + - @ tab or CR gets a leading quote (OWASP)",
          "[actions][csv]") {
  auto f = ActionFixture();
  auto& a = f->site.postmortems[0];
  a.doc.actions = {
      {"=1+1", "+owner", Dt("2024-05-31"), "-1", "open", 1},
      {"@SUM(A1)", "\towner", Dt("2024-05-30"), "\rDB-1", "open", 2},
      {"fine = text", "a-b", Dt("2024-05-29"), "OPS-1", "open", 3},
  };
  a.action_html = {"=1+1", "@SUM(A1)", "fine = text"};
  f->site.postmortems[1].doc.actions.clear();
  f->site.postmortems[1].action_html.clear();
  model::CollectActions(&f->site);
  test::RenderedSite r = test::RenderWithTheme(*f);
  bool ok = false;
  Rows rows = ParseCsv(r["actions.csv"], &ok);
  CHECK(ok);
  REQUIRE(rows.size() == 4);
  // Oldest due first: 05-29, 05-30, 05-31.
  CHECK(rows[1][2] == "fine = text");  // only the first character counts
  CHECK(rows[1][3] == "a-b");
  CHECK(rows[2][2] == "'@SUM(A1)");
  CHECK(rows[2][3] == "'\towner");
  CHECK(rows[2][6] == "'\rDB-1");  // quoted too: it holds a CR
  CHECK(rows[3][2] == "'=1+1");
  CHECK(rows[3][3] == "'+owner");
  CHECK(rows[3][6] == "'-1");
  CHECK(r["actions.csv"].find("\"'\rDB-1\"") != std::string::npos);
}

TEST_CASE("A long owner list is folded on the tracker, open on an owner's own page", "[actions]") {
  auto f = ActionFixture();
  // 5 owners in the fixture: listed openly under a "By owner" heading.
  {
    test::RenderedSite r = test::RenderWithTheme(*f);
    const std::string& page = r["actions/index.html"];
    CHECK(page.find("<h2 id=\"owners-heading\">By owner</h2>") != std::string::npos);
    CHECK(page.find("<summary>By owner") == std::string::npos);
  }
  auto& a = f->site.postmortems[0];
  for (int i = 0; i < 20; ++i) {
    a.doc.actions.push_back({"Item " + std::to_string(i), "owner " + std::to_string(i),
                             Dt("2024-07-01"), "", "open", 20 + i});
    a.action_html.push_back("Item " + std::to_string(i));
  }
  model::CollectActions(&f->site);
  test::RenderedSite r = test::RenderWithTheme(*f);
  const std::string& page = r["actions/index.html"];
  CHECK(page.find("<h2 id=\"owners-heading\">") == std::string::npos);
  CHECK(page.find("<details class=\"view-details\">\n    <summary>By owner <span class=\"muted small\">25 owners</span></summary>") != std::string::npos);
  // Every owner is still linked, and an owner's page opens the list.
  CHECK(page.find("href=\"/pm/actions/owner/owner-19/\"") != std::string::npos);
  const std::string& owner = r["actions/owner/owner-7/index.html"];
  CHECK(owner.find("<details class=\"view-details\" open>\n    <summary>By owner") != std::string::npos);
  CHECK(owner.find("aria-current=\"page\">owner 7<") != std::string::npos);
}
