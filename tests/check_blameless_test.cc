// casebook check: blameless-language rules.
#include "check_fixture.h"

using casebook::test::CheckSite;
using casebook::test::CleanPostmortem;
using casebook::test::Dump;
using casebook::test::Findings;
using casebook::test::kCleanBodyLine;
using casebook::util::Level;

namespace {

// A site where only the blameless rules speak; `body` starts at kCleanBodyLine.
casebook::check::CheckReport CheckBody(const std::string& body,
                                       const std::string& check_toml = "",
                                       const std::string& extra_fm = "") {
  CheckSite site;
  site.site_toml += "[check]\nsections = \"off\"\n" + check_toml;
  site.Write("content/a.md", CleanPostmortem(extra_fm, body));
  return site.Check();
}

}  // namespace

TEST_CASE("every default phrase is found, case-insensitively", "[check][blameless]") {
  const std::pair<const char*, const char*> cases[] = {
      {"We would have seen it.", "blameless/counterfactual"},
      {"She could have paged.", "blameless/counterfactual"},
      {"They Should Have known.", "blameless/counterfactual"},
      {"If only the alert fired.", "blameless/counterfactual"},
      {"The engineer failed to check.", "blameless/counterfactual"},
      {"A careless change.", "blameless/judgement"},
      {"It was negligent.", "blameless/judgement"},
      {"A sloppy review.", "blameless/judgement"},
      {"A stupid mistake.", "blameless/judgement"},
      {"It was his fault.", "blameless/judgement"},
      {"Nobody is to blame.", "blameless/judgement"},
      {"Human error.", "blameless/judgement"},
      {"It was obviously wrong.", "blameless/judgement"},
      {"They simply restarted it.", "blameless/judgement"},
      {"Someone just had to look.", "blameless/judgement"},
  };
  for (const auto& [text, rule] : cases) {
    auto r = CheckBody(text);
    INFO(text << "\n" << Dump(r));
    auto f = Findings(r, rule);
    REQUIRE(f.size() == 1);
    CHECK(f[0].level == Level::kWarning);
    CHECK(f[0].line == kCleanBodyLine);
    CHECK(!f[0].hint.empty());
    CHECK(r.diagnostics.items().size() == 1);
  }
}

TEST_CASE("a finding quotes the phrase, points at its column and hints", "[check][blameless]") {
  auto r = CheckBody("Intro line.\n\n  The on-call *should* have rolled back.\n");
  INFO(Dump(r));
  auto f = Findings(r, "blameless/counterfactual");
  REQUIRE(f.size() == 1);
  CHECK(f[0].line == kCleanBodyLine + 2);
  CHECK(f[0].column == 16);  // "should", after the "*" 
  CHECK(f[0].message.find("\"should have\"") != std::string::npos);
  CHECK(f[0].hint ==
        "describe what happened and why it made sense at the time, not what someone "
        "should have done");
}

TEST_CASE("phrases are matched across line breaks", "[check][blameless]") {
  auto r = CheckBody("The deploy tool\nwould\n   have warned, if\nonly it ran.\n");
  INFO(Dump(r));
  auto f = Findings(r, "blameless/counterfactual");
  REQUIRE(f.size() == 2);
  CHECK(f[0].line == kCleanBodyLine + 1);
  CHECK(f[0].column == 1);
  CHECK(f[0].message.find("\"would have\"") != std::string::npos);
  CHECK(f[1].line == kCleanBodyLine + 2);
  CHECK(f[1].column == 17);
}

TEST_CASE("whole words only", "[check][blameless]") {
  auto r = CheckBody("A blameless review. Faults in disks. A fault-tolerant design. "
                     "A page fault. Simplyfied. Unsloppy.\n");
  INFO(Dump(r));
  CHECK(r.diagnostics.items().empty());
}

TEST_CASE("code, quotes, links and comments are left alone", "[check][blameless]") {
  auto r = CheckBody(
      "Run `git blame` and `should have`.\n"
      "\n"
      "```\n"
      "log: operator failed to ack\n"
      "```\n"
      "\n"
      "    indented code: careless\n"
      "\n"
      "> A customer wrote: you should have known.\n"
      "lazy continuation, obviously\n"
      "\n"
      "The ticket said \"human error\" and “stupid bug”.\n"
      "See [the sloppy doc](https://x.example/careless) and [[blame-id]] and "
      "<https://x.example/fault>.\n"
      "Visit https://x.example/negligent today.\n"
      "<!-- should have -->\n"
      "\n"
      "[ref]: https://example.com/simply\n");
  INFO(Dump(r));
  for (const auto& d : r.diagnostics.items())
    CHECK_FALSE(casebook::util::StartsWith(d.rule, "blameless/"));
}

