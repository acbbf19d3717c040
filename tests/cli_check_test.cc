// End to end: `casebook check` as a user runs it (the built binary, in a
// site folder): output formats, exit codes, PATH arguments, the example
// archive.
#include <catch2/catch.hpp>

#include "test_support.h"

using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

const char* kClean =
    "+++\n"
    "title = \"Pool exhausted\"\n"
    "date = 2024-03-14\n"
    "severity = \"SEV2\"\n"
    "summary = \"The pool ran out.\"\n"
    "[incident]\n"
    "started = 2024-03-12T09:14:00Z\n"
    "detected = 2024-03-12T09:21:00Z\n"
    "[[timeline]]\n"
    "at = 2024-03-12T09:14:00Z\n"
    "text = \"Deploy starts.\"\n"
    "[[actions]]\n"
    "text = \"Alert on saturation\"\n"
    "owner = \"team-payments\"\n"
    "due = 2024-07-01\n"
    "+++\n"
    "## Impact\n\nCheckouts failed.\n";

// A site whose content/a.md is `text`.
void MakeSite(const TempDir& dir, const std::string& text) {
  dir.Write("site.toml", "title = \"Test\"\n");
  dir.Write("content/2024/a.md", text);
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("cli check: a clean archive exits 0", "[cli][check]") {
  TempDir dir;
  MakeSite(dir, kClean);
  auto r = RunCasebook("check --today 2024-06-01", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "checked 1 postmortem: no problems found\n");
}

TEST_CASE("cli check: errors exit 1, text format names file:line:column", "[cli][check]") {
  TempDir dir;
  MakeSite(dir, Replace(kClean, "detected = 2024-03-12T09:21", "detected = 2024-03-12T09:01"));
  auto r = RunCasebook("check --today 2024-06-01", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("content/2024/a.md:8:1: error: times/order: incident.detected") == 0);
  CHECK(r.out.find("\n    hint: ") != std::string::npos);
  CHECK(r.out.find("checked 1 postmortem: 1 error, 0 warnings\n") != std::string::npos);
}

TEST_CASE("cli check: warnings exit 0, or 1 with --strict", "[cli][check]") {
  TempDir dir;
  MakeSite(dir, std::string(kClean) + "\nWe should have known.\n");
  auto r = RunCasebook("check --today 2024-06-01", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("content/2024/a.md:21:4: warning: blameless/counterfactual: \"should have\"") ==
        0);
  CHECK(RunCasebook("check --strict --today 2024-06-01", dir.path()).exit_code == 1);
  // As of a later day the open action item is overdue: one more warning.
  auto later = RunCasebook("check --today 2024-07-11", dir.path());
  CHECK(later.out.find("actions/overdue: open action item is 10 days overdue") !=
        std::string::npos);
}

TEST_CASE("cli check: json and github formats", "[cli][check]") {
  TempDir dir;
  MakeSite(dir, Replace(kClean, "detected = 2024-03-12T09:21", "detected = 2024-03-12T09:01"));
  auto json = RunCasebook("check --format json --today 2024-06-01", dir.path());
  INFO(json.out << json.err);
  CHECK(json.exit_code == 1);
  CHECK(json.out.find("[\n  {\"file\": \"content/2024/a.md\", \"line\": 8, \"column\": 1, "
                      "\"level\": \"error\", \"rule\": \"times/order\"") == 0);
  REQUIRE(json.out.size() > 3);
  CHECK(json.out.compare(json.out.size() - 3, 3, "\n]\n") == 0);
  CHECK(json.err.find("checked 1 postmortem: 1 error") != std::string::npos);

  auto gh = RunCasebook("check --format=github --today 2024-06-01", dir.path());
  INFO(gh.out);
  CHECK(gh.exit_code == 1);
  CHECK(gh.out.find("::error file=content/2024/a.md,line=8,col=1,title=times/order::incident."
                    "detected") == 0);
}

TEST_CASE("cli check: PATH arguments restrict the findings", "[cli][check]") {
  TempDir dir;
  MakeSite(dir, Replace(kClean, "detected = 2024-03-12T09:21", "detected = 2024-03-12T09:01"));
  dir.Write("content/2024/b.md", std::string(kClean) + "\nIt was human error.\n");
  dir.Write("README.md", "# About\n");
  auto b = RunCasebook("check --today 2024-06-01 content/2024/b.md README.md", dir.path());
  INFO(b.out << b.err);
  CHECK(b.exit_code == 0);
  CHECK(b.out.find("content/2024/b.md:21:8: warning: blameless/judgement") == 0);
  CHECK(b.out.find("a.md") == std::string::npos);
  CHECK(b.err.find("README.md: not under content, skipped") != std::string::npos);
  CHECK(RunCasebook("check --today 2024-06-01 content/2024/a.md", dir.path()).exit_code == 1);
  CHECK(RunCasebook("check --today 2024-06-01 content/2024/nope.md", dir.path()).exit_code == 2);
}

TEST_CASE("cli check: could not run exits 2", "[cli][check]") {
  TempDir dir;
  auto none = RunCasebook("check", dir.path());
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("site.toml") != std::string::npos);
  MakeSite(dir, kClean);
  CHECK(RunCasebook("check --format xml", dir.path()).exit_code == 2);
  CHECK(RunCasebook("check --today 2024-13-45", dir.path()).exit_code == 2);
  CHECK(RunCasebook("check --bogus", dir.path()).exit_code == 2);
  dir.Write("site.toml", "title = \"T\"\nsource = \"missing\"\n");
  auto no_source = RunCasebook("check", dir.path());
  CHECK(no_source.exit_code == 2);
  CHECK(no_source.err.find("missing") != std::string::npos);
}

TEST_CASE("cli check: --config points at another site", "[cli][check]") {
  TempDir dir;
  dir.Write("site/site.toml", "title = \"Test\"\n");
  dir.Write("site/content/a.md",
            Replace(kClean, "detected = 2024-03-12T09:21", "detected = 2024-03-12T09:01"));
  auto r = RunCasebook("check --config site/site.toml --today 2024-06-01", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("site/content/a.md:8:1: error: times/order") == 0);
}

TEST_CASE("cli check: the example archive has no errors", "[cli][check][example]") {
  auto r = RunCasebook("check", casebook::test::SourceDir());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(": error: ") == std::string::npos);
  CHECK(r.out.find(": blameless/") == std::string::npos);
}
