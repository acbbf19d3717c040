// casebook check: required sections (sections/missing, sections/empty).
#include "check_fixture.h"

using casebook::test::CheckSite;
using casebook::test::CleanPostmortem;
using casebook::test::Dump;
using casebook::test::Findings;
using casebook::test::kCleanBodyLine;
using casebook::util::Level;

TEST_CASE("sections/missing: a required section is not there", "[check][sections]") {
  CheckSite site;
  site.Write("content/a.md", CleanPostmortem("", "## Summary\n\nText.\n\n## Timeline\n\nx\n"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "sections/missing");
  REQUIRE(f.size() == 1);  // Impact; Action items come from the front matter
  CHECK(f[0].message.find("\"Impact\"") != std::string::npos);
  CHECK(f[0].line == kCleanBodyLine);
  CHECK(f[0].level == Level::kError);
  CHECK(r.ExitCode() == 1);
}

TEST_CASE("sections/empty: nothing, or only placeholders, under the heading",
          "[check][sections]") {
  CheckSite site;
  site.Write("content/a.md",
             CleanPostmortem("", "## Summary\n\n_TODO: one paragraph._\n\n"
                                 "## Impact\n<!-- who was affected,\n how much -->\n\n"
                                 "### Details\n\n"
                                 "## Timeline (UTC)\n\n- 09:14 deploy\n\n"
                                 "## Action items:\n\n"));
  site.site_toml += "[check]\nrequired_sections = [\"Summary\", \"Impact\", \"Timeline\", "
                    "\"Action items\", \"Lessons learned\"]\n";
  auto r = site.Check();
  INFO(Dump(r));
  auto empty = Findings(r, "sections/empty");
  // Summary and Action items are supplied by the front matter.
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].line == kCleanBodyLine + 4);
  CHECK(empty[0].column == 1);
  CHECK(empty[0].message.find("\"Impact\"") != std::string::npos);
  auto missing = Findings(r, "sections/missing");
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].message.find("Lessons learned") != std::string::npos);
}

TEST_CASE("sections/empty where the front matter does not supply it", "[check][sections]") {
  CheckSite site;
  std::string text = casebook::util::ReplaceAll(
      CleanPostmortem("", "## Summary\n\n_TODO: one paragraph._\n\n## Impact\n\nSome.\n\n"
                          "## Timeline\n\n*TODO: times in UTC*\n\n## Action items\n\nx\n"),
      "summary = \"The connection pool ran out.\"\n", "");
  site.Write("content/a.md", text);
  auto r = site.Check();
  INFO(Dump(r));
  auto empty = Findings(r, "sections/empty");
  REQUIRE(empty.size() == 1);  // Summary; the Timeline is in the front matter
  CHECK(empty[0].line == kCleanBodyLine - 1);
}

TEST_CASE("required sections come from site.toml and can be off", "[check][sections]") {
  CheckSite site;
  site.Write("content/a.md", CleanPostmortem("", "Only text.\n"));
  site.site_toml += "[check]\nrequired_sections = [\"Impact\"]\n";
  auto r = site.Check();
  REQUIRE(Findings(r, "sections/missing").size() == 1);
  site.site_toml = "title = \"T\"\n[check]\nrequired_sections = []\n";
  CHECK(Findings(site.Check()).empty());
  site.site_toml = "title = \"T\"\n[check]\nsections = \"off\"\n";
  CHECK(Findings(site.Check()).empty());
}

TEST_CASE("a heading inside a code block is not a section", "[check][sections]") {
  CheckSite site;
  site.Write("content/a.md",
             CleanPostmortem("", "## Summary\n\nx\n\n```\n## Impact\n```\n\n## Timeline\n\nx\n"));
  auto r = site.Check();
  INFO(Dump(r));
  REQUIRE(Findings(r, "sections/missing").size() == 1);
}
