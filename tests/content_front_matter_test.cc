#include <catch2/catch.hpp>

#include "content/front_matter.h"
#include "content/loader.h"

using namespace casebook;
using content::Document;

namespace {

struct Parsed {
  bool ok = false;
  Document doc;
  util::Diagnostics diags;
};

Parsed Parse(const std::string& text, const std::string& rel = "2024/checkout-pool.md",
             const config::SiteConfig& cfg = config::SiteConfig()) {
  Parsed p;
  p.ok = content::ParseDocument(text, "content/" + rel, rel, cfg, &p.doc, &p.diags);
  return p;
}

const util::Diagnostic* FindRule(const util::Diagnostics& d, const std::string& rule) {
  for (const auto& item : d.items())
    if (item.rule == rule) return &item;
  return nullptr;
}

int64_t Utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return util::DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

const std::string kToml = R"(+++
title = "Checkout API returned 503s"
id = "2024-03-12-checkout-pool"
date = 2024-03-14
severity = "SEV1"
status = "Final"
summary = "Pool exhaustion."
tags = ["database", "deploy"]
services = "checkout-api"
authors = ["Dana Li"]
facilitator = "Sam Ortiz"
contact = "team-payments"
related = ["2023-11-02-primary-failover"]
check_ignore = ["blameless/counterfactual"]
categories = ["payments"]
weight = 3

[incident]
started  = 2024-03-12T09:14:00Z
detected = "2024-03-12 10:21 CET"
mitigated = 2024-03-12T09:48:00Z
pager = "PD-1"

[[timeline]]
at = 2024-03-12T09:14:00Z
text = "Deploy 4121 starts."

[[timeline]]
at = "2024-03-12T09:21:00+00:00"
text = "Alert fires."

[[actions]]
text = "Alert on pool usage"
owner = "team-payments"
due = 2024-04-01
ticket = "PAY-1432"
status = "Done"

[[actions]]
text = "Load test"
ticket = 77
+++
# Heading that is not the title

Body text.
)";

}  // namespace

TEST_CASE("TOML front matter fills every field", "[front-matter]") {
  // `categories` is a taxonomy of this site, so it is not read as tags.
  config::SiteConfig cfg;
  cfg.taxonomies.push_back("categories");
  Parsed p = Parse(kToml, "2024/checkout-pool.md", cfg);
  for (const auto& d : p.diags.items()) INFO(d.Format());
  REQUIRE(p.ok);
  CHECK(p.diags.items().empty());
  const Document& d = p.doc;
  CHECK(d.front_matter == content::FrontMatterKind::kToml);
  CHECK(d.title == "Checkout API returned 503s");
  CHECK(d.title_source == Document::TitleSource::kFrontMatter);
  CHECK(d.id == "2024-03-12-checkout-pool");
  CHECK_FALSE(d.id_from_file_name);
  REQUIRE(d.date);
  CHECK(util::FormatDate(*d.date, 0) == "2024-03-14");
  CHECK_FALSE(d.date->has_time);
  CHECK(d.severity == "SEV1");
  CHECK(d.status == "final");
  CHECK(d.summary == "Pool exhaustion.");
  CHECK(d.tags == std::vector<std::string>{"database", "deploy"});
  CHECK(d.services == std::vector<std::string>{"checkout-api"});
  CHECK(d.authors == std::vector<std::string>{"Dana Li"});
  CHECK(d.facilitator == "Sam Ortiz");
  CHECK(d.contact == "team-payments");
  CHECK(d.related == std::vector<std::string>{"2023-11-02-primary-failover"});
  CHECK(d.check_ignore == std::vector<std::string>{"blameless/counterfactual"});
  REQUIRE(d.incident.started);
  CHECK(d.incident.started->utc_seconds == Utc(2024, 3, 12, 9, 14));
  REQUIRE(d.incident.detected);
  CHECK(d.incident.detected->utc_seconds == Utc(2024, 3, 12, 9, 21));
  CHECK(d.incident.detected->offset_minutes == 60);
  CHECK(d.incident.mitigated);
  CHECK_FALSE(d.incident.resolved);
  REQUIRE(d.timeline.size() == 2);
  CHECK(d.timeline[0].text == "Deploy 4121 starts.");
  CHECK(d.timeline[0].line == 24);
  CHECK(d.timeline[1].at.utc_seconds == Utc(2024, 3, 12, 9, 21));
  CHECK_FALSE(d.timeline_from_body);
  REQUIRE(d.actions.size() == 2);
  CHECK(d.actions[0].owner == "team-payments");
  CHECK(d.actions[0].status == "done");
  CHECK(d.actions[0].ticket == "PAY-1432");
  REQUIRE(d.actions[0].due);
  CHECK(util::FormatDate(*d.actions[0].due, 0) == "2024-04-01");
  CHECK(d.actions[0].line == 32);
  CHECK(d.actions[1].status == "open");
  CHECK(d.actions[1].ticket == "77");
  CHECK(d.body_line == 43);
  CHECK(d.body.rfind("# Heading", 0) == 0);
  // Unknown keys are kept for templates.
  REQUIRE(d.extra.Find("categories"));
  CHECK(d.extra.Find("categories")->as_list().at(0).as_string() == "payments");
  CHECK(d.extra.Find("weight")->as_int() == 3);
  CHECK(d.extra.Find("incident")->Find("pager")->as_string() == "PD-1");
  CHECK(d.Taxonomy("categories") == std::vector<std::string>{"payments"});
  CHECK(d.Taxonomy("severity") == std::vector<std::string>{"SEV1"});
  CHECK(d.Taxonomy("tags").size() == 2);
  CHECK(d.Taxonomy("nothing").empty());
  // Key lines are file lines.
  CHECK(d.LineOf("title") == 2);
  CHECK(d.LineOf("severity") == 5);
  CHECK(d.LineOf("incident.detected") == 20);
  CHECK(d.LineOf("missing") == 1);
}

