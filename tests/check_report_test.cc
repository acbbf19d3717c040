// casebook check: output formats, summary and exit codes.
#include "check_fixture.h"

#include <set>

#include "check/report.h"

using casebook::check::CheckReport;
using casebook::check::Format;
using casebook::check::FormatReport;
using casebook::check::ParseFormat;
using casebook::check::Summary;
using casebook::util::Level;

namespace {

CheckReport Sample() {
  CheckReport r;
  r.files = 2;
  r.diagnostics.Add({Level::kError, "content/a.md", 12, 3, "times/order",
                     "incident.detected is before incident.started", "check the zones"});
  r.diagnostics.Add({Level::kWarning, "content/b, c.md", 4, 0, "blameless/judgement",
                     "\"careless\" passes judgement: 100%\nsecond line", ""});
  r.errors = 1;
  r.warnings = 1;
  return r;
}

}  // namespace

TEST_CASE("format names", "[check][report]") {
  CHECK(ParseFormat("text") == Format::kText);
  CHECK(ParseFormat("json") == Format::kJson);
  CHECK(ParseFormat("github") == Format::kGithub);
  CHECK_FALSE(ParseFormat("xml"));
}

TEST_CASE("text format: finding, hint line, summary", "[check][report]") {
  std::string out = FormatReport(Sample(), Format::kText);
  CHECK(out ==
        "content/a.md:12:3: error: times/order: incident.detected is before incident.started\n"
        "    hint: check the zones\n"
        "content/b, c.md:4: warning: blameless/judgement: \"careless\" passes judgement: "
        "100%\nsecond line\n"
        "checked 2 postmortems: 1 error, 1 warning\n");
}

TEST_CASE("json format: an array of findings", "[check][report]") {
  std::string out = FormatReport(Sample(), Format::kJson);
  CHECK(out ==
        "[\n"
        "  {\"file\": \"content/a.md\", \"line\": 12, \"column\": 3, \"level\": \"error\", "
        "\"rule\": \"times/order\", \"message\": \"incident.detected is before "
        "incident.started\", \"hint\": \"check the zones\"},\n"
        "  {\"file\": \"content/b, c.md\", \"line\": 4, \"column\": 0, \"level\": "
        "\"warning\", \"rule\": \"blameless/judgement\", \"message\": \"\\\"careless\\\" "
        "passes judgement: 100%\\nsecond line\", \"hint\": \"\"}\n"
        "]\n");
  CHECK(FormatReport(CheckReport{}, Format::kJson) == "[]\n");
}

TEST_CASE("github format: workflow commands, escaped", "[check][report]") {
  std::string out = FormatReport(Sample(), Format::kGithub);
  CHECK(out ==
        "::error file=content/a.md,line=12,col=3,title=times/order::incident.detected is "
        "before incident.started%0Ahint: check the zones\n"
        "::warning file=content/b%2C c.md,line=4,title=blameless/judgement::\"careless\" "
        "passes judgement: 100%25%0Asecond line\n"
        "checked 2 postmortems: 1 error, 1 warning\n");
}

TEST_CASE("summary and exit codes", "[check][report]") {
  CheckReport r;
  r.files = 1;
  CHECK(Summary(r) == "checked 1 postmortem: no problems found");
  CHECK(r.ExitCode() == 0);
  r.warnings = 2;
  CHECK(Summary(r) == "checked 1 postmortem: 0 errors, 2 warnings");
  CHECK(r.ExitCode() == 0);
  r.strict = true;
  CHECK(r.ExitCode() == 1);
  CHECK(Summary(r) == "checked 1 postmortem: 0 errors, 2 warnings (--strict: warnings fail)");
  r.strict = false;
  r.errors = 1;
  CHECK(r.ExitCode() == 1);
  r.fatal = "no site";
  CHECK(r.ExitCode() == 2);
}

TEST_CASE("every rule id is listed once with a family", "[check][report]") {
  std::set<std::string> seen;
  for (const auto& rule : casebook::check::Rules()) {
    std::string id = rule.id;
    CHECK(seen.insert(id).second);
    CHECK(id.find('/') != std::string::npos);
    CHECK(std::string(rule.description).size() > 5);
  }
  CHECK(seen.count("blameless/person-as-cause"));
  CHECK(seen.count("actions/overdue"));
}
