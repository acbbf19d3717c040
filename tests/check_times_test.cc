// casebook check: time rules (times/order, times/timeline-order,
// times/before-start, times/future).
#include "check_fixture.h"

using casebook::test::CheckSite;
using casebook::test::CleanPostmortem;
using casebook::test::Dump;
using casebook::test::Findings;
using casebook::util::Level;
using casebook::util::ReplaceAll;

TEST_CASE("times/order: detected before started", "[check][times]") {
  CheckSite site;
  site.Write("content/a.md", ReplaceAll(CleanPostmortem(), "detected = 2024-03-12T09:21:00Z",
                                        "detected = 2024-03-12T09:01:00Z"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "times/order");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 12);
  CHECK(f[0].column == 1);
  CHECK(f[0].level == Level::kError);
  CHECK(f[0].message.find("incident.detected") != std::string::npos);
  CHECK(f[0].message.find("incident.started") != std::string::npos);
  CHECK(r.ExitCode() == 1);
}

TEST_CASE("times/order: resolved before mitigated, zones respected", "[check][times]") {
  CheckSite site;
  // 10:40+01:00 is 09:40Z: before mitigated (09:48Z) although it reads later.
  site.Write("content/a.md", ReplaceAll(CleanPostmortem(), "resolved = 2024-03-12T10:02:00Z",
                                        "resolved = 2024-03-12T10:40:00+01:00"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "times/order");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 14);
  CHECK(f[0].message.find("incident.mitigated") != std::string::npos);

  // The same clock time in UTC+00:30 is after: no finding.
  site.Write("content/a.md", ReplaceAll(CleanPostmortem(), "resolved = 2024-03-12T10:02:00Z",
                                        "resolved = 2024-03-12T10:40:00+00:30"));
  CHECK(Findings(site.Check(), "times/order").empty());
}

TEST_CASE("times/order: first_user_report before first_user_impact", "[check][times]") {
  CheckSite site;
  site.Write("content/a.md",
             ReplaceAll(CleanPostmortem(), "detected = 2024-03-12T09:21:00Z\n",
                        "detected = 2024-03-12T09:21:00Z\n"
                        "first_user_impact = 2024-03-12T09:30:00Z\n"
                        "first_user_report = 2024-03-12T09:20:00Z\n"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "times/order");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 14);
  CHECK(f[0].message.find("first_user_report") != std::string::npos);
}

TEST_CASE("times/timeline-order and times/before-start", "[check][times]") {
  CheckSite site;
  std::string text = ReplaceAll(CleanPostmortem(), "text = \"Deploy 4121 starts.\"\n",
                                "text = \"Deploy 4121 starts.\"\n"
                                "\n[[timeline]]\n"
                                "at = 2024-03-12T09:40:00Z\n"
                                "text = \"Rollback.\"\n"
                                "\n[[timeline]]\n"
                                "at = 2024-03-12T09:30:00Z\n"
                                "text = \"Out of order.\"\n"
                                "\n[[timeline]]\n"
                                "at = 2024-03-12T09:50:00Z\n"
                                "text = \"Fine again.\"\n");
  text = ReplaceAll(text, "at = 2024-03-12T09:14:00Z", "at = 2024-03-12T09:00:00Z");
  site.Write("content/a.md", text);
  auto r = site.Check();
  INFO(Dump(r));
  auto order = Findings(r, "times/timeline-order");
  REQUIRE(order.size() == 1);
  CHECK(order[0].line == 25);  // the `at =` line of the third entry
  CHECK(order[0].column == 1);
  CHECK(order[0].level == Level::kWarning);
  auto before = Findings(r, "times/before-start");
  REQUIRE(before.size() == 1);
  CHECK(before[0].line == 17);
  CHECK(r.ExitCode() == 0);
}