TEST_CASE("YAML front matter", "[front-matter]") {
  Parsed p = Parse(
      "---\n"
      "title: \"DNS outage\"\n"
      "date: 2023-11-02\n"
      "severity: SEV2\n"
      "tags: network\n"
      "services:\n  - dns\n  - edge\n"
      "incident:\n  started: 2023-11-02T08:00:00Z\n"
      "timeline:\n  - at: 2023-11-02 08:00\n    text: Resolver restarts\n"
      "actions:\n  - text: Add a canary\n    owner: netops\n    due: 2023-12-01\n"
      "draft_reviewers: [a, b]\n"
      "published: true\n"
      "---\n"
      "Body\n",
      "2023-11-02-dns.md");
  for (const auto& d : p.diags.items()) INFO(d.Format());
  REQUIRE(p.ok);
  CHECK(p.diags.items().empty());
  const Document& d = p.doc;
  CHECK(d.front_matter == content::FrontMatterKind::kYaml);
  CHECK(d.title == "DNS outage");
  CHECK(d.id == "2023-11-02-dns");
  CHECK(d.id_from_file_name);
  REQUIRE(d.date);
  CHECK(util::FormatDate(*d.date, 0) == "2023-11-02");
  CHECK(d.severity == "SEV2");
  CHECK(d.tags == std::vector<std::string>{"network"});
  CHECK(d.services == std::vector<std::string>{"dns", "edge"});
  REQUIRE(d.incident.started);
  REQUIRE(d.timeline.size() == 1);
  CHECK(d.timeline[0].text == "Resolver restarts");
  CHECK(d.timeline[0].line == 12);
  REQUIRE(d.actions.size() == 1);
  CHECK(d.actions[0].owner == "netops");
  CHECK(d.LineOf("severity") == 4);
  CHECK(d.LineOf("services") == 6);
  CHECK(d.extra.Find("published")->as_bool());
  CHECK(d.extra.Find("draft_reviewers")->as_list().size() == 2);
  CHECK(d.body == "Body\n");
  CHECK(d.body_line == 21);
}

TEST_CASE("no front matter", "[front-matter]") {
  Parsed p = Parse("Intro\n\n# The title #\n\nText\n", "PM2020-004 - CoreDNS upgrade issue.md");
  REQUIRE(p.ok);
  CHECK(p.diags.items().empty());
  CHECK(p.doc.front_matter == content::FrontMatterKind::kNone);
  CHECK(p.doc.title == "The title");
  CHECK(p.doc.title_source == Document::TitleSource::kHeading);
  CHECK(p.doc.id == "pm2020-004-coredns-upgrade-issue");
  CHECK_FALSE(p.doc.date);  // "PM2020" is a year, not a day
  CHECK(p.doc.body_line == 1);
  CHECK(p.doc.status == "final");
}