TEST_CASE("indented list continuations are prose, not code", "[check][blameless]") {
  auto r = CheckBody("- First item\n\n    continued: they should have paged\n");
  INFO(Dump(r));
  CHECK(Findings(r, "blameless/counterfactual").size() == 1);
}

TEST_CASE("blameless/person-as-cause names people from front matter and site.toml",
          "[check][blameless]") {
  auto r = CheckBody(
      "The outage was caused by Dana Li.\n"
      "Root cause: Sam Ortiz.\n"
      "It was Alex's mistake.\n"
      "Caused by Dana, again.\n"
      "Caused by the deploy, which is fine.\n",
      "people = [\"Alex\"]\n");
  INFO(Dump(r));
  auto f = Findings(r, "blameless/person-as-cause");
  REQUIRE(f.size() == 4);
  CHECK(f[0].line == kCleanBodyLine);
  CHECK(f[0].column == 16);
  CHECK(f[0].message.find("\"caused by Dana Li\"") != std::string::npos);
  CHECK(f[1].line == kCleanBodyLine + 1);
  CHECK(f[1].column == 1);
  CHECK(f[2].line == kCleanBodyLine + 2);
  CHECK(f[2].column == 8);
  CHECK(f[3].message.find("\"Caused by Dana\"") != std::string::npos);
}

TEST_CASE("front matter text is linted where it was written", "[check][blameless]") {
  CheckSite site;
  site.site_toml += "[check]\nsections = \"off\"\n";
  std::string text = casebook::util::ReplaceAll(
      CleanPostmortem(), "summary = \"The connection pool ran out.\"",
      "summary = \"The pool ran out; we should have sized it.\"");
  text = casebook::util::ReplaceAll(text, "text = \"Deploy 4121 starts.\"",
                                    "text = \"A careless deploy starts.\"");
  site.Write("content/a.md", text);
  auto r = site.Check();
  INFO(Dump(r));
  auto c = Findings(r, "blameless/counterfactual");
  REQUIRE(c.size() == 1);
  CHECK(c[0].line == 6);
  CHECK(c[0].column == 33);
  auto j = Findings(r, "blameless/judgement");
  REQUIRE(j.size() == 1);
  CHECK(j[0].line == 18);
  CHECK(j[0].column == 11);
}

TEST_CASE("blameless_add and blameless_remove", "[check][blameless]") {
  auto r = CheckBody("They should have known; it was a rookie mistake. Simply put.\n",
                     "blameless_add = [\"rookie mistake\"]\n"
                     "blameless_remove = [\"should have\", \"simply\"]\n");
  INFO(Dump(r));
  CHECK(Findings(r, "blameless/counterfactual").empty());
  CHECK(Findings(r, "blameless/judgement").empty());
  auto f = Findings(r, "blameless/custom");
  REQUIRE(f.size() == 1);
  CHECK(f[0].column == 34);
  CHECK(f[0].message.find("\"rookie mistake\"") != std::string::npos);
}

TEST_CASE("blameless rules: off, re-levelled, ignored", "[check][blameless]") {
  const std::string body = "They should have known.\n";
  CHECK(Findings(CheckBody(body, "blameless = \"off\"\n")).empty());
  CHECK(Findings(CheckBody(body, "\"blameless/counterfactual\" = \"off\"\n")).empty());
  auto r = CheckBody(body, "[check.blameless]\ncounterfactual = \"error\"\n");
  REQUIRE(Findings(r, "blameless/counterfactual").size() == 1);
  CHECK(Findings(r)[0].level == Level::kError);
  CHECK(r.ExitCode() == 1);

  CHECK(Findings(CheckBody("<!-- casebook-ignore blameless/counterfactual -->\n" + body)).empty());
  CHECK(Findings(CheckBody("They should have known. <!-- casebook-ignore blameless -->\n")).empty());
  CHECK(Findings(CheckBody(body, "", "check_ignore = [\"blameless/counterfactual\"]\n")).empty());
  // An ignore comment for another rule, or two lines up, does not help.
  CHECK(Findings(CheckBody("<!-- casebook-ignore blameless/judgement -->\n" + body)).size() == 1);
  CHECK(Findings(CheckBody("<!-- casebook-ignore blameless -->\n\n" + body)).size() == 1);
}
