// casebook new, the library half: ids, escaping, filling an archetype, and
// the real theme archetype giving a file that parses and checks cleanly
// except for the "fill this in" findings.
#include "check_fixture.h"

#include "check/archetype.h"
#include "content/loader.h"
#include "util/fs.h"

using casebook::check::FillArchetype;
using casebook::check::NewPostmortem;
using casebook::check::TomlArray;
using casebook::check::TomlEscape;
using casebook::test::CheckSite;
using casebook::test::Dump;

TEST_CASE("new: ids from title and date", "[check][new]") {
  NewPostmortem pm;
  pm.date = "2024-03-12";
  pm.title = "Checkout API returned 503s (EU)";
  CHECK(pm.Id() == "2024-03-12-checkout-api-returned-503s-eu");
  pm.title = "!!!";
  CHECK(pm.Id() == "2024-03-12-postmortem");
  pm.title = std::string(100, 'a') + " b";
  CHECK(pm.Id().size() <= 11 + 60);
  pm.title = "word " + std::string(30, 'x') + " " + std::string(40, 'y');
  CHECK(pm.Id() == "2024-03-12-word-" + std::string(30, 'x'));
  pm.title = std::string(59, 'a') + "\xC3\xBC\xC3\xBC";  // cut inside "ü"
  std::string id = pm.Id();
  CHECK(id == "2024-03-12-" + std::string(59, 'a'));
}

TEST_CASE("new: TOML escaping and arrays", "[check][new]") {
  CHECK(TomlEscape("a \"quoted\" back\\slash\nline") == "a \\\"quoted\\\" back\\\\slash line");
  CHECK(TomlArray({}) == "[]");
  CHECK(TomlArray({"a", "b\"c"}) == "[\"a\", \"b\\\"c\"]");
}

TEST_CASE("new: placeholders are filled", "[check][new]") {
  NewPostmortem pm;
  pm.title = "Disk \"full\"";
  pm.date = "2024-05-01";
  pm.severity = "SEV3";
  pm.services = {"db"};
  std::string out = FillArchetype(
      "title = \"{{title}}\"\nid = \"{{ id }}\"\ndate = {{date}}\nseverity = "
      "\"{{severity}}\"\nservices = {{services}}\ntags = {{tags}}\n",
      pm);
  CHECK(out ==
        "title = \"Disk \\\"full\\\"\"\nid = \"2024-05-01-disk-full\"\ndate = 2024-05-01\n"
        "severity = \"SEV3\"\nservices = [\"db\"]\ntags = []\n");
}

TEST_CASE("new: default severity is the least severe level", "[check][new]") {
  CheckSite site;
  CHECK(casebook::check::DefaultSeverity(site.Config()) == "SEV4");
  site.site_toml += "[[severity]]\nname = \"high\"\n[[severity]]\nname = \"low\"\n";
  CHECK(casebook::check::DefaultSeverity(site.Config()) == "low");
}

TEST_CASE("new: the theme's archetype parses and checks with only fill-in findings",
          "[check][new]") {
  std::string archetype_path =
      casebook::test::SourceDir() + "/themes/default/archetypes/postmortem.md";
  if (!casebook::util::IsRegularFile(archetype_path)) {
    WARN("skipped: " << archetype_path << " does not exist yet");
    return;
  }
  std::string error;
  auto archetype = casebook::util::ReadFile(archetype_path, &error);
  REQUIRE(archetype);
  NewPostmortem pm;
  pm.title = "Checkout \"API\" down";
  pm.date = "2024-05-01";
  pm.severity = "SEV4";
  pm.services = {"checkout-api"};
  pm.tags = {"deploy", "database"};
  std::string text = FillArchetype(*archetype, pm);
  CHECK(text.find("{{") == std::string::npos);

  CheckSite site;
  site.Write("content/2024/" + pm.Id() + ".md", text);
  casebook::content::Document doc;
  casebook::util::Diagnostics diags;
  REQUIRE(casebook::content::ParseDocument(text, "x.md", "x.md", site.Config(), &doc, &diags));
  CHECK(diags.items().empty());
  CHECK(doc.title == "Checkout \"API\" down");
  CHECK(doc.id == pm.Id());
  CHECK(doc.severity == "SEV4");
  CHECK(doc.status == "draft");
  CHECK(doc.services == std::vector<std::string>{"checkout-api"});
  CHECK(doc.tags == std::vector<std::string>{"deploy", "database"});

  auto r = site.Check({}, "2024-05-01");
  INFO(Dump(r));
  CHECK(r.errors == 0);
  CHECK(r.ExitCode() == 0);
  for (const auto& d : r.diagnostics.items()) {
    bool expected = casebook::util::StartsWith(d.rule, "sections/") ||
                    casebook::util::StartsWith(d.rule, "actions/missing-");
    CHECK(expected);
  }
  CHECK_FALSE(casebook::test::Findings(r, "sections/empty").empty());
}