TEST_CASE("an empty file loads with its file name as title", "[front-matter]") {
  Parsed p = Parse("", "notes/2022-01-05 Disk full.md");
  REQUIRE(p.ok);
  CHECK(p.doc.title == "2022-01-05 Disk full");
  CHECK(p.doc.title_source == Document::TitleSource::kFileName);
  CHECK(p.doc.id == "2022-01-05-disk-full");
  REQUIRE(p.doc.date);
  CHECK(util::FormatDate(*p.doc.date, 0) == "2022-01-05");
}

TEST_CASE("a byte order mark and CRLF line endings are fine", "[front-matter]") {
  Parsed p = Parse("\xEF\xBB\xBF+++\r\ntitle = \"BOM\"\r\nseverity = \"SEV3\"\r\n+++\r\nBody\r\n");
  REQUIRE(p.ok);
  CHECK(p.doc.title == "BOM");
  CHECK(p.doc.LineOf("severity") == 3);
  CHECK(p.doc.body_line == 5);
}

TEST_CASE("broken front matter is an error at the file line", "[front-matter]") {
  SECTION("bad TOML") {
    Parsed p = Parse("+++\ntitle = \"ok\"\nseverity = SEV1\n+++\nBody\n");
    CHECK_FALSE(p.ok);
    const auto* e = FindRule(p.diags, "schema/front-matter");
    REQUIRE(e);
    CHECK(e->level == util::Level::kError);
    CHECK(e->file == "content/2024/checkout-pool.md");  // the path as opened
    CHECK(e->line == 3);
    CHECK(e->column > 0);
  }
  SECTION("bad YAML") {
    Parsed p = Parse("---\ntitle: ok\ntags: [a, b\n---\nBody\n");
    CHECK_FALSE(p.ok);
    const auto* e = FindRule(p.diags, "schema/front-matter");
    REQUIRE(e);
    CHECK(e->line >= 3);
  }
  SECTION("YAML that is not a map") {
    Parsed p = Parse("---\n- a\n- b\n---\n");
    CHECK_FALSE(p.ok);
    CHECK(FindRule(p.diags, "schema/front-matter"));
  }
  SECTION("never closed") {
    Parsed p = Parse("+++\ntitle = \"x\"\n\nBody\n");
    CHECK_FALSE(p.ok);
    const auto* e = FindRule(p.diags, "schema/front-matter");
    REQUIRE(e);
    CHECK(e->line == 1);
    CHECK(e->message == "front matter opened with +++ is never closed");
  }
  SECTION("duplicate keys") {
    Parsed p = Parse("+++\ntitle = \"a\"\ntitle = \"b\"\n+++\n");
    CHECK_FALSE(p.ok);
    REQUIRE(FindRule(p.diags, "schema/front-matter"));
    CHECK(FindRule(p.diags, "schema/front-matter")->line == 3);
  }
}

TEST_CASE("categories are tags unless the site makes them a taxonomy", "[front-matter]") {
  Parsed p = Parse("+++\ntitle = \"x\"\ntags = [\"db\"]\ncategories = [\"payments\"]\n+++\n");
  CHECK(p.doc.tags == std::vector<std::string>{"db", "payments"});
  CHECK_FALSE(p.doc.extra.Find("categories"));
}

