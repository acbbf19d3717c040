// casebook check: links between postmortems (reported by the model, placed
// at file:line:column by the check).
#include "check_fixture.h"

using casebook::test::CheckSite;
using casebook::test::CleanPostmortem;
using casebook::test::Dump;
using casebook::test::Findings;
using casebook::test::kCleanBodyLine;
using casebook::util::Level;

namespace {

const std::string kBody =
    "## Summary\n\nSee [the failover](../2023/2023-11-02-failover.md) and\n"
    "[[2023-11-02-failover]], not [gone](../2023/gone.md) or [[gone-id]].\n"
    "\n## Impact\n\nx\n\n## Timeline\n\nx\n";

}  // namespace

TEST_CASE("links resolve by path and id, broken ones point at the link", "[check][links]") {
  CheckSite site;
  site.Write("content/2023/2023-11-02-failover.md", CleanPostmortem());
  site.Write("content/2024/a.md", CleanPostmortem("", kBody));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "links/broken");
  REQUIRE(f.size() == 2);
  CHECK(casebook::util::EndsWith(f[0].file, "content/2024/a.md"));
  CHECK(f[0].line == kCleanBodyLine + 3);
  CHECK(f[0].column == 30);
  CHECK(f[0].message.find("gone.md") != std::string::npos);
  CHECK(f[1].line == kCleanBodyLine + 3);
  CHECK(f[1].column == 57);
  CHECK(f[1].message.find("gone-id") != std::string::npos);
  CHECK(f[0].level == Level::kWarning);
  CHECK(r.ExitCode() == 0);
  CHECK(site.Check({}, "2024-06-01", true).ExitCode() == 1);
}

TEST_CASE("links/related points at the unknown id in the array", "[check][links]") {
  CheckSite site;
  site.Write("content/2023/2023-11-02-failover.md", CleanPostmortem());
  site.Write("content/2024/a.md",
             CleanPostmortem("related = [\n  \"2023-11-02-failover\",\n  \"no-such-id\",\n]\n"));
  auto r = site.Check();
  INFO(Dump(r));
  auto f = Findings(r, "links/related");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == 11);
  CHECK(f[0].column == 4);
  CHECK(f[0].message.find("no-such-id") != std::string::npos);
}

TEST_CASE("link findings can be re-levelled and ignored", "[check][links]") {
  CheckSite site;
  site.Write("content/2023/2023-11-02-failover.md", CleanPostmortem());
  site.Write("content/2024/a.md", CleanPostmortem("", kBody));
  site.site_toml += "[check]\nlinks = \"error\"\n";
  auto r = site.Check();
  REQUIRE(Findings(r, "links/broken").size() == 2);
  CHECK(r.errors == 2);
  CHECK(r.ExitCode() == 1);

  site.Write("content/2024/a.md",
             CleanPostmortem("", casebook::util::ReplaceAll(
                                     kBody, "[[gone-id]].",
                                     "[[gone-id]]. <!-- casebook-ignore links/broken -->")));
  CHECK(Findings(site.Check(), "links/broken").empty());
}
