#include <catch2/catch.hpp>

#include "config/config.h"
#include "test_support.h"

using namespace casebook;
using config::Parse;
using config::SiteConfig;

namespace {

// The diagnostics with `rule`.
std::vector<util::Diagnostic> WithRule(const util::Diagnostics& d, const std::string& rule) {
  std::vector<util::Diagnostic> out;
  for (const auto& item : d.items())
    if (item.rule == rule) out.push_back(item);
  return out;
}

}  // namespace

TEST_CASE("defaults when site.toml is empty", "[config]") {
  util::Diagnostics d;
  SiteConfig c = Parse("", "site/site.toml", &d);
  CHECK(d.items().empty());
  CHECK(c.root == "site");
  CHECK(c.title == "Postmortems");
  CHECK(c.base_url == "/");
  CHECK(c.SourceDir() == "site/content");
  CHECK(c.OutputDir() == "site/public");
  // The site has no themes/ folder: the theme that comes with casebook is used.
  CHECK(c.ThemeDir() == std::string(CASEBOOK_SOURCE_DIR) + "/themes/default");
  CHECK(c.IndexDir() == "site/.casebook/index");
  CHECK(c.timezone_offset_minutes == 0);
  REQUIRE(c.severities.size() == 4);
  CHECK(c.severities[0].name == "SEV1");
  CHECK(c.severities[0].label == "Critical");
  CHECK(c.severities[3].label == "Low");
  CHECK_FALSE(c.severities[1].color.empty());
  CHECK_FALSE(c.severities[2].description.empty());
  CHECK(c.taxonomies == std::vector<std::string>{"tags", "services", "severity"});
  CHECK(c.SeverityRank("SEV3") == 2);
  CHECK_FALSE(c.SeverityRank("P1"));
  CHECK(c.FindSeverity("SEV2")->label == "Major");
  CHECK(c.FindSeverity("nope") == nullptr);

  SiteConfig plain;  // a default-constructed config is usable as is
  CHECK(plain.severities.size() == 4);
  CHECK(plain.SourceDir() == "content");
}

TEST_CASE("a full site.toml", "[config]") {
  const std::string text = R"(title = "Acme postmortems"
base_url = "https://pm.acme.example/archive"
description = "What we learned"
language = "de"
source = "posts"
output = "/tmp/out"
theme = "plain"
timezone = "CET"
taxonomies = ["tags", "services", "severity", "categories"]
ticket_url = "https://jira.example.com/browse/{ticket}"
source_url = "https://git.example.com/pm/blob/main/{path}"
ignore = ["*template*"]

[[severity]]
name = "P1"
label = "Outage"
color = "#ff0000"
description = "Everything is down"

[[severity]]
name = "P2"

[markdown]
unsafe = true

[search]
index = "idx"
[search.synonyms]
db = ["database", "postgres"]
k8s = "kubernetes"

[check]
"blameless/counterfactual" = "off"
"links/broken" = "error"
required_sections = ["Summary", "Timeline"]
action_required = ["owner", "ticket"]
people = ["Dana Li"]
blameless_add = ["should have known"]
blameless_remove = ["simply"]

[check.timeline]
order = "warning"
)";
  util::Diagnostics d;
  SiteConfig c = Parse(text, "/srv/site/site.toml", &d);
  for (const auto& item : d.items()) INFO(item.Format());
  CHECK(d.items().empty());
  CHECK(c.title == "Acme postmortems");
  CHECK(c.base_url == "https://pm.acme.example/archive/");
  CHECK(c.description == "What we learned");
  CHECK(c.language == "de");
  CHECK(c.SourceDir() == "/srv/site/posts");
  CHECK(c.OutputDir() == "/tmp/out");
  CHECK(c.ThemeDir() == std::string(CASEBOOK_SOURCE_DIR) + "/themes/plain");  // no /srv/site/themes
  CHECK(c.IndexDir() == "/srv/site/idx");
  CHECK(c.timezone == "CET");
  CHECK(c.timezone_offset_minutes == 60);
  CHECK(c.taxonomies.size() == 4);
  CHECK(c.ticket_url == "https://jira.example.com/browse/{ticket}");
  CHECK(c.source_url == "https://git.example.com/pm/blob/main/{path}");
  CHECK(c.ignore == std::vector<std::string>{"README.md", "_index.md", "*template*"});
  REQUIRE(c.severities.size() == 2);
  CHECK(c.severities[0].name == "P1");
  CHECK(c.severities[0].label == "Outage");
  CHECK(c.severities[0].color == "#ff0000");
  CHECK(c.severities[1].label == "P2");  // label defaults to the name
  CHECK(c.severities[1].color.size() == 7);
  CHECK(c.markdown_unsafe);
  CHECK(c.search.synonyms.at("db") == std::vector<std::string>{"database", "postgres"});
  CHECK(c.search.synonyms.at("k8s") == std::vector<std::string>{"kubernetes"});
  CHECK(c.check.levels.at("blameless/counterfactual") == util::Level::kOff);
  CHECK(c.check.levels.at("links/broken") == util::Level::kError);
  CHECK(c.check.levels.at("timeline/order") == util::Level::kWarning);
  CHECK(c.check.required_sections == std::vector<std::string>{"Summary", "Timeline"});
  CHECK(c.check.action_required == std::vector<std::string>{"owner", "ticket"});
  CHECK(c.check.people == std::vector<std::string>{"Dana Li"});
  CHECK(c.check.blameless_add.size() == 1);
  CHECK(c.check.blameless_remove.size() == 1);
}

