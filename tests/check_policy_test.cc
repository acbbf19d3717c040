// casebook check: the policy applied to every finding (levels, ignore
// comments, check_ignore) and restricting the check to some PATHs.
#include "check_fixture.h"

#include "check/internal.h"

using casebook::check::RuleMatches;
using casebook::check::SourceFile;
using casebook::test::CheckSite;
using casebook::test::CleanPostmortem;
using casebook::test::Dump;
using casebook::test::Findings;
using casebook::util::Level;
using casebook::util::ReplaceAll;

TEST_CASE("rule patterns: exact ids, families, everything", "[check][policy]") {
  CHECK(RuleMatches("blameless/judgement", "blameless/judgement"));
  CHECK(RuleMatches("blameless", "blameless/judgement"));
  CHECK(RuleMatches("blameless/*", "blameless/judgement"));
  CHECK(RuleMatches("*", "times/order"));
  CHECK(RuleMatches("", "times/order"));
  CHECK_FALSE(RuleMatches("blame", "blameless/judgement"));
  CHECK_FALSE(RuleMatches("blameless/judgement", "blameless/counterfactual"));
}

TEST_CASE("ignore comments: same line, line before, several ids, file-wide",
          "[check][policy]") {
  SourceFile f = SourceFile::FromText(
      "+++\n"
      "servces = 1  # casebook-ignore schema/unknown-key\n"
      "+++\n"
      "<!-- casebook-ignore times/order, links/broken -->\n"
      "text\n"
      "text <!-- casebook-ignore -->\n"
      "<!-- casebook-ignore-file blameless -->\n");
  CHECK(f.fm_first() == 2);
  CHECK(f.fm_last() == 2);
  CHECK(f.Ignores(2, "schema/unknown-key"));
  CHECK(f.Ignores(3, "schema/unknown-key"));   // the line after
  CHECK_FALSE(f.Ignores(4, "schema/unknown-key"));
  CHECK(f.Ignores(5, "times/order"));
  CHECK(f.Ignores(5, "links/broken"));
  CHECK_FALSE(f.Ignores(5, "links/related"));
  CHECK(f.Ignores(6, "anything/at-all"));
  CHECK(f.Ignores(100, "blameless/judgement"));  // file-wide
  CHECK_FALSE(f.Ignores(100, "times/order"));
}

TEST_CASE("a front matter finding is silenced by a TOML comment", "[check][policy]") {
  CheckSite site;
  site.Write("content/a.md",
             CleanPostmortem("servces = [\"x\"]  # <!-- casebook-ignore schema/unknown-key -->\n"));
  auto r = site.Check();
  INFO(Dump(r));
  CHECK(r.diagnostics.items().empty());
}