TEST_CASE("times/timeline-order in a plain-Markdown timeline", "[check][times]") {
  CheckSite site;
  site.site_toml += "[check]\nsections = \"off\"\nactions = \"off\"\n";
  site.Write("content/2021-06-22-plain.md",
             "# Plain\n\n## Timeline\n\n"
             "- 2021-06-22 08:21 Alert fires\n"
             "- 2021-06-22 08:10 Deploy\n"
             "- 2021-06-22 09:00 Fixed\n");
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "times/timeline-order");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 6);
}

TEST_CASE("times/future: dates after --today", "[check][times]") {
  CheckSite site;
  site.Write("content/a.md", ReplaceAll(CleanPostmortem(), "date = 2024-03-14", "date = 2024-09-14"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "times/future");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 3);
  CHECK(f[0].level == Level::kError);
  CHECK(f[0].message.find("2024-09-14") != std::string::npos);
  CHECK(f[0].message.find("2024-06-01") != std::string::npos);

  // As of a later day, nothing is in the future.
  CHECK(Findings(site.Check({}, "2024-09-14"), "times/future").empty());
  // The incident itself in the future: every time is reported.
  site.Write("content/a.md", ReplaceAll(CleanPostmortem(), "2024-03-12T", "2024-06-12T"));
  r = site.Check();
  CHECK(Findings(r, "times/future").size() == 5);  // 4 incident times + 1 timeline entry
}

TEST_CASE("times/implausible: before 1970 or more than a year ahead is an error in check", "[check][times]") {
  CheckSite site;
  site.Write("content/a.md", ReplaceAll(CleanPostmortem(), "date = 2024-03-14", "date = 2042-03-14"));
  site.Write("content/b.md", ReplaceAll(CleanPostmortem(), "date = 2024-03-14", "date = 0001-01-01"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "times/implausible");
  REQUIRE(f.size() == 2);
  CHECK(f[0].file.find("content/a.md") != std::string::npos);
  CHECK(f[0].line == 3);
  CHECK(f[0].level == Level::kError);
  CHECK(f[0].message.find("2042-03-14") != std::string::npos);
  CHECK(f[1].file.find("content/b.md") != std::string::npos);
  CHECK(f[1].message.find("0001-01-01") != std::string::npos);
  // One finding per date: a year far ahead is not also "in the future".
  CHECK(Findings(r, "times/future").empty());
  CHECK(r.ExitCode() == 1);
}

TEST_CASE("times rules can be turned off or re-levelled", "[check][times]") {
  CheckSite site;
  site.Write("content/a.md", ReplaceAll(CleanPostmortem(), "detected = 2024-03-12T09:21:00Z",
                                        "detected = 2024-03-12T09:01:00Z"));
  site.site_toml += "[check]\n\"times/order\" = \"warning\"\n";
  auto r = site.Check();
  auto f = Findings(r, "times/order");
  REQUIRE(f.size() == 1);
  CHECK(f[0].level == Level::kWarning);
  CHECK(r.ExitCode() == 0);

  site.site_toml = "title = \"T\"\n[check.times]\norder = \"off\"\n";
  CHECK(Findings(site.Check(), "times/order").empty());
}

TEST_CASE("times/no-date: a date line that reads both ways is pointed at", "[check][times]") {
  CheckSite site;
  site.Write("content/either.md", "# Cache errors\n\nDate: 03/04/2017\n\n## Summary\n\nErrors.\n");
  site.Write("content/none.md", "# Queue errors\n\n## Summary\n\nErrors.\n");
  site.Write("content/us.md", "# Login errors\n\nDate: 10/21/2015\n\n## Summary\n\nErrors.\n");
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "times/no-date");
  REQUIRE(f.size() == 2);
  std::sort(f.begin(), f.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  CHECK(f[0].file.find("either.md") != std::string::npos);
  CHECK(f[0].line == 3);
  CHECK(f[0].message.find("\"03/04/2017\" is not read as a date") != std::string::npos);
  CHECK(f[0].hint.find("year first") != std::string::npos);
  CHECK(f[1].file.find("none.md") != std::string::npos);
  CHECK(f[1].line == 1);
  CHECK(f[1].level == Level::kWarning);
}
