// casebook check: action item rules.
#include "check_fixture.h"

using casebook::test::CheckSite;
using casebook::test::CleanPostmortem;
using casebook::test::Dump;
using casebook::test::Findings;
using casebook::util::Level;
using casebook::util::ReplaceAll;

namespace {

std::string WithActions(const std::string& actions) {
  std::string text = CleanPostmortem();
  size_t from = text.find("[[actions]]");
  size_t to = text.find("+++", from);
  return text.substr(0, from) + actions + text.substr(to);
}

}  // namespace

TEST_CASE("actions/missing-owner and missing-due by default, not ticket", "[check][actions]") {
  CheckSite site;
  site.Write("content/a.md", WithActions("[[actions]]\n"
                                         "text = \"Add an alert\"\n"
                                         "\n[[actions]]\n"
                                         "text = \"Write the runbook\"\n"
                                         "owner = \"sre\"\n"
                                         "status = \"done\"\n"));
  auto r = site.Check();
  INFO(Dump(r));
  auto owner = Findings(r, "actions/missing-owner");
  REQUIRE(owner.size() == 1);
  CHECK(owner[0].line == 20);
  CHECK(owner[0].column == 1);
  CHECK(owner[0].level == Level::kError);
  CHECK(owner[0].message.find("\"Add an alert\"") != std::string::npos);
  auto due = Findings(r, "actions/missing-due");
  REQUIRE(due.size() == 2);  // done items need a due date too
  CHECK(due[1].line == 23);
  CHECK(Findings(r, "actions/missing-ticket").empty());
  CHECK(r.ExitCode() == 1);
}

TEST_CASE("[check] action_required chooses the fields", "[check][actions]") {
  CheckSite site;
  site.site_toml += "[check]\naction_required = [\"ticket\"]\n";
  site.Write("content/a.md", WithActions("[[actions]]\ntext = \"Add an alert\"\n"));
  auto r = site.Check();
  INFO(Dump(r));
  CHECK(Findings(r, "actions/missing-owner").empty());
  CHECK(Findings(r, "actions/missing-due").empty());
  auto t = Findings(r, "actions/missing-ticket");
  REQUIRE(t.size() == 1);
  CHECK(t[0].line == 20);
}

TEST_CASE("actions/overdue: open items past due, with days", "[check][actions]") {
  CheckSite site;
  site.Write("content/a.md", WithActions("[[actions]]\n"
                                         "text = \"Open and late\"\n"
                                         "owner = \"sre\"\n"
                                         "due = 2024-05-20\n"
                                         "\n[[actions]]\n"
                                         "text = \"Done and late\"\n"
                                         "owner = \"sre\"\n"
                                         "due = 2024-05-20\n"
                                         "status = \"done\"\n"
                                         "\n[[actions]]\n"
                                         "text = \"Due today\"\n"
                                         "owner = \"sre\"\n"
                                         "due = 2024-06-01\n"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "actions/overdue");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 20);
  CHECK(f[0].level == Level::kWarning);
  CHECK(f[0].message.find("12 days overdue") != std::string::npos);
  CHECK(f[0].message.find("due 2024-05-20") != std::string::npos);
  CHECK(r.ExitCode() == 0);
  CHECK(site.Check({}, "2024-06-01", true).ExitCode() == 1);  // --strict
  CHECK(Findings(site.Check({}, "2024-05-21"), "actions/overdue")[0].message.find(
            "1 day overdue") != std::string::npos);
}

TEST_CASE("actions/none: a final postmortem without action items", "[check][actions]") {
  CheckSite site;
  site.Write("content/a.md", WithActions(""));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "actions/none");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 5);  // status = "final"
  CHECK(f[0].level == Level::kWarning);

  // Not for a review.
  site.Write("content/a.md", ReplaceAll(WithActions(""), "\"final\"", "\"review\""));
  CHECK(Findings(site.Check(), "actions/none").empty());
  // A plain-Markdown file with an Action items section has them in the body.
  site.Write("content/a.md", "# Plain\n\n## Action items\n\n- Add an alert (SRE-1)\n");
  CHECK(Findings(site.Check(), "actions/none").empty());
}

TEST_CASE("drafts get completeness findings as warnings", "[check][actions]") {
  CheckSite site;
  site.Write("content/a.md",
             ReplaceAll(WithActions("[[actions]]\ntext = \"x\"\n"), "\"final\"", "\"draft\""));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "actions/missing-owner");
  REQUIRE(f.size() == 1);
  CHECK(f[0].level == Level::kWarning);
  CHECK(r.ExitCode() == 0);
  // An explicit level in site.toml still wins.
  site.site_toml += "[check]\n\"actions/missing-owner\" = \"error\"\n";
  CHECK(site.Check().ExitCode() == 1);
}