TEST_CASE("check_ignore silences rules and families for one file", "[check][policy]") {
  CheckSite site;
  std::string late = ReplaceAll(CleanPostmortem(), "detected = 2024-03-12T09:21:00Z",
                                "detected = 2024-03-12T09:01:00Z");
  site.Write("content/a.md", late);
  site.Write("content/b.md",
             ReplaceAll(late, "status = \"final\"\n",
                        "status = \"final\"\ncheck_ignore = [\"times\"]\n"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "times/order");
  REQUIRE(f.size() == 1);
  CHECK(casebook::util::EndsWith(f[0].file, "content/a.md"));
}

TEST_CASE("loader findings obey ignore comments too", "[check][policy]") {
  CheckSite site;
  site.Write("content/a.md", ReplaceAll(CleanPostmortem(), "status = \"final\"",
                                        "status = \"finished\"  # casebook-ignore schema/status"));
  auto r = site.Check();
  INFO(Dump(r));
  CHECK(Findings(r, "schema/status").empty());
}

TEST_CASE("PATHs restrict the findings, links still resolve", "[check][policy]") {
  CheckSite site;
  site.Write("content/2023/target.md", CleanPostmortem());
  site.Write("content/2024/a.md",
             CleanPostmortem("related = [\"target\"]\n", "[x](../2023/target.md) should have\n"));
  site.Write("content/2024/b.md", CleanPostmortem("", "should have\n"));
  site.Write("content/README.md", "# not a postmortem\n");
  site.Write("docs/x.md", "should have\n");
  site.site_toml += "[check]\nsections = \"off\"\n";

  auto all = site.Check();
  INFO(Dump(all));
  CHECK(Findings(all, "blameless/counterfactual").size() == 2);
  CHECK(all.files == 3);

  auto one = site.Check({site.dir.path() + "/content/2024/a.md"});
  INFO(Dump(one));
  CHECK(one.fatal.empty());
  CHECK(one.files == 1);
  auto f = Findings(one);
  REQUIRE(f.size() == 1);
  CHECK(casebook::util::EndsWith(f[0].file, "content/2024/a.md"));

  auto folder = site.Check({site.dir.path() + "/content/2024"});
  CHECK(folder.files == 2);
  CHECK(Findings(folder).size() == 2);

  auto outside = site.Check({site.dir.path() + "/docs/x.md",
                             site.dir.path() + "/content/README.md"});
  CHECK(outside.fatal.empty());
  CHECK(outside.files == 0);
  CHECK(outside.notes.size() == 2);
  CHECK(outside.ExitCode() == 0);

  auto missing = site.Check({site.dir.path() + "/content/nope.md"});
  CHECK_FALSE(missing.fatal.empty());
  CHECK(missing.ExitCode() == 2);
}

TEST_CASE("no source folder: the check cannot run", "[check][policy]") {
  CheckSite site;
  site.site_toml += "source = \"nothing-here\"\n";
  auto r = site.Check();
  CHECK(r.fatal.find("nothing-here") != std::string::npos);
  CHECK(r.ExitCode() == 2);
}

TEST_CASE("a clean archive of drafts, reviews and plain Markdown", "[check][policy]") {
  CheckSite site;
  site.Write("content/a.md", ReplaceAll(CleanPostmortem(), "\"final\"", "\"draft\""));
  site.Write("content/b.md", ReplaceAll(CleanPostmortem(), "\"final\"", "\"review\""));
  site.Write("content/2021-06-22-plain.md",
             "# Plain incident\n\n## Summary\n\nx\n\n## Impact\n\nx\n\n## Timeline\n\n"
             "- 2021-06-22 08:21 Alert\n\n## Action items\n\n- [x] Fix it @sam due 2021-07-01\n");
  auto r = site.Check();
  INFO(Dump(r));
  CHECK(r.files == 3);
  CHECK(r.diagnostics.items().empty());
}

TEST_CASE("YAML front matter: findings point at the YAML lines", "[check][policy]") {
  CheckSite site;
  site.site_toml += "[check]\nsections = \"off\"\n";
  site.Write("content/y.md",
             "---\n"
             "title: \"YAML one\"\n"
             "summary: \"We should have seen it.\"\n"
             "servces: [a]\n"
             "incident:\n"
             "  started: 2024-03-12T09:14:00Z\n"
             "  detected: 2024-03-12T09:01:00Z\n"
             "actions:\n"
             "  - text: \"Fix\"\n"
             "    due: 2024-04-01\n"
             "related: [nope]\n"
             "---\n"
             "Body.\n");
  auto r = site.Check();
  INFO(Dump(r));
  auto at = [&r](const std::string& rule) {
    auto f = Findings(r, rule);
    REQUIRE(f.size() == 1);
    return std::to_string(f[0].line) + ":" + std::to_string(f[0].column);
  };
  CHECK(at("blameless/counterfactual") == "3:14");
  CHECK(at("schema/unknown-key") == "4:1");
  CHECK(at("times/order") == "7:3");
  CHECK(at("actions/missing-owner") == "9:3");
  CHECK(at("actions/overdue") == "9:3");
  CHECK(at("links/related") == "11:11");
}
