// `casebook init`: a new folder becomes an archive that checks and builds;
// an existing archive keeps every file it had.
#include <catch2/catch.hpp>

#include "test_support.h"

using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

const char* kExample = "content/2024/2024-01-15-example-expired-status-page-certificate.md";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("init: a new folder gets an archive that checks, builds and takes `new`", "[cli][init]") {
  TempDir dir;
  auto r = RunCasebook("init archive --title 'Payments <Team> \"PMs\"'", dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, "created  archive/site.toml"));
  CHECK(Contains(r.out, std::string("created  archive/") + kExample));
  CHECK(Contains(r.out, "created  archive/.gitignore"));
  CHECK(Contains(dir.Read("archive/site.toml"), "title = \"Payments <Team> \\\"PMs\\\"\""));
  CHECK(dir.Read("archive/.gitignore") == "# casebook: its cache and the built site\n.casebook/\n/public/\n");

  const std::string root = dir.path() + "/archive";
  auto check = RunCasebook("check --today 2024-06-01", root);
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  auto made = RunCasebook("new 'Queue backed up' --severity SEV2 --service queue --date 2024-05-02", root);
  CHECK(made.exit_code == 0);
  auto build = RunCasebook("build --today 2024-06-01", root);
  INFO(build.out << build.err);
  REQUIRE(build.exit_code == 0);
  CHECK(Contains(build.out, "Wrote 1 postmortem"));  // the new one is a draft
  CHECK(Contains(build.out, "1 draft(s) left out"));
  CHECK(Contains(dir.Read("archive/public/index.html"), "Example: the status page certificate expired"));
  CHECK(Contains(dir.Read("archive/public/index.html"), "Payments &lt;Team&gt; &quot;PMs&quot;"));
}

TEST_CASE("init: an existing archive keeps its files, missing .gitignore lines are appended",
          "[cli][init]") {
  TempDir dir;
  dir.Write("site.toml", "title = \"Ours\"\n");
  dir.Write("content/2023/outage.md", "+++\ntitle = \"Outage\"\n+++\n\n## Summary\n\nIt broke.\n");
  dir.Write(".gitignore", "node_modules/\n.casebook\n");  // no trailing slash: still counts
  auto r = RunCasebook("init", dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, "kept     site.toml"));
  CHECK(Contains(r.out, "skipped  the example postmortem"));
  CHECK(Contains(r.out, "appended .gitignore (/public/)"));
  CHECK(dir.Read("site.toml") == "title = \"Ours\"\n");
  CHECK_FALSE(dir.Exists(kExample));
  CHECK(dir.Read(".gitignore") ==
        "node_modules/\n.casebook\n# casebook: its cache and the built site\n/public/\n");

  // A second run changes nothing.
  auto again = RunCasebook("init", dir.path());
  CHECK(again.exit_code == 0);
  CHECK(Contains(again.out, "kept     .gitignore"));
  CHECK(dir.Read(".gitignore") ==
        "node_modules/\n.casebook\n# casebook: its cache and the built site\n/public/\n");
}

TEST_CASE("init: an existing example file is kept, not overwritten", "[cli][init]") {
  TempDir dir;
  dir.Write(kExample, "mine\n");
  // content/ holds Markdown now, so the example is skipped, not written over.
  auto r = RunCasebook("init", dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(dir.Read(kExample) == "mine\n");
  CHECK(RunCasebook("init a b", dir.path()).exit_code == 2);
  CHECK(RunCasebook("init --source ../elsewhere", dir.path()).exit_code == 2);
}