TEST_CASE("bad TOML is an error with line and column", "[config]") {
  util::Diagnostics d;
  SiteConfig c = Parse("title = \"ok\"\nbase_url = \n", "site.toml", &d);
  auto e = WithRule(d, "config/syntax");
  REQUIRE(e.size() == 1);
  CHECK(e[0].level == util::Level::kError);
  CHECK(e[0].file == "site.toml");
  CHECK(e[0].line == 2);
  CHECK(e[0].column > 0);
  CHECK(c.title == "Postmortems");  // defaults survive
}

TEST_CASE("unknown keys warn and suggest the nearest known key", "[config]") {
  util::Diagnostics d;
  Parse("titel = \"x\"\nfrobnicate = 1\n[markdown]\nunsaf = true\n", "site.toml", &d);
  auto w = WithRule(d, "config/unknown-key");
  REQUIRE(w.size() == 3);
  CHECK(d.ErrorCount() == 0);
  CHECK(w[0].level == util::Level::kWarning);
  CHECK(w[0].line == 1);
  CHECK(w[0].message.find("did you mean `title`") != std::string::npos);
  CHECK(w[1].line == 2);
  CHECK(w[1].message.find("did you mean") == std::string::npos);
  CHECK(w[2].line == 4);
  CHECK(w[2].message.find("`markdown.unsafe`") != std::string::npos);
}

TEST_CASE("values of the wrong type are errors at their line", "[config]") {
  util::Diagnostics d;
  SiteConfig c = Parse("title = 3\n\ntaxonomies = \"tags\"\nignore = [1]\n[markdown]\nunsafe = \"yes\"\n",
                       "site.toml", &d);
  auto e = WithRule(d, "config/type");
  REQUIRE(e.size() == 3);
  CHECK(e[0].line == 1);
  CHECK(e[0].message.find("`title` must be a string, not an integer") != std::string::npos);
  CHECK(e[1].line == 4);
  CHECK(e[2].line == 6);
  CHECK(c.title == "Postmortems");
  CHECK(c.taxonomies == std::vector<std::string>{"tags"});  // a lone string is a list
}

TEST_CASE("invalid values are errors", "[config]") {
  util::Diagnostics d;
  SiteConfig c = Parse(
      "timezone = \"Mars/Olympus\"\n"
      "[check]\n\"blameless/x\" = \"loud\"\naction_required = [\"cake\"]\n"
      "[[severity]]\nlabel = \"nameless\"\n"
      "[[severity]]\nname = \"S\"\ncolor = \"red;background:url(x)\"\n",
      "site.toml", &d);
  auto e = WithRule(d, "config/value");
  REQUIRE(e.size() == 5);
  CHECK(e[0].line == 1);
  CHECK(e[0].message.find("Mars/Olympus") != std::string::npos);
  CHECK(e[1].line == 3);
  CHECK(e[2].line == 4);
  CHECK(e[3].line == 5);  // the level without a name
  CHECK(e[3].message.find("needs a `name`") != std::string::npos);
  CHECK(e[4].line == 9);
  CHECK(e[4].message.find("CSS colour") != std::string::npos);
  CHECK(c.timezone == "UTC");
  REQUIRE(c.severities.size() == 1);
  CHECK(c.severities[0].name == "S");
  CHECK(c.severities[0].color.front() == '#');  // the bad colour was replaced
}

