// casebook check: schema rules, the clean baseline, and the loader's and the
// model's findings passing through the check policy.
#include "check_fixture.h"

using casebook::test::CheckSite;
using casebook::test::CleanPostmortem;
using casebook::test::Dump;
using casebook::test::Findings;
using casebook::util::Level;

TEST_CASE("a complete postmortem has no findings", "[check][schema]") {
  CheckSite site;
  site.Write("content/2024/2024-03-12-pool.md", CleanPostmortem());
  auto r = site.Check();
  INFO(Dump(r));
  CHECK(r.fatal.empty());
  CHECK(r.diagnostics.items().empty());
  CHECK(r.files == 1);
  CHECK(r.ExitCode() == 0);
}

TEST_CASE("the clean fixture's body starts where the tests expect", "[check][schema]") {
  CheckSite site;
  site.Write("content/a.md", CleanPostmortem("", "## Summary\n\nshould have\n"));
  site.site_toml += "[check]\nsections = \"off\"\n";
  auto r = site.Check();
  auto f = Findings(r, "blameless/counterfactual");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == casebook::test::kCleanBodyLine + 2);
}

TEST_CASE("schema/unknown-key suggests the nearest known key", "[check][schema]") {
  CheckSite site;
  site.Write("content/a.md", CleanPostmortem("servces = [\"checkout\"]\n"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "schema/unknown-key");
  REQUIRE(f.size() == 1);
  CHECK(f[0].level == Level::kWarning);
  CHECK(f[0].line == 9);
  CHECK(f[0].column == 1);
  CHECK(f[0].message.find("\"servces\"") != std::string::npos);
  CHECK(f[0].message.find("did you mean \"services\"") != std::string::npos);
  CHECK(casebook::util::EndsWith(f[0].file, "content/a.md"));
  CHECK(r.ExitCode() == 0);  // warnings only
}

TEST_CASE("schema/unknown-key inside [incident]", "[check][schema]") {
  CheckSite site;
  std::string text = CleanPostmortem();
  text = casebook::util::ReplaceAll(text, "detected = ", "detcted = ");
  site.Write("content/a.md", text);
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "schema/unknown-key");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 12);
  CHECK(f[0].message.find("did you mean \"detected\"") != std::string::npos);
}

TEST_CASE("custom keys are allowed unless schema/custom-key is turned on", "[check][schema]") {
  CheckSite site;
  site.Write("content/a.md", CleanPostmortem("customer_impact_usd = 12000\n"
                                             "categories = [\"dependency\"]\n"));
  auto r = site.Check();
  INFO(Dump(r));
  CHECK(r.diagnostics.items().empty());

  site.site_toml += "[check]\n\"schema/custom-key\" = \"warning\"\n";
  r = site.Check();
  auto f = Findings(r, "schema/custom-key");
  REQUIRE(f.size() == 1);  // categories is a Hugo key, still known
  CHECK(f[0].line == 9);
  CHECK(f[0].message.find("customer_impact_usd") != std::string::npos);
}

TEST_CASE("custom taxonomies from site.toml are known keys", "[check][schema]") {
  CheckSite site;
  site.site_toml += "taxonomies = [\"tags\", \"services\", \"severity\", \"company\"]\n";
  site.Write("content/a.md", CleanPostmortem("company = \"acme\"\ncompnay = \"x\"\n"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "schema/unknown-key");
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("did you mean \"company\"") != std::string::npos);
}

TEST_CASE("schema/title: a title taken from the file name", "[check][schema]") {
  CheckSite site;
  site.Write("content/2024-01-02-no-title.md", "Just some text, no heading.\n");
  site.Write("content/2024-01-03-heading.md", "# Disk full on db-3\n\nText.\n");
  site.site_toml += "[check]\nsections = \"off\"\nactions = \"off\"\n";
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "schema/title");
  REQUIRE(f.size() == 1);
  CHECK(casebook::util::EndsWith(f[0].file, "2024-01-02-no-title.md"));
  CHECK(f[0].line == 1);
  CHECK(f[0].column == 1);
  CHECK(f[0].level == Level::kWarning);
}

TEST_CASE("schema/id: an id that is not URL-safe is reported once", "[check][schema]") {
  CheckSite site;
  std::string text = CleanPostmortem();
  text.insert(text.find("date ="), "id = \"checkout pool/2024\"\n");
  site.Write("content/a.md", text);
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "schema/id");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 3);
  CHECK(f[0].level == Level::kError);
  CHECK(r.ExitCode() == 1);
}

TEST_CASE("loader and model findings reach the report with the file path", "[check][schema]") {
  CheckSite site;
  site.Write("content/broken.md", "+++\ntitle = \"x\nseverity = 3\n+++\nbody\n");
  site.Write("content/bad-types.md",
             CleanPostmortem("tags = 5\n") );
  site.Write("content/sev.md",
             casebook::util::ReplaceAll(CleanPostmortem(), "\"SEV2\"", "\"SEV9\""));
  site.Write("content/dup1.md", CleanPostmortem("id = \"same\"\n"));
  site.Write("content/dup2.md", CleanPostmortem("id = \"same\"\n"));
  auto r = site.Check();
  INFO(Dump(r));
  auto fm = Findings(r, "schema/front-matter");
  REQUIRE(fm.size() == 1);
  CHECK(casebook::util::EndsWith(fm[0].file, "content/broken.md"));
  CHECK(fm[0].line == 2);
  auto type = Findings(r, "schema/type");
  REQUIRE(type.size() == 1);
  CHECK(type[0].line == 9);
  auto sev = Findings(r, "schema/severity");
  REQUIRE(sev.size() == 1);
  CHECK(sev[0].line == 4);
  CHECK(Findings(r, "schema/duplicate-id").size() >= 1);
  CHECK(r.ExitCode() == 1);

  // The same findings obey [check] levels.
  site.site_toml += "[check]\nschema = \"warning\"\n";
  r = site.Check();
  CHECK(r.errors == 0);
  CHECK(r.ExitCode() == 0);
  CHECK(site.Check({}, "2024-06-01", true).ExitCode() == 1);
}