TEST_CASE("a field of the wrong type is an error but the document loads", "[front-matter]") {
  Parsed p = Parse(
      "+++\n"
      "title = 3\n"
      "tags = 5\n"
      "date = \"2023-02-30\"\n"
      "status = \"someday\"\n"
      "services = [\"api\", 7]\n"
      "[incident]\nstarted = \"soon\"\n"
      "[[actions]]\ntext = \"x\"\nstatus = \"maybe\"\n"
      "+++\n# Heading title\n");
  REQUIRE(p.ok);
  const auto& items = p.diags.items();
  auto at = [&](int line, const std::string& rule) {
    for (const auto& d : items)
      if (d.line == line && d.rule == rule && d.level == util::Level::kError) return &d;
    return static_cast<const util::Diagnostic*>(nullptr);
  };
  REQUIRE(at(2, "schema/type"));
  CHECK(at(2, "schema/type")->message.find("`title` must be a string, not an integer") !=
        std::string::npos);
  CHECK(at(3, "schema/type"));
  REQUIRE(at(4, "schema/date"));
  CHECK(at(4, "schema/date")->message.find("2023-02-30") != std::string::npos);
  CHECK(at(5, "schema/status"));
  CHECK(at(6, "schema/type"));
  CHECK(at(8, "schema/date"));
  CHECK(at(11, "schema/status"));
  CHECK(items.size() == 7);
  // The rest still loads, with the bad fields empty.
  CHECK(p.doc.title == "Heading title");
  CHECK(p.doc.tags.empty());
  CHECK_FALSE(p.doc.date);
  CHECK(p.doc.status == "final");
  CHECK(p.doc.services == std::vector<std::string>{"api"});
  CHECK_FALSE(p.doc.incident.started);
  REQUIRE(p.doc.actions.size() == 1);
  CHECK(p.doc.actions[0].status == "open");
}

TEST_CASE("ids: explicit, unsafe, from the file name", "[front-matter]") {
  Parsed unsafe = Parse("+++\nid = \"../etc/passwd\"\n+++\n", "a/My Incident.md");
  REQUIRE(unsafe.ok);
  const auto* e = FindRule(unsafe.diags, "schema/id");
  REQUIRE(e);
  CHECK(e->line == 2);
  CHECK(unsafe.doc.id == "my-incident");
  CHECK(unsafe.doc.id_from_file_name);

  Parsed spaces = Parse("+++\nid = \"has space\"\n+++\n");
  CHECK(FindRule(spaces.diags, "schema/id"));

  Parsed unicode = Parse("", "Zürich DC outage.md");
  CHECK(unicode.doc.id == "zürich-dc-outage");
}

TEST_CASE("status draft and Hugo's draft flag", "[front-matter]") {
  CHECK(Parse("+++\nstatus = \"DRAFT\"\n+++\n").doc.status == "draft");
  CHECK(Parse("+++\ndraft = true\n+++\n").doc.status == "draft");
  CHECK(Parse("+++\ndraft = true\nstatus = \"review\"\n+++\n").doc.status == "review");
}

TEST_CASE("local date-times use the site timezone", "[front-matter]") {
  config::SiteConfig cfg;
  cfg.timezone_offset_minutes = 60;
  Parsed p = Parse("+++\n[incident]\nstarted = 2024-03-12T10:14:00\n+++\n", "x.md", cfg);
  REQUIRE(p.doc.incident.started);
  CHECK(p.doc.incident.started->utc_seconds == Utc(2024, 3, 12, 9, 14));
}

TEST_CASE("invalid UTF-8 is an error naming the line, and the file is left out",
          "[front-matter]") {
  Parsed p = Parse("+++\ntitle = \"ok\"\n+++\nline four\nbad \xff byte\n");
  CHECK_FALSE(p.ok);
  const auto* e = FindRule(p.diags, "schema/encoding");
  REQUIRE(e);
  CHECK(e->line == 5);
  CHECK(e->column == 5);
}

TEST_CASE("SplitFrontMatter", "[front-matter]") {
  using content::internal::SplitFrontMatter;
  auto none = SplitFrontMatter("# Title\n+++\n");
  CHECK(none.kind == content::FrontMatterKind::kNone);
  CHECK(none.body == "# Title\n+++\n");
  auto yaml = SplitFrontMatter("---\na: 1\n...\nBody");
  CHECK(yaml.kind == content::FrontMatterKind::kYaml);
  CHECK(yaml.block == "a: 1\n");
  CHECK(yaml.body == "Body");
  CHECK(yaml.body_line == 4);
  auto empty = SplitFrontMatter("+++\n+++\n");
  CHECK(empty.kind == content::FrontMatterKind::kToml);
  CHECK(empty.block.empty());
  CHECK_FALSE(empty.unterminated);
  auto open = SplitFrontMatter("---\na: 1\n");
  CHECK(open.unterminated);
  // A fence must be alone on its line.
  CHECK(SplitFrontMatter("+++ x\n+++\n").kind == content::FrontMatterKind::kNone);
}