TEST_CASE("timezone accepts offsets", "[config]") {
  util::Diagnostics d;
  SiteConfig c = Parse("timezone = \"+05:30\"\n", "site.toml", &d);
  CHECK(d.items().empty());
  CHECK(c.timezone_offset_minutes == 330);
}

TEST_CASE("Load reports a missing site.toml and how to create one", "[config]") {
  test::TempDir dir;
  util::Diagnostics d;
  SiteConfig c = config::Load(dir.path() + "/site.toml", &d);
  REQUIRE(d.items().size() == 1);
  const auto& e = d.items()[0];
  CHECK(e.level == util::Level::kError);
  CHECK(e.file == dir.path() + "/site.toml");
  CHECK(e.message.rfind("site.toml not found: create one with", 0) == 0);
  CHECK(e.message.find("docs/configuration.md") != std::string::npos);
  CHECK(c.root == dir.path());
}

TEST_CASE("Load reads a file and resolves paths against its folder", "[config]") {
  test::TempDir dir;
  dir.Write("site.toml", "title = \"T\"\nsource = \"pm\"\n");
  util::Diagnostics d;
  SiteConfig c = config::Load(dir.path() + "/site.toml", &d);
  CHECK(d.items().empty());
  CHECK(c.title == "T");
  CHECK(c.SourceDir() == dir.path() + "/pm");
  CHECK(c.config_path == dir.path() + "/site.toml");

  util::Diagnostics d2;
  SiteConfig rel = config::Parse("", "site.toml", &d2);
  CHECK(rel.root.empty());
  CHECK(rel.SourceDir() == "content");
}

TEST_CASE("a site's own themes/ folder wins over the built-in themes", "[config]") {
  casebook::test::TempDir dir;
  dir.Write("themes/default/templates/base.mustache", "{{{content}}}");
  util::Diagnostics d;
  SiteConfig c = Parse("", dir.path() + "/site.toml", &d);
  CHECK(c.ThemeDir() == dir.path() + "/themes/default");
}

TEST_CASE("[limits]: defaults, values, and bad values at their line", "[config][limits]") {
  util::Diagnostics d;
  SiteConfig c = Parse("", "site.toml", &d);
  CHECK(c.limits.max_file_bytes == 5'000'000);
  CHECK(c.limits.max_nesting == 100);
  CHECK(c.limits.max_table_cells == 100'000);

  c = Parse("[limits]\nmax_file_bytes = 10000000\nmax_nesting = 200\nmax_table_cells = 7\n",
            "site.toml", &d);
  CHECK(d.items().empty());
  CHECK(c.limits.max_file_bytes == 10'000'000);
  CHECK(c.limits.max_nesting == 200);
  CHECK(c.limits.max_table_cells == 7);

  util::Diagnostics bad;
  c = Parse("[limits]\nmax_nesting = 5000\nmax_file_bytes = -1\nmax_table_cells = \"many\"\n"
            "max_depth = 3\n",
            "site.toml", &bad);
  CHECK(c.limits.max_nesting == 100);  // refused values keep the defaults
  CHECK(c.limits.max_file_bytes == 5'000'000);
  auto values = WithRule(bad, "config/value");
  REQUIRE(values.size() == 2);
  CHECK(values[0].line == 2);
  CHECK(values[0].message == "limits.max_nesting = 5000: must be from 1 to 1000");
  CHECK(values[1].line == 3);
  auto types = WithRule(bad, "config/type");
  REQUIRE(types.size() == 1);
  CHECK(types[0].line == 4);
  REQUIRE(WithRule(bad, "config/unknown-key").size() == 1);
  CHECK(WithRule(bad, "config/unknown-key")[0].line == 5);
}

TEST_CASE("a site.toml key of 50,000 parts is an error, not a stack overflow", "[config][limits]") {
  std::string key = "x";
  for (int i = 0; i < 50000; ++i) key += ".a";
  util::Diagnostics d;
  SiteConfig c = Parse("title = \"T\"\n" + key + " = 1\n", "site.toml", &d);
  REQUIRE(d.ErrorCount() == 1);
  CHECK(d.items()[0].line == 2);
  CHECK(d.items()[0].rule == "config/syntax");
  CHECK(d.items()[0].message.find("site.toml nests more than 1000 levels deep") == 0);
  // A 1,000-part key is within the bound and reaches toml++ (an unknown key).
  std::string within = "y";
  for (int i = 1; i < 1000; ++i) within += ".a";
  util::Diagnostics ok;
  Parse(within + " = 1\n", "site.toml", &ok);
  CHECK(ok.ErrorCount() == 0);
}
