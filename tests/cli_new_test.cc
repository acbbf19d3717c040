// End to end: `casebook new` writes a postmortem from the archetype that
// parses, builds, and checks with only the "fill this in" findings; it never
// overwrites.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>

#include "test_support.h"

using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

// A site using the repository's default theme (and so its archetype).
void MakeSite(const TempDir& dir, const std::string& extra = "") {
  dir.Write("site.toml", "title = \"Test\"\ntheme = \"" + casebook::test::SourceDir() +
                             "/themes/default\"\n" + extra);
  dir.Write("content/.keep", "");
}

const char* kPath = "content/2024/2024-05-01-checkout-api-returned-503s.md";

}  // namespace

TEST_CASE("cli new: writes the file, prints its path, fills the front matter", "[cli][new]") {
  TempDir dir;
  MakeSite(dir);
  auto r = RunCasebook(
      "new 'Checkout API returned \"503s\"' --date 2024-05-01 --service checkout-api "
      "--service postgres --tag deploy",
      dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == std::string(kPath) + "\n");
  REQUIRE(dir.Exists(kPath));
  std::string text = dir.Read(kPath);
  CHECK(text.find("title = \"Checkout API returned \\\"503s\\\"\"") != std::string::npos);
  CHECK(text.find("id = \"2024-05-01-checkout-api-returned-503s\"") != std::string::npos);
  CHECK(text.find("date = 2024-05-01") != std::string::npos);
  CHECK(text.find("severity = \"SEV4\"") != std::string::npos);  // least severe
  CHECK(text.find("services = [\"checkout-api\", \"postgres\"]") != std::string::npos);
  CHECK(text.find("tags = [\"deploy\"]") != std::string::npos);
  CHECK(text.find("status = \"draft\"") != std::string::npos);
  CHECK(text.find("{{") == std::string::npos);
}

TEST_CASE("cli new: check reports only the fill-in findings, as warnings", "[cli][new]") {
  TempDir dir;
  MakeSite(dir);
  REQUIRE(RunCasebook("new 'Checkout API returned 503s' --date 2024-05-01 --severity SEV2",
                      dir.path())
              .exit_code == 0);
  auto r = RunCasebook("check --format json --today 2024-05-01", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"level\": \"error\"") == std::string::npos);
  CHECK(r.out.find("sections/empty") != std::string::npos);
  // Nothing but sections/* and actions/missing-*.
  size_t at = 0, rules = 0;
  while ((at = r.out.find("\"rule\": \"", at)) != std::string::npos) {
    at += 9;
    std::string rule = r.out.substr(at, r.out.find('"', at) - at);
    INFO(rule);
    CHECK((rule.rfind("sections/", 0) == 0 || rule.rfind("actions/missing-", 0) == 0));
    ++rules;
  }
  CHECK(rules >= 3);
  // --strict makes the fill-in findings fail, as a pre-commit hook would.
  CHECK(RunCasebook("check --strict --today 2024-05-01", dir.path()).exit_code == 1);
}

TEST_CASE("cli new: the new draft builds", "[cli][new]") {
  TempDir dir;
  MakeSite(dir);
  REQUIRE(RunCasebook("new 'Checkout API returned 503s' --date 2024-05-01", dir.path())
              .exit_code == 0);
  auto r = RunCasebook("build --drafts --quiet", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(dir.Exists("public/postmortems/2024-05-01-checkout-api-returned-503s/index.html"));
}

TEST_CASE("cli new: never overwrites", "[cli][new]") {
  TempDir dir;
  MakeSite(dir);
  const std::string cmd = "new 'Checkout API returned 503s' --date 2024-05-01";
  REQUIRE(RunCasebook(cmd, dir.path()).exit_code == 0);
  dir.Write(kPath, "my edits\n");
  auto again = RunCasebook(cmd, dir.path());
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("already exists") != std::string::npos);
  CHECK(dir.Read(kPath) == "my edits\n");
}

TEST_CASE("cli new: --dir, site archetype override, severity check", "[cli][new]") {
  TempDir dir;
  MakeSite(dir, "[[severity]]\nname = \"high\"\n[[severity]]\nname = \"low\"\n");
  auto r = RunCasebook("new Disk full --date 2023-02-03 --dir elsewhere", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "elsewhere/2023/2023-02-03-disk-full.md\n");
  CHECK(dir.Read("elsewhere/2023/2023-02-03-disk-full.md").find("severity = \"low\"") !=
        std::string::npos);

  dir.Write("archetypes/postmortem.md",
            "+++\ntitle = \"{{title}}\"\nseverity = \"{{severity}}\"\n+++\nOurs.\n");
  r = RunCasebook("new Queue stuck --date 2023-02-04 --severity high", dir.path());
  CHECK(r.exit_code == 0);
  CHECK(dir.Read("content/2023/2023-02-04-queue-stuck.md") ==
        "+++\ntitle = \"Queue stuck\"\nseverity = \"high\"\n+++\nOurs.\n");

  auto bad = RunCasebook("new X --severity SEV1", dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("high, low") != std::string::npos);
}

TEST_CASE("cli new: usage errors", "[cli][new]") {
  TempDir dir;
  MakeSite(dir);
  CHECK(RunCasebook("new", dir.path()).exit_code == 2);
  CHECK(RunCasebook("new X --date yesterday", dir.path()).exit_code == 2);
  CHECK(RunCasebook("new X --bogus", dir.path()).exit_code == 2);
  TempDir empty;
  CHECK(RunCasebook("new X", empty.path()).exit_code == 2);  // no site.toml
}

TEST_CASE("cli new: --edit opens $EDITOR on the new file", "[cli][new]") {
  TempDir dir;
  MakeSite(dir);
  dir.Write("editor.sh", "#!/bin/sh\necho \"$1\" > \"$(dirname \"$0\")/edited\"\n");
  std::string editor = dir.path() + "/editor.sh";
  REQUIRE(std::system(("chmod +x '" + editor + "'").c_str()) == 0);
  // The child inherits this process's environment; restore it afterwards.
  auto saved = [](const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  auto visual = saved("VISUAL"), editor_env = saved("EDITOR");
  unsetenv("VISUAL");
  unsetenv("EDITOR");
  auto none = RunCasebook("new X --date 2024-05-01 --edit", dir.path());
  CHECK(none.exit_code == 1);
  CHECK(none.err.find("$EDITOR") != std::string::npos);
  CHECK(dir.Exists("content/2024/2024-05-01-x.md"));  // written all the same

  setenv("EDITOR", editor.c_str(), 1);
  auto r = RunCasebook("new Y --date 2024-05-01 --edit", dir.path());
  if (visual) setenv("VISUAL", visual->c_str(), 1);
  if (editor_env) setenv("EDITOR", editor_env->c_str(), 1);
  else unsetenv("EDITOR");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(dir.Read("edited") == "content/2024/2024-05-01-y.md\n");
}
